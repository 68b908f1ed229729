"""Information gain of tokens about the label, from per-class presence counts."""

from __future__ import annotations

import numpy as np

from mxdna.tokenizer.lattice import Segmentation


def presence_counts(
    segmentation: Segmentation, classes: np.ndarray, n_tokens: int, n_classes: int
) -> np.ndarray:
    """int64 (V, C): number of sequences of each class whose segmentation uses each token."""
    seq_of = segmentation.sequence_index()
    pairs = np.sort(seq_of * n_tokens + segmentation.ids)
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])]  # each (sequence, token) once
    token = pairs % n_tokens
    cls = classes[pairs // n_tokens]
    return np.bincount(token * n_classes + cls, minlength=n_tokens * n_classes).reshape(
        n_tokens, n_classes
    )


def _entropy(counts: np.ndarray) -> np.ndarray:
    """Entropy in bits of the rows of a count matrix (..., C); 0 for empty rows."""
    total = counts.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(total > 0, counts / total, 0.0)
        terms = np.where(p > 0, -p * np.log2(p), 0.0)
    return terms.sum(axis=-1)


def information_gain(presence: np.ndarray, class_totals: np.ndarray) -> np.ndarray:
    """IG(t) = H(Y) - H(Y | X_t) in bits, X_t = "the sequence contains token t".

    presence: (V, C) sequences per class containing t; class_totals: (C,) sequences per class.
    Returns float64 (V,), each in [0, H(Y)].
    """
    n = class_totals.sum()
    absent = class_totals[None, :] - presence
    p_present = presence.sum(axis=1) / n
    conditional = p_present * _entropy(presence) + (1 - p_present) * _entropy(absent)
    return np.maximum(_entropy(class_totals[None, :])[0] - conditional, 0.0)
