"""Per-base attribution tracks of example sequences (a chart, and shaded sequence text).

The chart has two rows sharing the base axis: bars of the per-base attribution coloured by base
(seqlets shaded behind), and the tokenizer's segmentation as boxes coloured by each token's
attribution. `shaded_sequence` writes the same per-base values as HTML text shading.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import PolyCollection
from matplotlib.colors import TwoSlopeNorm
from matplotlib.patches import Patch

from mxdna.report.canvas import BASE_COLORS, new_figure, report_style, svg_uri

#: shading levels of `shaded_sequence` on each side of zero (CSS classes n1..n4, p1..p4)
LEVELS = 4


def attribution_track(
    sequence: str,
    values: np.ndarray,
    token_spans: np.ndarray,
    token_values: np.ndarray,
    seqlets: Sequence[tuple[int, int, str]] = (),
    *,
    title: str,
) -> str:
    """Chart of one sequence: (L,) per-base values, (T, 2) token spans with (T,) values, and
    seqlets as (start, end, motif id) in sequence coordinates."""
    length = len(sequence)
    limit = float(np.max(np.abs(values))) if length else 1.0
    limit = limit if limit > 0 else 1.0
    with report_style():
        figure = new_figure(10.0, 2.5)
        top, strip = figure.subplots(2, 1, sharex=True, height_ratios=(4, 1))
        for start, end, motif in seqlets:
            top.axvspan(start - 0.5, end - 0.5, color="#FFE08A", alpha=0.6, lw=0)
            top.text(
                (start + end) / 2 - 0.5, limit * 1.02, motif, ha="center", va="bottom", fontsize=7
            )
        colors = [BASE_COLORS.get(b, BASE_COLORS["N"]) for b in sequence.upper()]
        top.add_collection(_boxes(np.arange(length) - 0.5, np.ones(length), 0, values, colors))
        top.axhline(0, color="#444444", lw=0.6)
        top.set_ylim(-limit * 1.1, limit * 1.25)
        top.set(title=title, ylabel="attribution")
        top.legend(
            handles=[Patch(color=BASE_COLORS[b], label=b) for b in "ACGT"],
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=7,
        )
        _token_strip(strip, token_spans, token_values)
        strip.set(xlabel="position in sequence (bases, 0-based)", xlim=(-0.5, length - 0.5))
    return svg_uri(figure)


def _token_strip(ax, spans: np.ndarray, values: np.ndarray) -> None:
    limit = float(np.max(np.abs(values))) if len(values) else 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-(limit or 1.0), vmax=limit or 1.0)
    colors = colormaps["RdBu_r"](norm(values))
    ax.add_collection(
        _boxes(
            spans[:, 0] - 0.5,
            spans[:, 1] - spans[:, 0],
            0,
            np.ones(len(spans)),
            colors,
            edgecolor="#555555",
            linewidth=0.3,
        )
    )
    ax.set_ylim(0, 1)
    ax.set_yticks([0.5], ["tokens"])
    ax.tick_params(axis="y", length=0)
    ax.spines[["left", "top", "right"]].set_visible(False)


def _boxes(
    left: np.ndarray, width: np.ndarray, bottom: float, height: np.ndarray, colors, **style
) -> PolyCollection:
    """Many rectangles as one collection (far faster to draw and save than one patch each)."""
    right, top = left + width, bottom + np.asarray(height, dtype=np.float64)
    corners = np.stack(
        [
            np.stack([left, np.full_like(top, bottom)], axis=1),
            np.stack([left, top], axis=1),
            np.stack([right, top], axis=1),
            np.stack([right, np.full_like(top, bottom)], axis=1),
        ],
        axis=1,
    )  # (n, 4, 2)
    return PolyCollection(corners, facecolors=colors, **({"linewidth": 0} | style))


def shaded_sequence(sequence: str, values: np.ndarray, per_line: int = 100) -> str:
    """HTML: the sequence in monospace, each base shaded by its attribution (red supports the
    explained class, blue opposes it), with the 0-based position at the start of each line."""
    values = np.nan_to_num(np.asarray(values, dtype=np.float64))
    limit = float(np.max(np.abs(values))) if len(values) else 0.0
    levels = np.rint(values / limit * LEVELS).astype(np.int64) if limit > 0 else values.astype(int)
    cells = []
    for base, level in zip(sequence, levels.tolist(), strict=True):
        letter = html.escape(base, quote=False)
        shade = f"{'p' if level > 0 else 'n'}{abs(level)}"
        cells.append(letter if level == 0 else f'<span class="{shade}">{letter}</span>')
    lines = [
        f'<span class="pos">{start:>6}</span> ' + "".join(cells[start : start + per_line])
        for start in range(0, len(sequence), per_line)
    ]
    return '<pre class="seq">' + "\n".join(lines) + "</pre>"
