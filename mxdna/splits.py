"""Deterministic train/val/test splits of a `SequenceSet`.

`hash_split` puts each record in a split by hashing a key (its canonical sequence or its id)
with a seed, so the assignment of a record never depends on the other records, on their order
or on the Python process (BLAKE2b, never the salted built-in `hash`). Keyed by sequence,
identical sequences and reverse-complement pairs always land in the same split, which keeps
exact duplicates from leaking between train and test.

`chromosome_split` holds out whole chromosomes (needs records cut from a genome, i.e. BED input).

Both return ``{"train": ..., "val": ..., "test": ...}`` with records in input order. A split
may come out empty (e.g. a tiny set, or a fraction of 0); the caller decides whether that is an
error.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import operator
from collections.abc import Sequence
from typing import Literal

from mxdna.alphabet import reverse_complement
from mxdna.errors import ConfigError
from mxdna.io.sequence_set import SequenceSet

SplitBy = Literal["sequence", "id"]
#: Names of the splits, in the order the result dictionaries list them.
SPLIT_NAMES = ("train", "val", "test")

_MAX_SHOWN_CHROMS = 10


def hash_fraction(key: str, seed: int) -> float:
    """A number in [0, 1) fixed by `key` and `seed`, the same on every run and platform.

    The top 53 bits of ``blake2b(f"{seed}\\x00{key}", digest_size=8)`` divided by 2**53.
    """
    message = f"{operator.index(seed)}\x00{key}".encode()
    digest = hashlib.blake2b(message, digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 11) / float(1 << 53)


def split_keys(data: SequenceSet, by: SplitBy = "sequence") -> list[str]:
    """The key that decides each record's split.

    ``by="sequence"``: min(upper(seq), reverse_complement(upper(seq))), so a sequence, its
    soft-masked copy and its reverse complement share a key. ``by="id"``: the record id.
    """
    if by == "id":
        return list(data.ids)
    if by == "sequence":
        keys = []
        for seq in data.sequences:
            upper = seq.upper()
            keys.append(min(upper, reverse_complement(upper)))
        return keys
    raise ConfigError(f"split key must be 'sequence' or 'id', got {by!r}")


def hash_split(
    data: SequenceSet,
    *,
    val_fraction: float = 0.1,
    test_fraction: float = 0.1,
    by: SplitBy = "sequence",
    seed: int = 0,
) -> dict[str, SequenceSet]:
    """Split by hashing each record's key: u < test → test, u < test + val → val, else train.

    Fractions are expected shares (each in [0, 1), sum < 1); `ConfigError` otherwise. Records
    with the same key (see `split_keys`) always share a split. Any split may be empty.
    """
    check_fractions(val_fraction, test_fraction)
    keys = split_keys(data, by)
    decided: dict[str, str] = {}
    indices: dict[str, list[int]] = {name: [] for name in SPLIT_NAMES}
    for i, key in enumerate(keys):
        name = decided.get(key)
        if name is None:
            u = hash_fraction(key, seed)
            if u < test_fraction:
                name = "test"
            elif u < test_fraction + val_fraction:
                name = "val"
            else:
                name = "train"
            decided[key] = name
        indices[name].append(i)
    return {name: data.subset(indices[name]) for name in SPLIT_NAMES}


def check_fractions(val_fraction: float, test_fraction: float) -> None:
    """Raise `ConfigError` unless both fractions are in [0, 1) and their sum is below 1."""
    _check_fraction("val_fraction", val_fraction)
    _check_fraction("test_fraction", test_fraction)
    if not val_fraction + test_fraction < 1:
        raise ConfigError(
            f"val_fraction + test_fraction must be below 1 (got {val_fraction} + {test_fraction})"
        )


def chromosome_split(
    data: SequenceSet, *, val_chroms: Sequence[str], test_chroms: Sequence[str]
) -> dict[str, SequenceSet]:
    """Hold out whole chromosomes: records on `val_chroms` → val, on `test_chroms` → test.

    Needs `data.chroms`. A single string counts as one chromosome name. Raises `ConfigError`
    when the data have no chromosomes, a chromosome is in both lists, or a listed chromosome
    does not occur in the data. Either list may be empty (that split is then empty).
    """
    if data.chroms is None:
        raise ConfigError(
            "chromosome hold-out needs BED input (records cut from a genome); "
            "use a hash split for FASTA input"
        )
    val = _as_names(val_chroms)
    test = _as_names(test_chroms)
    both = sorted(set(val) & set(test))
    if both:
        raise ConfigError(f"chromosome(s) {', '.join(both)} listed in both val and test chroms")
    present = set(data.chroms)
    absent = [c for c in dict.fromkeys((*val, *test)) if c not in present]
    if absent:
        shown = sorted(present)
        listing = ", ".join(shown[:_MAX_SHOWN_CHROMS]) + (
            ", ..." if len(shown) > _MAX_SHOWN_CHROMS else ""
        )
        raise ConfigError(
            f"held-out chromosome(s) {', '.join(absent)} not in the data (it has {listing})"
        )
    split_of = {c: "val" for c in val} | {c: "test" for c in test}
    indices: dict[str, list[int]] = {name: [] for name in SPLIT_NAMES}
    for i, chrom in enumerate(data.chroms):
        indices[split_of.get(chrom, "train")].append(i)
    return {name: data.subset(indices[name]) for name in SPLIT_NAMES}


def _check_fraction(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{name} must be a number in [0, 1), got {value!r}")
    if math.isnan(value) or not 0 <= value < 1:
        raise ConfigError(f"{name} must be in [0, 1), got {value}")


def _as_names(chroms: Sequence[str]) -> tuple[str, ...]:
    return (chroms,) if isinstance(chroms, str) else tuple(chroms)
