"""`warm_start_wide_heads`: start the linear heads at the logistic regression on their inputs.

The k-mer head (and, on aligned data, the position head) is a logistic regression inside the
network, trained jointly with the encoder from zero. But AdamW moves a weight by about the
learning rate per step, so in the few hundred steps of a small run the head stays far from the
regression it stands for: on ienhancer_2l layer 2 the k-mer logistic regression alone scores
0.508 test MCC while every mxdna column was at 0.33-0.36, and raising the head's learning
rate overfits elsewhere (docs/training.md). So before the first epoch the heads are set to the
L2 logistic regression fitted on exactly the features they read (all heads together: their
logits add), with its strength chosen by cross-entropy — on the validation split, or (`folds`
>= 2) by k-fold cross-validation on the training set, which sees every training sequence
instead of a tenth as many; the encoder then learns what the regression misses (wide and deep,
with the wide part fitted first).

Fitting is scikit-learn's L-BFGS on a sparse matrix: deterministic, a few seconds for 2,000
sequences of 100-300 bp. Reverse-complement strands are extra rows when the run augments.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from scipy import sparse

from mxdna.model.encoder import SequenceClassifier
from mxdna.training.batches import EncodedSplit, collate

logger = logging.getLogger(__name__)

# inverse L2 strengths tried (scikit-learn's C); the one with the lowest validation loss wins
STRENGTHS = (0.01, 0.1, 1.0, 10.0)
FEATURE_BATCH = 256
# training sequences the regression sees at most (a seeded sample beyond): 20,000 sequences of
# 1 kb hold ~70 M non-zero 1..6-mer counts per strand, ~1.7 GB as a sparse matrix
MAX_SEQUENCES = 20_000


@dataclass(frozen=True)
class WarmStart:
    """The regression the heads start from: its inverse strength C, the held-out loss that
    chose it, and what it was held out from ("validation" or "5-fold CV": the mean over folds)."""

    strength: float
    held_out_loss: float
    chosen_on: str


def warm_start_wide_heads(
    model: SequenceClassifier,
    train: EncodedSplit,
    val: EncodedSplit,
    *,
    balanced: bool,
    device: torch.device,
    seed: int = 0,
    max_sequences: int = MAX_SEQUENCES,
    folds: int = 0,
) -> WarmStart | None:
    """Set every wide head's weights and bias to the logistic regression fitted on `train`
    (class-balanced sample weights when `balanced`); None when the model has no wide head.
    Every class must occur in `train` (the run's classes are the training labels); beyond
    `max_sequences` training sequences a sample drawn with `seed` is fitted. Its strength is
    chosen by the loss on `val` (`folds` 0; `val` is not read otherwise) or by `folds`-fold
    cross-validation on `train`."""
    layers = model.wide_head_layers()
    if not layers:
        return None
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    n_classes = model.config.n_classes
    chosen = np.arange(len(train))
    if len(train) > max_sequences:
        chosen = np.random.default_rng(seed).choice(chosen, max_sequences, replace=False)
        # a rare class the sample missed keeps one sequence, so every class gets its logit
        missing = np.setdiff1d(np.unique(train.labels), train.labels[chosen])
        firsts = [np.flatnonzero(train.labels == c)[0] for c in missing]
        chosen = np.sort(np.concatenate([chosen, np.asarray(firsts, dtype=chosen.dtype)]))
    x_train, y_train = _design(model, train, chosen, device)
    w_train = _weights(y_train, n_classes, balanced)
    labels = np.arange(n_classes)

    def fit(strength: float, rows: np.ndarray | slice = slice(None)):
        regression = LogisticRegression(C=strength, max_iter=1000)
        with warnings.catch_warnings():
            # a not-quite-converged fit is still a good start; the network trains on from it
            warnings.simplefilter("ignore", ConvergenceWarning)
            return regression.fit(x_train[rows], y_train[rows], sample_weight=w_train[rows])

    if folds >= 2:
        chosen_on, fitted = f"{folds}-fold CV", {}
        fold = _fold_of_rows(y_train[: len(chosen)], len(y_train), folds, seed)
        forward = np.arange(len(y_train)) < len(chosen)  # score each sequence once
        tests = [(fold != k, (fold == k) & forward) for k in range(folds)]

        def held_out_loss(strength: float) -> float:
            losses = []
            for rows, test in tests:
                probabilities = _probabilities(fit(strength, rows), x_train[test], n_classes)
                weights = w_train[test]
                losses.append(
                    log_loss(y_train[test], probabilities, sample_weight=weights, labels=labels)
                )
            return float(np.mean(losses))

        losses = {strength: held_out_loss(strength) for strength in STRENGTHS}
    else:
        # the validation split is read only here; the full fits are kept, not repeated
        chosen_on = "validation"
        x_val, y_val = _design(model, val, np.arange(len(val)), device, strands=("forward",))
        w_val = _weights(y_val, n_classes, balanced)
        fitted = {strength: fit(strength) for strength in STRENGTHS}
        losses = {
            strength: float(
                log_loss(y_val, r.predict_proba(x_val), sample_weight=w_val, labels=labels)
            )
            for strength, r in fitted.items()
        }
    strength = min(STRENGTHS, key=losses.__getitem__)  # ties: the stronger regularisation
    regression = fitted[strength] if strength in fitted else fit(strength)
    weight, bias = _logit_weights(regression)
    _assign(layers, weight, bias)
    logger.info(
        "wide heads start at logistic regression C=%g (%s loss %.4f)",
        strength,
        chosen_on,
        losses[strength],
    )
    return WarmStart(strength=strength, held_out_loss=losses[strength], chosen_on=chosen_on)


def _design(
    model: SequenceClassifier,
    split: EncodedSplit,
    chosen: np.ndarray,
    device: torch.device,
    strands: tuple[str, ...] = ("forward", "reverse"),
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Sparse (N', F) wide-head inputs, heads side by side, and labels (N',): the `chosen`
    sequences, then (when the split holds them and `strands` asks) their reverse complements."""
    rows, labels = [], []
    for strand in strands:
        if strand == "reverse" and not split.rc_ids:
            continue
        for start in range(0, len(chosen), FEATURE_BATCH):
            indices = chosen[start : start + FEATURE_BATCH]
            flip = np.full(len(indices), strand == "reverse")
            ids, offsets, mask, y = collate(split, indices, flip)
            features = model.wide_head_features(ids.to(device), offsets.to(device), mask.to(device))
            block = torch.cat(list(features.values()), dim=1).float().cpu().numpy()
            rows.append(sparse.csr_matrix(block))
            labels.append(y.numpy())
    return sparse.vstack(rows, format="csr"), np.concatenate(labels)


def _fold_of_rows(labels: np.ndarray, n_rows: int, folds: int, seed: int) -> np.ndarray:
    """Fold (0..folds-1) of each design row. The first len(labels) rows are the sequences;
    rows past them are their reverse complements in the same order and share their fold, so no
    strand pair spans train and test. Each class is dealt round the folds in a seeded order
    (stratified: every fold's training part holds every class with two or more sequences)."""
    n_sequences = len(labels)
    fold = np.empty(n_sequences, dtype=np.int64)
    rng = np.random.default_rng(seed)
    for cls in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == cls))
        fold[members] = np.arange(len(members)) % folds
    return fold[np.arange(n_rows) % n_sequences]


