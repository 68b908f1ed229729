"""`mxdna tokenize fit|encode|inspect`: learn a motif vocabulary, tokenize FASTA, look inside a
tokenizer file. Each command is a thin call into `mxdna.tokenizer`; this module only formats."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import numpy as np
from mxdna_cli.data import fasta_inputs

from mxdna.errors import SingleClassError
from mxdna.io.fasta import read_fasta
from mxdna.io.label_plan import LabelPlan
from mxdna.io.labels import load_fasta_set
from mxdna.io.writers import AtomicFiles, check_writable
from mxdna.tokenizer import BaseTokenizer, Tokenizer, load_tokenizer
from mxdna.tokenizer.vocabulary import SPECIAL_TOKENS

TSV_COLUMNS = ("id", "n_tokens", "tokens", "starts")
_FIRST_REAL_ID = len(SPECIAL_TOKENS)  # ids below are [PAD] [CLS] [MASK] [UNK]
_BAR_WIDTH = 40


def _fasta_option(help_text: str) -> click.Option:
    return click.Option(
        ["--fasta"],
        multiple=True,
        required=True,
        type=click.Path(path_type=Path),
        help=help_text,
    )


def _fasta_and_label_params() -> list[click.Parameter]:
    """--fasta (repeatable) plus the --labels/--label-key/--case/--ambiguous/
    --allow-extra-labels options of the `mxdna data` commands (same meaning, same defaults)."""
    shared = fasta_inputs(click.Command("probe")).params  # applied last-to-first
    labels = [p for p in reversed(shared) if p.name != "fasta"]  # its positional FASTA argument
    return [
        _fasta_option("FASTA file (plain/gzip/bgzip); repeat for several, e.g. one per class."),
        *labels,
    ]


@click.group()
def tokenize() -> None:
    """Learn a motif tokenizer, tokenize FASTA files, inspect a tokenizer file."""


# -- fit ---------------------------------------------------------------------------------------


@tokenize.command(params=_fasta_and_label_params())
@click.option(
    "--out", required=True, type=click.Path(path_type=Path), help="Tokenizer JSON file to write."
)
@click.option(
    "--vocab-size",
    type=int,
    default=4096,
    show_default=True,
    help="Total ids, including the 9 fixed ones (4 specials, A/C/G/T, N).",
)
@click.option("--max-motif-len", type=int, default=12, show_default=True, help="In bases.")
@click.option(
    "--n-iter", type=int, default=8, show_default=True, help="At most this many EM iterations."
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Picks the training subset under --max-fit-bases (otherwise the fit uses no randomness).",
)
@click.option(
    "--max-fit-bases",
    type=click.IntRange(min=1),
    help="Fit on a random subset of sequences holding about this many bases.  [default: all]",
)
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="A candidate motif must occur at least this often.",
)
@click.option(
    "--unsupervised",
    is_flag=True,
    help="Ignore labels: rank tokens by likelihood only (no information gain).",
)
@click.option(
    "--rc-tied",
    is_flag=True,
    help="Tie each motif to its reverse complement (for unoriented data such as peaks).",
)
@click.option(
    "--merge-labels",
    multiple=True,
    metavar="NEW=OLD1,OLD2",
    help="Merge labels into one class before fitting (repeatable), as in 'mxdna train'.",
)
@click.option("--keep-classes", metavar="A,B", help="Fit on these classes only (after merging).")
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="Threads for segmentation.  [default: all CPUs this process may use]",
)
def fit(
    fasta: tuple[Path, ...],
    labels: Path | None,
    label_key: str,
    case: str,
    ambiguous: str,
    allow_extra_labels: bool,
    out: Path,
    vocab_size: int,
    max_motif_len: int,
    n_iter: int,
    seed: int,
    max_fit_bases: int | None,
    min_count: int,
    unsupervised: bool,
    rc_tied: bool,
    merge_labels: tuple[str, ...],
    keep_classes: str | None,
    threads: int | None,
) -> None:
    """Fit the learnable motif tokenizer on FASTA files and write it to OUT (one JSON file).

    Labels follow the rules of 'mxdna data' (header 'label=', a --labels table, or one class per
    file). With labels, tokens are also ranked by their information gain about the class;
    unlabelled data or --unsupervised give a likelihood-only (unigram-LM) vocabulary.
    Prints the vocabulary size, bases per token and the top 10 tokens by information gain.
    """
    check_writable(out)
    plan = LabelPlan.parse(merge_labels, keep_classes)
    dataset = load_fasta_set(
        list(fasta),
        labels=labels,
        label_key=label_key,
        case=case,  # type: ignore[arg-type]
        ambiguous=ambiguous,  # type: ignore[arg-type]
        allow_extra_labels=allow_extra_labels,
    )
    dataset = plan.apply(dataset)
    y = None if unsupervised else dataset.labels
    if y is not None and len(dataset.classes) < 2:
        where = ", ".join(str(p) for p in fasta)
        raise SingleClassError(
            f"only 1 class ({dataset.classes[0]}) in {where}: information gain needs at least 2; "
            "add records of another class or pass --unsupervised"
        )
    tokenizer = Tokenizer(
        vocab_size=vocab_size,
        max_motif_len=max_motif_len,
        n_iter=n_iter,
        seed=seed,
        min_count=min_count,
        max_fit_bases=max_fit_bases,
        rc_tied=rc_tied,
        n_jobs=threads,
    ).fit(dataset.sequences, y)
    tokenizer.save(out)
    n_bases = sum(len(s) for s in dataset.sequences)
    supervision = f"{len(tokenizer.classes_)} classes" if y is not None else "no labels used"
    subset = f"; fitted on a subset of about {max_fit_bases:,} bases" if max_fit_bases else ""
    click.echo(
        f"{out}: {_count(tokenizer.vocab_size, 'token')} from {_count(len(dataset), 'sequence')} "
        f"({_count(n_bases, 'base')}; {supervision}{subset})"
    )
    click.echo(_format_bases_per_token(_bases_per_token(tokenizer)))
    click.echo(_format_top(_top_tokens(tokenizer, 10)))


# -- encode ------------------------------------------------------------------------------------


@tokenize.command(
    params=[_fasta_option("FASTA file to tokenize (plain/gzip/bgzip); repeat for several.")]
)
@click.option(
    "--tokenizer",
    "tokenizer_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Tokenizer JSON file (any kind: learned or baseline).",
)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="TSV file to write.")
def encode(fasta: tuple[Path, ...], tokenizer_path: Path, out: Path) -> None:
    """Tokenize every record of the FASTA files into a TSV file OUT.

    \b
    One header line, then one row per record, in input order:
      id        the FASTA record id
      n_tokens  number of tokens T
      tokens    the T token strings, separated by single spaces
      starts    the T start offsets (0-based, in bases), separated by single spaces

    Token t covers bases [starts[t], starts[t+1]) and the last one ends at the sequence length,
    so the tokens tile the sequence. Tokens are upper case and any IUPAC ambiguity code is the
    token 'N': joined, a row's tokens equal the upper-cased sequence with ambiguity codes as N.
    (Exception: an overlapping k-mer baseline gives one k-base window per start, so its tokens
    overlap.)
    """
    check_writable(out)
    tokenizer = load_tokenizer(tokenizer_path)
    ids: list[str] = []
    sequences: list[str] = []
    for path in fasta:
        for record in read_fasta(path):
            ids.append(record.id)
            sequences.append(record.sequence)
    segmentation = tokenizer.segment(sequences)
    strings = np.array(tokenizer.tokens, dtype=object)[segmentation.ids]
    starts = segmentation.starts.tolist()
    bounds = segmentation.seq_token_starts.tolist()
    with AtomicFiles() as files:
        handle = files.open(out)
        handle.write("\t".join(TSV_COLUMNS) + "\n")
        for i, record_id in enumerate(ids):
            a, b = bounds[i], bounds[i + 1]
            handle.write(
                f"{record_id}\t{b - a}\t{' '.join(strings[a:b])}\t"
                f"{' '.join(map(str, starts[a:b]))}\n"
            )
    n_bases = sum(len(s) for s in sequences)
    n_tokens = len(strings)
    click.echo(
        f"{out}: {_count(len(ids), 'sequence')}, {_count(n_tokens, 'token')} "
        f"({n_bases / max(n_tokens, 1):.2f} bases per token)"
    )


# -- inspect -----------------------------------------------------------------------------------


@tokenize.command()
@click.argument("tokenizer_path", metavar="TOKENIZER", type=click.Path(path_type=Path))
@click.option("--top", type=click.IntRange(min=0), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
def inspect(tokenizer_path: Path, top: int, as_json: bool) -> None:
    """Describe a tokenizer file: kind, vocabulary, classes, top tokens by information gain
    (bits), token lengths, bases per token and the per-iteration fitting history.

    Baseline tokenizers (char, k-mer, BPE) show what they have; columns they lack are '-'.
    """
    tokenizer = load_tokenizer(tokenizer_path)
    report = describe(tokenizer, top)
    if as_json:
        click.echo(json.dumps({"path": str(tokenizer_path), **report}, indent=2))
        return
    click.echo(format_report(report, str(tokenizer_path)))


def describe(tokenizer: BaseTokenizer, top: int) -> dict[str, Any]:
    """Plain-JSON description of a tokenizer (what `inspect` prints)."""
    tokens = tokenizer.tokens
    lengths = Counter(len(t) for t in tokens[_FIRST_REAL_ID:])
    params = tokenizer.get_params() if hasattr(tokenizer, "get_params") else {}
    return {
        "kind": tokenizer.kind,
        "vocab_size": tokenizer.vocab_size,
        "n_special": _FIRST_REAL_ID,
        "classes": list(getattr(tokenizer, "classes_", ())),
        "params": params,
        "bases_per_token": _bases_per_token(tokenizer),
        "top_tokens": _top_tokens(tokenizer, top),
        "token_lengths": {str(k): lengths[k] for k in sorted(lengths)},
        "history": list(getattr(tokenizer, "history_", [])),
    }


def _array(tokenizer: BaseTokenizer, name: str) -> list[float] | None:
    values = getattr(tokenizer, name, None)
    return None if values is None else np.asarray(values, dtype=np.float64).tolist()


def _scores(tokenizer: BaseTokenizer) -> list[float | None] | None:
    vocabulary = getattr(tokenizer, "vocabulary_", None)
    scores = getattr(vocabulary, "scores", None)
    if scores is None:
        return None
    return [float(s) if np.isfinite(s) else None for s in np.asarray(scores).tolist()]


def _top_tokens(tokenizer: BaseTokenizer, n: int) -> dict[str, Any]:
    """The n non-special tokens with the highest information gain (ties: lower id first); by
    count where a tokenizer has no (or only zero) gains; {"by": None} with neither."""
    gain = _array(tokenizer, "information_gain_")
    counts = _array(tokenizer, "counts_")
    scores = _scores(tokenizer)
    if gain is not None and any(g > 0 for g in gain):
        by, key = "information_gain", gain
    elif counts is not None:
        by, key = "count", counts
    else:
        return {"by": None, "tokens": []}
    order = sorted(range(_FIRST_REAL_ID, len(key)), key=lambda i: (-key[i], i))[:n]
    rows = [
        {
            "id": i,
            "token": tokenizer.tokens[i],
            "information_gain": None if gain is None else gain[i],
            "count": None if counts is None else int(counts[i]),
            "score": None if scores is None else scores[i],
        }
        for i in order
    ]
    return {"by": by, "tokens": rows}


def _bases_per_token(tokenizer: BaseTokenizer) -> float | None:
    """Bases per token on the training data in the last fitting iteration, if recorded."""
    history = getattr(tokenizer, "history_", None) or []
    value = history[-1].get("bases_per_token") if history else None
    return None if value is None else float(value)


# -- text formatting ---------------------------------------------------------------------------


def format_report(report: dict[str, Any], title: str) -> str:
    """The text that `mxdna tokenize inspect` prints."""
    lengths = {int(k): v for k, v in report["token_lengths"].items()}
    motifs = sum(v for k, v in lengths.items() if k > 1)
    classes = report["classes"]
    lines = [
        title,
        f"kind: {report['kind']}",
        f"vocabulary: {report['vocab_size']:,} tokens ({report['n_special']} special, "
        f"{lengths.get(1, 0)} single-base, {motifs:,} longer)",
        f"classes: {', '.join(classes)} ({len(classes)})" if classes else "classes: none",
        _format_bases_per_token(report["bases_per_token"]),
        "",
        _format_top(report["top_tokens"]),
        "",
        "token lengths (bases):",
        *_format_histogram(lengths),
    ]
    if report["history"]:
        lines += ["", "fitting history:", *_format_history(report["history"])]
    return "\n".join(lines)


def _format_bases_per_token(value: float | None) -> str:
    if value is None:
        return "bases per token: - (not recorded)"
    return f"bases per token: {value:.2f} (training data, last EM iteration)"


def _format_top(top: dict[str, Any]) -> str:
    if top["by"] is None or not top["tokens"]:
        return "top tokens: - (this tokenizer records neither information gain nor counts)"
    by = "information gain" if top["by"] == "information_gain" else "count"
    width = max(5, *(len(r["token"]) for r in top["tokens"]))
    lines = [
        f"top {len(top['tokens'])} tokens by {by}:",
        f"  {'id':>6}  {'token':<{width}}  {'IG (bits)':>9}  {'count':>9}  {'score':>8}",
    ]
    for row in top["tokens"]:
        lines.append(
            f"  {row['id']:>6}  {row['token']:<{width}}  {_num(row['information_gain'], '.4f'):>9}"
            f"  {_num(row['count'], ',d'):>9}  {_num(row['score'], '.3f'):>8}"
        )
    return "\n".join(lines)


def _format_histogram(counts: dict[int, int]) -> list[str]:
    peak = max(counts.values(), default=0)
    return [
        f"  {k:>3}  {'#' * max(1, round(_BAR_WIDTH * v / peak)):<{_BAR_WIDTH}}  {v:,}"
        for k, v in sorted(counts.items())
    ]


_HISTORY_COLUMNS = (
    ("iteration", "iter", "d"),
    ("pool_size", "pool", ",d"),
    ("log_likelihood", "log-likelihood", ",.1f"),
    ("mean_information_gain", "mean IG", ".5f"),
    ("vocabulary_churn", "churn", ".3f"),
    ("bases_per_token", "bases/token", ".3f"),
)


def _format_history(history: Sequence[dict[str, Any]]) -> list[str]:
    widths = [max(len(title), 8) for _, title, _ in _HISTORY_COLUMNS]
    header = "  " + "  ".join(
        f"{title:>{w}}" for (_, title, _), w in zip(_HISTORY_COLUMNS, widths, strict=True)
    )
    rows = [
        "  "
        + "  ".join(
            f"{_num(row.get(key), spec):>{w}}"
            for (key, _, spec), w in zip(_HISTORY_COLUMNS, widths, strict=True)
        )
        for row in history
    ]
    return [header, *rows]


def _num(value: float | int | None, spec: str) -> str:
    if value is None:
        return "-"
    if spec.endswith("d"):
        value = int(value)
    return format(value, spec)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"
