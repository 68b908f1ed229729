"""Sequence logos of motif probability matrices, drawn with logomaker.

A logo shows each position's information content (bits, 0..2 for DNA) split into letters in
proportion to their probabilities: tall stacks are conserved positions.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from mxdna.report.canvas import BASE_COLORS, new_figure, png_uri, report_style

logger = logging.getLogger(__name__)

_EPSILON = 1e-9


def information_matrix(probabilities: np.ndarray) -> np.ndarray:
    """(w, 4) letter heights in bits: probability x (2 - entropy of the position)."""
    p = np.asarray(probabilities, dtype=np.float64)
    p = p / np.maximum(p.sum(axis=1, keepdims=True), _EPSILON)
    entropy = -np.sum(np.where(p > 0, p * np.log2(np.maximum(p, _EPSILON)), 0.0), axis=1)
    return p * np.clip(2.0 - entropy, 0.0, 2.0)[:, None]


def motif_logo(probabilities: np.ndarray, *, title: str = "") -> str:
    """A logo (PNG data URI) of a (w, 4) matrix over A, C, G, T."""
    import logomaker  # imported here: it pulls in pyplot, which only logos need

    heights = pd.DataFrame(information_matrix(probabilities), columns=list("ACGT"))
    width = 0.6 + 0.22 * len(heights)
    with report_style():
        figure = new_figure(width, 0.95)
        ax = figure.add_subplot()
        logomaker.Logo(heights, ax=ax, color_scheme=BASE_COLORS_ACGT, font_name="DejaVu Sans")
        ax.set_ylim(0, 2)
        ax.set_yticks([0, 1, 2])
        ax.set_ylabel("bits", fontsize=7, labelpad=1)
        ax.tick_params(labelsize=6, length=2, pad=1)
        ax.set_xticks(range(0, len(heights), 5 if len(heights) > 12 else 1))
        if title:
            ax.set_title(title, fontsize=7)
    return png_uri(figure)


BASE_COLORS_ACGT = {b: BASE_COLORS[b] for b in "ACGT"}
