"""Report panels about the run itself: summary and config, metrics, training, test, tokenizer."""

from __future__ import annotations

import json

import numpy as np

from mxdna.report import figures
from mxdna.report.attribution_files import AttributionContent
from mxdna.report.html import Section, esc, image, key_values, missing, note, number, table
from mxdna.report.run_files import RunContent
from mxdna.report.tables import MISSING

METRIC_LABELS = {
    "accuracy": "accuracy",
    "mcc": "MCC",
    "macro_f1": "macro-F1",
    "auroc": "AUROC",
    "auprc": "AUPRC",
}
TOP_TOKENS = 20


def summary_section(run: RunContent, attributions: AttributionContent | None) -> Section:
    """What was trained on what, and every resolved setting."""
    config = run.config
    inputs = config.get("inputs") or {}
    epochs = run.history.column("epoch")
    rounds = sorted(set(run.history.column("round")), key=_as_int)
    test = run.metrics.get("test")
    pairs = [
        ("run directory", f"<code>{esc(run.path)}</code>"),
        ("classes", ", ".join(esc(c) for c in run.classes)),
        ("training data", _paths(inputs.get("fasta"))),
        ("validation data", _paths(inputs.get("val")) or "split from the training data"),
        ("test data", _paths(inputs.get("test")) or "none"),
        ("tokenizer", f"{esc(run.tokenizer.kind)}, {len(run.tokenizer.tokens):,} tokens"),
        ("epochs trained", f"{len(epochs)} in {len(rounds)} tokenizer round(s)"),
        ("best epoch", number(run.best_epoch)),
        ("test accuracy / MCC", _test_headline(test)),
        (
            "attributions",
            f"{attributions.n_sequences:,} sequences, {len(attributions.motifs):,} motifs"
            if attributions
            else "none",
        ),
    ]
    settings = []
    for part in ("train", "model"):
        values = config.get(part) or {}
        rows = [(esc(k), f"<code>{esc(_show(v))}</code>") for k, v in values.items()]
        settings.append(f"<div><h3>{part} settings</h3>{table(('setting', 'value'), rows)}</div>")
    body = (
        key_values(pairs)
        + "<details open><summary>Resolved configuration (config.yaml)</summary>"
        + f'<div class="row">{"".join(settings)}</div></details>'
    )
    return Section("summary", "Run summary", body)


def _as_int(text: str) -> int:
    try:
        return int(float(text))
    except ValueError:
        return 0


def _paths(value: object) -> str:
    if not value:
        return ""
    items = value if isinstance(value, list) else [value]
    return ", ".join(f"<code>{esc(p)}</code>" for p in items)


def _show(value: object) -> str:
    """A setting as YAML writes it (null, true, [a, b])."""
    if value is None or isinstance(value, (bool, list, dict)):
        return json.dumps(value)
    return str(value)


def _test_headline(test: dict[str, float | None] | None) -> str:
    if not test:
        return "no test set"
    return f"{number(test.get('accuracy'))} / {number(test.get('mcc'))}"


def metrics_section(run: RunContent) -> Section:
    """Final metrics per split (the weights of the best epoch)."""
    names = list(METRIC_LABELS) + sorted(
        {k for values in run.metrics.values() for k in values} - set(METRIC_LABELS)
    )
    header = ["split", *(METRIC_LABELS.get(n, n) for n in names)]
    rows = [
        [esc(split), *(number(values.get(n)) for n in names)]
        for split, values in run.metrics.items()
    ]
    body = table(header, rows, numeric=range(1, len(header))) + note(
        "Scores of the kept (best-epoch) weights. MCC: Matthews correlation (0 = chance, 1 = "
        "perfect). Macro-F1 averages the classes' F1 equally. AUROC/AUPRC: area under the ROC and "
        "precision–recall curves (one-vs-rest, macro-averaged with more than two classes). "
        "— means undefined (e.g. a class absent from the split)."
    )
    return Section("metrics", "Metrics", body)


