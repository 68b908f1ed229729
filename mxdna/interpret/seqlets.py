"""Seqlets: short windows of high positive attribution (the places a motif was used).

A window of `width` bases is scored by the sum of its per-base attributions; windows scoring
above a threshold that is set from the whole dataset's window scores (the `quantile` of all
windows, and at least `min_fraction` of the dataset's best window) are taken greedily, best
first, without overlaps, and widened by `flank` bases on each side (equal lengths align best
when seqlets are clustered into motifs; motifs are trimmed afterwards).
Coordinates are 0-based, half-open, in bases of the input sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Seqlet:
    sequence: int  # index of the record
    start: int
    end: int
    score: float  # summed attribution over [start, end)


def _window_sums(values: np.ndarray, width: int) -> np.ndarray:
    if len(values) < width:
        return np.zeros(0)
    cumulative = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    return cumulative[width:] - cumulative[:-width]


def find_seqlets(
    base_attributions: Sequence[np.ndarray],
    *,
    width: int = 15,
    flank: int = 3,
    quantile: float = 0.99,
    min_fraction: float = 0.2,
    max_per_sequence: int = 3,
) -> list[Seqlet]:
    """Seqlets of all sequences, ordered by sequence then start."""
    if width < 1 or flank < 0 or not 0 < quantile < 1:
        raise ValueError("width must be >= 1, flank >= 0 and 0 < quantile < 1")
    sums = [_window_sums(np.asarray(v, dtype=np.float64), width) for v in base_attributions]
    every = np.concatenate(sums) if sums else np.zeros(0)
    if every.size == 0 or every.max() <= 0:
        return []
    threshold = max(float(np.quantile(every, quantile)), min_fraction * float(every.max()), 0.0)
    found: list[Seqlet] = []
    for index, (values, windows) in enumerate(zip(base_attributions, sums, strict=True)):
        taken = np.zeros(len(values), dtype=bool)
        here = 0
        for start in np.argsort(-windows, kind="stable")[: 20 * max_per_sequence]:
            if windows[start] <= threshold or here >= max_per_sequence:
                break
            end = start + width
            if taken[start:end].any():
                continue
            lo, hi = max(0, start - flank), min(len(values), end + flank)
            taken[max(0, start - flank) : end + flank] = True
            found.append(Seqlet(index, lo, hi, float(np.sum(values[lo:hi]))))
            here += 1
    return sorted(found, key=lambda s: (s.sequence, s.start))
