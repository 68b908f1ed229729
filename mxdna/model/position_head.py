"""`PositionalBaseHead`: a linear read-out of which base sits at which position, for
landmark-aligned sequences.

On data cut around the same landmark on its strand (splice sites at base 30 of a 60-bp window,
promoters with the TSS at a fixed base) the class depends on *where* a motif sits, to the base.
A position-specific logistic regression on the one-hot bases (a PWM read-out) is the classic
model there: in the results benchmark it scores 0.939 test accuracy on uci_splice and 71.7
MCC×100 on gue_prom_300_tata, while the encoder on learned (variable-length) tokens reached
0.691 and 31.2 — a token knows its span, not which of its bases is at position 30. This head gives
every tokenizer that read-out, added to the logits like the k-mer head (wide and deep).

Positions count from the sequence's first base: bases beyond `length` are not read, shorter
sequences leave the rest empty (zero). Linear in the one-hot bases, so attribution stays exact.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

N_READ_BASES = 4  # A, C, G, T (N and padding read as all-zero)


class PositionalBaseHead(nn.Module):
    """Linear layer on the one-hot A/C/G/T of the first `length` bases; starts at zero."""

    def __init__(self, length: int, n_classes: int) -> None:
        super().__init__()
        if length < 1:
            raise ValueError(f"length must be positive, got {length}")
        self.length = length
        self.linear = nn.Linear(length * N_READ_BASES, n_classes)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, one_hot: torch.Tensor) -> torch.Tensor:
        """one_hot (B, Lb, 5) A C G T N (scaled along an attribution path, or real) ->
        logits (B, n_classes)."""
        return self.linear(self.features(one_hot).to(self.linear.weight.dtype))

    def features(self, one_hot: torch.Tensor) -> torch.Tensor:
        """(B, Lb, 5) one-hot bases -> (B, length * 4) what this head's linear layer reads:
        A C G T of position 0, then of position 1, ..."""
        acgt = one_hot[:, : self.length, :N_READ_BASES]
        acgt = F.pad(acgt, (0, 0, 0, self.length - acgt.shape[1]))  # (B, length, 4)
        return acgt.flatten(1)
