"""Fitting the motif vocabulary by expectation-maximisation with information gain.

One iteration (see docs/tokenizer.md):

1. **E-step** — Viterbi-segment every training sequence under the current token scores and
   count, per token, its uses and the sequences of each class that use it.
2. **M-step** — new scores: smoothed log relative frequencies of the uses.
3. **Score** — per motif token: its likelihood contribution ``uses x (score - best score of its
   own string without it)`` (what removing it costs), its information gain about the label, and
   optionally an external importance (a trained model's attribution); combined as a weighted
   mean of ranks, so that the three scales never need calibrating against each other.
4. **Prune** the lowest-ranked tokens (the pool shrinks geometrically to `vocab_size`), then
   **grow** new candidates from the highest-gain tokens (one-base extensions and frequent
   adjacent pairs), which the next E-step evaluates.

Without labels the information gain is not used and the procedure is the unigram-LM EM of
SentencePiece (with Viterbi counts). Everything is deterministic: ties break on the token string.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mxdna.alphabet import reverse_complement
from mxdna.tokenizer.candidates import Corpus, count_strings, grow, seed_candidates
from mxdna.tokenizer.information import information_gain, presence_counts
from mxdna.tokenizer.lattice import Segmentation, to_codes, viterbi
from mxdna.tokenizer.vocabulary import FIRST_MOTIF_ID, Vocabulary, make_vocabulary

logger = logging.getLogger(__name__)

_GROWTH_SAMPLE_BASES = 1_000_000


@dataclass(frozen=True)
class FitSettings:
    """Knobs of the EM fit (the `Tokenizer` constructor documents each)."""

    vocab_size: int
    max_motif_len: int
    n_iter: int
    min_count: int = 2
    seed_factor: float = 4.0
    shrink: float = 0.75
    grow_fraction: float = 0.1
    ig_weight: float = 0.5
    importance_weight: float = 0.25
    smoothing: float = 0.1
    n_threads: int = 1
    rc_tied: bool = False

    @property
    def motif_slots(self) -> int:
        return self.vocab_size - FIRST_MOTIF_ID


@dataclass(frozen=True)
class FitResult:
    """The fitted vocabulary with per-token statistics of the final E-step (arrays (V,))."""

    vocabulary: Vocabulary
    counts: np.ndarray
    information_gain: np.ndarray
    history: list[dict[str, float]]


@dataclass(frozen=True)
class _Step:
    vocabulary: Vocabulary
    segmentation: Segmentation
    counts: np.ndarray
    scores: np.ndarray
    information_gain: np.ndarray
    partner: np.ndarray | None = None  # (V,) id of each token's reverse complement, if tied


def fit_vocabulary(
    corpus: Corpus,
    classes: np.ndarray | None,
    settings: FitSettings,
    *,
    importance: Mapping[str, float] | None = None,
    initial_motifs: Sequence[str] | None = None,
) -> FitResult:
    """Fit a vocabulary on `corpus`; `classes` is int64 (S,) class index per sequence or None."""
    n_classes = int(classes.max()) + 1 if classes is not None else 0
    if initial_motifs is None:
        raw = seed_candidates(
            corpus,
            max_len=settings.max_motif_len,
            n_candidates=max(int(settings.seed_factor * settings.motif_slots), 1),
            min_count=settings.min_count,
        )
    else:
        raw = count_strings(corpus, initial_motifs)
    base_counts = np.bincount(corpus.codes, minlength=5)[:5]
    scores = _initial_scores(raw, base_counts, len(corpus.codes))
    if settings.rc_tied:  # seed both strands of every candidate
        missing = {reverse_complement(t) for t in raw} - set(raw)
        raw = {**raw, **count_strings(corpus, missing)}
    pool = sorted(raw)
    history: list[dict[str, float]] = []
    previous: set[str] = set(pool)
    targets = _prune_targets(len(pool), settings)
    # raw frequencies only seed grown candidates' first E-step: a bounded sample is enough
    growth_sample = corpus.sample(_GROWTH_SAMPLE_BASES)
    for iteration in range(settings.n_iter):
        began = time.perf_counter()
        step = _em_step(corpus, classes, n_classes, pool, scores, settings)
        keep = _keep_scores(step, settings, importance, labelled=classes is not None)
        pool = _top(step.vocabulary.motifs, keep, targets[iteration], settings.rc_tied)
        churn = len(set(pool) - previous) / max(len(pool), 1)  # share of new tokens
        history.append(_record(iteration, step, churn))
        logger.info(
            "tokenizer EM iteration %d: %d candidates, %.1f s",
            iteration,
            len(step.vocabulary.motifs),
            time.perf_counter() - began,
        )
        previous = set(pool)
        scores = dict(zip(step.vocabulary.tokens, step.scores.tolist(), strict=True))
        if len(pool) == settings.motif_slots and churn == 0 and iteration > 0:
            break  # the vocabulary is stable
        if iteration < settings.n_iter - 1:
            pool = _grow(corpus, growth_sample, step, pool, scores, keep, settings)
    final = _em_step(corpus, classes, n_classes, pool, scores, settings)
    if len(pool) > settings.motif_slots:  # candidates grown in the last iteration: prune them
        keep = _keep_scores(final, settings, importance, labelled=classes is not None)
        pool = _top(final.vocabulary.motifs, keep, settings.motif_slots, settings.rc_tied)
        scores = dict(zip(final.vocabulary.tokens, final.scores.tolist(), strict=True))
        final = _em_step(corpus, classes, n_classes, pool, scores, settings)
    churn = len(set(pool) - previous) / max(len(pool), 1)
    history.append(_record(len(history), final, churn))  # the fitted vocabulary itself
    # 15 significant digits: every JSON parser (Hugging Face's serde_json included) reads these
    # back exactly, so a saved or exported tokenizer segments exactly as this one does
    final_scores = [float(f"{x:.15g}") for x in final.scores.tolist()]
    vocabulary = _vocabulary(pool, dict(zip(final.vocabulary.tokens, final_scores, strict=True)))
    return FitResult(
        vocabulary=vocabulary,
        counts=final.counts,
        information_gain=final.information_gain,
        history=history,
    )


def reverse_complement_ids(tokens: Sequence[str]) -> np.ndarray:
    """(V,) int64: id of each token's reverse complement, or its own id (specials, palindromes,
    tokens whose reverse complement is not in the vocabulary)."""
    index = {t: i for i, t in enumerate(tokens)}
    return np.array(
        [
            i if t.startswith("[") else index.get(reverse_complement(t), i)
            for i, t in enumerate(tokens)
        ],
        dtype=np.int64,
    )


def _prune_targets(pool_size: int, settings: FitSettings) -> list[int]:
    """Pool size kept after pruning in each iteration: a geometric schedule from the seed pool
    that reaches the motif slots one iteration before the last (shrinking by at least
    `settings.shrink` per iteration), so the final iterations refine a full-size vocabulary.
    Candidates grown in between compete for these places."""
    slots = settings.motif_slots
    steps = max(settings.n_iter - 1, 1)
    rate = min(settings.shrink, (slots / pool_size) ** (1 / steps)) if pool_size > slots else 1.0
    return [max(slots, int(pool_size * rate ** (i + 1))) for i in range(settings.n_iter)]


def _initial_scores(
    raw: Mapping[str, int], base_counts: np.ndarray, total: int
) -> dict[str, float]:
    scores = {
        b: math.log(max(int(c), 1) / total) for b, c in zip("ACGTN", base_counts, strict=True)
    }
    scores.update({t: math.log(c / total) for t, c in raw.items()})
    return scores


def _vocabulary(pool: Sequence[str], scores: Mapping[str, float]) -> Vocabulary:
    motifs = sorted(pool, key=lambda t: (len(t), t))  # stable, readable id order
    return make_vocabulary(
        motifs, {t: scores.get(t, -30.0) for t in ("A", "C", "G", "T", "N", *motifs)}
    )


def _em_step(
    corpus: Corpus,
    classes: np.ndarray | None,
    n_classes: int,
    pool: Sequence[str],
    scores: Mapping[str, float],
    settings: FitSettings,
) -> _Step:
    vocabulary = _vocabulary(pool, scores)
    segmentation = viterbi(
        corpus.codes,
        corpus.starts,
        vocabulary.lookup_table(),
        vocabulary.scores,
        n_threads=settings.n_threads,
    )
    size = len(vocabulary)
    partner = reverse_complement_ids(vocabulary.tokens) if settings.rc_tied else None
    counts = np.bincount(segmentation.ids, minlength=size).astype(np.float64)
    if partner is not None:  # a motif and its reverse complement share their statistics
        counts = (counts + counts[partner]) / 2
    usable = np.zeros(size, dtype=bool)
    usable[4:] = True  # bases, N and motifs; never the specials
    smoothed = np.where(usable, counts + settings.smoothing, 0.0)
    with np.errstate(divide="ignore"):
        new_scores = np.where(usable, np.log(smoothed / smoothed.sum()), -np.inf)
    if classes is not None:
        totals = np.bincount(classes, minlength=n_classes)
        counted = segmentation
        if partner is not None:  # presence of either strand's token
            canonical = np.minimum(np.arange(size), partner).astype(np.int32)
            counted = dataclasses.replace(segmentation, ids=canonical[segmentation.ids])
        presence = presence_counts(counted, classes, size, n_classes)
        gain = information_gain(presence, totals)
        if partner is not None:
            gain = gain[np.minimum(np.arange(size), partner)]
    else:
        gain = np.zeros(size)
    return _Step(vocabulary, segmentation, counts, new_scores, gain, partner)


def _likelihood_loss(step: _Step) -> np.ndarray:
    """Per motif: uses x (its score - best score of its own string without it), float64 (M,)."""
    motifs = step.vocabulary.motifs
    codes, starts = to_codes(motifs)
    banned = np.arange(FIRST_MOTIF_ID, len(step.vocabulary), dtype=np.int32)
    table = step.vocabulary.lookup_table()
    alternative = viterbi(codes, starts, table, step.scores, exclude=banned).loglik
    return step.counts[FIRST_MOTIF_ID:] * (step.scores[FIRST_MOTIF_ID:] - alternative)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks scaled to [0, 1] (ties: lower rank to the earlier position, i.e. deterministic)."""
    if len(values) <= 1:
        return np.ones(len(values))
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return ranks / (len(values) - 1)


