"""Baseline tokenizers behind the `BaseTokenizer` interface: characters, k-mers and BPE.

All share the fixed id layout of `mxdna.tokenizer.vocabulary` (ids 0-3 specials, 4-7 A C G T,
8 N, then their own tokens), turn every ambiguity code into the single N token (which also breaks
k-mers and BPE words), and save to one JSON file with the envelope of `Tokenizer.to_dict`.

`decode(encode(s)) == s` holds for all of them. Offsets tile ``[0, len(s))`` for the
non-overlapping ones (char, non-overlapping k-mers, BPE) only: overlapping k-mers (DNABERT style)
emit one window per start position, so their offsets overlap by design.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mxdna.errors import ConfigError, EmptyInputError, TokenizerFileError
from mxdna.io.writers import atomic_open
from mxdna.tokenizer.base import BaseTokenizer
from mxdna.tokenizer.encoding import BatchEncoding, Encoding, apply_residuals, pad, residuals
from mxdna.tokenizer.files import FORMAT, SCHEMA_VERSION, read_tokenizer_json
from mxdna.tokenizer.lattice import Segmentation, to_codes
from mxdna.tokenizer.vocabulary import FIRST_MOTIF_ID, FIXED_TOKENS, N_ID, SPECIAL_TOKENS

_UPPER = np.frombuffer(b"ACGTN", dtype=np.uint8)


def _checked_codes(sequences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """`to_codes` for `fit`: empty input and non-IUPAC letters become user errors."""
    if len(sequences) == 0:
        raise EmptyInputError("no training sequences")
    try:
        return to_codes(sequences)
    except ValueError as error:
        raise ConfigError(f"cannot tokenize: {error}") from None


def _runs(codes: np.ndarray, seq_starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximal A/C/G/T runs (never crossing a sequence end): (starts, ends) int64 (R,), global."""
    acgt = codes < 4
    boundary = np.zeros(len(codes) + 1, dtype=bool)
    boundary[seq_starts] = True
    joined = np.zeros(len(codes) + 1, dtype=bool)  # joined[p]: p-1 and p in the same run
    joined[1:-1] = acgt[:-1] & acgt[1:]
    joined &= ~boundary
    starts = np.flatnonzero(acgt & ~joined[:-1])
    ends = np.flatnonzero(acgt & ~joined[1:]) + 1
    return starts, ends


def _assemble(positions: np.ndarray, ids: np.ndarray, seq_starts: np.ndarray) -> Segmentation:
    """Segmentation from tokens at sorted global `positions` (int64 (T,)) with `ids` (T,)."""
    seq_token_starts = np.searchsorted(positions, seq_starts).astype(np.int64)
    seq_of = np.repeat(np.arange(len(seq_starts) - 1), np.diff(seq_token_starts))
    return Segmentation(
        ids=ids.astype(np.int32, copy=False),
        starts=(positions - seq_starts[seq_of]).astype(np.int32),
        seq_token_starts=seq_token_starts,
        loglik=np.zeros(len(seq_starts) - 1, dtype=np.float64),
    )


