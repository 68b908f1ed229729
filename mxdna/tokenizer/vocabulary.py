"""Token ids, token strings and the lookup table the segmentation kernel uses.

Id layout (fixed, so every tokenizer shares it):

====  =========  ==========================================================
id    token      meaning
====  =========  ==========================================================
0     ``[PAD]``  padding in batches
1     ``[CLS]``  sequence summary token (added by the model, not by `encode`)
2     ``[MASK]`` masked position (masked-token objectives)
3     ``[UNK]``  unknown (never produced for DNA; kept for compatibility)
4–7   A C G T    single bases: every sequence can be segmented
8     ``N``      one ambiguous base (N or any other IUPAC code), always alone
9…    motifs     learned tokens of 2..max_len bases over A, C, G, T
====  =========  ==========================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SPECIAL_TOKENS = ("[PAD]", "[CLS]", "[MASK]", "[UNK]")
PAD_ID, CLS_ID, MASK_ID, UNK_ID = 0, 1, 2, 3
BASE_TOKENS = ("A", "C", "G", "T")
N_TOKEN = "N"
N_ID = 8
FIRST_MOTIF_ID = 9
FIXED_TOKENS = (*SPECIAL_TOKENS, *BASE_TOKENS, N_TOKEN)
MAX_MOTIF_LEN = 27  # 2 bits per base + 5 length bits must fit a 64-bit key

_EMPTY = np.uint64(np.iinfo(np.uint64).max)
_BASE_CODE = {"A": 0, "C": 1, "G": 2, "T": 3}


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _entries(pairs: Sequence[tuple[str, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys (uint64) of all tokens and their prefixes, with id (or -1 for prefixes)."""
    keys: dict[int, int] = {}
    by_length: dict[int, list[tuple[str, int]]] = {}
    for token, token_id in pairs:
        by_length.setdefault(len(token), []).append((token, token_id))
    for length in sorted(by_length, reverse=True):
        group = by_length[length]
        joined = np.frombuffer("".join(t for t, _ in group).encode(), dtype=np.uint8)
        digits = _DIGITS[joined].reshape(len(group), length).astype(np.uint64)
        packed = np.zeros(len(group), dtype=np.uint64)
        for k in range(1, length + 1):  # every prefix of length k
            packed = (packed << np.uint64(2)) | digits[:, k - 1]
            prefix_keys = ((packed << np.uint64(5)) | np.uint64(k)).tolist()
            if k < length:
                for key in prefix_keys:
                    keys.setdefault(key, -1)
        for key, (_, token_id) in zip(prefix_keys, group, strict=True):
            keys[key] = token_id
    return np.fromiter(keys, dtype=np.uint64, count=len(keys)), np.fromiter(
        keys.values(), dtype=np.int32, count=len(keys)
    )


DENSE_K = 8  # must match _viterbi.c


def _dense_offset(k: int) -> int:
    return (4**k - 4) // 3


