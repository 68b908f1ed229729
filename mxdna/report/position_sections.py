"""The "Positions" panel of runs trained with `aligned: true`: where in the window the signal is.

Two views, both counting positions from 1 (base 1 = the first base of the window): the weights of
the position head (`mxdna.model.position_head.PositionalBaseHead`, a linear read-out of the
one-hot base at each of the first P positions), centred per position; and the mean attribution
at each position over the attributed sequences (aligned windows, so position j is the same place
relative to the landmark in every sequence). Runs trained without `aligned` get no such panel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mxdna.report import figures
from mxdna.report.attribution_files import AttributionContent
from mxdna.report.attribution_sections import no_attributions_note
from mxdna.report.html import Section, esc, image, missing, note, number, table
from mxdna.report.run_files import RunContent

BASES = "ACGT"
#: at most this many classes get a heatmap row or an attribution line
MAX_CLASSES = 8
TOP_POSITIONS = 10
POSITION_AXIS = "Positions count from 1: base 1 is the first base of the window."


@dataclass(frozen=True)
class TopPosition:
    """A position whose weights differ much between bases, for the class where they differ most."""

    position: int  # 0-based
    class_index: int
    preferred: str  # the base with the highest weight
    avoided: str  # the base with the lowest weight
    weight_range: float  # highest - lowest weight over the four bases


def centred_weights(weights: np.ndarray) -> np.ndarray:
    """(C, P, 4) weights minus their mean over the four bases at each position and class.

    A constant added at one position shifts the class's logit equally for every window with a
    base there (it acts like the bias), so only the differences between bases carry meaning."""
    return weights - weights.mean(axis=2, keepdims=True)


def top_positions(weights: np.ndarray, n: int = TOP_POSITIONS) -> list[TopPosition]:
    """The n positions of (C, P, 4) weights with the largest range over the bases (max - min),
    taking at each position the class where it is largest (ties: the first class); ordered by
    range, then position."""
    spread = weights.max(axis=2) - weights.min(axis=2)  # (C, P)
    best_class = spread.argmax(axis=0)  # (P,)
    best = spread.max(axis=0)  # (P,)
    order = sorted(range(weights.shape[1]), key=lambda j: (-best[j], j))[:n]
    return [
        TopPosition(
            position=j,
            class_index=int(best_class[j]),
            preferred=BASES[int(weights[best_class[j], j].argmax())],
            avoided=BASES[int(weights[best_class[j], j].argmin())],
            weight_range=float(best[j]),
        )
        for j in order
    ]


def position_means(attributions: AttributionContent) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean attribution at each 0-based position j over the sequences that have a base there.

    Returns (K, L) signed means per explained class (NaN where no sequence of that class reaches
    j), (L,) mean |attribution| over all sequences, and (K,) sequences per explained class;
    K classes, L the longest sequence."""
    a = attributions.arrays
    starts = a["base_starts"]
    lengths = np.diff(starts)  # (N,)
    n_classes, longest = len(attributions.classes), int(lengths.max(initial=0))
    position = np.arange(starts[-1]) - np.repeat(starts[:-1], lengths)  # (ΣL,) 0-based
    klass = np.repeat(a["target"].astype(np.int64), lengths)  # (ΣL,)
    values = a["base_values"].astype(np.float64)  # (ΣL,)
    cell = klass * longest + position
    size = n_classes * longest
    sums = np.bincount(cell, weights=values, minlength=size).reshape(n_classes, longest)
    counts = np.bincount(cell, minlength=size).reshape(n_classes, longest)
    signed = np.full((n_classes, longest), np.nan)
    np.divide(sums, counts, out=signed, where=counts > 0)
    reach = np.maximum(np.bincount(position, minlength=longest), 1)
    absolute = np.bincount(position, weights=np.abs(values), minlength=longest) / reach
    return signed, absolute, np.bincount(a["target"], minlength=n_classes)


