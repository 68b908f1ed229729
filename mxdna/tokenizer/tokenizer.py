"""`Tokenizer`: the learnable motif tokenizer (EM re-segmentation by information gain).

>>> tok = Tokenizer(vocab_size=512, max_motif_len=12, n_iter=6, seed=0)   # doctest: +SKIP
>>> tok.fit(sequences, labels)                                            # doctest: +SKIP
>>> enc = tok.encode("ACGTTGACTCAN"); tok.decode(enc) == "ACGTTGACTCAN"    # doctest: +SKIP

Follows scikit-learn's estimator rules: constructor arguments are stored as given, `fit`
returns self, learned state ends in `_`, and fitting again starts from scratch (so fitting twice
equals fitting once). `refine` is the warm-started variant training uses between rounds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mxdna.errors import (
    ConfigError,
    EmptyInputError,
    SingleClassError,
    TokenizerFileError,
    UnknownCharacterError,
)
from mxdna.io.writers import atomic_open
from mxdna.tokenizer.base import BaseTokenizer
from mxdna.tokenizer.candidates import Corpus
from mxdna.tokenizer.em import FitResult, FitSettings, fit_vocabulary
from mxdna.tokenizer.files import FORMAT, SCHEMA_VERSION, read_tokenizer_json
from mxdna.tokenizer.lattice import Segmentation, available_threads, to_codes, viterbi
from mxdna.tokenizer.vocabulary import (
    FIRST_MOTIF_ID,
    MAX_MOTIF_LEN,
    LookupTable,
    Vocabulary,
)


class Tokenizer(BaseTokenizer):
    """Learnable motif tokenizer.

    vocab_size: total ids, including the 9 fixed ones (4 specials, A/C/G/T, N).
    max_motif_len: longest motif, in bases (2..27).
    n_iter: at most this many EM iterations (stops earlier once the vocabulary is stable).
    seed: picks the subsample when the data exceed `max_fit_bases` (otherwise all data are used
        and the fit involves no randomness at all).
    min_count: a candidate must occur at least this often in the training data.
    ig_weight / importance_weight: weight of the information-gain and external-importance ranks
        against the likelihood rank when pruning (see `mxdna.tokenizer.em`).
    shrink: the candidate pool shrinks by this factor per iteration until it reaches vocab_size.
    seed_factor: initial pool = seed_factor x motif slots of the most frequent k-mers.
    grow_fraction: candidates grown per iteration, as a fraction of the motif slots.
    max_fit_bases: fit on a random subset of sequences holding about this many bases.
    n_jobs: threads for segmentation (fit and encode); None = all CPUs this process may use.
        Results do not depend on it.
    rc_tied: reverse-complement aware: a motif and its reverse complement pool their counts and
        presence statistics, share one score and enter or leave the vocabulary together (for
        unoriented data such as ChIP-seq peaks). Off by default: the bundled benchmarks are
        oriented (promoters relative to the TSS), where orientation carries signal. Ids stay
        distinct, so decoding stays exact.
    """

    kind = "learned"

    def __init__(
        self,
        vocab_size: int = 4096,
        max_motif_len: int = 12,
        n_iter: int = 8,
        seed: int = 0,
        *,
        min_count: int = 2,
        ig_weight: float = 0.5,
        importance_weight: float = 0.25,
        shrink: float = 0.75,
        seed_factor: float = 4.0,
        grow_fraction: float = 0.1,
        max_fit_bases: int | None = None,
        n_jobs: int | None = None,
        rc_tied: bool = False,
    ) -> None:
        self.vocab_size_param = vocab_size
        self.max_motif_len = max_motif_len
        self.n_iter = n_iter
        self.seed = seed
        self.min_count = min_count
        self.ig_weight = ig_weight
        self.importance_weight = importance_weight
        self.shrink = shrink
        self.seed_factor = seed_factor
        self.grow_fraction = grow_fraction
        self.max_fit_bases = max_fit_bases
        self.n_jobs = n_jobs
        self.rc_tied = rc_tied

    # -- fitting -----------------------------------------------------------------------------

    def fit(
        self,
        sequences: Sequence[str],
        labels: Sequence | None = None,
        *,
        token_importance: Mapping[str, float] | None = None,
    ) -> Tokenizer:
        """Learn the vocabulary from sequences (and labels: information gain is used only then).

        `token_importance`: optional {token string: importance} from a trained model (e.g. mean
        attribution per token); it joins information gain and likelihood when pruning.
        """
        settings = self._settings()
        corpus, classes = self._prepare(sequences, labels)
        result = fit_vocabulary(corpus, classes, settings, importance=token_importance)
        return self._store(result)

    def refine(
        self,
        sequences: Sequence[str],
        labels: Sequence | None = None,
        *,
        token_importance: Mapping[str, float] | None = None,
        n_iter: int = 2,
    ) -> Tokenizer:
        """Continue from the current vocabulary for `n_iter` iterations (warm start): the
        between-rounds step of joint training, with the model's per-token importance."""
        self._check_fitted()
        settings = FitSettings(**{**self._settings().__dict__, "n_iter": n_iter})
        corpus, classes = self._prepare(sequences, labels)
        result = fit_vocabulary(
            corpus,
            classes,
            settings,
            importance=token_importance,
            initial_motifs=self.vocabulary_.motifs,
        )
        return self._store(result, history_so_far=self.history_)

    def _settings(self) -> FitSettings:
        if not isinstance(self.vocab_size_param, int) or self.vocab_size_param <= FIRST_MOTIF_ID:
            raise ConfigError(
                f"vocab_size must be an integer above {FIRST_MOTIF_ID} (the 4 special tokens, "
                f"4 bases and N come first), got {self.vocab_size_param!r}"
            )
        if not 2 <= self.max_motif_len <= MAX_MOTIF_LEN:
            raise ConfigError(
                f"max_motif_len must be in 2..{MAX_MOTIF_LEN}, got {self.max_motif_len}"
            )
        if self.n_iter < 1:
            raise ConfigError(f"n_iter must be at least 1, got {self.n_iter}")
        if not isinstance(self.min_count, int) or self.min_count < 1:
            raise ConfigError(f"min_count must be a positive integer, got {self.min_count!r}")
        if not 0 < self.shrink < 1:
            raise ConfigError(f"shrink must be in (0, 1), got {self.shrink}")
        return FitSettings(
            vocab_size=self.vocab_size_param,
            max_motif_len=self.max_motif_len,
            n_iter=self.n_iter,
            min_count=self.min_count,
            seed_factor=self.seed_factor,
            shrink=self.shrink,
            grow_fraction=self.grow_fraction,
            ig_weight=self.ig_weight,
            importance_weight=self.importance_weight,
            n_threads=self._threads(),
            rc_tied=bool(self.rc_tied),
        )

    def _threads(self) -> int:
        return available_threads() if self.n_jobs is None else max(1, int(self.n_jobs))

    def _prepare(
        self, sequences: Sequence[str], labels: Sequence | None
    ) -> tuple[Corpus, np.ndarray | None]:
        if len(sequences) == 0:
            raise EmptyInputError("no training sequences")
        if labels is not None and len(labels) != len(sequences):
            raise ConfigError(f"{len(labels)} labels for {len(sequences)} sequences")
        chosen = self._subsample(sequences)
        sequences = [sequences[i] for i in chosen]
        classes = None
        self.classes_: tuple[str, ...] = ()
        if labels is not None:
            names = [str(labels[i]) for i in chosen]
            self.classes_ = tuple(sorted(set(names)))
            if len(self.classes_) < 2:
                raise SingleClassError(
                    f"only one class ({', '.join(self.classes_)}) in the labels: information gain "
                    "needs at least two (fit without labels for an unsupervised vocabulary)"
                )
            index = {c: i for i, c in enumerate(self.classes_)}
            classes = np.array([index[n] for n in names], dtype=np.int64)
        try:
            codes, starts = to_codes(sequences)
        except ValueError as error:
            raise ConfigError(f"cannot tokenize: {error}") from None
        return Corpus.from_codes(codes, starts), classes

    def _subsample(self, sequences: Sequence[str]) -> list[int]:
        if self.max_fit_bases is None:
            return list(range(len(sequences)))
        order = np.random.default_rng(self.seed).permutation(len(sequences))
        lengths = np.fromiter((len(sequences[i]) for i in order), dtype=np.int64)
        n = int(np.searchsorted(np.cumsum(lengths), self.max_fit_bases, side="right")) + 1
        return sorted(order[: min(n, len(order))].tolist())

    def _store(self, result: FitResult, history_so_far: Sequence[dict] = ()) -> Tokenizer:
        self.vocabulary_: Vocabulary = result.vocabulary
        self.counts_: np.ndarray = result.counts
        self.information_gain_: np.ndarray = result.information_gain
        continued = [
            {**h, "iteration": len(history_so_far) + i} for i, h in enumerate(result.history)
        ]
        self.history_: list[dict[str, float]] = [*history_so_far, *continued]
        self._table: LookupTable | None = None
        self._index = {t: i for i, t in enumerate(self.vocabulary_.tokens)}
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "vocabulary_"):
            raise ConfigError("this Tokenizer is not fitted yet: call fit() or Tokenizer.load()")

    # -- using -------------------------------------------------------------------------------

    @property
    def tokens(self) -> tuple[str, ...]:
        self._check_fitted()
        return self.vocabulary_.tokens

    def segment(self, sequences: Sequence[str]) -> Segmentation:
        self._check_fitted()
        if self._table is None:
            self._table = self.vocabulary_.lookup_table()
        try:
            codes, starts = to_codes(sequences)
        except ValueError as error:
            raise UnknownCharacterError(f"cannot tokenize: {error}") from None
        return viterbi(
            codes, starts, self._table, self.vocabulary_.scores, n_threads=self._threads()
        )

    # -- files -------------------------------------------------------------------------------

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments (scikit-learn style)."""
        return {
            "vocab_size": self.vocab_size_param,
            "max_motif_len": self.max_motif_len,
            "n_iter": self.n_iter,
            "seed": self.seed,
            "min_count": self.min_count,
            "ig_weight": self.ig_weight,
            "importance_weight": self.importance_weight,
            "shrink": self.shrink,
            "seed_factor": self.seed_factor,
            "grow_fraction": self.grow_fraction,
            "max_fit_bases": self.max_fit_bases,
            "n_jobs": self.n_jobs,
            "rc_tied": self.rc_tied,
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to reload, as plain JSON types (see `save`)."""
        self._check_fitted()
        rows = [
            {
                "id": i,
                "token": token,
                "score": None if not np.isfinite(score) else float(score),
                "count": int(count),
                "information_gain": float(gain),
            }
            for i, (token, score, count, gain) in enumerate(
                zip(
                    self.vocabulary_.tokens,
                    self.vocabulary_.scores.tolist(),
                    self.counts_.tolist(),
                    self.information_gain_.tolist(),
                    strict=True,
                )
            )
        ]
        return {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "params": self.get_params(),
            "classes": list(self.classes_),
            "tokens": rows,
            "history": self.history_,
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write one JSON file (atomically); `Tokenizer.load` reads it without executing code."""
        with atomic_open(path) as fh:
            json.dump(self.to_dict(), fh, indent=1)
            fh.write("\n")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tokenizer:
        """Rebuild from `to_dict` output; any inconsistency raises `TokenizerFileError`."""
        try:
            tokenizer = cls(**dict(data["params"]))
            rows = sorted(data["tokens"], key=lambda r: r["id"])
            if [r["id"] for r in rows] != list(range(len(rows))):
                raise ValueError("token ids must be 0..V-1")
            tokens = tuple(str(r["token"]) for r in rows)
            _check_motifs(tokens[FIRST_MOTIF_ID:], tokenizer.max_motif_len)
            scores = np.array([-np.inf if r["score"] is None else float(r["score"]) for r in rows])
            result = FitResult(
                vocabulary=Vocabulary(tokens=tokens, scores=scores),
                counts=np.array([r["count"] for r in rows], dtype=np.float64),
                information_gain=np.array([r["information_gain"] for r in rows], dtype=np.float64),
                history=list(data.get("history", [])),
            )
            tokenizer.classes_ = tuple(str(c) for c in data.get("classes", ()))
        except (KeyError, TypeError, ValueError) as error:
            raise TokenizerFileError(f"invalid tokenizer content: {error}") from None
        return tokenizer._store(result)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Tokenizer:
        """Read a file written by `save`."""
        data = read_tokenizer_json(path, expected_kind=cls.kind)
        try:
            return cls.from_dict(data)
        except TokenizerFileError as error:
            raise TokenizerFileError(error.message, path=path) from None


def _check_motifs(motifs: Sequence[str], max_len: int) -> None:
    """Learned tokens are distinct upper-case A/C/G/T strings of 2..max_len bases."""
    for token in motifs:
        if not 2 <= len(token) <= max_len or token.strip("ACGT"):
            raise ValueError(f"token {token!r} is not 2..{max_len} upper-case A/C/G/T bases")
