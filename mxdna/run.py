"""The run directory contract: which files a run holds, and how they are written and read.

    RUN_DIR/
      config.yaml       resolved settings (train, model, classes, inputs)
      tokenizer.json    the final tokenizer (any kind; `mxdna.tokenizer.load_tokenizer`)
      model.safetensors the final (best) weights
      metrics.json      {"val": {...}, "test": {...}} with accuracy, mcc, macro_f1, auroc, auprc;
                        best_epoch, classes, warm_start_C / _loss / _chosen_on (the linear
                        heads' starting regression); only the splits are objects
      history.tsv       one row per epoch (round, loss, learning rate, tokenizer and val metrics)
      predictions.tsv   test-set predictions (id, label, predicted, p_<class>...)
      checkpoint.pt     resume state (tensors and plain values; read with weights_only=True)

Every file is written atomically; none holds wall-clock times, so equal runs give equal files.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
import yaml
from safetensors.torch import load_file, save_file

from mxdna.errors import ConfigError, InputNotFoundError, MxdnaError
from mxdna.io.label_plan import LabelPlan
from mxdna.io.writers import atomic_open, atomic_path, check_writable
from mxdna.model.config import EncoderConfig
from mxdna.model.encoder import SequenceClassifier
from mxdna.tokenizer import load_tokenizer
from mxdna.tokenizer.base import BaseTokenizer
from mxdna.training.config import TrainConfig


class RunDirectory:
    """Paths and readers/writers of one run directory."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def file(self, name: str) -> Path:
        return self.path / name

    # -- writing -----------------------------------------------------------------------------

    def prepare(self) -> bool:
        """Check the directory can be written and create it; True when it did not exist."""
        check_writable(self.path, directory=True)
        created = not self.path.is_dir()
        self.path.mkdir(parents=True, exist_ok=True)
        return created

    def remove_if_empty(self) -> None:
        """Undo `prepare` after a failure that wrote nothing (a directory with files stays)."""
        with contextlib.suppress(OSError):
            self.path.rmdir()

    def write_config(
        self,
        train: TrainConfig,
        model: EncoderConfig,
        classes: Sequence[str],
        inputs: Mapping[str, Any],
    ) -> None:
        data = {
            "train": train.to_dict(),
            "model": model.to_dict(),
            "classes": list(classes),
            "inputs": dict(inputs),
        }
        with atomic_open(self.file("config.yaml")) as fh:
            yaml.safe_dump(data, fh, sort_keys=False)

    def write_json(self, name: str, data: Any) -> None:
        with atomic_open(self.file(name)) as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")

    def write_table(self, name: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        with atomic_open(self.file(name)) as fh:
            fh.write("\t".join(header) + "\n")
            for row in rows:
                fh.write("\t".join(_cell(v) for v in row) + "\n")

    def write_weights(self, state: Mapping[str, torch.Tensor]) -> None:
        tensors = {k: v.detach().cpu().contiguous() for k, v in state.items()}
        with atomic_path(self.file("model.safetensors")) as tmp:
            save_file(tensors, str(tmp))

    def write_checkpoint(self, state: Mapping[str, Any]) -> None:
        """Resume state: only tensors and plain values, so `weights_only=True` can read it."""
        # into memory first: torch.save records the file name it writes to inside the zip, and
        # the temporary name is random, so equal runs would give different checkpoint bytes
        buffer = io.BytesIO()
        torch.save(dict(state), buffer)
        with atomic_path(self.file("checkpoint.pt")) as tmp:
            tmp.write_bytes(buffer.getvalue())

    def read_checkpoint(self) -> dict[str, Any] | None:
        path = self.file("checkpoint.pt")
        if not path.is_file():
            return None
        try:
            return torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # any unpickling refusal or corruption
            raise ConfigError(f"unreadable checkpoint ({error})", path=path) from None

    def write_tokenizer(self, tokenizer: BaseTokenizer) -> None:
        tokenizer.save(self.file("tokenizer.json"))

    # -- reading -----------------------------------------------------------------------------

    def require(self, name: str) -> Path:
        path = self.file(name)
        if not path.is_file():
            raise InputNotFoundError(
                f"not a complete mxdna run directory: {name} is missing", path=self.path
            )
        return path

    def read_config(self) -> tuple[TrainConfig, EncoderConfig, tuple[str, ...]]:
        try:
            data = yaml.safe_load(self.require("config.yaml").read_text())
            return (
                # runs written before strand averaging existed scored one strand
                TrainConfig.from_dict({"rc_average": False, **data["train"]}),
                # runs written before the k-mer head existed have no such setting (or weights)
                EncoderConfig.from_dict({"kmer_head": 0, **data["model"]}),
                tuple(data["classes"]),
            )
        except (KeyError, TypeError, yaml.YAMLError) as error:
            raise ConfigError(_unreadable(error), path=self.path) from None

    def read_label_plan(self) -> LabelPlan:
        """The label merging/filtering the run was trained with (empty for older runs)."""
        try:
            data = yaml.safe_load(self.require("config.yaml").read_text())
            return LabelPlan.from_dict((data.get("inputs") or {}).get("label_plan"))
        except (AttributeError, TypeError, ValueError, yaml.YAMLError) as error:
            raise ConfigError(_unreadable(error), path=self.path) from None

    def read_tokenizer(self) -> BaseTokenizer:
        return load_tokenizer(self.require("tokenizer.json"))

    def read_model(self) -> tuple[SequenceClassifier, BaseTokenizer, tuple[str, ...]]:
        """The trained classifier (CPU, eval mode), its tokenizer and class names."""
        if not self.path.is_dir():
            raise InputNotFoundError("no such run directory", path=self.path)
        _, model_config, classes = self.read_config()
        tokenizer = self.read_tokenizer()
        model = SequenceClassifier(model_config, tokenizer.tokens)
        # runs from before 0.1's merger lost its bias: a bias cancels in the group softmax, so
        # dropping it loads those runs exactly
        weights = {k: v for k, v in self.read_weights().items() if not k.endswith("score.bias")}
        try:
            model.load_state_dict(weights)
        except RuntimeError as error:
            message = " ".join(str(error).split())[:300]
            raise ConfigError(
                f"weights do not match the run's model ({message})", path=self.path
            ) from None
        return model.eval(), tokenizer, classes

    def read_weights(self) -> dict[str, torch.Tensor]:
        try:
            return load_file(self.require("model.safetensors"))
        except MxdnaError:
            raise
        except Exception as error:  # safetensors raises its own error types
            raise ConfigError(f"unreadable model weights ({error})", path=self.path) from None


def _unreadable(error: Exception) -> str:
    """One line: YAML errors span several lines, and errors must print as one."""
    return f"unreadable run configuration ({' '.join(str(error).split())})"


def _cell(value: Any) -> str:
    if value is None:
        return "NA"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
