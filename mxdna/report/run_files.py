"""What the report reads from a run directory (written by `mxdna train`, see `mxdna.run`).

Required: config.yaml, metrics.json, history.tsv, tokenizer.json. Optional: predictions.tsv
(only with a test set) and, for runs trained with `aligned: true`, the position head's weights in
model.safetensors (read with safetensors, never unpickled; the rest of the model is not read).
Every problem with these files raises an `MxdnaError` naming the file.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from safetensors import safe_open

from mxdna.errors import ConfigError, InputNotFoundError
from mxdna.model.position_head import N_READ_BASES
from mxdna.report.tables import Table, read_table, read_text
from mxdna.run import RunDirectory
from mxdna.tokenizer.vocabulary import SPECIAL_TOKENS

HISTORY_REQUIRED = ("epoch", "round", "train_loss")
PREDICTIONS_REQUIRED = ("id", "label", "predicted")
POSITION_WEIGHT = "position_head.linear.weight"  # (C, P * 4): position-major, A C G T


@dataclass(frozen=True)
class TokenizerView:
    """The parts of a tokenizer the report shows (per token id, specials included)."""

    kind: str
    tokens: tuple[str, ...]
    counts: np.ndarray | None  # (V,) expected occurrences in the fit data, learned only
    information_gain: np.ndarray | None  # (V,) IG(token; label), learned only
    em_history: list[dict[str, Any]] = field(default_factory=list)  # one entry per EM iteration
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def n_special(self) -> int:
        return len(SPECIAL_TOKENS)


@dataclass(frozen=True)
class RunContent:
    """Everything the report shows about a training run."""

    path: Path
    config: dict[str, Any]
    classes: tuple[str, ...]
    metrics: dict[str, dict[str, float | None]]  # split -> metric -> value
    best_epoch: int | None
    history: Table
    predictions: Table | None
    tokenizer: TokenizerView
    #: (C, P, 4) position-head weights over A, C, G, T; aligned runs with model.safetensors only
    position_weights: np.ndarray | None = None

    @property
    def aligned(self) -> bool:
        """Trained with `train.aligned` (windows cut around one landmark on its strand)."""
        return bool((self.config.get("train") or {}).get("aligned", False))

    @property
    def position_head(self) -> int:
        """P, the leading bases the position head reads (0: the model has none)."""
        return int((self.config.get("model") or {}).get("position_head") or 0)


def read_run(path: str | os.PathLike[str]) -> RunContent:
    """Read and check the files of one run directory."""
    run = RunDirectory(path)
    if not run.path.exists():
        raise InputNotFoundError("no such run directory", path=run.path)
    if not run.path.is_dir():
        raise InputNotFoundError("not a directory (expected an mxdna run directory)", path=run.path)
    config = _read_config(run)
    metrics, best_epoch = _read_metrics(run.require("metrics.json"))
    classes = tuple(str(c) for c in config["classes"])
    predictions = None
    if run.file("predictions.tsv").is_file():
        predictions = _read_predictions(run.file("predictions.tsv"), classes)
    content = RunContent(
        path=run.path,
        config=config,
        classes=classes,
        metrics=metrics,
        best_epoch=best_epoch,
        history=read_table(run.require("history.tsv"), HISTORY_REQUIRED),
        predictions=predictions,
        tokenizer=_read_tokenizer(run),
    )
    if content.aligned and content.position_head:
        weights = _read_position_weights(
            run.file("model.safetensors"), len(classes), content.position_head
        )
        content = dataclasses.replace(content, position_weights=weights)
    return content


def _read_config(run: RunDirectory) -> dict[str, Any]:
    path = run.require("config.yaml")
    try:
        data = yaml.safe_load(read_text(path))
    except yaml.YAMLError as error:
        raise ConfigError(f"not valid YAML ({' '.join(str(error).split())})", path=path) from None
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping with train, model, classes, inputs", path=path)
    run.read_config()  # validates the settings against the library's dataclasses
    classes = data.get("classes")
    if not isinstance(classes, list) or len(classes) < 2:
        raise ConfigError("config.yaml: 'classes' must list at least two classes", path=run.path)
    return data


def _read_metrics(path: Path) -> tuple[dict[str, dict[str, float | None]], int | None]:
    """Metrics per split, and the best epoch if recorded."""
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise ConfigError(f"not valid JSON ({error})", path=path) from None
    splits = (
        {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}
    )
    if not splits:
        raise ConfigError('expected {"val": {"metric": value, ...}, ...}', path=path)
    metrics: dict[str, dict[str, float | None]] = {}
    for split, values in splits.items():
        for name, value in values.items():
            if value is not None and not isinstance(value, (int, float)):
                raise ConfigError(f"{split}.{name}: {value!r} is not a number", path=path)
        metrics[str(split)] = {str(k): None if v is None else float(v) for k, v in values.items()}
    best = data.get("best_epoch")
    return metrics, best if isinstance(best, int) and not isinstance(best, bool) else None


def _read_predictions(path: Path, classes: tuple[str, ...]) -> Table:
    table = read_table(path, (*PREDICTIONS_REQUIRED, *(f"p_{c}" for c in classes)))
    unknown = sorted(set(table.column("predicted")) - set(classes))
    if unknown:
        raise ConfigError(f"predicted classes not in the run: {', '.join(unknown)}", path=path)
    for c in classes:
        values = table.numbers(f"p_{c}")
        if np.isnan(values).any() or (values < 0).any() or (values > 1).any():
            raise ConfigError(f"column p_{c}: probabilities must lie in [0, 1]", path=path)
    return table


def _read_tokenizer(run: RunDirectory) -> TokenizerView:
    tokenizer = run.read_tokenizer()
    tokens = tuple(tokenizer.tokens)
    counts = getattr(tokenizer, "counts_", None)
    gain = getattr(tokenizer, "information_gain_", None)
    params = tokenizer.get_params() if hasattr(tokenizer, "get_params") else {}
    return TokenizerView(
        kind=str(tokenizer.kind),
        tokens=tokens,
        counts=None if counts is None else np.asarray(counts, dtype=np.float64),
        information_gain=None if gain is None else np.asarray(gain, dtype=np.float64),
        em_history=list(getattr(tokenizer, "history_", []) or []),
        params=dict(params),
    )


def _read_position_weights(path: Path, n_classes: int, length: int) -> np.ndarray | None:
    """(C, P, 4) float64 weights of the position head; None when model.safetensors is absent."""
    if not path.is_file():
        return None
    try:
        with safe_open(str(path), framework="pt") as weights:
            names = set(weights.keys())
            tensor = weights.get_tensor(POSITION_WEIGHT) if POSITION_WEIGHT in names else None
    except Exception as error:  # safetensors raises its own error types
        message = " ".join(str(error).split())
        raise ConfigError(f"unreadable model weights ({message})", path=path) from None
    if tensor is None:
        raise ConfigError(
            f"no {POSITION_WEIGHT} (config.yaml sets position_head: {length})", path=path
        )
    expected = (n_classes, length * N_READ_BASES)
    if tuple(tensor.shape) != expected:
        raise ConfigError(
            f"{POSITION_WEIGHT} has shape {tuple(tensor.shape)}, expected {expected} "
            f"({n_classes} classes x position_head {length} x 4 bases)",
            path=path,
        )
    values = tensor.to(torch.float64).numpy()
    if not np.isfinite(values).all():
        raise ConfigError(f"{POSITION_WEIGHT} holds non-finite values", path=path)
    return values.reshape(n_classes, length, N_READ_BASES)  # (C, P * 4) -> (C, P, 4)
