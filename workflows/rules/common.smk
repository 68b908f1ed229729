# Functions and constants the rules share: the dataset sheet, paths, command-line pieces,
# per-step resources.
# Declarations only (functions and constants); no file is written while the workflow is parsed.

import csv
import os
import shlex
from pathlib import Path

import yaml
from snakemake.utils import validate

WORKFLOW_DIR = Path(str(workflow.current_basedir)).parent  # workflows/
SPLITS = ("train", "val", "test")
# Files of a run directory (mxdna/run.py) that the workflow declares; checkpoint.pt is resume
# state for `mxdna train --resume` and is not a result.
RUN_FILES = {
    "config": "config.yaml",
    "tokenizer": "tokenizer.json",
    "model": "model.safetensors",
    "metrics": "metrics.json",
    "history": "history.tsv",
    "predictions": "predictions.tsv",
}
# Files of an attribution directory (docs/attribution-files.md).
ATTRIBUTION_FILES = {
    "arrays": "attributions.npz",
    "meme": "motifs.meme",
    "motifs": "motifs.tsv",
    "seqlets": "seqlets.bed",
    "tokens": "tokens.tsv",
    "summary": "attribution.json",
}
_LIST_COLUMNS = (
    "fasta",
    "test_fasta",
    "bed",
    "labels",
    "val_chroms",
    "test_chroms",
    "keep_classes",
)
_PATH_COLUMNS = ("fasta", "test_fasta", "bed", "genome", "run_config")
_NUMBER_COLUMNS = {"width": int, "val_fraction": float, "test_fraction": float}
# mxdna's own defaults (mxdna/training/config.py) for the settings the workflow reads itself.
_TRAIN_DEFAULTS = {
    "tokenizer": "learned",
    "vocab_size": 1024,
    "max_motif_len": 12,
    "tokenizer_iterations": 6,
}
_RESOURCE_DEFAULTS = {"threads": 1, "mem_mb": 2000, "runtime": 60}


wildcard_constraints:
    dataset=r"[A-Za-z0-9][A-Za-z0-9_.-]*",
    seed=r"\d+",
    split="|".join(SPLITS),
    label=r"[^/\s=,;]+",


# -- the dataset sheet -----------------------------------------------------------------------------


def _find_sheet(path):
    """A relative path: the working directory first, then the workflow folder."""
    candidates = [Path(path)] if os.path.isabs(path) else [Path(path), WORKFLOW_DIR / path]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    raise WorkflowError(f"dataset sheet not found: {' or '.join(map(str, candidates))}")


def _parse_row(row, sheet_dir):
    """One TSV row → typed dict (lists split, numbers converted, paths made absolute)."""
    parsed = {}
    for key, value in row.items():
        value = (value or "").strip()
        if key is None or not value:
            continue
        if key in _LIST_COLUMNS:
            value = [item.strip() for item in value.split(",") if item.strip()]
        elif key == "merge_labels":
            value = [item.strip() for item in value.split(";") if item.strip()]
        elif key in _NUMBER_COLUMNS:
            try:
                value = _NUMBER_COLUMNS[key](value)
            except ValueError:
                raise WorkflowError(f"dataset sheet: {key} {value!r} is not a number") from None
        parsed[key] = value
    for key in _PATH_COLUMNS:
        if key in parsed:
            paths = parsed[key] if isinstance(parsed[key], list) else [parsed[key]]
            paths = [str((sheet_dir / os.path.expanduser(p)).resolve()) for p in paths]
            parsed[key] = paths if isinstance(parsed[key], list) else paths[0]
    return parsed


def _check_row(row):
    name = row["dataset"]
    if "bed" in row and len(row["bed"]) != len(row["labels"]):
        raise WorkflowError(f"dataset {name}: 'bed' and 'labels' need the same number of items")
    chroms = "test_chroms" in row
    if not chroms and "test_fasta" not in row and row["test_fraction"] <= 0:
        raise WorkflowError(
            f"dataset {name}: no test data (set test_fraction > 0, test_fasta or test_chroms)"
        )
    if not chroms and row["val_fraction"] <= 0:
        raise WorkflowError(f"dataset {name}: val_fraction must be > 0 (or set val_chroms)")


