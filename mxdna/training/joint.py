"""`train_run`: the joint tokenizer–encoder schedule, from data to a complete run directory.

Epochs are split into 1 + `refit_rounds` rounds (learned tokenizer only). Round 0 starts from a
tokenizer fitted on the training data; every later round first refines the tokenizer with the
information gain of its tokens *and* what the current model attributes to them
(`token_importance`), re-segments the data and moves the model to the new vocabulary (embeddings
follow token strings), then trains on. Validation after every epoch drives early stopping, which
may only end the final round; the best epoch's tokenizer and weights are what the run keeps.
After every epoch a checkpoint makes the run resumable with identical results.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from mxdna.errors import ConfigError, EmptyInputError, LabelError
from mxdna.io.sequence_set import SequenceSet
from mxdna.model.config import EncoderConfig
from mxdna.model.encoder import SequenceClassifier
from mxdna.run import RunDirectory
from mxdna.tokenizer import TOKENIZER_KINDS, BpeTokenizer, CharTokenizer, KmerTokenizer, Tokenizer
from mxdna.tokenizer.base import BaseTokenizer
from mxdna.training.batches import EncodedSplit, encode_split
from mxdna.training.config import TrainConfig
from mxdna.training.distributed import Distributed
from mxdna.training.metrics import METRIC_NAMES, classification_metrics
from mxdna.training.trainer import Trainer, encode_for_prediction, token_importance
from mxdna.training.warm_start import warm_start_wide_heads

logger = logging.getLogger(__name__)

HISTORY_COLUMNS = (
    "epoch",
    "round",
    "train_loss",
    "learning_rate",
    "vocab_size",
    "vocab_churn",
    "bases_per_token",
    "longest_token",
    *(f"val_{m}" for m in METRIC_NAMES),
)


@dataclass(frozen=True)
class RunData:
    """Labelled inputs of a run; `test` is optional."""

    train: SequenceSet
    val: SequenceSet
    test: SequenceSet | None = None


def motif_length_cap(config: TrainConfig, round_index: int, rounds: int) -> int:
    """Longest learned token (bases) allowed in round `round_index` of `rounds`: always
    `max_motif_len`, or with `progressive_aggregation` a cap that grows linearly from fine
    tokens in the first round to `max_motif_len` in the last (fine first, coarser later)."""
    if not config.progressive_aggregation:
        return config.max_motif_len
    return 2 + math.ceil((config.max_motif_len - 2) * (round_index + 1) / rounds)


def build_tokenizer(config: TrainConfig, max_motif_len: int | None = None) -> BaseTokenizer:
    if config.tokenizer == "learned":
        return Tokenizer(
            vocab_size=config.vocab_size,
            max_motif_len=max_motif_len or config.max_motif_len,
            n_iter=config.tokenizer_iterations,
            seed=config.seed,
        )
    if config.tokenizer == "kmer":
        return KmerTokenizer(k=config.kmer_size)
    if config.tokenizer == "bpe":
        return BpeTokenizer(vocab_size=config.vocab_size)
    return CharTokenizer()


def resolve_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was requested but no CUDA GPU is available")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _class_indices(data: SequenceSet, classes: tuple[str, ...], split: str) -> np.ndarray:
    if data.labels is None:
        raise LabelError(f"the {split} data have no labels")
    unknown = sorted(set(data.labels) - set(classes))
    if unknown:
        raise LabelError(
            f"the {split} data have classes not in the training data: {', '.join(unknown)}"
        )
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index[label] for label in data.labels], dtype=np.int64)


def _max_token_length(tokens: tuple[str, ...]) -> int:
    return max(len(t) for t in tokens if not t.startswith("["))


def _bases_per_token(split: EncodedSplit) -> float:
    tokens = sum(len(i) for i in split.ids)
    bases = sum(int(o[-1, 1]) for o in split.offsets if len(o))
    return bases / tokens if tokens else float("nan")


class _Run:
    """State of one training run (kept small: everything else is derived)."""

    def __init__(
        self,
        data: RunData,
        config: TrainConfig,
        model_settings: Mapping[str, Any],
        run: RunDirectory,
        dist: Distributed,
    ) -> None:
        self.data, self.config, self.run, self.dist = data, config, run, dist
        self.classes = data.train.classes
        if len(self.classes) < 2:
            data.train.require_classes(2)
        if len(data.val) == 0:
            raise EmptyInputError("the validation split is empty: give --val or more data")
        self.y = {
            name: _class_indices(s, self.classes, name)
            for name, s in (("train", data.train), ("val", data.val), ("test", data.test))
            if s is not None
        }
        self.model_settings = dict(model_settings)
        self.device = resolve_device(config.device)
        self.rounds = 1 + config.refit_rounds if config.tokenizer == "learned" else 1
        self.init_tokenizer: BaseTokenizer | None = None
        self.on_batch: Callable[[int, int, int, float], None] | None = None

    def round_of(self, epoch: int) -> int:
        return epoch * self.rounds // self.config.epochs

    def encode(self) -> None:
        both = self.config.augment_reverse_complement
        self.splits = {
            "train": encode_split(
                self.tokenizer, self.data.train.sequences, self.y["train"], both_strands=both
            ),
            "val": encode_for_prediction(
                self.tokenizer, self.data.val.sequences, self.y["val"], self.config
            ),
        }

    def model_config(self) -> EncoderConfig:
        settings = {
            "max_token_len": _max_token_length(self.tokenizer.tokens),
            **self.model_settings,
        }
        settings["max_token_len"] = max(settings["max_token_len"], self.config.max_motif_len)
        if self.config.aligned and not settings.get("position_head"):
            # read every base of the longest training sequence by position
            settings["position_head"] = max(len(s) for s in self.data.train.sequences)
        return EncoderConfig(**{**settings, "n_classes": len(self.classes)})

    def start(self, checkpoint: dict[str, Any] | None) -> None:
        torch.manual_seed(self.config.seed)
        if checkpoint is None and self.init_tokenizer is not None:
            self.tokenizer = copy.deepcopy(self.init_tokenizer)
        elif checkpoint is None:
            labels = self.data.train.labels if self.config.tokenizer == "learned" else None
            cap = motif_length_cap(self.config, 0, self.rounds)
            self.tokenizer = build_tokenizer(self.config, cap).fit(
                self.data.train.sequences, labels
            )
        else:
            self.tokenizer = _tokenizer_from_json(checkpoint["tokenizer"])
        self.encoder_config = self.model_config()
        self.model = SequenceClassifier(self.encoder_config, self.tokenizer.tokens).to(self.device)
        self.encode()
        self.warm_start: dict[str, Any] | None = None  # what metrics.json says of it
        if checkpoint is None and self.config.warm_start_heads:
            chosen = warm_start_wide_heads(
                self.model,
                self.splits["train"],
                self.splits["val"],
                balanced=self.config.class_weights,
                device=self.device,
                seed=self.config.seed,
                folds=self.config.warm_start_folds,
            )
            if chosen is not None:
                # flat scalars: readers of metrics.json take every object in it for a split
                self.warm_start = {
                    "warm_start_C": chosen.strength,
                    "warm_start_loss": round(chosen.held_out_loss, 6),
                    "warm_start_chosen_on": chosen.chosen_on,
                }
        n_train = len(self.splits["train"])
        steps = math.ceil(n_train / self.config.batch_size) // self.dist.world_size
        counts = np.bincount(self.y["train"], minlength=len(self.classes))
        weights = torch.tensor(n_train / (len(counts) * np.maximum(counts, 1)), dtype=torch.float32)
        self.trainer = Trainer(
            self.model,
            self.config,
            device=self.device,
            total_steps=max(1, steps * self.config.epochs),
            class_weights=weights if self.config.class_weights else None,
            rank=self.dist.rank,
            world_size=self.dist.world_size,
            wrap=self.dist.wrap,
        )
        self.trainer.on_batch = self.on_batch
        self.history: list[dict[str, Any]] = []
        self.best = {"score": -math.inf, "epoch": -1, "state": None, "tokenizer": None}
        self.bad_epochs, self.first_epoch, self.churn = 0, 0, 0.0
        if checkpoint is not None:
            self._restore(checkpoint)

    def _restore(self, state: dict[str, Any]) -> None:
        try:
            self.model.load_state_dict(state["model"])
            self.trainer.optimizer.load_state_dict(state["optimizer"])
        except (KeyError, RuntimeError, ValueError):
            # other model settings, or an mxdna whose optimiser had other parameter groups
            raise ConfigError(
                "the checkpoint does not fit this run's settings or mxdna version; "
                "train again without --resume (or into a new --out)",
                path=self.run.file("checkpoint.pt"),
            ) from None
        self.trainer.step = int(state["step"])
        self.trainer.scheduler.step()  # re-apply the schedule at the restored step
        self.history = list(state["history"])
        self.best = dict(state["best"])
        self.bad_epochs = int(state["bad_epochs"])
        self.churn = float(state["churn"])
        self.warm_start = state.get("warm_start")  # absent in checkpoints of older mxdna
        self.first_epoch = int(state["epoch"]) + 1
        torch.set_rng_state(state["torch_rng"])

    def refit(self, round_index: int) -> None:
        """Between rounds: refine the tokenizer with the model's token importance, switch."""
        self.tokenizer.max_motif_len = motif_length_cap(self.config, round_index, self.rounds)
        importance = token_importance(
            self.model, self.splits["train"], self.tokenizer.tokens, device=self.device
        )
        before = set(self.tokenizer.tokens)
        self.tokenizer.refine(
            self.data.train.sequences, self.data.train.labels, token_importance=importance, n_iter=2
        )
        self.churn = len(set(self.tokenizer.tokens) - before) / len(self.tokenizer.tokens)
        moments = self.trainer.state_by_name()
        rows = self.model.adopt_vocabulary(self.tokenizer.tokens)
        self.model.to(self.device)
        self.encode()
        self.trainer.rebuild(carry=moments, rows=rows)

    def epoch(self, epoch: int) -> bool:
        """Train and validate one epoch; returns False when early stopping ends the run."""
        if epoch > 0 and self.round_of(epoch) != self.round_of(epoch - 1):
            self.refit(self.round_of(epoch))
        loss = self.trainer.train_epoch(self.splits["train"], epoch)
        metrics = classification_metrics(self.y["val"], self.trainer.predict(self.splits["val"]))
        score = metrics[self.config.monitor]
        score = -math.inf if score is None else score
        if score > self.best["score"]:
            self.best = {
                "score": score,
                "epoch": epoch,
                "tokenizer": _tokenizer_json(self.tokenizer),
                "state": copy.deepcopy({k: v.cpu() for k, v in self.model.state_dict().items()}),
            }
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
        self.history.append(
            {
                "epoch": epoch,
                "round": self.round_of(epoch),
                "train_loss": loss,
                "learning_rate": self.trainer.learning_rate,
                "vocab_size": self.tokenizer.vocab_size,
                "vocab_churn": self.churn,
                "bases_per_token": _bases_per_token(self.splits["train"]),
                "longest_token": _max_token_length(self.tokenizer.tokens),
                **{f"val_{m}": v for m, v in metrics.items()},
            }
        )
        logger.info("epoch %d: loss %.4f, val %s %.4f", epoch, loss, self.config.monitor, score)
        if self.dist.is_main:
            self.run.write_checkpoint(self._checkpoint(epoch))
        return not self.stops_after(epoch)

    def stops_after(self, epoch: int) -> bool:
        """Early stopping: `patience` epochs without improvement, counted only once the final
        tokenizer round has begun. Each re-fit re-cuts the data and the model takes a few epochs
        to recover, and base-level first stages (`base_blocks`) start slowly: stopping in an
        early round ended gue_prom_300_tata (learned, `base_blocks: 2`, 12 epochs) after epoch 5
        at test MCC 0.02; trained through every round the same run reaches 0.43."""
        final_round = self.round_of(epoch) == self.rounds - 1
        return final_round and self.bad_epochs >= self.config.patience

    def _checkpoint(self, epoch: int) -> dict[str, Any]:
        return {
            "epoch": epoch,
            "model": self.model.state_dict(),
            "optimizer": self.trainer.optimizer.state_dict(),
            "step": self.trainer.step,
            "history": self.history,
            "best": self.best,
            "bad_epochs": self.bad_epochs,
            "churn": self.churn,
            "warm_start": self.warm_start,
            "tokenizer": _tokenizer_json(self.tokenizer),
            "torch_rng": torch.get_rng_state(),
        }

    def finish(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Reload the best epoch; write tokenizer, weights, metrics, history and predictions."""
        self.tokenizer = _tokenizer_from_json(self.best["tokenizer"])
        self.model = SequenceClassifier(self.encoder_config, self.tokenizer.tokens).to(self.device)
        self.model.load_state_dict(self.best["state"])
        self.trainer.model = self.model
        results: dict[str, Any] = {"best_epoch": self.best["epoch"], "classes": list(self.classes)}
        results.update(self.warm_start or {})
        splits = {"val": self.data.val, "test": self.data.test}
        predictions = None
        for name, data in splits.items():
            if data is None:
                continue
            encoded = encode_for_prediction(
                self.tokenizer, data.sequences, self.y[name], self.config
            )
            probabilities = self.trainer.predict(encoded)
            results[name] = classification_metrics(self.y[name], probabilities)
            if name == "test":
                predictions = (data, probabilities)
        if self.dist.is_main:
            self._write(results, predictions, inputs)
        return results

    def _write(self, results, predictions, inputs) -> None:
        run = self.run
        run.write_config(self.config, self.encoder_config, self.classes, inputs)
        run.write_tokenizer(self.tokenizer)
        run.write_weights(self.model.state_dict())
        run.write_json("metrics.json", results)
        run.write_table(
            "history.tsv",
            HISTORY_COLUMNS,
            [[row[c] for c in HISTORY_COLUMNS] for row in self.history],
        )
        if predictions is not None:
            data, probabilities = predictions
            write_predictions(run, "predictions.tsv", data, probabilities, self.classes)


def write_predictions(
    run: RunDirectory,
    name: str,
    data: SequenceSet,
    probabilities: np.ndarray,
    classes: tuple[str, ...],
) -> None:
    header = ["id", "label", "predicted", *(f"p_{c}" for c in classes)]
    labels = data.labels if data.labels is not None else [None] * len(data)
    rows = [
        [rid, label, classes[int(p.argmax())], *p.tolist()]
        for rid, label, p in zip(data.ids, labels, probabilities, strict=True)
    ]
    run.write_table(name, header, rows)


def _tokenizer_json(tokenizer: BaseTokenizer) -> str:
    return json.dumps(tokenizer.to_dict())


def _tokenizer_from_json(text: str) -> BaseTokenizer:
    data = json.loads(text)
    return TOKENIZER_KINDS[data["kind"]].from_dict(data)


def train_run(
    data: RunData,
    config: TrainConfig,
    model_settings: Mapping[str, Any],
    run: RunDirectory,
    *,
    inputs: Mapping[str, Any],
    resume: bool = False,
    dist: Distributed | None = None,
    init_tokenizer: BaseTokenizer | None = None,
    on_batch: Callable[[int, int, int, float], None] | None = None,
) -> dict[str, Any]:
    """Train on `data` into `run`; returns the metrics also written to metrics.json.

    `init_tokenizer`: a fitted tokenizer to start from instead of fitting one (its kind must
    match `config.tokenizer`); `on_batch(epoch, done, total, loss)` reports progress."""
    if init_tokenizer is not None and init_tokenizer.kind != config.tokenizer:
        raise ConfigError(
            f"the initial tokenizer is a '{init_tokenizer.kind}' tokenizer but the "
            f"run asks for '{config.tokenizer}' (set --tokenizer to match)"
        )
    state = _Run(data, config, model_settings, run, dist or Distributed.single())
    state.init_tokenizer = init_tokenizer
    state.on_batch = on_batch
    checkpoint = run.read_checkpoint() if resume else None
    if resume and checkpoint is None:
        logger.warning("--resume: no checkpoint in %s, starting from the beginning", run.path)
    state.start(checkpoint)
    # a resumed run may already have stopped early
    if state.first_epoch == 0 or not state.stops_after(state.first_epoch - 1):
        for epoch in range(state.first_epoch, config.epochs):
            if not state.epoch(epoch):
                break
    return state.finish(inputs)