def _dense(keys: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """Direct-index table of the entries of length <= DENSE_K (see `LookupTable.dense`)."""
    dense = np.full(_dense_offset(DENSE_K + 1), -2, dtype=np.int32)
    lengths = (keys & np.uint64(31)).astype(np.int64)
    short = lengths <= DENSE_K
    packed = (keys[short] >> np.uint64(5)).astype(np.int64)
    offsets = (4 ** lengths[short] - 4) // 3
    dense[offsets + packed] = vals[short]
    return dense


_DIGITS = np.zeros(256, dtype=np.uint8)
_DIGITS[np.frombuffer(b"ACGT", dtype=np.uint8)] = np.arange(4, dtype=np.uint8)


def pack(kmer: str) -> int:
    """Kernel key of an upper-case ACGT k-mer: (2-bit packed bases << 5) | length."""
    value = 0
    for base in kmer:
        value = (value << 2) | _BASE_CODE[base]
    return (value << 5) | len(kmer)


@dataclass(frozen=True)
class LookupTable:
    """Open-addressing hash table of all tokens and their prefixes, for `lattice.viterbi`.

    `keys` (uint64, size a power of two; empty slots = max uint64) and `vals` (int32 token id,
    or -1 for a prefix that is not a token). The hash is the kernel's: multiply by the golden
    ratio constant, keep the top bits.
    """

    keys: np.ndarray
    vals: np.ndarray
    dense: np.ndarray  # int32: prefixes of <= DENSE_K bases indexed directly, -2 = absent
    max_len: int

    @classmethod
    def build(cls, pairs: Sequence[tuple[str, int]]) -> LookupTable:
        """Table of (upper-case ACGT token, id) pairs, plus every prefix of every token."""
        if not pairs:
            raise ValueError("a lookup table needs at least one token")
        keys, vals = _entries(pairs)
        size = 1 << max(4, (2 * len(keys) - 1).bit_length())  # load factor <= 1/2
        table_keys = np.full(size, _EMPTY, dtype=np.uint64)
        table_vals = np.full(size, -1, dtype=np.int32)
        shift = np.uint64(64 - (size.bit_length() - 1))
        with np.errstate(over="ignore"):
            slots = ((keys * _GOLDEN) >> shift).astype(np.int64)
        pending = np.arange(len(keys))
        while len(pending):  # linear probing, all keys at once: losers move one slot on
            wanted = slots[pending]
            free = table_keys[wanted] == _EMPTY
            _, first = np.unique(wanted[free], return_index=True)
            placed = pending[free][first]
            table_keys[slots[placed]] = keys[placed]
            table_vals[slots[placed]] = vals[placed]
            pending = np.setdiff1d(pending, placed, assume_unique=True)
            slots[pending] = (slots[pending] + 1) & (size - 1)
        max_len = max(len(t) for t, _ in pairs)
        return cls(table_keys, table_vals, _dense(keys, vals), max_len)

    def as_dict(self) -> dict[int, int]:
        """{key: id or -1}: the same content, for the pure-Python twin."""
        used = self.keys != _EMPTY
        return dict(zip(self.keys[used].tolist(), self.vals[used].tolist(), strict=True))


@dataclass(frozen=True)
class Vocabulary:
    """Token strings (index = id) and their log-probability scores (float64, shape (V,)).

    Specials have score -inf (never chosen by segmentation).
    """

    tokens: tuple[str, ...]
    scores: np.ndarray

    def __post_init__(self) -> None:
        if self.tokens[:FIRST_MOTIF_ID] != FIXED_TOKENS:
            raise ValueError("a vocabulary starts with the fixed specials, bases and N")
        if len(set(self.tokens)) != len(self.tokens):
            raise ValueError("duplicate tokens in vocabulary")
        if self.scores.shape != (len(self.tokens),):
            raise ValueError(f"scores shape {self.scores.shape} != ({len(self.tokens)},)")

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def motifs(self) -> tuple[str, ...]:
        return self.tokens[FIRST_MOTIF_ID:]

    def index(self) -> dict[str, int]:
        """{token: id}."""
        return {t: i for i, t in enumerate(self.tokens)}

    def lookup_table(self) -> LookupTable:
        """Kernel table over the bases and motifs (N is handled by the kernel itself)."""
        ids = [*range(4, 8), *range(FIRST_MOTIF_ID, len(self.tokens))]
        return LookupTable.build([(self.tokens[i], i) for i in ids])


def make_vocabulary(motifs: Sequence[str], scores: dict[str, float]) -> Vocabulary:
    """Vocabulary of the fixed tokens + `motifs` (in the given order) with scores by token."""
    tokens = (*FIXED_TOKENS, *motifs)
    values = np.array(
        [-np.inf] * len(SPECIAL_TOKENS) + [scores[t] for t in tokens[4:]], dtype=np.float64
    )
    return Vocabulary(tokens=tokens, scores=values)
