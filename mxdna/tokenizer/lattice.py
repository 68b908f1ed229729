"""Best (Viterbi) segmentation of many sequences under token log-probabilities.

`viterbi` runs the compiled kernel (`_viterbi.c`) when it was built, else `viterbi_python`, its
plain twin; tests check that both, and a brute-force enumeration, agree. Ties between equally
scored segmentations go to the one whose last token is longest (Hugging Face's Unigram rule).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from mxdna.alphabet import _CODE_TABLE
from mxdna.tokenizer.vocabulary import N_ID, LookupTable

try:
    from mxdna.tokenizer import _viterbi
except ImportError:  # pragma: no cover - only without a C compiler
    _viterbi = None


@dataclass(frozen=True)
class Segmentation:
    """Tokens of n sequences, flattened.

    ids, starts: int32 (total_tokens,) — token id and its start (bases) within its sequence;
    seq_token_starts: int64 (n + 1,) — sequence i owns tokens [seq_token_starts[i], [i + 1]);
    loglik: float64 (n,) — summed score of each sequence's best segmentation.
    """

    ids: np.ndarray
    starts: np.ndarray
    seq_token_starts: np.ndarray
    loglik: np.ndarray

    def __len__(self) -> int:
        return len(self.loglik)

    def tokens_of(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, starts) of sequence i."""
        a, b = self.seq_token_starts[i], self.seq_token_starts[i + 1]
        return self.ids[a:b], self.starts[a:b]

    def sequence_index(self) -> np.ndarray:
        """int64 (total_tokens,): which sequence each token belongs to."""
        counts = np.diff(self.seq_token_starts)
        return np.repeat(np.arange(len(counts)), counts)