def _probabilities(regression, x: sparse.csr_matrix, n_classes: int) -> np.ndarray:
    """(N, n_classes) probabilities; a class the fit never saw gets 0 (log_loss clips it)."""
    seen = regression.predict_proba(x)
    out = np.zeros((x.shape[0], n_classes), dtype=seen.dtype)  # float32 on float32 inputs
    out[:, regression.classes_] = seen
    return out


def _weights(y: np.ndarray, n_classes: int, balanced: bool) -> np.ndarray:
    """Per-sample weights: n / (classes * count of the sample's class), or all ones."""
    if not balanced:
        return np.ones(len(y))
    counts = np.bincount(y, minlength=n_classes)
    return (len(y) / (n_classes * np.maximum(counts, 1)))[y]


def _logit_weights(regression) -> tuple[np.ndarray, np.ndarray]:
    """Weight (C, F) and bias (C,) whose softmax equals the regression's probabilities.
    Binary: scikit-learn keeps one logit z for class 1; (-z/2, z/2) has the same softmax."""
    coef, intercept = regression.coef_, regression.intercept_
    if len(regression.classes_) == 2:
        return np.vstack([-coef / 2, coef / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
    return coef, intercept


def _assign(layers: dict[str, torch.nn.Linear], weight: np.ndarray, bias: np.ndarray) -> None:
    """Split the regression's columns across the heads in order; the bias goes to the first."""
    start = 0
    for index, layer in enumerate(layers.values()):
        width = layer.in_features
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(weight[:, start : start + width]))
            layer.bias.copy_(torch.from_numpy(bias) if index == 0 else torch.zeros_like(layer.bias))
        start += width
