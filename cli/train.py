"""`mxdna train`, `mxdna predict`, `mxdna evaluate`: thin calls into mxdna.training / mxdna.run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import yaml
from mxdna_cli.progress import EpochProgress

from mxdna.errors import ConfigError, InputNotFoundError, LabelError
from mxdna.io.label_plan import LabelPlan
from mxdna.io.labels import load_fasta_set
from mxdna.io.writers import atomic_open, check_writable
from mxdna.run import RunDirectory
from mxdna.splits import hash_split
from mxdna.tokenizer import load_tokenizer
from mxdna.training.config import TOKENIZER_CHOICES, TrainConfig
from mxdna.training.distributed import Distributed, set_torch_threads
from mxdna.training.joint import RunData, resolve_device, train_run, write_predictions
from mxdna.training.metrics import classification_metrics
from mxdna.training.trainer import Trainer, encode_for_prediction

_label_options = [
    click.option("--labels", type=click.Path(path_type=Path), help="TSV/CSV table id<TAB>label."),
    click.option("--label-key", default="label", show_default=True, help="Header key of labels."),
    click.option(
        "--merge-labels",
        multiple=True,
        metavar="NEW=OLD1,OLD2",
        help="Merge labels into one class (repeatable), e.g. enhancer=strong,weak.",
    ),
    click.option(
        "--keep-classes",
        metavar="A,B",
        help="Keep only these classes (after merging); other records are dropped.",
    ),
]


def _with_labels(command):
    for decorator in reversed(_label_options):
        command = decorator(command)
    return command


def _load(paths, labels, label_key, plan: LabelPlan, *, check: bool = True):
    data = load_fasta_set(list(paths), labels=labels, label_key=label_key, allow_extra_labels=True)
    return plan.apply(data, check=check)


def _read_yaml(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    if not path.is_file():
        raise InputNotFoundError("no such file", path=path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"not valid YAML ({' '.join(str(error).split())})", path=path) from None
    if not isinstance(data, dict) or set(data) - {"train", "model"}:
        raise ConfigError("expected a mapping with 'train' and/or 'model' sections", path=path)
    return data


@click.command()
@click.option(
    "--fasta",
    "fasta",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path),
    help="Training FASTA (repeat for one file per class).",
)
@_with_labels
@click.option(
    "--val",
    type=click.Path(path_type=Path),
    multiple=True,
    help="Validation FASTA. Default: a deterministic split of the training data.",
)
@click.option("--test", type=click.Path(path_type=Path), multiple=True, help="Test FASTA.")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Run directory.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="YAML with 'train:' and 'model:' settings; flags below override it.",
)
@click.option("--seed", type=int, help="Random seed (default 0).")
@click.option("--epochs", type=int, help="Training epochs (default 12).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), help="Default auto.")
@click.option("--tokenizer", type=click.Choice(TOKENIZER_CHOICES), help="Default learned.")
@click.option(
    "--aligned",
    is_flag=True,
    default=None,
    help="Sequences are cut around one landmark on its strand (TSS windows, splice sites): "
    "read each base by position, no reverse-complement augmentation.",
)
@click.option(
    "--init-tokenizer",
    type=click.Path(path_type=Path),
    help="Start from this fitted tokenizer.json (e.g. from 'mxdna tokenize fit').",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted run in --out.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train(
    fasta,
    labels,
    label_key,
    merge_labels,
    keep_classes,
    val,
    test,
    out,
    config_path,
    seed,
    epochs,
    device,
    tokenizer,
    aligned,
    init_tokenizer,
    resume,
    quiet,
) -> None:
    """Train the tokenizer and the encoder together; write a complete run directory."""
    settings = _read_yaml(config_path)
    plan = LabelPlan.parse(merge_labels, keep_classes)
    initial = load_tokenizer(init_tokenizer) if init_tokenizer is not None else None
    flags = {
        "seed": seed, "epochs": epochs, "device": device, "tokenizer": tokenizer, "aligned": aligned
    }  # fmt: skip
    config = TrainConfig.from_dict(
        {**settings.get("train", {}), **{k: v for k, v in flags.items() if v is not None}}
    )
    run = RunDirectory(out)
    with _no_empty_run_dir_on_failure(run, created=run.prepare()):
        data = _training_data(fasta, labels, label_key, plan, val, test, config)
        device_used = resolve_device(config.device)
        set_torch_threads(config.threads)
        dist = Distributed.from_environment(device_used)
        inputs = {
            "fasta": [str(p) for p in fasta],
            "labels": str(labels) if labels else None,
            "val": [str(p) for p in val],
            "test": [str(p) for p in test],
            "init_tokenizer": str(init_tokenizer) if init_tokenizer else None,
            "label_plan": plan.to_dict(),
        }
        progress = None if quiet or not dist.is_main else EpochProgress(config.epochs)
        try:
            results = train_run(
                data,
                config,
                settings.get("model", {}),
                run,
                inputs=inputs,
                resume=resume,
                dist=dist,
                init_tokenizer=initial,
                on_batch=progress,
            )
        finally:
            dist.close()
        if dist.is_main:
            for split in ("val", "test"):
                if split in results:
                    shown = ", ".join(
                        f"{k} {v:.4f}" for k, v in results[split].items() if v is not None
                    )
                    click.echo(f"{split}: {shown}")
            click.echo(f"run written to {out}")


@contextmanager
def _no_empty_run_dir_on_failure(run: RunDirectory, *, created: bool) -> Iterator[None]:
    """Bad input found before anything was written (one class, an empty validation split, a
    device that is not there) removes the run directory this command created."""
    try:
        yield
    except BaseException:
        if created:
            run.remove_if_empty()
        raise


def _training_data(fasta, labels, label_key, plan, val, test, config: TrainConfig) -> RunData:
    training = _load(fasta, labels, label_key, plan)
    training.require_classes(2)
    if val:
        validation = _load(val, labels, label_key, plan, check=False)
    else:
        parts = hash_split(
            training, val_fraction=config.val_fraction, test_fraction=0.0, seed=config.seed
        )
        training, validation = parts["train"], parts["val"]
    testing = _load(test, labels, label_key, plan, check=False) if test else None
    return RunData(training, validation, testing)


def _restore(run_dir: Path) -> tuple[RunDirectory, Trainer, Any, tuple[str, ...]]:
    run = RunDirectory(run_dir)
    model, tokenizer, classes = run.read_model()
    train_config, _, _ = run.read_config()
    # the run's thread count: another count sums in another order, so the probabilities
    # would differ from the run's predictions.tsv in the last digits
    set_torch_threads(train_config.threads)
    device = resolve_device("auto")
    model.to(device)
    trainer = Trainer(model, train_config, device=device, total_steps=1, class_weights=None)
    return run, trainer, tokenizer, classes


@click.command()
@click.option("--run", "run_dir", required=True, type=click.Path(path_type=Path))
@click.option("--fasta", "fasta", multiple=True, required=True, type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Predictions TSV.")
def predict(run_dir, fasta, out) -> None:
    """Predict classes: TSV with id, label (if any), predicted class, one probability per class."""
    check_writable(out)
    run, trainer, tokenizer, classes = _restore(run_dir)
    # labels (if any) named as the run's classes, as in its predictions.tsv; every record is
    # predicted, so the run's merges apply but not its kept classes
    merges = LabelPlan(run.read_label_plan().merge)
    data = merges.apply(load_fasta_set(list(fasta)), check=False)
    dummy = [0] * len(data)
    probabilities = trainer.predict(
        encode_for_prediction(tokenizer, data.sequences, dummy, trainer.config)
    )
    target = RunDirectory(out.parent)
    write_predictions(target, out.name, data, probabilities, classes)
    click.echo(f"{out}: {len(data)} predictions")


@click.command()
@click.option("--run", "run_dir", required=True, type=click.Path(path_type=Path))
@click.option("--fasta", "fasta", multiple=True, required=True, type=click.Path(path_type=Path))
@_with_labels
@click.option("--out", type=click.Path(path_type=Path), help="Write the metrics as JSON here.")
def evaluate(run_dir, fasta, labels, label_key, merge_labels, keep_classes, out) -> None:
    """Score a trained run on labelled FASTA: accuracy, MCC, macro-F1, AUROC, AUPRC.

    Labels are merged/filtered as in training unless --merge-labels/--keep-classes are given."""
    if out is not None:
        check_writable(out)
    run, trainer, tokenizer, classes = _restore(run_dir)
    plan = LabelPlan.parse(merge_labels, keep_classes)
    data = _load(fasta, labels, label_key, plan if plan else run.read_label_plan(), check=False)
    if data.labels is None:
        raise LabelError("evaluate needs labelled sequences ('label=' headers or --labels)")
    unknown = sorted(set(data.labels) - set(classes))
    if unknown:
        raise LabelError(f"classes unknown to the run: {', '.join(unknown)}")
    y = [classes.index(label) for label in data.labels]
    probabilities = trainer.predict(
        encode_for_prediction(tokenizer, data.sequences, y, trainer.config)
    )
    metrics = classification_metrics(y, probabilities)
    text = json.dumps(metrics, indent=2)
    if out is not None:
        with atomic_open(out) as fh:
            fh.write(text + "\n")
    click.echo(text)
