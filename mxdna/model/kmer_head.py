"""`KmerSpectrumHead`: a linear read-out of each sequence's k-mer spectrum, added to the logits.

A wide-and-deep classifier: the encoder (deep) learns motifs in context, this head (wide) is a
logistic regression on the counts of every overlapping 1..k-mer, trained jointly with it. From
a few thousand sequences a linear model on k-mer counts is the strongest thing the field has
(k-mer + logistic regression beat every encoder on gue_tf_human tf0-tf4 in the results
benchmark); with this head the encoder starts from it instead of having to rediscover it
(learned tokens, 2,000 sequences, 6 epochs, mean of 3 seeds: tf3 test MCC 0.087 -> 0.384,
tf2 0.355 -> 0.562; docs/benchmarks.md).

Features: A/C/G/T k-mers only (a k-mer that touches N or any other code is not counted), in
order k = 1, 2, ..., each k-mer at index sum_j base_j * 4^(k-1-j) (A=0, C=1, G=2, T=3) after the
4 + 16 + ... slots of shorter k. Counts are divided by their root mean square over the k-mers
present, so a present k-mer is ~1 whatever the sequence length: Adam moves every weight by
about the learning rate per step, and a feature of unit size turns that into a logit change of
the same size as the encoder's (a prototype with plain l2-normalised counts, ~0.03 each at 100
bp, left the head almost untrained in 6 epochs: tf0 test MCC 0.51, against 0.62 at 30x that).

Two ways to count, the same numbers on real sequences: `hard_counts` scatters the base codes
(training, prediction); `soft_counts` multiplies one-hot entries along each k-mer, which is
differentiable, so attribution methods that scale the one-hot bases (integrated gradients,
gradient x input) attribute the head's logit to bases exactly. Its normaliser always comes
from the real sequence, so the head stays linear in the counts along such a path.

codes: (B, Lb) int, 0 = no base, 1..5 = A C G T N (as `base_context._bases` rebuilds them);
one_hot: (B, Lb, 5) in the same order; output logits (B, n_classes).
"""

from __future__ import annotations

import torch
from torch import nn

MAX_K = 8  # 4^8 = 65,536 features for k = 8 alone


def n_features(max_k: int) -> int:
    """Number of distinct 1..max_k-mers of A/C/G/T."""
    return sum(4**k for k in range(1, max_k + 1))


class KmerSpectrumHead(nn.Module):
    """Linear layer on the normalised 1..`max_k`-mer counts; starts at zero (adds nothing)."""

    def __init__(self, max_k: int, n_classes: int) -> None:
        super().__init__()
        if not 1 <= max_k <= MAX_K:
            raise ValueError(f"max_k must be in 1..{MAX_K}, got {max_k}")
        self.max_k = max_k
        self.linear = nn.Linear(n_features(max_k), n_classes)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, codes: torch.Tensor, one_hot: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (B, n_classes) from base codes (B, Lb); with `one_hot` (B, Lb, 5) the counts
        are the differentiable `soft_counts` of it (normalised by the real sequence's counts)."""
        if one_hot is None:
            return self.linear(self.features(codes).to(self.linear.weight.dtype))
        hard = self.hard_counts(codes)
        counts = self.soft_counts(one_hot)
        return self.linear(counts.to(self.linear.weight.dtype) / _rms_present(hard))

    def features(self, codes: torch.Tensor) -> torch.Tensor:
        """(B, Lb) base codes -> (B, F) the normalised counts this head's linear layer reads."""
        hard = self.hard_counts(codes)
        return hard / _rms_present(hard)

    def hard_counts(self, codes: torch.Tensor) -> torch.Tensor:
        """(B, Lb) base codes -> (B, F) float counts of every overlapping 1..max_k-mer."""
        base = codes.long() - 1  # 0..3 = A C G T; -1 (no base) and 4 (N) break k-mers
        valid = (base >= 0) & (base < 4)
        base = base.clamp(0, 3)
        batch, length = base.shape
        counts = torch.zeros(batch, n_features(self.max_k), device=codes.device)
        index = torch.zeros(batch, length, dtype=torch.long, device=codes.device)
        whole = torch.ones(batch, length, dtype=torch.bool, device=codes.device)
        offset = 0
        for k in range(1, self.max_k + 1):
            n = length - k + 1
            if n <= 0:
                break
            # extend every (k-1)-mer that starts at p by the base at p + k - 1
            index = index[:, :n] * 4 + base[:, k - 1 :]
            whole = whole[:, :n] & valid[:, k - 1 :]
            # integer-valued sums are exact in float32 whatever the order (deterministic on GPU)
            counts.scatter_add_(1, offset + index, whole.to(counts.dtype))
            offset += 4**k
        return counts

    def soft_counts(self, one_hot: torch.Tensor) -> torch.Tensor:
        """(B, Lb, 5) one-hot (or scaled one-hot) bases -> (B, F): for each k-mer the sum over
        positions of the product of its bases' entries; equals `hard_counts` on real one-hots."""
        acgt = one_hot[..., :4]
        batch, length, _ = acgt.shape
        parts = []
        running = acgt  # (B, n, 4^k): products along the k-mer starting at each position
        for k in range(1, self.max_k + 1):
            n = length - k + 1
            if n <= 0:
                parts.append(acgt.new_zeros(batch, 4**k))
                continue
            if k > 1:
                running = (running[:, :n, :, None] * acgt[:, k - 1 :, None, :]).flatten(2)
            parts.append(running.sum(dim=1))
        return torch.cat(parts, dim=1)


def _rms_present(counts: torch.Tensor) -> torch.Tensor:
    """(B, F) counts -> (B, 1) root mean square over the non-zero entries (1 where none)."""
    present = (counts > 0).sum(dim=1, keepdim=True).clamp(min=1)
    return (counts.square().sum(dim=1, keepdim=True) / present).sqrt().clamp(min=1.0)
