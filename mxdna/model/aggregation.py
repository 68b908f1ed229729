"""`TokenMerger`: learned aggregation of neighbouring tokens into super-tokens.

Consecutive groups of `ratio` tokens become one super-token: a weighted sum of the group, with
weights from a learned score of each token (softmax within the group, padding excluded), then a
linear projection. Each super-token carries the base span of its group (first start, last end),
so attributions on super-tokens map back to bases, and the spans of the real super-tokens tile
the sequence exactly as the token offsets did.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class TokenMerger(nn.Module):
    """(B, T, D) tokens with mask (B, T) and spans (B, T, 2) -> (B, ⌈T/r⌉, D), mask, spans."""

    def __init__(self, d_model: int, ratio: int) -> None:
        super().__init__()
        self.ratio = ratio
        self.norm = nn.LayerNorm(d_model)
        self.score = nn.Linear(d_model, 1, bias=False)  # a bias cancels in the group softmax
        self.proj = nn.Linear(d_model, d_model)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor, spans: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        b, t, d = x.shape
        r = self.ratio
        pad = (-t) % r
        if pad:
            x = F.pad(x, (0, 0, 0, pad))
            mask = F.pad(mask, (0, pad), value=False)
            spans = F.pad(spans, (0, 0, 0, pad), value=-1)
        groups = (t + pad) // r
        h = self.norm(x).view(b, groups, r, d)
        member = mask.view(b, groups, r)
        scores = self.score(h).squeeze(-1).masked_fill(~member, float("-inf"))  # (B, G, r)
        weights = torch.nan_to_num(torch.softmax(scores.float(), dim=-1)).to(h.dtype)
        merged = self.proj((weights.unsqueeze(-1) * h).sum(dim=2))  # (B, G, D)
        new_mask = member.any(dim=-1)
        grouped = spans.view(b, groups, r, 2)
        big = torch.iinfo(spans.dtype).max
        start = grouped[..., 0].masked_fill(~member, big).amin(dim=-1)
        end = grouped[..., 1].masked_fill(~member, -1).amax(dim=-1)
        new_spans = torch.stack([start, end], dim=-1).masked_fill(~new_mask.unsqueeze(-1), -1)
        return merged * new_mask.unsqueeze(-1), new_mask, new_spans
