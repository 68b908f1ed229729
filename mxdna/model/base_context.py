"""`BaseContext`: base-resolution motif features pooled into each token.

A variable-length tokenizer cuts the same motif differently in different contexts (CA|CGTG in
one sequence, CACG|TG in the next), so an encoder that only sees token identities must learn
every cut of every motif — slow from a few thousand sequences, and the reason learned tokens
trailed single-base tokens in the results benchmark. Here a convolution over the bases (one-hot,
rebuilt from the token ids and their base offsets) detects motifs whatever the cut, and each
token receives the strongest response of each detector over its own bases. The token keeps its
identity (the composed embedding) and gains its context in bases.

With `blocks` (EncoderConfig.base_blocks) the first stage of the encoder runs on the bases:
local-attention blocks (rotary positions in bases) read the detector responses before they are
pooled, so the learned segmentation becomes the first aggregation (each token pools its own,
already contextual, bases) rather than the grid the first attention stage sees.

ids (B, T), offsets (B, T, 2) in bases (padding -1), mask (B, T) -> (B, T, D); padding rows 0.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn
from torch.nn import functional as F

from mxdna.model.embedding import sinusoidal

N_BASE_CHANNELS = 5  # A, C, G, T, N (code 0 = no base: an all-zero column)


class BaseContext(nn.Module):
    """Conv1d over one-hot bases (`kernel` wide, 'same' padding) -> GELU -> max over each
    token's bases (`pooled`) -> LayerNorm -> Linear. The norm puts the context at the scale of
    the composed token embedding from the first step (a zero-initialised output layer left it at
    ~3% of that scale after a whole training run, and the learned tokenizer gained nothing)."""

    def __init__(self, d_model: int, kernel: int, blocks: Iterable[nn.Module] = ()) -> None:
        """`blocks`: modules called as block(x (B, Lb, D), mask (B, Lb), positions (B, Lb))
        on the bases after the detectors (local-attention blocks)."""
        super().__init__()
        self.conv = nn.Conv1d(N_BASE_CHANNELS, d_model, kernel, padding=kernel // 2)
        self.act = nn.GELU()
        self.blocks = nn.ModuleList(blocks)
        self.norm = nn.LayerNorm(d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(
        self,
        composition: torch.Tensor,
        ids: torch.Tensor,
        offsets: torch.Tensor,
        mask: torch.Tensor,
        one_hot: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """composition (V, L) base codes of every token (0 = none, 1..5 = A C G T N);
        `one_hot` (B, Lb, 5) replaces the bases rebuilt from the tokens (attribution scales it
        along its path)."""
        pooled = self.pooled(composition, ids, offsets, mask, one_hot)
        return self.out(self.norm(pooled)) * mask.unsqueeze(-1)

    def pooled(
        self,
        composition: torch.Tensor,
        ids: torch.Tensor,
        offsets: torch.Tensor,
        mask: torch.Tensor,
        one_hot: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Strongest motif-detector response over each token's bases, (B, T, D); padding 0."""
        batch, n_tokens = ids.shape
        sequence, slot, present = _bases(composition, ids, offsets, mask)
        if one_hot is None:
            one_hot = _one_hot(sequence, self.conv.weight.dtype)
        n_bases = one_hot.shape[1]
        features = self.act(self.conv(one_hot.transpose(1, 2).to(self.conv.weight.dtype)))
        features = features.transpose(1, 2)  # (B, Lb, D)
        if len(self.blocks):
            features = self._contextualise(features, sequence)
        gather = slot.clamp(max=n_bases - 1).reshape(batch, -1, 1)
        per_base = features.gather(1, gather.expand(-1, -1, features.shape[-1]))
        per_base = per_base.reshape(batch, n_tokens, -1, features.shape[-1])  # (B, T, L, D)
        # max, not mean: a motif detector fires at one base, and averaging it with the token's
        # other bases diluted it (tf0, 6-mer tokens: test MCC 0.34 with the mean, 0.50 with max)
        floor = torch.finfo(per_base.dtype).min
        pooled = per_base.masked_fill(~present.unsqueeze(-1), floor).amax(dim=2)
        has_bases = present.any(dim=-1, keepdim=True)  # (B, T, 1); specials and padding: none
        return torch.where(has_bases, pooled, torch.zeros_like(pooled))

    def _contextualise(self, features: torch.Tensor, sequence: torch.Tensor) -> torch.Tensor:
        """Base-level attention blocks: features (B, Lb, D), base codes (B, Lb) -> (B, Lb, D).
        The mask comes from the codes, not from the one-hot values, so attribution's scaled
        inputs (all zero at the baseline) keep the same bases in play."""
        present = sequence > 0
        index = torch.arange(sequence.shape[1], device=sequence.device, dtype=torch.float32)
        # absolute base positions, as single-base tokens get them: on landmark-aligned data (a
        # splice site at base 30, a TATA box ~30 bases upstream of the TSS) the class depends
        # on where a motif sits, which a token's span only gives to within its width
        features = features + sinusoidal(index, features.shape[-1]).to(features.dtype)
        positions = (index + 0.5).expand(sequence.shape[0], -1)  # base centres, for rotary
        features = features * present.unsqueeze(-1).to(features.dtype)
        for block in self.blocks:
            features = block(features, present, positions)
        return features


def _bases(
    composition: torch.Tensor, ids: torch.Tensor, offsets: torch.Tensor, mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Base codes rebuilt from tokens: sequence (B, Lb) int, each token slot's base position
    slot (B, T, L) (Lb where the slot holds no base) and present (B, T, L) bool."""
    batch = ids.shape[0]
    codes = composition[ids] * mask.unsqueeze(-1)  # (B, T, L); padding has no bases
    present = codes > 0
    start = offsets[..., 0].clamp(min=0)
    position = start.unsqueeze(-1) + torch.arange(codes.shape[-1], device=ids.device)
    n_bases = int(position[present].max()) + 1 if bool(present.any()) else 1
    # every base belongs to exactly one token, so this scatter writes each cell once
    # (deterministic); slots without a base go to a spare last column that is dropped
    slot = torch.where(present, position, torch.full_like(position, n_bases))
    sequence = torch.zeros(batch, n_bases + 1, dtype=codes.dtype, device=ids.device)
    sequence.scatter_(1, slot.reshape(batch, -1), codes.reshape(batch, -1))
    return sequence[:, :n_bases], slot, present


def base_codes(
    composition: torch.Tensor, ids: torch.Tensor, offsets: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Base codes (B, Lb) rebuilt from tokens: 0 = no base, 1..5 = A C G T N."""
    return _bases(composition, ids, offsets, mask)[0]


def one_hot_bases(codes: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Base codes (B, Lb) -> one-hot (B, Lb, 5) A C G T N; code 0 (no base) is all zero."""
    return _one_hot(codes, dtype)


def _one_hot(sequence: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Base codes (B, Lb) -> one-hot (B, Lb, 5) A C G T N; code 0 (no base) is all zero."""
    return F.one_hot(sequence, N_BASE_CHANNELS + 1)[..., 1:].to(dtype)


def sum_over_tokens(
    values: torch.Tensor, offsets: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Per-base values (B, Lb) summed over each token's bases [start, end): (B, T); padding 0."""
    cumulative = F.pad(values.cumsum(dim=1), (1, 0))  # (B, Lb + 1), cumulative[:, i] = sum < i
    last = cumulative.shape[1] - 1
    start = offsets[..., 0].clamp(min=0, max=last)
    end = offsets[..., 1].clamp(min=0, max=last)
    total = cumulative.gather(1, end) - cumulative.gather(1, start)
    return total * mask