class _Baseline(BaseTokenizer):
    """Shared file handling: parameters -> JSON envelope -> parameters (+ learned state)."""

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments (scikit-learn style)."""
        return {}

    def _state(self) -> dict[str, Any]:
        return {}

    def _restore(self, data: Mapping[str, Any]) -> None:
        """Set learned state from a `to_dict` mapping (none for the stateless baselines)."""

    def _token_lengths(self) -> np.ndarray:
        """Bases per token id, int64 (V,) (specials: 0)."""
        if getattr(self, "_lengths", None) is None:
            lengths = [0 if i < len(SPECIAL_TOKENS) else len(t) for i, t in enumerate(self.tokens)]
            self._lengths = np.array(lengths, dtype=np.int64)
        return self._lengths

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to reload, as plain JSON types (see `save`)."""
        return {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "params": self.get_params(),
            **self._state(),
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write one JSON file, atomically."""
        with atomic_open(path) as fh:
            json.dump(self.to_dict(), fh, indent=1)
            fh.write("\n")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> _Baseline:
        try:
            tokenizer = cls(**data["params"])
            tokenizer._restore(data)
        except ConfigError:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise TokenizerFileError(f"malformed {cls.kind!r} tokenizer data ({error})") from None
        return tokenizer

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> _Baseline:
        """Read a file written by `save`."""
        return cls.from_dict(read_tokenizer_json(path, expected_kind=cls.kind))


class CharTokenizer(_Baseline):
    """One token per base: ids 4-7 for A/C/G/T, 8 for N and every other ambiguity code."""

    kind = "char"

    @property
    def tokens(self) -> tuple[str, ...]:
        return FIXED_TOKENS

    def fit(self, sequences: Sequence[str], labels: Sequence | None = None) -> CharTokenizer:
        """Nothing to learn; checks the sequences and returns self (labels are ignored)."""
        _checked_codes(sequences)
        return self

    def segment(self, sequences: Sequence[str]) -> Segmentation:
        codes, seq_starts = to_codes(sequences)
        ids = np.where(codes < 4, codes.astype(np.int32) + 4, N_ID)
        return _assemble(np.arange(len(codes), dtype=np.int64), ids, seq_starts)


class KmerTokenizer(_Baseline):
    """Fixed k-mer tokens (no learning).

    Non-overlapping (default): each A/C/G/T run is tiled from its start in chunks of k bases; the
    run's last chunk may be shorter (2..k-1 bases, or a single base). Vocabulary: fixed tokens,
    all 4^k k-mers (sorted), then every shorter k-mer of 2..k-1 bases sorted by (length, string).

    Overlapping (DNABERT style): one token per window s[i:i+k] lying inside an A/C/G/T run, so a
    run of L >= k bases gives L-k+1 tokens whose offsets [i, i+k) overlap; bases of runs shorter
    than k (which no window covers) become single-base tokens and ambiguous bases the N token.
    Vocabulary: fixed tokens + all 4^k k-mers. `decode` takes the first window of a run whole and
    only the last base of every following window (a k-mer token that follows a k-mer token is
    always the next window of the same run: runs are separated by N tokens). The tiling contract
    of `Encoding.offsets` does not hold here; `Segmentation.starts` holds window starts.
    """

    kind = "kmer"
    max_k = 8  # 4^8 = 65,536 k-mers; larger k gives vocabularies no model can embed usefully

    def __init__(self, k: int = 6, overlapping: bool = False) -> None:
        self.k = k
        self.overlapping = overlapping

    def get_params(self) -> dict[str, Any]:
        return {"k": self.k, "overlapping": self.overlapping}

    def _check(self) -> None:
        if not isinstance(self.k, int) or not 2 <= self.k <= self.max_k:
            raise ConfigError(f"k must be an integer in 2..{self.max_k}, got {self.k!r}")

    @property
    def tokens(self) -> tuple[str, ...]:
        if getattr(self, "_tokens", None) is None:
            self._check()
            lengths = [self.k] if self.overlapping else [self.k, *range(2, self.k)]
            kmers = ("".join(p) for n in lengths for p in itertools.product("ACGT", repeat=n))
            self._tokens = (*FIXED_TOKENS, *kmers)
        return self._tokens

    def _first_id(self) -> np.ndarray:
        """Id of the first (all-A) token of each length 0..k, int64 (k+1,): ids are first + the
        base-4 value of the k-mer (A=0, C=1, G=2, T=3), which is the sorted order."""
        first = np.zeros(self.k + 1, dtype=np.int64)
        first[1], first[self.k] = 4, FIRST_MOTIF_ID
        next_id = FIRST_MOTIF_ID + 4**self.k
        for n in range(2, self.k):
            first[n], next_id = next_id, next_id + 4**n
        return first

    def fit(self, sequences: Sequence[str], labels: Sequence | None = None) -> KmerTokenizer:
        """Nothing to learn; checks k and the sequences and returns self (labels are ignored)."""
        self._check()
        _checked_codes(sequences)
        return self

    def segment(self, sequences: Sequence[str]) -> Segmentation:
        self._check()
        codes, seq_starts = to_codes(sequences)
        k, total = self.k, len(codes)
        run_starts, run_ends = _runs(codes, seq_starts)
        acgt, index = codes < 4, np.arange(total)
        is_first = np.zeros(total, dtype=bool)
        is_first[run_starts] = True
        run_of = np.cumsum(is_first) - 1  # -1 before the first run: the appended dummy
        run_starts, run_ends = np.append(run_starts, 0), np.append(run_ends, 0)
        to_end = np.where(acgt, run_ends[run_of] - index, 1)  # bases left in the run
        if self.overlapping:
            run_len = np.where(acgt, (run_ends - run_starts)[run_of], 1)
            positions = np.flatnonzero(~acgt | (run_len < k) | (to_end >= k))
            lengths = np.where(run_len[positions] < k, 1, k)
        else:
            from_start = index - run_starts[run_of]
            positions = np.flatnonzero(~acgt | (from_start % k == 0))
            lengths = np.minimum(to_end[positions], k)
        padded = np.zeros(total + k, dtype=np.int64)
        padded[:total] = codes & 3
        window = np.zeros(total, dtype=np.int64)  # 2-bit packed codes[p : p + k] (N read as A)
        for j in range(k):
            window = (window << 2) | padded[j : j + total]
        values = window[positions] >> (2 * (k - lengths))  # base-4 value of each token
        ids = np.where(codes[positions] < 4, self._first_id()[lengths] + values, N_ID)
        return _assemble(positions, ids, seq_starts)

    # overlapping windows: offsets are [start, start + length), decode drops repeated bases

    def _encodings(self, sequences: Sequence[str]) -> list[Encoding]:
        segmentation = self.segment(sequences)
        lengths = self._token_lengths()
        encodings = []
        for i, sequence in enumerate(sequences):
            ids, starts = segmentation.tokens_of(i)
            offsets = np.stack([starts, starts + lengths[ids].astype(np.int32)], axis=1)
            encodings.append(Encoding(ids.astype(np.int32), offsets, *residuals(sequence)))
        return encodings

    def encode(self, sequence: str) -> Encoding:
        if not self.overlapping:
            return super().encode(sequence)
        return self._encodings([sequence])[0]

    def encode_batch(self, sequences: Sequence[str]) -> BatchEncoding:
        if not self.overlapping:
            return super().encode_batch(sequences)
        return pad(self._encodings(sequences))

    def decode(self, tokens: Encoding | Sequence[int] | np.ndarray) -> str:
        if not self.overlapping:
            return super().decode(tokens)
        ids = np.asarray(tokens.ids if isinstance(tokens, Encoding) else tokens, dtype=np.int64)
        ids = ids[ids >= len(SPECIAL_TOKENS)]
        is_kmer = ids >= FIRST_MOTIF_ID
        follows = is_kmer & np.concatenate([[False], is_kmer[:-1]])
        vocabulary = self.tokens
        text = "".join(
            vocabulary[i][-1] if f else vocabulary[i]
            for i, f in zip(ids.tolist(), follows.tolist(), strict=True)
        )
        return apply_residuals(text, tokens) if isinstance(tokens, Encoding) else text
