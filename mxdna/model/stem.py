"""`ConvStem`: a residual 1-D convolution over the token sequence, before attention.

Attention alone learns short motifs slowly from a few thousand sequences (a one-layer CNN reaches
0.99 accuracy on a planted motif where attention is still near chance after 12 epochs); a
convolution gives the encoder the position-invariant motif detector that CNNs start with.

x: (B, T, D), mask: (B, T) bool -> (B, T, D), padding rows zero.
"""

from __future__ import annotations

import torch
from torch import nn


class ConvStem(nn.Module):
    """x + Conv1d(GELU(Conv1d(norm(x)))) with 'same' padding; padding tokens are zeroed first,
    so real tokens never see them as content (batch/padding invariant)."""

    def __init__(self, d_model: int, kernel: int, dropout: float) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(d_model)
        self.conv1 = nn.Conv1d(d_model, 2 * d_model, kernel, padding=kernel // 2)
        self.conv2 = nn.Conv1d(2 * d_model, d_model, 1)
        self.act = nn.GELU()
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        keep = mask.unsqueeze(-1).to(x.dtype)
        h = (self.norm(x) * keep).transpose(1, 2)  # (B, D, T)
        h = self.conv2(self.dropout(self.act(self.conv1(h)))).transpose(1, 2)
        return (x + h) * keep