def load_datasets(path):
    """{dataset: row} in sheet order, validated against schemas/datasets.schema.yaml."""
    sheet = _find_sheet(path)
    with open(sheet, newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.lstrip().startswith("#")]
    datasets = {}
    for raw in csv.DictReader(lines, delimiter="\t"):
        row = _parse_row(raw, sheet.parent)
        validate(row, "../schemas/datasets.schema.yaml")
        row.setdefault("val_fraction", config["split"]["val_fraction"])
        row.setdefault("test_fraction", config["split"]["test_fraction"])
        _check_row(row)
        if row["dataset"] in datasets:
            raise WorkflowError(f"dataset {row['dataset']} is listed twice in {sheet}")
        datasets[row["dataset"]] = row
    if not datasets:
        raise WorkflowError(f"no datasets in {sheet}")
    return datasets


SEEDS = [int(seed) for seed in config["seeds"]]
# Without a sheet (a workflow that imports single rules as a module) there is nothing to plan.
DATASETS = load_datasets(config["datasets"]) if "datasets" in config else {}


def dataset(wildcards):
    return DATASETS[wildcards.dataset]


# -- run settings (the YAML given to `mxdna train --config`) ---------------------------------------


def _read_overrides(row):
    if "run_config" not in row:
        return {}
    with open(row["run_config"]) as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict) or set(data) - {"train", "model"}:
        raise WorkflowError(f"{row['run_config']}: expected 'train:' and/or 'model:' sections")
    return data


def run_settings(name):
    """config `run` with the dataset's run_config on top; threads from resources.train."""
    overrides = _read_overrides(DATASETS[name])
    train = {**config["run"]["train"], **overrides.get("train", {})}
    train["threads"] = rule_resource("train", "threads")
    model = {**config["run"]["model"], **overrides.get("model", {})}
    return {"train": train, "model": model}


def train_setting(name, key):
    return run_settings(name)["train"].get(key, _TRAIN_DEFAULTS[key])


def fits_tokenizer(name):
    return config["tokenizer"]["fit"] and train_setting(name, "tokenizer") == "learned"


# -- paths -----------------------------------------------------------------------------------------


def split_path(name, split):
    return f"results/{name}/data/{split}.fa"


def run_path(name, seed, key):
    return f"results/{name}/seed-{seed}/run/{RUN_FILES[key]}"


def run_outputs(name="{dataset}", seed="{seed}"):
    return {key: run_path(name, seed, key) for key in RUN_FILES}


def attribution_outputs(name="{dataset}", seed="{seed}"):
    folder = f"results/{name}/seed-{seed}/attribution"
    return {key: f"{folder}/{file}" for key, file in ATTRIBUTION_FILES.items()}


def evaluation_files():
    """Every evaluation JSON, in table order: sheet order, then seeds, then splits."""
    return [
        f"results/{name}/seed-{seed}/evaluate/{split}.json"
        for name in DATASETS
        for seed in SEEDS
        for split in config["evaluate"]["splits"]
    ]


def evaluation_keys():
    return [
        [name, seed, split]
        for name in DATASETS
        for seed in SEEDS
        for split in config["evaluate"]["splits"]
    ]


def all_outputs():
    runs = [(name, seed) for name in DATASETS for seed in SEEDS]
    return [
        "results/metrics.tsv",
        "results/metrics_summary.tsv",
        *(f"results/{name}/seed-{seed}/report.html" for name, seed in runs),
    ]


# -- command-line pieces ---------------------------------------------------------------------------


