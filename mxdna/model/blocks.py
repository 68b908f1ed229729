"""Pre-norm residual blocks: local softmax attention (with rotary positions in bases) and
global linear attention, each followed by an MLP.

x: (B, T, D); mask: (B, T) bool; positions: (B, T) token centres in bases.
"""

from __future__ import annotations

import torch
from torch import nn

from mxdna.model.config import EncoderConfig
from mxdna.model.embedding import rotate
from mxdna.model.linear_attention import (
    elu_feature_map,
    favor_feature_map,
    linear_attention,
    orthogonal_gaussian,
)
from mxdna.model.local_attention import local_attention


class MLP(nn.Module):
    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        hidden = config.mlp_ratio * config.d_model
        self.net = nn.Sequential(
            nn.Linear(config.d_model, hidden),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(hidden, config.d_model),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class _AttentionBlock(nn.Module):
    """x + attn(norm(x)); then x + mlp(norm(x)); padding rows stay zero."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.norm1 = nn.LayerNorm(config.d_model)
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
        self.out = nn.Linear(config.d_model, config.d_model)
        self.norm2 = nn.LayerNorm(config.d_model)
        self.mlp = MLP(config)
        self.dropout = nn.Dropout(config.dropout)
        # residual branches start at zero, so a fresh block is the identity: the embedding and
        # convolutional stem learn motifs at CNN speed, attention blends in as it learns
        # (without this, attention models learned a planted motif far more slowly than a CNN)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        nn.init.zeros_(self.mlp.net[-1].weight)
        nn.init.zeros_(self.mlp.net[-1].bias)

    def _heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        b, t, _ = x.shape
        qkv = self.qkv(self.norm1(x)).view(b, t, 3, self.config.n_heads, self.config.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # each (B, H, T, Dh)
        return q, k, v

    def attend(self, q, k, v, mask, positions) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x: torch.Tensor, mask: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self._heads(x)
        attended = self.attend(q, k, v, mask, positions).to(x.dtype)  # (B, H, T, Dh)
        x = x + self.dropout(self.out(attended.transpose(1, 2).reshape(b, t, d)))
        x = x + self.dropout(self.mlp(self.norm2(x)))
        return x * mask.unsqueeze(-1).to(x.dtype)


class LocalBlock(_AttentionBlock):
    """Softmax attention within `local_radius` tokens; rotary positions measured in bases."""

    def attend(self, q, k, v, mask, positions):
        q = rotate(q, positions, self.config.rope_base)
        k = rotate(k, positions, self.config.rope_base)
        return local_attention(q, k, v, mask, self.config.local_radius)


class GlobalBlock(_AttentionBlock):
    """Linear attention over all (super-)tokens, computed in float32 (sums over the sequence)."""

    def __init__(self, config: EncoderConfig, seed: int = 0) -> None:
        super().__init__(config)
        if config.feature_map == "favor":
            generator = torch.Generator().manual_seed(seed)
            projection = orthogonal_gaussian(config.n_random_features, config.head_dim, generator)
            self.register_buffer("projection", projection)

    def attend(self, q, k, v, mask, positions):
        with torch.autocast(device_type=q.device.type, enabled=False):
            q, k, v = q.float(), k.float(), v.float()
            if self.config.feature_map == "favor":
                fq = favor_feature_map(q, self.projection, is_query=True)
                fk = favor_feature_map(k, self.projection, is_query=False)
            else:
                fq, fk = elu_feature_map(q), elu_feature_map(k)
            return linear_attention(fq, fk, v, mask)
