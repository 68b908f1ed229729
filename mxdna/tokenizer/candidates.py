"""Candidate motif tokens: counting k-mers in the training data (vectorised) and growing
candidates by extending or joining tokens."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from mxdna.tokenizer.lattice import Segmentation

_LETTERS = np.frombuffer(b"ACGT", dtype=np.uint8)


@dataclass(frozen=True)
class Corpus:
    """Training sequences as codes (uint8 (n,), 0-3 ACGT, 4 ambiguous) and starts (int64 (S+1,)),
    with what window enumeration needs precomputed: each position's sequence end."""

    codes: np.ndarray
    starts: np.ndarray
    room: np.ndarray  # int64 (n,): bases from position i to the end of its sequence

    @classmethod
    def from_codes(cls, codes: np.ndarray, starts: np.ndarray) -> Corpus:
        lengths = np.diff(starts)
        room = np.repeat(starts[1:], lengths) - np.arange(len(codes), dtype=np.int64)
        return cls(codes=codes, starts=starts, room=room)

    def sample(self, max_bases: int) -> Corpus:
        """Every j-th sequence, j chosen so that about `max_bases` remain (self if smaller)."""
        if len(self.codes) <= max_bases:
            return self
        step = -(-len(self.codes) // max_bases)
        chosen = np.arange(0, len(self.starts) - 1, step)
        pieces = [self.codes[self.starts[i] : self.starts[i + 1]] for i in chosen]
        lengths = np.array([len(p) for p in pieces], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)])
        return Corpus.from_codes(np.concatenate(pieces), starts)

    def windows(self, max_k: int) -> Iterator[tuple[int, np.ndarray]]:
        """Yield (k, packed codes of every valid k-base window) for k = 1..max_k.

        Valid: inside one sequence, only A/C/G/T. Packed: 2 bits per base, first base most
        significant (int64). Built incrementally, O(n) per k.
        """
        n = len(self.codes)
        packed = self.codes.astype(np.int64)
        ok = self.codes <= 3
        for k in range(1, max_k + 1):
            if k > 1:
                if n - k + 1 <= 0:
                    return
                packed = (packed[:-1] << 2) | self.codes[k - 1 :]
                ok = ok[:-1] & (self.codes[k - 1 :] <= 3)
            yield k, packed[ok & (self.room[: len(packed)] >= k)]


def unpack(values: np.ndarray, k: int) -> list[str]:
    """Packed k-mer codes -> strings."""
    shifts = np.arange(2 * (k - 1), -1, -2, dtype=np.int64)
    digits = (np.asarray(values, dtype=np.int64)[:, None] >> shifts) & 3  # (n, k)
    return [row.tobytes().decode() for row in _LETTERS[digits]]


def pack_strings(kmers: Iterable[str]) -> np.ndarray:
    """Upper-case ACGT strings of one length -> packed int64 codes."""
    table = np.zeros(256, dtype=np.int64)
    table[np.frombuffer(b"ACGT", dtype=np.uint8)] = np.arange(4)
    kmers = list(kmers)
    if not kmers:
        return np.empty(0, dtype=np.int64)
    k = len(kmers[0])
    digits = table[np.frombuffer("".join(kmers).encode(), dtype=np.uint8)].reshape(-1, k)
    shifts = np.arange(2 * (k - 1), -1, -2, dtype=np.int64)
    return (digits << shifts).sum(axis=1)


def seed_candidates(
    corpus: Corpus, *, max_len: int, n_candidates: int, min_count: int
) -> dict[str, int]:
    """The `n_candidates` most frequent k-mers (k = 2..max_len) by count x length, with counts.

    Count x length (as SentencePiece seeds) favours long frequent substrings: motifs.
    """
    pool: list[tuple[float, str, int]] = []
    for k, windows in corpus.windows(max_len):
        if k == 1:
            continue
        values, counts = _count(windows, k)
        keep = counts >= min_count
        values, counts = values[keep], counts[keep]
        if len(values) > n_candidates:  # only the top n_candidates of one length can make it
            top = np.argpartition(-counts, n_candidates - 1)[:n_candidates]
            values, counts = values[top], counts[top]
        pool.extend(
            (float(c) * k, s, int(c)) for s, c in zip(unpack(values, k), counts, strict=True)
        )
    pool.sort(key=lambda item: (-item[0], item[1]))
    return {s: c for _, s, c in pool[:n_candidates]}


def _count(windows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct packed k-mers, counts), sorted by packed code."""
    if k <= 11:  # dense counting: at most 4**11 = 4M bins
        counts = np.bincount(windows, minlength=4**k)
        present = np.flatnonzero(counts)
        return present, counts[present]
    ordered = np.sort(windows)
    first = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    starts = np.flatnonzero(first)
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def count_strings(corpus: Corpus, kmers: Iterable[str]) -> dict[str, int]:
    """Occurrences (overlapping) of each upper-case ACGT string in the corpus."""
    by_length: dict[int, list[str]] = {}
    for kmer in sorted(set(kmers)):
        by_length.setdefault(len(kmer), []).append(kmer)
    counts: dict[str, int] = {}
    if not by_length:
        return counts
    for k, windows in corpus.windows(max(by_length)):
        group = by_length.get(k)
        if not group:
            continue
        wanted = pack_strings(group)  # sorted, because the strings are
        slot = np.minimum(np.searchsorted(wanted, windows), len(wanted) - 1)
        hits = np.bincount(slot[wanted[slot] == windows], minlength=len(wanted))
        counts.update(zip(group, hits.tolist(), strict=True))
    return counts


def grow(
    top_tokens: Sequence[str],
    segmentation: Segmentation,
    tokens: Sequence[str],
    *,
    max_len: int,
    max_joins: int,
) -> set[str]:
    """New candidates from high-gain tokens: each extended by one base on either side, and the
    most frequent adjacent pairs of them (in the current segmentation) joined."""
    top = set(top_tokens)
    candidates = {
        ext for t in top_tokens if len(t) < max_len for b in "ACGT" for ext in (t + b, b + t)
    }
    same_seq = np.diff(segmentation.sequence_index()) == 0
    left, right = segmentation.ids[:-1][same_seq], segmentation.ids[1:][same_seq]
    index = {t: i for i, t in enumerate(tokens)}
    top_ids = np.array(sorted(index[t] for t in top), dtype=np.int64)
    both = np.isin(left, top_ids) & np.isin(right, top_ids)
    if both.any():
        pairs, counts = np.unique(
            left[both].astype(np.int64) * len(tokens) + right[both], return_counts=True
        )
        order = np.lexsort((pairs, -counts))[:max_joins]
        for pair in pairs[order]:
            joined = tokens[pair // len(tokens)] + tokens[pair % len(tokens)]
            if len(joined) <= max_len:
                candidates.add(joined)
    return candidates - set(tokens)