def _keep_scores(
    step: _Step, settings: FitSettings, importance: Mapping[str, float] | None, *, labelled: bool
) -> np.ndarray:
    """Weighted mean of the ranks of likelihood loss, information gain and importance (M,)."""
    parts = [(1.0, _ranks(_likelihood_loss(step)))]
    if labelled:
        parts.append((settings.ig_weight, _ranks(step.information_gain[FIRST_MOTIF_ID:])))
    if importance:
        values = np.array([importance.get(t, 0.0) for t in step.vocabulary.motifs])
        parts.append((settings.importance_weight, _ranks(values)))
    if len(parts) > 1:  # the extra criteria take their weight from the likelihood term
        parts[0] = (1.0 - sum(w for w, _ in parts[1:]), parts[0][1])
    keep = sum(w * r for w, r in parts)
    if step.partner is not None:  # a pair is as valuable as its better strand
        mate = step.partner[FIRST_MOTIF_ID:] - FIRST_MOTIF_ID
        keep = np.maximum(keep, keep[mate])
    return keep


def _top(motifs: Sequence[str], keep: np.ndarray, n: int, rc_tied: bool = False) -> list[str]:
    """The n motifs with the highest keep score (ties by string). With `rc_tied`, a motif and
    its reverse complement are kept or dropped together (so one slot may stay free)."""
    order = sorted(range(len(motifs)), key=lambda i: (-keep[i], motifs[i]))
    if not rc_tied:
        return sorted(motifs[i] for i in order[:n])
    present = set(motifs)
    chosen: set[str] = set()
    for i in order:
        pair = {motifs[i], reverse_complement(motifs[i])} & present
        if motifs[i] in chosen or len(chosen | pair) > n:
            continue
        chosen |= pair
    return sorted(chosen)