def label_args(wildcards):
    """`mxdna train --merge-labels/--keep-classes` of the dataset (the run stores them, and
    evaluate reuses them); empty for a dataset not in the sheet."""
    row = DATASETS.get(wildcards.get("dataset"), {})
    args = []
    for item in row.get("merge_labels", []):
        args += ["--merge-labels", item]
    if "keep_classes" in row:
        args += ["--keep-classes", ",".join(row["keep_classes"])]
    return shlex.join(args)


def rule_resource(rule_name, key):
    """config resources.<rule>.<key>, else resources.default.<key>, else a small default."""
    resources = config["resources"]
    default = resources.get("default", {}).get(key, _RESOURCE_DEFAULTS[key])
    return resources.get(rule_name, {}).get(key, default)


# -- prepare (rules/prepare.smk) -------------------------------------------------------------------


def genome_link(wildcards):
    source = dataset(wildcards)["genome"]
    suffix = ".fa.gz" if source.endswith((".gz", ".bgz")) else ".fa"
    return f"resources/{wildcards.dataset}/genome{suffix}"


def split_sources(wildcards):
    row = dataset(wildcards)
    if "fasta" in row:
        return row["fasta"]
    return [f"results/{wildcards.dataset}/extract/{label}.fa" for label in row["labels"]]


def split_args(wildcards):
    row = dataset(wildcards)
    args = ["--seed", str(config["split"]["seed"])]
    if "test_chroms" in row:
        args += ["--val-chroms", ",".join(row["val_chroms"])]
        args += ["--test-chroms", ",".join(row["test_chroms"])]
    else:
        test_fraction = 0 if "test_fasta" in row else row["test_fraction"]
        args += ["--val-fraction", str(row["val_fraction"]), "--test-fraction", str(test_fraction)]
    return shlex.join(args)


# -- tokenizer (rules/tokenizer.smk) ---------------------------------------------------------------


def fit_args(wildcards):
    name = wildcards.dataset
    settings = config["tokenizer"]
    args = [
        "--vocab-size",
        str(train_setting(name, "vocab_size")),
        "--max-motif-len",
        str(train_setting(name, "max_motif_len")),
        "--n-iter",
        str(train_setting(name, "tokenizer_iterations")),
        "--min-count",
        str(settings["min_count"]),
        "--seed",
        str(config["split"]["seed"]),
    ]
    if settings["max_fit_bases"] is not None:
        args += ["--max-fit-bases", str(settings["max_fit_bases"])]
    if settings["rc_tied"]:
        args.append("--rc-tied")
    if settings["unsupervised"]:
        args.append("--unsupervised")
    return shlex.join(args)


# -- train (rules/train.smk) -----------------------------------------------------------------------


def train_inputs(wildcards):
    name = wildcards.dataset
    inputs = {split: split_path(name, split) for split in SPLITS}
    inputs["settings"] = f"results/{name}/run_settings.yaml"
    if fits_tokenizer(name):
        inputs["tokenizer"] = f"results/{name}/tokenizer.json"
    return inputs


def launcher(wildcards):
    """'' or the torchrun prefix (single node, one worker per GPU unless train.workers)."""
    settings = config["train"]
    if not settings["torchrun"]:
        return ""
    workers = settings["workers"] or max(settings["gpus"], 1)
    return f"torchrun --standalone --nproc-per-node {workers} --no-python"


# -- attribute (rules/attribute.smk) ---------------------------------------------------------------


def attribute_args(wildcards):
    """`mxdna attribute` options from config `attribute` (null: the command's default)."""
    settings = config["attribute"]
    args = []
    for key in ("method", "target", "max_sequences", "steps", "jaspar_release", "q_threshold"):
        if settings.get(key) is not None:
            args += [f"--{key.replace('_', '-')}", str(settings[key])]
    if settings.get("tax_group") is not None:
        args += ["--tax-group", settings["tax_group"]]
    for path in settings.get("motif_db") or []:
        args += ["--motif-db", path]
    return shlex.join(args)
