"""Encoded datasets and length-bucketed batches with dynamic padding.

Sequences are tokenized once per tokenizer (both strands, for reverse-complement augmentation);
each epoch, sequences of similar length in bases are grouped into training batches (not token
count, which a label-informed tokenizer ties to the class), so padding stays small, and the batch
order is shuffled; prediction batches are sorted by token count. Everything depends only on
(seed, epoch): a resumed run sees exactly the batches an uninterrupted run would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from mxdna.alphabet import reverse_complement
from mxdna.tokenizer.base import BaseTokenizer
from mxdna.tokenizer.vocabulary import PAD_ID


@dataclass(frozen=True)
class EncodedSplit:
    """Token ids and base offsets of N sequences (each strand), with class indices (N,)."""

    ids: tuple[np.ndarray, ...]
    offsets: tuple[np.ndarray, ...]
    rc_ids: tuple[np.ndarray, ...]
    rc_offsets: tuple[np.ndarray, ...]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per sequence (N,)."""
        return np.array([len(i) for i in self.ids], dtype=np.int64)

    @property
    def base_lengths(self) -> np.ndarray:
        """Bases per sequence (N,): the end of each sequence's last token."""
        return np.array([int(o[-1, 1]) if len(o) else 0 for o in self.offsets], dtype=np.int64)


def encode_split(
    tokenizer: BaseTokenizer, sequences: Sequence[str], labels: np.ndarray, *, both_strands: bool
) -> EncodedSplit:
    """Tokenize sequences (and their reverse complements when `both_strands`)."""

    def encode(seqs: Sequence[str]) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
        batch = tokenizer.encode_batch(seqs)
        ids = tuple(e.ids.astype(np.int64) for e in batch.encodings)
        offsets = tuple(e.offsets.astype(np.int64) for e in batch.encodings)
        return ids, offsets

    ids, offsets = encode(sequences)
    rc_ids, rc_offsets = (
        encode([reverse_complement(s) for s in sequences]) if both_strands else ((), ())
    )
    return EncodedSplit(ids, offsets, rc_ids, rc_offsets, np.asarray(labels, dtype=np.int64))


def bucketed_batches(
    lengths: np.ndarray, batch_size: int, *, seed: int, epoch: int, shuffle: bool = True
) -> list[np.ndarray]:
    """Index batches of similar lengths. Shuffled (by seed and epoch) within windows of
    50 batches before sorting by length, then the batch order is shuffled."""
    n = len(lengths)
    if not shuffle:
        order = np.argsort(lengths, kind="stable")
        return [order[i : i + batch_size] for i in range(0, n, batch_size)]
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(n)
    window = 50 * batch_size
    chunks = [order[i : i + window] for i in range(0, n, window)]
    batches = []
    for chunk in chunks:
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def training_batches(
    split: EncodedSplit, batch_size: int, *, seed: int, epoch: int
) -> list[np.ndarray]:
    """One epoch's training batches, bucketed by bases, not tokens: a label-informed tokenizer
    cuts one class into fewer tokens than another, and buckets by token count then made whole
    batches of one class (uci_splice, learned tokens: test accuracy 0.635 -> 0.672 by bases)."""
    return bucketed_batches(split.base_lengths, batch_size, seed=seed, epoch=epoch)


def collate(
    split: EncodedSplit, indices: np.ndarray, flip: np.ndarray | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Padded tensors for one batch: ids (B, T), offsets (B, T, 2), mask (B, T), labels (B,).

    `flip[i]` True takes sequence i's reverse-complement strand (augmentation)."""
    rows_ids, rows_offsets = [], []
    for row, index in enumerate(indices):
        use_rc = flip is not None and bool(flip[row])
        rows_ids.append(split.rc_ids[index] if use_rc else split.ids[index])
        rows_offsets.append(split.rc_offsets[index] if use_rc else split.offsets[index])
    width = max((len(r) for r in rows_ids), default=0)
    ids = np.full((len(indices), width), PAD_ID, dtype=np.int64)
    offsets = np.full((len(indices), width, 2), -1, dtype=np.int64)
    for row, (token_ids, token_offsets) in enumerate(zip(rows_ids, rows_offsets, strict=True)):
        ids[row, : len(token_ids)] = token_ids
        offsets[row, : len(token_ids)] = token_offsets
    mask = ids != PAD_ID
    return (
        torch.from_numpy(ids),
        torch.from_numpy(offsets),
        torch.from_numpy(mask),
        torch.from_numpy(split.labels[indices]),
    )
