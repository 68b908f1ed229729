"""`Encoding` (one sequence) and `BatchEncoding` (padded arrays), and exact decoding.

Token ids are case-insensitive and map every ambiguity code to the N token, so an `Encoding`
also carries what ids cannot: the soft-masked (lower-case) runs and the original letter of every
ambiguity code other than N. `decode(encoding)` therefore restores the input exactly;
`decode(ids)` gives the upper-case A/C/G/T/N sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mxdna.tokenizer.vocabulary import PAD_ID

_LOWER = np.zeros(256, dtype=bool)
_LOWER[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)] = True
_NOT_N_AMBIGUOUS = np.zeros(256, dtype=bool)
_NOT_N_AMBIGUOUS[np.frombuffer(b"RYSWKMBDHVryswkmbdhv", dtype=np.uint8)] = True


@dataclass(frozen=True)
class Encoding:
    """Tokens of one sequence of L bases.

    ids: int32 (T,); offsets: int32 (T, 2), token t covers bases [offsets[t, 0], offsets[t, 1]),
    and the offsets tile [0, L). lowercase: [start, end) runs of soft-masked bases; ambiguous:
    (position, letter) of ambiguity codes other than N.
    """

    ids: np.ndarray
    offsets: np.ndarray
    lowercase: tuple[tuple[int, int], ...] = ()
    ambiguous: tuple[tuple[int, str], ...] = ()

    def __len__(self) -> int:
        return len(self.ids)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Encoding):
            return NotImplemented
        return (
            np.array_equal(self.ids, other.ids)
            and np.array_equal(self.offsets, other.offsets)
            and self.lowercase == other.lowercase
            and self.ambiguous == other.ambiguous
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class BatchEncoding:
    """B sequences padded to the longest: ids int64 (B, T) (padding = PAD id 0), offsets int32
    (B, T, 2) (padding = -1), attention_mask bool (B, T), lengths int64 (B,) tokens per row."""

    ids: np.ndarray
    offsets: np.ndarray
    attention_mask: np.ndarray
    lengths: np.ndarray
    encodings: tuple[Encoding, ...] = field(repr=False, default=())


def residuals(sequence: str) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, str], ...]]:
    """(lower-case runs, non-N ambiguity letters) of a sequence, computed vectorised."""
    raw = np.frombuffer(sequence.encode("ascii"), dtype=np.uint8)
    lower = _LOWER[raw]
    runs: tuple[tuple[int, int], ...] = ()
    if lower.any():
        edges = np.flatnonzero(np.diff(np.concatenate([[False], lower, [False]]).astype(np.int8)))
        runs = tuple(zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True))
    positions = np.flatnonzero(_NOT_N_AMBIGUOUS[raw])
    letters = tuple((int(p), sequence[p].upper()) for p in positions)
    return runs, letters


def make_encoding(
    ids: np.ndarray, starts: np.ndarray, length: int, sequence: str | None = None
) -> Encoding:
    """Encoding from token ids and starts (int32 (T,)) of a sequence of `length` bases."""
    ends = np.append(starts[1:], length).astype(np.int32)
    offsets = (
        np.stack([starts.astype(np.int32), ends], axis=1)
        if len(ids)
        else np.zeros((0, 2), np.int32)
    )
    lowercase, ambiguous = residuals(sequence) if sequence else ((), ())
    return Encoding(np.asarray(ids, dtype=np.int32), offsets, lowercase, ambiguous)


def pad(encodings: Sequence[Encoding]) -> BatchEncoding:
    """Pad encodings to the longest into a `BatchEncoding`."""
    lengths = np.array([len(e) for e in encodings], dtype=np.int64)
    width = int(lengths.max()) if len(lengths) else 0
    ids = np.full((len(encodings), width), PAD_ID, dtype=np.int64)
    offsets = np.full((len(encodings), width, 2), -1, dtype=np.int32)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding)] = encoding.ids
        offsets[row, : len(encoding)] = encoding.offsets
    mask = np.arange(width)[None, :] < lengths[:, None]
    return BatchEncoding(ids, offsets, mask, lengths, tuple(encodings))


def apply_residuals(text: str, encoding: Encoding) -> str:
    """Put soft-masking and ambiguity letters back into an upper-case decoded sequence."""
    if not encoding.lowercase and not encoding.ambiguous:
        return text
    chars = list(text)
    for position, letter in encoding.ambiguous:
        chars[position] = letter
    for start, end in encoding.lowercase:
        chars[start:end] = [c.lower() for c in chars[start:end]]
    return "".join(chars)
