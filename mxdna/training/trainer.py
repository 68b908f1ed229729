"""`Trainer`: optimises a `SequenceClassifier` on encoded data and predicts; no file IO.

AdamW with linear warm-up + cosine decay, gradient clipping, class-weighted cross-entropy,
reverse-complement augmentation (a seeded coin per sequence and epoch, for splits encoded with
both strands), length-bucketed batches, bf16 autocast on CUDA. Under DistributedDataParallel
every rank takes every world-size-th batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mxdna.model.encoder import SequenceClassifier, token_scores
from mxdna.tokenizer.base import BaseTokenizer
from mxdna.training.batches import (
    EncodedSplit,
    bucketed_batches,
    collate,
    encode_split,
    training_batches,
)
from mxdna.training.config import TrainConfig
from mxdna.training.schedule import warmup_cosine


class Trainer:
    """Training state of one model: optimiser, schedule and the global step."""

    def __init__(
        self,
        model: SequenceClassifier,
        config: TrainConfig,
        *,
        device: torch.device,
        total_steps: int,
        class_weights: torch.Tensor | None,
        rank: int = 0,
        world_size: int = 1,
        wrap: Callable[[nn.Module], nn.Module] | None = None,
    ) -> None:
        self.model = model
        self.config = config
        self.device = device
        self.total_steps = total_steps
        self.class_weights = None if class_weights is None else class_weights.to(device)
        self.rank, self.world_size = rank, world_size
        self.wrap = wrap
        self.step = 0
        # called after every batch as on_batch(epoch, batches done, batches this epoch, loss);
        # the CLI draws its progress bar with it (library code never prints)
        self.on_batch: Callable[[int, int, int, float], None] | None = None
        self.rebuild()

    def rebuild(
        self,
        carry: Mapping[str, dict[str, Any]] | None = None,
        rows: Mapping[str, torch.Tensor] | None = None,
    ) -> None:
        """New optimiser (after the model's parameters changed, e.g. a vocabulary switch);
        the learning-rate schedule continues from the current step.

        `carry` (from `state_by_name` before the change) keeps AdamW's moments: a fresh AdamW
        takes a full-size step on every weight at once, which undid what the encoder had learned
        at every tokenizer re-fit. `rows` maps a resized parameter's new rows to its old rows
        (-1: new row, moments start at zero)."""
        self.network = self.wrap(self.model) if self.wrap else self.model
        self.optimizer = torch.optim.AdamW(
            _parameter_groups(self.model, self.config), weight_decay=self.config.weight_decay
        )
        warmup = max(1, int(self.config.warmup_fraction * self.total_steps))
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda i: warmup_cosine(self.step, self.total_steps, warmup)
        )
        carry, rows = carry or {}, rows or {}
        for name, parameter in self.model.named_parameters():
            if name in carry:
                moved = _moved_state(carry[name], parameter, rows.get(name))
                self.optimizer.state[parameter] = moved

    def state_by_name(self) -> dict[str, dict[str, Any]]:
        """The optimiser's per-parameter state keyed by parameter name (for `rebuild`)."""
        return {
            name: dict(self.optimizer.state[parameter])
            for name, parameter in self.model.named_parameters()
            if parameter in self.optimizer.state
        }

    @property
    def learning_rate(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def train_epoch(self, split: EncodedSplit, epoch: int) -> float:
        """One pass over the training batches; returns the mean loss of this rank's batches."""
        self.network.train()
        batches = training_batches(
            split, self.config.batch_size, seed=self.config.seed, epoch=epoch
        )
        usable = len(batches) - len(batches) % self.world_size  # equal batch counts per rank
        flips = np.random.default_rng([self.config.seed, epoch, 1]).random(len(split)) < 0.5
        losses = []
        mine = batches[self.rank : usable : self.world_size]
        for indices in mine:
            # the run encodes reverse complements only when it augments with them
            flip = flips[indices] if split.rc_ids else None
            ids, offsets, mask, labels = (t.to(self.device) for t in collate(split, indices, flip))
            loss = self._loss(ids, offsets, mask, labels)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
            self.optimizer.step()
            self.step += 1
            self.scheduler.step()
            losses.append(loss.item())
            if self.on_batch is not None:
                self.on_batch(epoch, len(losses), len(mine), losses[-1])
        return float(np.mean(losses)) if losses else float("nan")

    def _loss(
        self, ids: torch.Tensor, offsets: torch.Tensor, mask: torch.Tensor, labels: torch.Tensor
    ) -> torch.Tensor:
        """Class-weighted cross-entropy of the logits; with `deep_loss_weight` > 0 and wide
        heads, plus that weight times the cross-entropy of the encoder's logits alone. The
        warm-started heads can fit the training set almost perfectly from the first step
        (gue_prom_300_tata: training loss 0.10 in epoch 0), which leaves the encoder no
        gradient; its own loss keeps it learning (docs/training.md, "Encoder loss")."""
        weight = self.config.deep_loss_weight if self.model.wide_heads else 0.0
        with bf16_autocast(self.device):
            if weight > 0:
                logits, deep = self.network(ids, offsets, mask, with_encoder_logits=True)
            else:
                logits = self.network(ids, offsets, mask)
        loss = F.cross_entropy(logits.float(), labels, weight=self.class_weights)
        if weight > 0:
            deep_loss = F.cross_entropy(deep.float(), labels, weight=self.class_weights)
            loss = loss + weight * deep_loss
        return loss

    def predict(self, split: EncodedSplit) -> np.ndarray:
        """Class probabilities (N, C), float64, in the split's order (eval mode). A split
        encoded with both strands is scored as the mean of the two strands' probabilities."""
        return predict_probabilities(
            self.model, split, 4 * self.config.batch_size, device=self.device
        )


@torch.no_grad()
def predict_probabilities(
    model: SequenceClassifier,
    split: EncodedSplit,
    batch_size: int,
    *,
    device: torch.device | None = None,
) -> np.ndarray:
    """Class probabilities (N, C), float64, in the split's order (eval mode); for a split
    encoded with both strands, the mean of the two strands' probabilities. Batches hold up to
    `batch_size` sequences of similar token count (padding only: results are per row); bf16
    autocast on CUDA. Training, `predict`/`evaluate` and `attribute` all score through here."""
    device = device or torch.device("cpu")
    probabilities = _strand_probabilities(model, split, batch_size, device, reverse=False)
    if split.rc_ids:
        reverse = _strand_probabilities(model, split, batch_size, device, reverse=True)
        probabilities = (probabilities + reverse) / 2
    return probabilities


def _strand_probabilities(
    model: SequenceClassifier,
    split: EncodedSplit,
    batch_size: int,
    device: torch.device,
    *,
    reverse: bool,
) -> np.ndarray:
    """(N, C) probabilities of one strand of every sequence."""
    model.eval()
    out = np.zeros((len(split), model.config.n_classes))
    for indices in bucketed_batches(split.lengths, batch_size, seed=0, epoch=0, shuffle=False):
        flip = np.full(len(indices), True) if reverse else None
        ids, offsets, mask, _ = (t.to(device) for t in collate(split, indices, flip))
        with bf16_autocast(device):
            logits = model(ids, offsets, mask)
        out[indices] = torch.softmax(logits.float(), dim=-1).double().cpu().numpy()
    return out


def bf16_autocast(device: torch.device) -> torch.autocast:
    """bf16 autocast on CUDA; a no-op elsewhere (CPU runs stay float32 and deterministic)."""
    return torch.autocast(
        device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"
    )


def encode_for_prediction(
    tokenizer: BaseTokenizer,
    sequences: Sequence[str],
    labels: Sequence[int] | np.ndarray,
    config: TrainConfig,
) -> EncodedSplit:
    """Encode sequences to score with `Trainer.predict`: with their reverse strands when the
    run averages the two (`config.average_strands`), so every caller scores them alike."""
    return encode_split(tokenizer, sequences, labels, both_strands=config.average_strands)


def _parameter_groups(model: SequenceClassifier, config: TrainConfig) -> list[dict[str, Any]]:
    """AdamW groups: the network at `learning_rate`, then each wide linear head present at its
    own multiple of it (`kmer_head_lr_scale`, `position_head_lr_scale`). Adam moves a weight
    by about the rate per step, so in a few hundred steps a weight cannot grow past ~0.3 at the
    network's rate, while a position-specific logistic regression wants weights of several
    units. Both default to 1x: 10x for the position head lifted uci_splice (60 bp) but overfit
    gue_prom_300_tata (300 bp) — figures in docs/training.md."""
    heads = model.wide_head_parameters()
    wide = {id(p) for parameters in heads.values() for p in parameters}
    groups = [
        {
            "params": [p for p in model.parameters() if id(p) not in wide],
            "lr": config.learning_rate,
        }
    ]
    for name, parameters in heads.items():
        scale = getattr(config, f"{name}_lr_scale")
        groups.append({"params": parameters, "lr": config.learning_rate * scale})
    return groups


def _moved_state(
    old: dict[str, Any], parameter: torch.Tensor, rows: torch.Tensor | None
) -> dict[str, Any]:
    """AdamW state for `parameter`: as it was, or with rows taken from the old rows `rows`."""
    moved = {}
    for key, value in old.items():
        if not torch.is_tensor(value) or value.shape != old["exp_avg"].shape:
            moved[key] = value  # the step count
        elif rows is None:
            moved[key] = value if value.shape == parameter.shape else torch.zeros_like(parameter)
        else:
            fresh = torch.zeros_like(parameter)
            kept = rows >= 0
            fresh[kept.to(fresh.device)] = value[rows[kept].to(value.device)]
            moved[key] = fresh
    return moved


def token_importance(
    model: nn.Module,
    split: EncodedSplit,
    tokens: tuple[str, ...],
    *,
    device: torch.device,
    max_sequences: int = 2000,
    batch_size: int = 64,
) -> dict[str, float]:
    """Mean |gradient x input| of each token (its embedding, plus its one-hot bases with base
    context: `token_scores`) for the logit of the true class, over up to `max_sequences`
    training sequences: what the model attributes to each token, for `Tokenizer.refine`.
    Tokens never seen are left out."""
    model.eval()
    total = np.zeros(len(tokens))
    count = np.zeros(len(tokens))
    subset = np.arange(min(len(split), max_sequences))
    for start in range(0, len(subset), batch_size):
        indices = subset[start : start + batch_size]
        ids, offsets, mask, labels = (t.to(device) for t in collate(split, indices))
        inputs = [x.requires_grad_(True) for x in model.attribution_inputs(ids, offsets, mask)]
        logits = model(ids, offsets, mask, *inputs)
        chosen = logits.gather(1, labels[:, None]).sum()
        gradients = torch.autograd.grad(chosen, inputs)
        products = [x * g for x, g in zip(inputs, gradients, strict=True)]
        score = token_scores(products, offsets, mask).abs()  # (B, T)
        real = mask.cpu().numpy()
        np.add.at(total, ids.cpu().numpy()[real], score.detach().cpu().numpy()[real])
        np.add.at(count, ids.cpu().numpy()[real], 1)
    seen = count > 0
    return {tokens[i]: float(total[i] / count[i]) for i in np.flatnonzero(seen)}