def positions_section(
    run: RunContent, attributions: AttributionContent | None, no_attributions_reason: str
) -> Section:
    """Position-head weights and mean attribution per position of an aligned run."""
    intro = note(
        "This run was trained with aligned: true (windows cut around one landmark on its "
        "strand). Besides the encoder, a linear position head reads the base at each of the "
        f"first {run.position_head} positions and adds to the class logits. {POSITION_AXIS}"
    )
    body = (
        intro
        + "<h3>Position-head weights</h3>"
        + _weights_panel(run)
        + "<h3>Mean attribution per position</h3>"
        + _attribution_panel(run, attributions, no_attributions_reason)
    )
    return Section("positions", "Positions", body)


def _weights_panel(run: RunContent) -> str:
    if run.position_head == 0:
        return missing(
            "This run's model has no position head (<code>model.position_head</code> is 0 in "
            "config.yaml), so there are no position weights to show."
        )
    if run.position_weights is None:
        return missing(
            "No model weights: <code>model.safetensors</code> is missing from the run "
            "directory, so the position head cannot be shown (<code>mxdna train</code> writes "
            "it with the other run files)."
        )
    weights = centred_weights(run.position_weights)  # (C, P, 4)
    shown = min(len(run.classes), MAX_CLASSES)
    uri = figures.position_heatmap(weights[:shown], [f"class '{c}'" for c in run.classes[:shown]])
    caption = (
        "Weights of the position head, one row per class, centred at each position (the mean "
        "over the four bases subtracted): red bases raise the class's logit, blue ones lower "
        "it; one colour scale for all rows."
    )
    notes = []
    if len(run.classes) == 2:
        notes.append(
            "With two classes only the difference between the two logits matters, so the rows "
            "are usually mirror images: a base that raises one class lowers the other."
        )
    if len(run.classes) > shown:
        notes.append(
            f"Showing the first {shown} of {len(run.classes)} classes; the table below covers "
            "all of them."
        )
    return (
        image(uri, "position-head weights", caption)
        + "".join(map(note, notes))
        + _top_table(run, weights)
    )


def _top_table(run: RunContent, weights: np.ndarray) -> str:
    top = top_positions(weights)
    rows = [
        [
            number(t.position + 1),
            esc(run.classes[t.class_index]),
            f"<code>{t.preferred}</code>",
            f"<code>{t.avoided}</code>",
            number(t.weight_range, 3),
        ]
        for t in top
    ]
    header = ("position", "class", "preferred base", "avoided base", "weight range")
    return (
        f"<h3>Top {len(top)} positions by weight range</h3>"
        + table(header, rows, numeric=(0, 4), css_class="positions")
        + note(
            "Weight range: the highest minus the lowest weight over the four bases at that "
            "position, for the class where it is largest — how far the base there can move "
            "that class's logit. Preferred / avoided base: highest / lowest weight. "
            f"{POSITION_AXIS} (0-based coordinates, as in seqlets.bed, are one less.)"
        )
    )


def _attribution_panel(
    run: RunContent, attributions: AttributionContent | None, reason: str
) -> str:
    if attributions is None:
        return no_attributions_note(str(run.path), reason)
    if attributions.n_sequences == 0:
        return missing("The attribution files hold no sequences.")
    signed, absolute, per_class = position_means(attributions)
    explained = [k for k in range(len(attributions.classes)) if per_class[k] > 0]
    lines = {
        f"towards '{attributions.classes[k]}' ({per_class[k]:,} seq.)": signed[k]
        for k in explained[:MAX_CLASSES]
    }
    uri = figures.position_profile(lines, absolute)
    caption = (
        f"Mean over the {attributions.n_sequences:,} attributed sequences of the per-base "
        f"attribution (method: {attributions.info.get('method', 'unknown')}) at each position; "
        "where lengths differ, over the sequences that reach the position. Top: signed, per "
        "explained class (above zero: the bases there support the class); bottom: magnitude. "
        "Meaningful when the attributed sequences are cut like the training windows."
    )
    more = (
        note(f"Showing the first {MAX_CLASSES} of {len(explained)} explained classes.")
        if len(explained) > MAX_CLASSES
        else ""
    )
    return image(uri, "mean attribution per position", caption) + more