def to_codes(seqs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Sequences -> (codes uint8 (total,), starts int64 (n + 1,)); any case, IUPAC -> 4."""
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    starts = np.zeros(len(seqs) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    codes = _CODE_TABLE[np.frombuffer("".join(seqs).encode("ascii"), dtype=np.uint8)]
    if codes.size and codes.max() == 255:
        bad = np.flatnonzero(codes == 255)[0]
        seq = int(np.searchsorted(starts, bad, side="right") - 1)
        char = "".join(seqs)[bad]
        raise ValueError(f"sequence {seq}: {char!r} is not an IUPAC nucleotide code")
    return codes, starts


def available_threads() -> int:
    """CPUs this process may run on (respects affinity masks, e.g. under SLURM)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def viterbi(
    codes: np.ndarray,
    seq_starts: np.ndarray,
    table: LookupTable,
    scores: np.ndarray,
    *,
    exclude: np.ndarray | None = None,
    engine: str = "auto",
    n_threads: int = 1,
) -> Segmentation:
    """Best segmentation of each sequence in `codes` (see `to_codes`).

    `scores`: float64 (V,) log-probabilities by id. `exclude`: optional int32 (n,), a token id
    sequence i may not use (-1 for none). `n_threads` > 1 segments contiguous groups of
    sequences in parallel (the kernel releases the GIL); the result does not depend on it.
    """
    if engine == "python" or (engine == "auto" and _viterbi is None):
        return viterbi_python(codes, seq_starts, table, scores, exclude=exclude)
    n_seqs = len(seq_starts) - 1
    if n_threads > 1 and n_seqs >= 2 * n_threads and len(codes) >= _MIN_BASES_PER_THREAD:
        return _viterbi_threads(codes, seq_starts, table, scores, exclude, n_threads)
    return _viterbi_c(codes, seq_starts, table, scores, exclude)


_MIN_BASES_PER_THREAD = 200_000


def _viterbi_threads(codes, seq_starts, table, scores, exclude, n_threads: int) -> Segmentation:
    """Split the sequences into `n_threads` groups of about equal bases, segment, concatenate."""
    cuts = np.searchsorted(seq_starts, np.linspace(0, seq_starts[-1], n_threads + 1)[1:-1])
    bounds = [0, *sorted(set(cuts.tolist()) - {0, len(seq_starts) - 1}), len(seq_starts) - 1]

    def run(a: int, b: int) -> Segmentation:
        part = None if exclude is None else exclude[a:b]
        return _viterbi_c(codes, seq_starts[a : b + 1], table, scores, part)

    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        parts = list(pool.map(run, bounds[:-1], bounds[1:]))
    offsets = np.cumsum([0] + [len(p.ids) for p in parts[:-1]])
    return Segmentation(
        ids=np.concatenate([p.ids for p in parts]),
        starts=np.concatenate([p.starts for p in parts]),
        seq_token_starts=np.concatenate(
            [p.seq_token_starts[:-1] + o for p, o in zip(parts, offsets, strict=True)]
            + [np.array([sum(len(p.ids) for p in parts)], dtype=np.int64)]
        ),
        loglik=np.concatenate([p.loglik for p in parts]),
    )


def _viterbi_c(codes, seq_starts, table, scores, exclude) -> Segmentation:
    excluded = b"" if exclude is None else np.ascontiguousarray(exclude, dtype=np.int32)
    ids, starts, seq_tok, loglik = _viterbi.viterbi(
        np.ascontiguousarray(codes, dtype=np.uint8),
        np.ascontiguousarray(seq_starts, dtype=np.int64),
        table.keys,
        table.vals,
        table.dense,
        np.ascontiguousarray(scores, dtype=np.float64),
        table.max_len,
        N_ID,
        excluded,
    )
    return Segmentation(
        ids=np.frombuffer(ids, dtype=np.int32),
        starts=np.frombuffer(starts, dtype=np.int32),
        seq_token_starts=np.frombuffer(seq_tok, dtype=np.int64),
        loglik=np.frombuffer(loglik, dtype=np.float64),
    )


def viterbi_python(
    codes: np.ndarray,
    seq_starts: np.ndarray,
    table: LookupTable,
    scores: np.ndarray,
    *,
    exclude: np.ndarray | None = None,
) -> Segmentation:
    """Plain-Python twin of the compiled kernel (same results, same tie rule)."""
    lookup = table.as_dict()
    all_ids: list[int] = []
    all_starts: list[int] = []
    seq_tok = [0]
    loglik = []
    for s in range(len(seq_starts) - 1):
        seq = codes[seq_starts[s] : seq_starts[s + 1]].tolist()
        banned = -1 if exclude is None else int(exclude[s])
        n = len(seq)
        best = [0.0] + [-math.inf] * n
        back = [0] * (n + 1)
        length = [0] * (n + 1)
        for j in range(n):
            if best[j] == -math.inf:
                continue
            if seq[j] > 3:
                candidates = [(1, N_ID)]
            else:
                candidates = []
                packed = 0
                for k in range(1, min(table.max_len, n - j) + 1):
                    if seq[j + k - 1] > 3:
                        break
                    packed = (packed << 2) | seq[j + k - 1]
                    token = lookup.get((packed << 5) | k)
                    if token is None:
                        break
                    if token >= 0 and token != banned:
                        candidates.append((k, token))
            for k, token in candidates:
                score = best[j] + float(scores[token])
                if score > best[j + k]:
                    best[j + k], back[j + k], length[j + k] = score, token, k
        path = []
        i = n
        while i > 0:
            path.append((i - length[i], back[i]))
            i -= length[i]
        for start, token in reversed(path):
            all_starts.append(start)
            all_ids.append(token)
        seq_tok.append(len(all_ids))
        loglik.append(best[n])
    return Segmentation(
        ids=np.array(all_ids, dtype=np.int32),
        starts=np.array(all_starts, dtype=np.int32),
        seq_token_starts=np.array(seq_tok, dtype=np.int64),
        loglik=np.array(loglik, dtype=np.float64),
    )
