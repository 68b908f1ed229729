"""`TrainConfig`: how a run trains (optimiser, schedule, tokenizer, rounds), frozen and validated.

YAML lives at the edge (CLI, workflow): `run.py` reads and writes it; here only dataclasses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from mxdna.errors import ConfigError

TOKENIZER_CHOICES = ("learned", "char", "kmer", "bpe")
MONITOR_CHOICES = ("mcc", "accuracy", "macro_f1", "auroc", "auprc")


@dataclass(frozen=True)
class TrainConfig:
    """Training settings (see docs/training.md for each)."""

    epochs: int = 12
    batch_size: int = 64
    learning_rate: float = 2e-3
    weight_decay: float = 0.01
    kmer_head_lr_scale: float = 1.0
    position_head_lr_scale: float = 1.0
    warm_start_heads: bool = True
    warm_start_folds: int = 0
    deep_loss_weight: float = 0.0
    warmup_fraction: float = 0.05
    grad_clip: float = 1.0
    class_weights: bool = True
    rc_augment: bool = True
    rc_average: bool = True
    aligned: bool = False
    patience: int = 4
    monitor: str = "mcc"
    seed: int = 0
    device: str = "auto"
    threads: int | None = None
    val_fraction: float = 0.1
    tokenizer: str = "learned"
    vocab_size: int = 1024
    max_motif_len: int = 12
    tokenizer_iterations: int = 6
    kmer_size: int = 6
    refit_rounds: int = 2
    progressive_aggregation: bool = False

    def __post_init__(self) -> None:
        for name in (
            "epochs",
            "batch_size",
            "patience",
            "vocab_size",
            "max_motif_len",
            "tokenizer_iterations",
            "kmer_size",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        for name in (
            "rc_augment",
            "rc_average",
            "aligned",
            "class_weights",
            "progressive_aggregation",
            "warm_start_heads",
        ):
            value = getattr(self, name)
            if not isinstance(value, bool):
                raise ConfigError(f"{name} must be true or false, got {value!r}")
        folds = self.warm_start_folds
        if not isinstance(folds, int) or isinstance(folds, bool) or folds < 0 or folds == 1:
            raise ConfigError(f"warm_start_folds must be 0 or an integer >= 2, got {folds!r}")
        if self.refit_rounds < 0:
            raise ConfigError(f"refit_rounds must be >= 0, got {self.refit_rounds}")
        if self.learning_rate <= 0 or self.weight_decay < 0 or self.grad_clip <= 0:
            raise ConfigError("learning_rate and grad_clip must be > 0, weight_decay >= 0")
        for name in ("kmer_head_lr_scale", "position_head_lr_scale"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ConfigError(f"{name} must be a number > 0, got {value!r}")
        weight = self.deep_loss_weight
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight >= 0:
            raise ConfigError(f"deep_loss_weight must be a number >= 0, got {weight!r}")
        if not 0 <= self.warmup_fraction < 1 or not 0 < self.val_fraction < 1:
            raise ConfigError("warmup_fraction must be in [0, 1) and val_fraction in (0, 1)")
        if self.tokenizer not in TOKENIZER_CHOICES:
            raise ConfigError(f"tokenizer must be one of {', '.join(TOKENIZER_CHOICES)}")
        if self.monitor not in MONITOR_CHOICES:
            raise ConfigError(f"monitor must be one of {', '.join(MONITOR_CHOICES)}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"device must be auto, cpu or cuda, got {self.device!r}")

    @property
    def augment_reverse_complement(self) -> bool:
        """Train on both strands? Not on aligned data: there the strand is part of the signal
        (a splice site read backwards is not one), and a position read-out would learn both
        orientations at once (uci_splice with the position head: 0.851 with, 0.894 without)."""
        return self.rc_augment and not self.aligned

    @property
    def average_strands(self) -> bool:
        """Score a sequence as the mean of the class probabilities of its two strands? Only for
        a model trained on both (`augment_reverse_complement`): there either strand is a valid
        view of the same element, and their mean is a less noisy call than one of them."""
        return self.rc_average and self.augment_reverse_complement

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"unknown training settings: {', '.join(sorted(unknown))}")
        return cls(**data)
