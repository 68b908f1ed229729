"""Token embeddings that survive a tokenizer re-fit, and positions measured in bases.

A token's embedding is composed from its bases — the sum over positions p of an embedding of
(base t_p at position p), divided by sqrt(length) to keep unit scale, so order matters
("TGA" ≠ "AGT"), plus a length embedding — plus a learned per-token residual.
Only the residual depends on the vocabulary, and it is carried over by token *string*: after a
re-fit (`adopt_vocabulary`), tokens kept keep their residual, new tokens start from their bases
alone, so the model stays usable while the segmentation improves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

_BASE_INDEX = {"A": 1, "C": 2, "G": 3, "T": 4, "N": 5}  # 0: no base (special token / padding)
_N_CODES = len(_BASE_INDEX) + 1


def _composition(tokens: Sequence[str], max_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(V, max_len) base indices and (V,) lengths; specials ("[PAD]", ...) have no bases."""
    table = torch.zeros(len(tokens), max_len, dtype=torch.long)
    lengths = torch.zeros(len(tokens), dtype=torch.long)
    for i, token in enumerate(tokens):
        if token.startswith("["):
            continue
        if len(token) > max_len:
            raise ValueError(f"token {token!r} is longer than max_token_len={max_len}")
        table[i, : len(token)] = torch.tensor([_BASE_INDEX[b] for b in token])
        lengths[i] = len(token)
    return table, lengths


class TokenEmbedding(nn.Module):
    """ids (B, T) -> embeddings (B, T, D), composed from bases plus a per-token residual."""

    def __init__(self, tokens: Sequence[str], d_model: int, max_token_len: int) -> None:
        super().__init__()
        self.max_token_len = max_token_len
        self.tokens = tuple(tokens)
        # one row per (position in token, base): a sum of separate base and position vectors
        # would commute and lose the order of the bases
        self.base = nn.Embedding(max_token_len * _N_CODES, d_model)
        self.length = nn.Embedding(max_token_len + 1, d_model)
        self.residual = nn.Embedding(len(tokens), d_model)
        # bases carry the token's identity: unit scale, like the (bounded) position signal;
        # length is a refinement of it
        nn.init.normal_(self.base.weight, std=1.0)
        nn.init.normal_(self.length.weight, std=0.1)
        nn.init.zeros_(self.residual.weight)
        composition, lengths = _composition(tokens, max_token_len)
        self.register_buffer("composition", composition, persistent=False)
        self.register_buffer("lengths", lengths, persistent=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        unique, inverse = torch.unique(ids, return_inverse=True)  # compose each token once
        bases = self.composition[unique]  # (U, L)
        present = (bases > 0).unsqueeze(-1)  # (U, L, 1)
        slots = torch.arange(bases.shape[1], device=bases.device) * _N_CODES  # (L,)
        parts = self.base(bases + slots) * present
        # sum / sqrt(length): unit scale for every token length (a plain mean of L random
        # vectors shrinks as 1/sqrt(L), and long tokens would drown in the position signal)
        count = self.lengths[unique].clamp(min=1).unsqueeze(-1)
        composed = parts.sum(dim=1) / count.sqrt() + self.length(self.lengths[unique])  # (U, D)
        return composed[inverse] + self.residual(ids)

    @torch.no_grad()
    def adopt_vocabulary(self, tokens: Sequence[str]) -> torch.Tensor:
        """Switch to a new vocabulary; residuals follow token strings, new tokens start at 0.

        Returns (V_new,) int64: each new token's row in the old vocabulary, -1 for new tokens
        (the trainer moves the optimiser's moments along the same map)."""
        old = {t: i for i, t in enumerate(self.tokens)}
        rows = torch.tensor([old.get(t, -1) for t in tokens], dtype=torch.long)
        weight = torch.zeros(
            len(tokens), self.residual.embedding_dim, device=self.residual.weight.device
        )
        kept = rows >= 0
        weight[kept] = self.residual.weight[rows[kept].to(weight.device)]
        self.residual = nn.Embedding.from_pretrained(weight, freeze=False)
        self.tokens = tuple(tokens)
        composition, lengths = _composition(tokens, self.max_token_len)
        self.composition = composition.to(weight.device)
        self.lengths = lengths.to(weight.device)
        return rows


def sinusoidal(positions: torch.Tensor, d_model: int, base: float = 10_000.0) -> torch.Tensor:
    """Fixed sinusoidal embedding of real-valued positions (bases): (...,) -> (..., D)."""
    half = d_model // 2
    freq = torch.exp(-math.log(base) * torch.arange(half, device=positions.device) / half)
    angles = positions.unsqueeze(-1).float() * freq
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


def rotate(x: torch.Tensor, positions: torch.Tensor, base: float) -> torch.Tensor:
    """Rotary position embedding with positions in bases. x: (B, H, T, Dh); positions: (B, T)."""
    half = x.shape[-1] // 2
    freq = torch.exp(-math.log(base) * torch.arange(half, device=x.device) / half)
    angles = positions[:, None, :, None].float() * freq  # (B, 1, T, Dh/2)
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)
