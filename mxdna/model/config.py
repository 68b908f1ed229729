"""`EncoderConfig`: every size and choice of the hierarchical encoder, frozen and validated."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from mxdna.errors import ConfigError
from mxdna.model.kmer_head import MAX_K


@dataclass(frozen=True)
class EncoderConfig:
    """Hierarchical linear-attention encoder.

    Layout: embedding, then `n_stages` times [`local_blocks` local-attention blocks on the
    current tokens → merge groups of `merge_ratio` neighbours → `global_blocks` linear-attention
    blocks], then a pooled classification head over `n_classes`.

    d_model: width D; n_heads: H (D divisible by H); local_radius: a token attends to tokens at
    most this many positions away; feature_map: "elu" (elu+1) or "favor" (positive random
    features, `n_random_features` per head); max_token_len: longest token in bases (embedding
    composition); rope_base: rotary frequency base, positions are base offsets; conv_kernel: width
    in tokens of the convolutional stem before the first stage (odd; 0 turns it off);
    base_kernel: width in bases of the base-resolution motif detectors whose responses are
    pooled into every token (`BaseContext`; odd; 0 turns it off); base_blocks: local-attention
    blocks over the bases, before each token pools its own bases (needs `base_kernel`; 0 = the
    first stage runs on tokens only); kmer_head: longest k of the linear read-out of every
    overlapping 1..k-mer count added to the logits (`KmerSpectrumHead`, wide and deep; 0 turns it
    off; at most 8); position_head: how many leading bases a linear read-out of the one-hot
    base at each position reads (`PositionalBaseHead`, for landmark-aligned data; 0 turns it
    off; `train.aligned` sets it to the longest training sequence); pooling:
    how the head summarises the last stage ("mean_max" concatenates both: the max keeps a single
    strong motif occurrence from being averaged away).
    """

    n_classes: int = 2
    d_model: int = 64
    n_heads: int = 4
    n_stages: int = 2
    local_blocks: int = 2
    global_blocks: int = 1
    local_radius: int = 8
    merge_ratio: int = 2
    mlp_ratio: int = 2
    dropout: float = 0.1
    feature_map: Literal["elu", "favor"] = "elu"
    n_random_features: int = 64
    max_token_len: int = 12
    rope_base: float = 10_000.0
    conv_kernel: int = 9
    base_kernel: int = 15
    base_blocks: int = 0
    kmer_head: int = 6
    position_head: int = 0
    pooling: Literal["mean", "max", "mean_max"] = "mean_max"

    def __post_init__(self) -> None:
        positive = (
            "n_classes", "d_model", "n_heads", "n_stages", "local_radius", "merge_ratio",
            "mlp_ratio", "n_random_features", "max_token_len",
        )  # fmt: skip
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        for name in ("conv_kernel", "base_kernel"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0 or (value and value % 2 == 0):
                raise ConfigError(f"{name} must be 0 or an odd positive integer, got {value!r}")
        if self.n_classes < 2:
            raise ConfigError(f"n_classes must be at least 2, got {self.n_classes}")
        if self.d_model % self.n_heads or (self.d_model // self.n_heads) % 2:
            raise ConfigError(
                f"d_model ({self.d_model}) must split into {self.n_heads} heads of even width"
            )
        for name in ("local_blocks", "global_blocks", "base_blocks", "position_head"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0:
                raise ConfigError(f"{name} must be an integer >= 0, got {value!r}")
        if not isinstance(self.kmer_head, int) or not 0 <= self.kmer_head <= MAX_K:
            raise ConfigError(f"kmer_head must be an integer in 0..{MAX_K}, got {self.kmer_head!r}")
        if self.base_blocks and not self.base_kernel:
            raise ConfigError("base_blocks needs base_kernel > 0 (the blocks read its detectors)")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.pooling not in ("mean", "max", "mean_max"):
            raise ConfigError(f"pooling must be mean, max or mean_max, got {self.pooling!r}")
        if self.feature_map not in ("elu", "favor"):
            raise ConfigError(f"feature_map must be 'elu' or 'favor', got {self.feature_map!r}")

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EncoderConfig:
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"unknown encoder settings: {', '.join(sorted(unknown))}")
        return cls(**data)
