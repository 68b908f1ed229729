"""The DNA alphabet: IUPAC codes, integer codes, one-hot, reverse complement, GC content.

All functions are pure and vectorised (numpy lookup tables or `bytes.translate`), and accept
upper- or lower-case input.

Integer codes: A=0, C=1, G=2, T=3, and 4 (`N_CODE`) for N and every other IUPAC ambiguity code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The four unambiguous bases, in code order.
BASES = "ACGT"
#: N plus the IUPAC ambiguity codes for two or three bases.
AMBIGUOUS = "NRYSWKMBDHV"
#: Every accepted nucleotide letter (upper case; lower case is accepted too).
IUPAC = BASES + AMBIGUOUS
N_CODE = 4

_COMPLEMENT_UPPER = "ACGTNRYSWKMBDHV"
_COMPLEMENT_TARGET = "TGCANYRSWMKVHDB"
_COMPLEMENT_STR = str.maketrans(
    _COMPLEMENT_UPPER + _COMPLEMENT_UPPER.lower(), _COMPLEMENT_TARGET + _COMPLEMENT_TARGET.lower()
)
_COMPLEMENT_BYTES = bytes.maketrans(
    (_COMPLEMENT_UPPER + _COMPLEMENT_UPPER.lower()).encode(),
    (_COMPLEMENT_TARGET + _COMPLEMENT_TARGET.lower()).encode(),
)

#: bytes that may appear in a sequence, both cases; used with `bytes.translate(None, ...)`.
IUPAC_BYTES = (IUPAC + IUPAC.lower()).encode()
ACGT_BYTES = (BASES + BASES.lower()).encode()
ACGTN_BYTES = b"ACGTNacgtn"

# 256-entry table: byte value -> code; 255 marks a byte outside the IUPAC alphabet.
_CODE_TABLE = np.full(256, 255, dtype=np.uint8)
for _letter in IUPAC:
    _code = BASES.index(_letter) if _letter in BASES else N_CODE
    _CODE_TABLE[ord(_letter)] = _code
    _CODE_TABLE[ord(_letter.lower())] = _code

# Ambiguity codes -> N, everything else unchanged (bytes.translate table).
TO_N_TABLE = bytes.maketrans(
    (AMBIGUOUS[1:] + AMBIGUOUS[1:].lower()).encode(),
    b"N" * (len(AMBIGUOUS) - 1) + b"n" * (len(AMBIGUOUS) - 1),
)


def _as_bytes(seq: str | bytes) -> bytes:
    return seq.encode("ascii") if isinstance(seq, str) else bytes(seq)


def encode(seq: str | bytes) -> np.ndarray:
    """Sequence of length L -> uint8 codes of shape (L,); A0 C1 G2 T3, N/ambiguous 4.

    Raises ValueError on characters outside the IUPAC alphabet.
    """
    codes = _CODE_TABLE[np.frombuffer(_as_bytes(seq), dtype=np.uint8)]
    if codes.size and codes.max() == 255:
        bad = _as_bytes(seq)[int(np.argmax(codes == 255))]
        raise ValueError(f"not an IUPAC nucleotide code: {chr(bad)!r}")
    return codes


def decode(codes: np.ndarray) -> str:
    """uint8 codes of shape (L,) -> upper-case string over ACGTN."""
    return (
        np.frombuffer(b"ACGTN", dtype=np.uint8)[np.asarray(codes, dtype=np.intp)].tobytes().decode()
    )


def one_hot(seq: str | bytes | np.ndarray, *, n_value: float = 0.0, dtype=np.float32) -> np.ndarray:
    """Sequence (or codes) of length L -> one-hot array of shape (L, 4), columns A, C, G, T.

    N and ambiguity codes get `n_value` in every column (0.0, or 0.25 for a uniform prior).
    """
    codes = seq if isinstance(seq, np.ndarray) else encode(seq)
    table = np.zeros((5, 4), dtype=dtype)
    table[np.arange(4), np.arange(4)] = 1
    table[N_CODE] = n_value
    return table[codes]


def one_hot_batch(seqs: Sequence[str], *, n_value: float = 0.0, dtype=np.float32) -> np.ndarray:
    """Equal-length sequences -> one-hot array of shape (B, L, 4)."""
    lengths = {len(s) for s in seqs}
    if len(lengths) > 1:
        raise ValueError(f"one_hot_batch needs equal lengths, got {sorted(lengths)[:5]}")
    codes = encode("".join(seqs)).reshape(len(seqs), -1)  # (B, L)
    return one_hot(codes, n_value=n_value, dtype=dtype)


def reverse_complement(seq: str) -> str:
    """Reverse complement of a sequence; keeps case and complements IUPAC codes (R<->Y, ...)."""
    return seq.translate(_COMPLEMENT_STR)[::-1]


def reverse_complement_bytes(seq: bytes) -> bytes:
    """`reverse_complement` for bytes."""
    return seq.translate(_COMPLEMENT_BYTES)[::-1]


def reverse_complement_codes(codes: np.ndarray) -> np.ndarray:
    """Reverse complement of codes (..., L): reverses the last axis, A<->T, C<->G, N stays N."""
    codes = np.asarray(codes)
    comp = np.where(codes < N_CODE, 3 - codes, codes).astype(codes.dtype)
    return comp[..., ::-1].copy()


def base_counts(seq: str | bytes) -> np.ndarray:
    """Counts of A, C, G, T and N/ambiguous, shape (5,), int64."""
    return np.bincount(encode(seq), minlength=5)[:5].astype(np.int64)


def gc_content(seq: str | bytes) -> float:
    """(G + C) / (A + C + G + T); N and ambiguity codes are left out. NaN if no unambiguous base."""
    counts = base_counts(seq)
    acgt = counts[:4].sum()
    return float(counts[1] + counts[2]) / float(acgt) if acgt else float("nan")


def n_fraction(seq: str | bytes) -> float:
    """Fraction of positions that are N or another ambiguity code; NaN for an empty sequence."""
    return float(base_counts(seq)[N_CODE]) / len(seq) if len(seq) else float("nan")