def training_section(run: RunContent) -> Section:
    """Loss, validation metrics and learning rate per epoch."""
    history = run.history
    validation = {
        METRIC_LABELS.get(name[4:], name[4:]): history.numbers(name)
        for name in history.header
        if name.startswith("val_")
    }
    if len(history) == 0:
        return Section("training", "Training curves", missing("history.tsv has no epochs."))
    uri = figures.training_curves(
        history.numbers("epoch"),
        history.numbers("round"),
        history.numbers("train_loss"),
        history.numbers("learning_rate") if history.has("learning_rate") else None,
        validation,
        run.best_epoch,
    )
    caption = (
        "One point per epoch. A new round starts when the tokenizer is re-fitted with the "
        "model's token importance; the loss may jump there as the segmentation changes."
    )
    return Section("training", "Training curves", image(uri, "training curves", caption))


def test_section(run: RunContent) -> Section:
    """Confusion matrix and ROC/PR curves of the test predictions, if there are any."""
    title = "Test set: confusion, ROC and precision–recall"
    predictions = run.predictions
    if predictions is None:
        return Section(
            "test",
            title,
            missing(
                "No test predictions in this run (<code>predictions.tsv</code> is absent): "
                "train with <code>mxdna train ... --test TEST.fa</code> to get these plots."
            ),
        )
    labels = predictions.column("label")
    known = [i for i, label in enumerate(labels) if label not in MISSING]
    index = {c: k for k, c in enumerate(run.classes)}
    if not known or any(labels[i] not in index for i in known):
        return Section("test", title, missing("The test predictions have no usable labels."))
    y_true = np.array([index[labels[i]] for i in known])
    y_pred = np.array([index[predictions.column("predicted")[i]] for i in known])
    probabilities = np.stack([predictions.numbers(f"p_{c}")[known] for c in run.classes], axis=1)
    body = (
        note(f"{len(known):,} labelled test sequences.")
        + '<div class="row">'
        + image(
            figures.confusion(y_true, y_pred, run.classes),
            "confusion matrix",
            "Rows: true class; columns: predicted class (the most probable). Each cell: "
            "count and share of its row.",
        )
        + image(
            figures.roc_pr(y_true, probabilities, run.classes),
            "ROC and PR curves",
            "Left: ROC; right: precision against recall, from the predicted probabilities. "
            "With two classes the second class is the positive one; with more, each class "
            "against the rest.",
        )
        + "</div>"
    )
    return Section("test", title, body)


def tokenizer_section(run: RunContent, attributions: AttributionContent | None) -> Section:
    """Token lengths, the most informative tokens, and how the vocabulary changed."""
    tok = run.tokenizer
    parts = [
        note(
            f"A {tok.kind} tokenizer with {len(tok.tokens):,} tokens (including "
            f"{tok.n_special} special tokens, the single bases and N)."
        )
    ]
    row = [_length_histogram(run, attributions), _top_tokens(run, attributions)]
    parts.append('<div class="row">' + "".join(row) + "</div>")
    parts.append(_churn(run))
    return Section("tokenizer", "Tokenizer", "".join(parts))


def _length_histogram(run: RunContent, attributions: AttributionContent | None) -> str:
    tok = run.tokenizer
    ids = np.arange(tok.n_special, len(tok.tokens))
    lengths = np.array([len(tok.tokens[i]) for i in ids])
    if tok.counts is not None and tok.counts[ids].sum() > 0:
        weights, source = tok.counts[ids], "token occurrences in the tokenizer's fit data"
    elif attributions is not None and attributions.tokens is not None:
        lengths = attributions.tokens.numbers("length").astype(np.int64)
        weights, source = attributions.tokens.numbers("count"), "tokens in the attributed sequences"
    else:
        weights, source = np.ones(len(ids)), "vocabulary entries (no token counts recorded)"
    uri = figures.length_histogram(lengths, weights, title="Bases per token")
    return image(uri, "bases per token histogram", f"Share of {source} by length in bases.")


