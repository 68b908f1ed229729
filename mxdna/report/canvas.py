"""Matplotlib figures as inline data URIs, rendered the same way every time.

Figures are created as `matplotlib.figure.Figure` objects (no pyplot state, no GUI backend) and
saved with the Agg/SVG renderers. Determinism: a fixed `svg.hashsalt`, no dates or software tags
in the metadata, and the same fonts and sizes for every figure, so equal inputs give equal bytes.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib
from matplotlib.figure import Figure

#: one palette for the whole report (Okabe–Ito, distinguishable with colour-vision deficiency)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
#: base colours shared by logos and attribution tracks (logomaker's "classic" scheme)
BASE_COLORS = {"A": "#009600", "C": "#0000FF", "G": "#FFA500", "T": "#FF0000", "N": "#999999"}
POSITIVE, NEGATIVE = "#B2182B", "#2166AC"

STYLE = {
    "svg.hashsalt": "mxdna-report",
    "svg.fonttype": "none",  # text stays text: small files, crisp and searchable
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "path.simplify": True,
}


@contextmanager
def report_style() -> Iterator[None]:
    """The report's matplotlib settings, for the duration of the block only."""
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A bare figure (inches) with a constrained layout; call inside `report_style`."""
    return Figure(figsize=(width, height), layout="constrained")


def svg_uri(figure: Figure) -> str:
    """The figure as a ``data:image/svg+xml;base64,...`` URI (deterministic bytes)."""
    buffer = io.BytesIO()
    with report_style():
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def png_uri(figure: Figure, dpi: int = 144) -> str:
    """The figure as a ``data:image/png;base64,...`` URI (no software tag: deterministic)."""
    buffer = io.BytesIO()
    with report_style():
        figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
