"""Attributions: which tokens and bases drove a prediction.

Integrated gradients (IG) on the model's two inputs, the token embeddings and the one-hot bases
its base-resolution motif detectors read (`BaseContext`): the path runs from a baseline where
both are zero (the encoder still sees token positions and the padding mask, so the baseline is
"tokens with no content at the same places") to the real inputs, in `steps` Riemann midpoints.
An input's attribution is (x − 0)·mean gradient summed over its features; by the completeness of
IG a sequence's attributions sum to about logit(x) − logit(baseline) of the target class.
A base's value is its one-hot attribution plus an even share of its token's embedding
attribution (tokenizer offsets); a token's value is the sum over its bases, so base and token
values of a sequence sum to the same total.

In-silico mutagenesis (ISM) is a second method at base resolution: every base is replaced by
each other base, the mutant is re-tokenized (a mutation can change the segmentation) and scored;
a base's value is logit(reference) − mean logit(mutants). 3·L forward passes per sequence, so for
small sets.

Every sequence is computed alone with respect to its own inputs (the model is padding-invariant),
so results do not depend on the batch size; on CPU they are deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from mxdna.model.encoder import SequenceClassifier, token_scores
from mxdna.tokenizer.base import BaseTokenizer
from mxdna.training.batches import EncodedSplit, collate, encode_split
from mxdna.training.trainer import predict_probabilities

BASELINE_DESCRIPTION = "zero token embeddings and zero one-hot bases (positions and mask kept)"


@dataclass(frozen=True)
class Attributions:
    """Per-sequence attributions, ragged arrays in lists of length N.

    base[i]: (L_i,) float32; token[i]: (T_i,) float32 (IG only; ISM gives token values as the
    sum over each token's bases); token_ids[i]: (T_i,); token_offsets[i]: (T_i, 2) bases;
    target: (N,) class index explained; probabilities: (N, C); completeness_gap (IG only):
    (N,) |Σ token values − (logit(x) − logit(baseline))| / max(|logit(x) − logit(baseline)|,
    1e-3) — how far the `steps` midpoint sum is from IG's exact total (0 = converged)."""

    base: list[np.ndarray]
    token: list[np.ndarray]
    token_ids: list[np.ndarray]
    token_offsets: list[np.ndarray]
    target: np.ndarray
    probabilities: np.ndarray
    completeness_gap: np.ndarray | None = None


def _explained(
    model: SequenceClassifier,
    tokenizer: BaseTokenizer,
    sequences: Sequence[str],
    target: int | None,
    batch_size: int,
    both_strands: bool,
) -> tuple[EncodedSplit, np.ndarray, np.ndarray]:
    """Encoded sequences, class probabilities (N, C) and the class explained for each (N,):
    `target`, or each sequence's predicted class. With `both_strands` the probabilities (and so
    the predicted class) are the mean over both strands; the forward strand is what is explained."""
    split = encode_split(tokenizer, sequences, np.zeros(len(sequences)), both_strands=both_strands)
    probabilities = predict_probabilities(model, split, batch_size)
    if target is None:
        targets = probabilities.argmax(axis=1).astype(np.int64)
    else:
        targets = np.full(len(probabilities), target, dtype=np.int64)
    return split, probabilities, targets


def _collect(
    split: EncodedSplit,
    targets: np.ndarray,
    probabilities: np.ndarray,
    base: list[np.ndarray],
    token: list[np.ndarray],
    completeness_gap: np.ndarray | None = None,
) -> Attributions:
    return Attributions(
        base=base,
        token=token,
        token_ids=list(split.ids),
        token_offsets=list(split.offsets),
        target=targets,
        probabilities=probabilities.astype(np.float32),
        completeness_gap=completeness_gap,
    )


def _spread(token_values: np.ndarray, offsets: np.ndarray, length: int) -> np.ndarray:
    """Token values (T,) → base values (L,): each token's value divided evenly over its bases."""
    base = np.zeros(length, dtype=np.float64)
    widths = np.maximum(offsets[:, 1] - offsets[:, 0], 1)
    for value, (start, end), width in zip(token_values, offsets, widths, strict=True):
        base[start:end] = value / width
    return base.astype(np.float32)


def integrated_gradients(
    model: SequenceClassifier,
    tokenizer: BaseTokenizer,
    sequences: Sequence[str],
    *,
    target: int | None = None,
    steps: int = 32,
    batch_size: int = 16,
    both_strands: bool = False,
) -> Attributions:
    """IG of the target logit (default: each sequence's predicted class) w.r.t. token embeddings.
    `both_strands`: the predicted class is the mean over both strands (runs that `predict` so).

    Each batch holds `steps` interpolation points of one sequence at a time, so no sequence's
    result depends on which others are in the batch."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    model.eval()
    split, probabilities, targets = _explained(
        model, tokenizer, sequences, target, batch_size, both_strands
    )
    alphas = (torch.arange(steps, dtype=torch.float32) + 0.5) / steps  # midpoint rule
    token_values, base_values, gaps = [], [], []
    for i, sequence in enumerate(sequences):
        ids, offsets, mask, _ = collate(split, np.array([i]))
        inputs = model.attribution_inputs(ids, offsets, mask)
        with torch.no_grad():  # IG's exact total, to say how well `steps` approximates it
            full = model(ids, offsets, mask, *inputs)[0, targets[i]]
            empty = model(ids, offsets, mask, *[torch.zeros_like(x) for x in inputs])[0, targets[i]]
        expected = float(full) - float(empty)
        totals = [torch.zeros_like(x) for x in inputs]
        for chunk in alphas.split(batch_size):
            n = len(chunk)
            paths = [(chunk.view(-1, 1, 1) * x).requires_grad_(True) for x in inputs]
            logits = model(ids.expand(n, -1), offsets.expand(n, -1, -1), mask.expand(n, -1), *paths)
            gradients = torch.autograd.grad(logits[:, targets[i]].sum(), paths)
            for total, gradient in zip(totals, gradients, strict=True):
                total += gradient.sum(dim=0, keepdim=True)
        products = [x.double() * total / steps for x, total in zip(inputs, totals, strict=True)]
        scores = token_scores(products, offsets, mask)[0].numpy()  # float64
        token_values.append(scores.astype(np.float32))
        gaps.append(abs(float(scores.sum()) - expected) / max(abs(expected), 1e-3))
        # a base: an even share of its token's embedding value, plus its own one-hot value
        base = _spread(products[0].sum(dim=-1)[0].numpy(), split.offsets[i], len(sequence))
        if len(products) > 1:
            base = base + products[1].sum(dim=-1)[0].numpy()[: len(sequence)]
        base_values.append(base.astype(np.float32))
    gap = np.array(gaps, dtype=np.float64)
    return _collect(split, targets, probabilities, base_values, token_values, gap)


def in_silico_mutagenesis(
    model: SequenceClassifier,
    tokenizer: BaseTokenizer,
    sequences: Sequence[str],
    *,
    target: int | None = None,
    batch_size: int = 64,
    both_strands: bool = False,
) -> Attributions:
    """Per-base logit(reference) − mean logit(the three mutants), target as in IG. Bases that
    are not A/C/G/T (N, IUPAC) get 0."""
    model.eval()
    split, probabilities, targets = _explained(
        model, tokenizer, sequences, target, batch_size, both_strands
    )
    base_values, token_values = [], []
    for i, sequence in enumerate(sequences):
        mutants, where = [], []
        for position, base in enumerate(sequence):
            if base.upper() not in "ACGT":
                continue
            for alternative in "ACGT":
                if alternative != base.upper():
                    mutants.append(sequence[:position] + alternative + sequence[position + 1 :])
                    where.append(position)
        scored = encode_split(tokenizer, [sequence, *mutants], np.zeros(1 + len(mutants)),
                              both_strands=False)  # fmt: skip
        logits = np.zeros(len(scored))
        with torch.no_grad():
            for start in range(0, len(scored), batch_size):
                indices = np.arange(start, min(start + batch_size, len(scored)))
                ids, offsets, mask, _ = collate(scored, indices)
                logits[indices] = model(ids, offsets, mask)[:, targets[i]].double().numpy()
        effect = np.zeros(len(sequence))
        if mutants:
            sums = np.bincount(where, weights=logits[1:], minlength=len(sequence))
            counts = np.bincount(where, minlength=len(sequence))
            measured = counts > 0
            effect[measured] = logits[0] - sums[measured] / counts[measured]
        base = effect.astype(np.float32)
        base_values.append(base)
        offsets_i = split.offsets[i]
        token_values.append(
            np.array([base[s:e].sum() for s, e in offsets_i], dtype=np.float32).reshape(-1)
        )
    return _collect(split, targets, probabilities, base_values, token_values)


def token_importance_table(
    attributions: Attributions, tokens: Sequence[str]
) -> dict[str, tuple[int, float]]:
    """{token: (occurrences, mean attribution)} over the dataset, for tokens that occur."""
    ids = np.concatenate(attributions.token_ids) if attributions.token_ids else np.zeros(0, int)
    values = np.concatenate(attributions.token) if attributions.token else np.zeros(0)
    counts = np.bincount(ids, minlength=len(tokens))
    sums = np.bincount(ids, weights=values, minlength=len(tokens))
    return {tokens[t]: (int(counts[t]), float(sums[t] / counts[t])) for t in np.flatnonzero(counts)}