def _top_tokens(run: RunContent, attributions: AttributionContent | None) -> str:
    tok = run.tokenizer
    if tok.information_gain is not None:
        ids = [
            i for i in range(len(tok.tokens)) if len(tok.tokens[i]) > 1 and "[" not in tok.tokens[i]
        ]
        gains = tok.information_gain[ids]
        counts = tok.counts[ids] if tok.counts is not None else np.full(len(ids), np.nan)
        tokens = [tok.tokens[i] for i in ids]
    elif attributions is not None and attributions.tokens is not None:
        tokens = attributions.tokens.column("token")
        gains = attributions.tokens.numbers("information_gain")
        counts = attributions.tokens.numbers("count")
    else:
        return missing(f"A {esc(tok.kind)} tokenizer records no information gain per token.")
    order = sorted(range(len(tokens)), key=lambda k: (-_finite(gains[k]), tokens[k]))[:TOP_TOKENS]
    if not order:
        return missing("The tokenizer has no multi-base tokens.")
    attribution = _mean_attribution(attributions)
    uri = figures.bar_chart(
        [tokens[k] for k in order],
        np.array([gains[k] for k in order]),
        title=f"Top {len(order)} tokens by information gain",
        xlabel="information gain about the label (bits)",
    )
    rows = [
        [
            f"<code>{esc(tokens[k])}</code>",
            number(len(tokens[k])),
            number(gains[k], 3),
            number(counts[k]),
            number(attribution.get(tokens[k]), 3),
        ]
        for k in order
    ]
    listing = table(
        ("token", "bases", "IG (bits)", "count", "mean attribution"), rows, numeric=(1, 2, 3, 4)
    )
    caption = (
        "IG = H(label) − H(label | token present): how much knowing that a sequence contains "
        "the token tells about its class. Mean attribution (from the attribution files, if any) "
        "is the model's average credit to the token."
    )
    return (
        "<div>"
        + image(uri, "top tokens by information gain", caption)
        + f"<details><summary>as a table</summary>{listing}</details></div>"
    )


def _finite(value: float) -> float:
    return float(value) if np.isfinite(value) else -np.inf


def _mean_attribution(attributions: AttributionContent | None) -> dict[str, float]:
    if attributions is None or attributions.tokens is None:
        return {}
    tokens = attributions.tokens
    return dict(
        zip(tokens.column("token"), tokens.numbers("mean_attribution").tolist(), strict=True)
    )


def _churn(run: RunContent) -> str:
    history = run.history
    rounds, churn, rows = [], [], []
    seen: set[str] = set()
    for i, r in enumerate(history.column("round")):
        if r in seen:
            continue
        seen.add(r)
        rounds.append(_as_int(r))
        value = history.numbers("vocab_churn")[i] if history.has("vocab_churn") else np.nan
        churn.append(0.0 if np.isnan(value) else float(value))
        rows.append(
            [
                esc(r),
                esc(history.column("epoch")[i]),
                *(
                    number(history.numbers(c)[i], 3) if history.has(c) else "—"
                    for c in ("vocab_size", "vocab_churn", "bases_per_token")
                ),
            ]
        )
    em = run.tokenizer.em_history
    iterations = list(range(len(em)))
    em_churn = [float(h.get("vocabulary_churn", np.nan)) for h in em]
    uri = figures.churn_chart(rounds, churn, iterations, em_churn)
    listing = table(
        ("round", "first epoch", "vocabulary size", "churn", "bases per token"),
        rows,
        numeric=(0, 1, 2, 3, 4),
    )
    caption = (
        "Churn = share of the vocabulary that is new compared with the previous vocabulary. "
        "Left: at each tokenizer refit between training rounds (round 0 is the initial fit); "
        "right: at each expectation–maximisation iteration of the initial fit and the refits. "
        "A falling churn means the vocabulary has settled."
    )
    return "<h3>Vocabulary churn</h3>" + image(uri, "vocabulary churn", caption) + listing
