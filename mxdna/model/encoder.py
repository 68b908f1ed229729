"""`HierarchicalEncoder` and `SequenceClassifier`.

    ids (B, T), offsets (B, T, 2) in bases, mask (B, T)
      → token embedding (composed from bases) + base-resolution motif features pooled into
        each token (`BaseContext`, optional; its input is the one-hot bases; with
        `base_blocks` local attention runs over the bases first, so the tokenizer's
        segmentation is the first aggregation)
      → + sinusoidal embedding of the token's base start
      → convolutional stem over tokens (optional, `conv_kernel`)
      → per stage: local blocks (radius r, rotary positions in bases)
                   → TokenMerger (T → ⌈T/m⌉ super-tokens, spans kept)
                   → global linear-attention blocks
      → hidden (B, T', D), mask (B, T'), spans (B, T', 2)
    SequenceClassifier adds masked mean and/or max pooling + LayerNorm + Linear → logits,
    plus (`kmer_head`) a linear read-out of the sequence's 1..k-mer counts (`KmerSpectrumHead`)
    and (`position_head`) one of the base at each position (`PositionalBaseHead`).

Cost is linear in T: local attention is O(T·r), linear attention O(T·D²/H).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from mxdna.model.aggregation import TokenMerger
from mxdna.model.base_context import BaseContext, base_codes, one_hot_bases, sum_over_tokens
from mxdna.model.blocks import GlobalBlock, LocalBlock
from mxdna.model.config import EncoderConfig
from mxdna.model.embedding import TokenEmbedding, sinusoidal
from mxdna.model.kmer_head import KmerSpectrumHead
from mxdna.model.position_head import PositionalBaseHead
from mxdna.model.stem import ConvStem


class _Stage(nn.Module):
    def __init__(self, config: EncoderConfig, index: int) -> None:
        super().__init__()
        self.local = nn.ModuleList(LocalBlock(config) for _ in range(config.local_blocks))
        self.merge = TokenMerger(config.d_model, config.merge_ratio)
        self.glob = nn.ModuleList(
            GlobalBlock(config, seed=index * 1000 + i) for i in range(config.global_blocks)
        )

    def forward(self, x, mask, spans):
        for block in self.local:
            x = block(x, mask, _centres(spans))
        x, mask, spans = self.merge(x, mask, spans)
        for block in self.glob:
            x = block(x, mask, _centres(spans))
        return x, mask, spans


def _centres(spans: torch.Tensor) -> torch.Tensor:
    """Token centres in bases, (B, T) float."""
    return spans.float().mean(dim=-1)


class HierarchicalEncoder(nn.Module):
    """Token ids + base offsets -> super-token states with their base spans."""

    def __init__(self, config: EncoderConfig, tokens: Sequence[str]) -> None:
        super().__init__()
        self.config = config
        self.embedding = TokenEmbedding(tokens, config.d_model, config.max_token_len)
        base_blocks = (LocalBlock(config) for _ in range(config.base_blocks))
        self.base_context = (
            BaseContext(config.d_model, config.base_kernel, base_blocks)
            if config.base_kernel
            else None
        )
        self.dropout = nn.Dropout(config.dropout)
        self.stem = (
            ConvStem(config.d_model, config.conv_kernel, config.dropout)
            if config.conv_kernel
            else None
        )
        self.stages = nn.ModuleList(_Stage(config, i) for i in range(config.n_stages))
        self.norm = nn.LayerNorm(config.d_model)

    def forward(
        self,
        ids: torch.Tensor,
        offsets: torch.Tensor,
        mask: torch.Tensor,
        token_embeddings: torch.Tensor | None = None,
        base_one_hot: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """ids (B, T) int64, offsets (B, T, 2) int (padding -1), mask (B, T) bool
        -> hidden (B, T', D), mask (B, T'), spans (B, T', 2).

        The model's two inputs can be replaced, for attribution methods that take gradients
        with respect to them: `token_embeddings` (B, T, D) replaces `embedding(ids)`, and
        `base_one_hot` (B, Lb, 5) the bases given to `BaseContext` (`one_hot_bases`)."""
        if token_embeddings is None:
            token_embeddings = self.embedding(ids)
        if self.base_context is not None:
            token_embeddings = token_embeddings + self.base_context(
                self.embedding.composition, ids, offsets, mask, base_one_hot
            )
        x = token_embeddings + sinusoidal(offsets[..., 0].clamp(min=0), self.config.d_model)
        x = self.dropout(x) * mask.unsqueeze(-1)
        if self.stem is not None:
            x = self.stem(x, mask)
        spans = offsets
        for stage in self.stages:
            x, mask, spans = stage(x, mask, spans)
        return self.norm(x) * mask.unsqueeze(-1), mask, spans

    def adopt_vocabulary(self, tokens: Sequence[str]) -> dict[str, torch.Tensor]:
        """After a tokenizer re-fit: keep learned residuals of tokens that stay (by string).
        Returns {parameter name: (V_new,) old row of each new row, -1 if new}."""
        return {"embedding.residual.weight": self.embedding.adopt_vocabulary(tokens)}


def pool(hidden: torch.Tensor, mask: torch.Tensor, how: str) -> torch.Tensor:
    """Masked pooling over tokens: hidden (B, T, D), mask (B, T) -> (B, D) or (B, 2D)."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    mean = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1)
    if how == "mean":
        return mean
    floor = torch.finfo(hidden.dtype).min
    peak = hidden.masked_fill(~mask.unsqueeze(-1), floor).amax(dim=1)
    peak = torch.where(mask.any(dim=1, keepdim=True), peak, torch.zeros_like(peak))
    return peak if how == "max" else torch.cat([mean, peak], dim=-1)


def token_scores(
    products: Sequence[torch.Tensor], offsets: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Per-token totals (B, T) of input x gradient products laid out like
    `attribution_inputs`: (B, T, D) summed over D, plus (B, Lb, 5) summed over each token's
    bases."""
    total = products[0].sum(dim=-1)
    if len(products) > 1:
        total = total + sum_over_tokens(products[1].sum(dim=-1).to(total.dtype), offsets, mask)
    return total * mask


class SequenceClassifier(nn.Module):
    """Encoder + masked pooling (`config.pooling`) + classification head: logits (B, n_classes)."""

    def __init__(self, config: EncoderConfig, tokens: Sequence[str]) -> None:
        super().__init__()
        self.config = config
        self.encoder = HierarchicalEncoder(config, tokens)
        width = 2 * config.d_model if config.pooling == "mean_max" else config.d_model
        self.head = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, config.n_classes))
        self.kmer_head = (
            KmerSpectrumHead(config.kmer_head, config.n_classes) if config.kmer_head else None
        )
        self.position_head = (
            PositionalBaseHead(config.position_head, config.n_classes)
            if config.position_head
            else None
        )

    @property
    def reads_bases(self) -> bool:
        """Whether any part reads the one-hot bases (then they are an attribution input)."""
        return self.encoder.base_context is not None or self.wide_heads

    @property
    def wide_heads(self) -> bool:
        """Whether a linear head on the bases (k-mer counts, positions) adds to the logits."""
        return self.kmer_head is not None or self.position_head is not None

    def wide_head_layers(self) -> dict[str, nn.Linear]:
        """The linear layer of each head on the bases present, by attribute name (`kmer_head`,
        `position_head`), in the order `wide_head_features` gives their inputs."""
        heads = {"kmer_head": self.kmer_head, "position_head": self.position_head}
        return {name: head.linear for name, head in heads.items() if head is not None}

    def wide_head_parameters(self) -> dict[str, list[nn.Parameter]]:
        """Weights of each linear head on the bases present, by attribute name: the trainer
        gives them their own learning rates."""
        return {name: list(layer.parameters()) for name, layer in self.wide_head_layers().items()}

    @torch.no_grad()
    def wide_head_features(
        self, ids: torch.Tensor, offsets: torch.Tensor, mask: torch.Tensor
    ) -> dict[str, torch.Tensor]:
        """What each wide head's linear layer reads for a batch, by name: (B, F_head) float."""
        codes = base_codes(self.encoder.embedding.composition, ids, offsets, mask)
        features = {}
        if self.kmer_head is not None:
            features["kmer_head"] = self.kmer_head.features(codes)
        if self.position_head is not None:
            features["position_head"] = self.position_head.features(one_hot_bases(codes))
        return features

    def forward(
        self,
        ids: torch.Tensor,
        offsets: torch.Tensor,
        mask: torch.Tensor,
        token_embeddings: torch.Tensor | None = None,
        base_one_hot: torch.Tensor | None = None,
        *,
        with_encoder_logits: bool = False,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Logits (B, n_classes): the encoder's plus each wide head's. With
        `with_encoder_logits`, (logits, the encoder's part alone): the trainer's
        `deep_loss_weight` scores that part too (an argument, not a method, so that training
        under DistributedDataParallel still goes through its forward)."""
        hidden, pooled_mask, _ = self.encoder(ids, offsets, mask, token_embeddings, base_one_hot)
        deep = self.head(pool(hidden, pooled_mask, self.config.pooling))
        logits = deep
        if self.wide_heads:
            codes = base_codes(self.encoder.embedding.composition, ids, offsets, mask)
            if self.kmer_head is not None:
                logits = logits + self.kmer_head(codes, base_one_hot)
            if self.position_head is not None:
                bases = base_one_hot if base_one_hot is not None else one_hot_bases(codes)
                logits = logits + self.position_head(bases)
        return (logits, deep) if with_encoder_logits else logits

    def attribution_inputs(
        self, ids: torch.Tensor, offsets: torch.Tensor, mask: torch.Tensor
    ) -> list[torch.Tensor]:
        """The inputs gradient attributions scale, detached, in `forward`'s order after `mask`:
        token embeddings (B, T, D) and, with `base_kernel`, `kmer_head` or `position_head`, the
        one-hot bases (B, Lb, 5), which they read."""
        inputs = [self.encoder.embedding(ids).detach()]
        if self.reads_bases:
            codes = base_codes(self.encoder.embedding.composition, ids, offsets, mask)
            inputs.append(one_hot_bases(codes, inputs[0].dtype).detach())
        return inputs

    def adopt_vocabulary(self, tokens: Sequence[str]) -> dict[str, torch.Tensor]:
        """See `HierarchicalEncoder.adopt_vocabulary`; names are relative to this model."""
        rows = self.encoder.adopt_vocabulary(tokens)
        return {f"encoder.{name}": index for name, index in rows.items()}