def _grow(
    corpus: Corpus,
    sample: Corpus,
    step: _Step,
    pool: list[str],
    scores: dict[str, float],
    keep: np.ndarray,
    settings: FitSettings,
) -> list[str]:
    """Add candidates grown from the best tokens; their initial score is their raw frequency."""
    n_grow = max(1, int(settings.grow_fraction * settings.motif_slots))
    motifs = step.vocabulary.motifs
    kept = set(pool)
    ranking = step.information_gain[FIRST_MOTIF_ID:] if step.information_gain.any() else keep
    order = [i for i in np.argsort(-ranking, kind="stable") if motifs[i] in kept][:n_grow]
    candidates = grow(
        [motifs[i] for i in order],
        step.segmentation,
        step.vocabulary.tokens,
        max_len=settings.max_motif_len,
        max_joins=n_grow,
    )
    scale = len(corpus.codes) / len(sample.codes)
    if settings.rc_tied:
        candidates = candidates | {reverse_complement(t) for t in candidates}
    counts = {t: c * scale for t, c in count_strings(sample, candidates).items()}
    if settings.rc_tied:  # pooled over both strands, like the E-step statistics
        counts = {t: (c + counts[reverse_complement(t)]) / 2 for t, c in counts.items()}
    total_tokens = max(step.counts.sum(), 1.0)
    added = [t for t, c in counts.items() if c >= settings.min_count]
    for token in added:
        scores[token] = math.log(counts[token] / total_tokens)
    return sorted(kept | set(added))


def _record(iteration: int, step: _Step, churn: float) -> dict[str, float]:
    """History entry (no wall time: saved files must be identical for identical fits)."""
    n_tokens = len(step.segmentation.ids)
    motif_gain = step.information_gain[FIRST_MOTIF_ID:]
    return {
        "iteration": iteration,
        "pool_size": len(step.vocabulary.motifs),
        "log_likelihood": float(step.segmentation.loglik.sum()),
        "mean_information_gain": float(motif_gain.mean()) if motif_gain.size else 0.0,
        "vocabulary_churn": churn,
        "bases_per_token": float(_bases(step) / n_tokens) if n_tokens else 0.0,
    }


def _bases(step: _Step) -> int:
    lengths = np.array([len(t) for t in step.vocabulary.tokens])
    lengths[:4] = 0
    return int((step.counts * lengths).sum())
