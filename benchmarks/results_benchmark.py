"""Results on the published benchmarks: mxdna with its learned tokenizer, the same encoder with
char / 6-mer / BPE tokenizers, and three in-project baselines (k-mer logistic regression, one-hot
logistic regression, a small CNN), over several seeds, next to the published numbers of each
dataset's SOURCE.md.

Every task is prepared once into plain labelled FASTA (labels regrouped as the literature does,
the training set optionally capped at `--max-train` sequences by a seeded stratified sample, a
validation split made the same way `mxdna train` makes one when the dataset has none), so all
methods see exactly the same sequences. mxdna runs are the real CLI (`mxdna train ... --quiet`),
one process per run, one thread each; `--jobs` runs that many at once.

    .venv/bin/python benchmarks/results_benchmark.py run [--tasks SUBSTR...] [--methods ...]
        [--seeds 0 1 2] [--max-train 4000] [--epochs 10] [--jobs 2] [--workdir DIR]
        [--train-setting KEY=VALUE ...]   # ablations: extra `train:` settings for mxdna runs
    .venv/bin/python benchmarks/results_benchmark.py table [--workdir DIR]
    .venv/bin/python benchmarks/results_benchmark.py compare --before OLD_WORKDIR [--workdir DIR]

Results are one JSON file per (task, method, seed) under WORKDIR/results/, so an interrupted
benchmark resumes where it stopped; `table` prints the markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from io_benchmark import command_line, machine
from results_tasks import SHARED, TASKS, Task

ROOT = Path(__file__).resolve().parents[1]
MXDNA = str(Path(sys.executable).with_name("mxdna"))
MXDNA_METHODS = {"mxdna learned": "learned", "mxdna char": "char", "mxdna 6-mer": "kmer"}
MXDNA_METHODS["mxdna BPE"] = "bpe"
BASELINES = ("k-mer LR", "one-hot LR", "CNN")
METHODS = (*MXDNA_METHODS, *BASELINES)
MAX_VAL = 2000
CHILD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# -- data preparation ------------------------------------------------------------------------


def _stratified_cap(labels: Sequence[str], cap: int | None, seed: int) -> list[int]:
    """Indices of at most `cap` records, class proportions kept, original order."""
    n = len(labels)
    if cap is None or n <= cap:
        return list(range(n))
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for cls in sorted(set(labels)):
        members = np.array([i for i, label in enumerate(labels) if label == cls])
        take = max(1, round(cap * len(members) / n))
        chosen.extend(rng.choice(members, size=min(take, len(members)), replace=False).tolist())
    return sorted(chosen)


def prepare(task: Task, workdir: Path, max_train: int | None) -> dict[str, Path]:
    """Write train/val/test FASTA (labels regrouped) for `task`; returns their paths."""
    from mxdna.io.label_plan import LabelPlan
    from mxdna.io.labels import load_fasta_set
    from mxdna.io.writers import write_fasta
    from mxdna.splits import hash_split

    out = workdir / "data" / slug(task.name) / (f"max{max_train}" if max_train else "all")
    paths = {name: out / f"{name}.fa" for name in ("train", "val", "test")}
    if all(p.exists() for p in paths.values()):
        return paths
    out.mkdir(parents=True, exist_ok=True)
    plan = LabelPlan.parse(task.merge, task.keep)
    train = plan.apply(load_fasta_set([SHARED / task.train]))
    test = plan.apply(load_fasta_set([SHARED / task.test]), check=False)
    if task.val is None:
        parts = hash_split(train, val_fraction=0.1, test_fraction=0.0, seed=0)
        train, val = parts["train"], parts["val"]
    else:
        val = plan.apply(load_fasta_set([SHARED / task.val]), check=False)
    train = train.subset(_stratified_cap(train.labels, max_train, seed=0))
    val = val.subset(_stratified_cap(val.labels, MAX_VAL, seed=0))
    for name, data in (("train", train), ("val", val), ("test", test)):
        write_fasta(paths[name], data)
    return paths


def _leak_free_ids(task: Task) -> set[str]:
    if task.leak_free is None:
        return set()
    lines = (SHARED / task.leak_free).read_text().splitlines()[1:]
    return {line.split("\t")[0] for line in lines if line.strip()}


def _read_fasta_set(path: Path):
    from mxdna.io.labels import load_fasta_set

    return load_fasta_set([path])


# -- one run ---------------------------------------------------------------------------------


def run_mxdna(
    method: str,
    paths: dict[str, Path],
    seed: int,
    epochs: int,
    out: Path,
    aligned: bool,
    settings: Sequence[tuple[str, str]] = (),
) -> np.ndarray:
    out.parent.mkdir(parents=True, exist_ok=True)
    config = out.with_suffix(".yaml")
    extra = "".join(f", {key}: {value}" for key, value in settings)
    config.write_text(f"train: {{threads: 1, epochs: {epochs}{extra}}}\n")
    command = [
        MXDNA, "train", "--fasta", paths["train"], "--val", paths["val"], "--test", paths["test"],
        "--out", out, "--config", config, "--seed", str(seed),
        "--tokenizer", MXDNA_METHODS[method], "--quiet", *(["--aligned"] if aligned else []),
    ]  # fmt: skip
    env = {**os.environ, **CHILD_ENV}
    result = subprocess.run(list(map(str, command)), capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{method} failed: {result.stderr[-2000:]}")
    lines = (out / "predictions.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    columns = [i for i, name in enumerate(header) if name.startswith("p_")]
    return np.array([[float(line.split("\t")[i]) for i in columns] for line in lines[1:]])


def _setting(text: str) -> tuple[str, str]:
    """`KEY=VALUE` of --train-setting, as the YAML key and value it adds."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise SystemExit(f"--train-setting wants KEY=VALUE, got {text!r}")
    return key.strip(), value.strip()


def run_baseline(method: str, paths: dict[str, Path], seed: int, epochs: int) -> np.ndarray:
    from results_baselines import kmer_logistic_regression, one_hot_logistic_regression, small_cnn

    sets = {name: _read_fasta_set(path) for name, path in paths.items()}
    classes = sets["train"].classes
    index = {c: i for i, c in enumerate(classes)}
    train = (sets["train"].sequences, np.array([index[y] for y in sets["train"].labels]))
    val = (sets["val"].sequences, np.array([index[y] for y in sets["val"].labels]))
    if method == "k-mer LR":
        return kmer_logistic_regression(train, val, sets["test"].sequences, seed=seed)
    if method == "one-hot LR":
        return one_hot_logistic_regression(train, val, sets["test"].sequences, seed=seed)
    return small_cnn(
        train, val, sets["test"].sequences, n_classes=len(classes), seed=seed, epochs=epochs
    )


def score(task: Task, paths: dict[str, Path], probabilities: np.ndarray) -> dict[str, Any]:
    from mxdna.training.metrics import classification_metrics

    train, test = _read_fasta_set(paths["train"]), _read_fasta_set(paths["test"])
    classes = train.classes
    y = np.array([classes.index(label) for label in test.labels])
    out = {"test": classification_metrics(y, probabilities)}
    leaked = _leak_free_ids(task)
    keep = np.array([rid not in leaked for rid in test.ids])
    if leaked and len(set(y[keep].tolist())) > 1:  # layer 2 keeps one class only: no score
        out["test_leak_free"] = classification_metrics(y[keep], probabilities[keep])
    return out


def one(task: Task, method: str, seed: int, args, workdir: Path) -> Path:
    target = workdir / "results" / slug(task.name) / slug(method) / f"seed{seed}.json"
    if target.exists():
        return target
    paths = prepare(task, workdir, args.max_train)
    started = time.perf_counter()
    if method in MXDNA_METHODS:
        run = workdir / "runs" / slug(task.name) / slug(method) / f"seed{seed}"
        probabilities = run_mxdna(
            method, paths, seed, args.epochs, run, task.aligned, args.train_settings
        )
    else:
        probabilities = run_baseline(method, paths, seed, args.epochs)
    wall = time.perf_counter() - started
    result = {
        "task": task.name,
        "method": method,
        "seed": seed,
        "wall_s": round(wall, 1),
        "n_train": len(_read_fasta_set(paths["train"])),
        "epochs": args.epochs,
        **({"train_settings": list(args.train_setting)} if args.train_setting else {}),
        **score(task, paths, probabilities),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{task.name} | {method} | seed {seed}: {wall:.0f} s", file=sys.stderr, flush=True)
    return target


def run_all(args) -> None:
    workdir = Path(args.workdir)
    tasks = [t for t in TASKS if not args.tasks or any(s in t.name for s in args.tasks)]
    for task in tasks:  # prepare serially (cheap) so parallel runs never race on data files
        prepare(task, workdir, args.max_train)
    jobs = [(t, m, s) for s in args.seeds for t in tasks for m in args.methods]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(one, t, m, s, args, workdir) for t, m, s in jobs]
        for future in futures:
            try:
                future.result()
            except Exception as error:  # report and go on: one failed run must not stop the rest
                print(f"FAILED: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
    (workdir / "machine.json").write_text(
        json.dumps({"machine": machine(), "command": command_line()}, indent=2) + "\n"
    )


# -- table -----------------------------------------------------------------------------------


def _load_results(workdir: Path) -> list[dict[str, Any]]:
    """Every finished run's result JSON under WORKDIR/results/, in path order."""
    return [json.loads(p.read_text()) for p in sorted(workdir.glob("results/*/*/*.json"))]


def _digits(scale: float) -> int:
    """Decimals shown: MCC×100 with 1, fractions (MCC, accuracy) with 3."""
    return 1 if scale == 100 else 3


def _mean_sd(values: list[float], scale: float) -> str:
    values = [v * scale for v in values if v is not None]
    if not values:
        return "–"
    digits = _digits(scale)
    if len(values) == 1:
        return f"{values[0]:.{digits}f} (1 seed)"
    seeds = "" if len(values) >= 3 else f" ({len(values)} seeds)"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}{seeds}"


def table(args) -> str:
    results = _load_results(Path(args.workdir))
    header = ["task (metric)", *METHODS, "best published, no pretraining", "best published"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    wall: dict[str, list[float]] = {m: [] for m in METHODS}
    for task in TASKS:
        for split in ("test", "test_leak_free"):
            if split == "test_leak_free" and task.keep:  # every strong test sequence leaks
                continue
            mine = [r for r in results if r["task"] == task.name and split in r]
            if not mine:
                continue
            cells = []
            for method in METHODS:
                runs = [r for r in mine if r["method"] == method]
                cells.append(_mean_sd([r[split][task.metric] for r in runs], task.scale))
                if split == "test":
                    wall[method].extend(r["wall_s"] for r in runs)
            unit = "MCC×100" if task.scale == 100 else task.metric
            name = task.name + (" (leak-free test)" if split == "test_leak_free" else "")
            published = [
                f"{p[0]} {p[1]}" if p else "–"
                for p in (task.published_no_pretraining, task.published_best)
            ]
            lines.append(f"| {name} ({unit}) | " + " | ".join([*cells, *published]) + " |")
    wall_cells = [f"{statistics.mean(w):.0f} s" if w else "–" for w in wall.values()]
    lines.append("| mean wall time per run | " + " | ".join([*wall_cells, "", ""]) + " |")
    return "\n".join(lines)


def _by_key(workdir: Path) -> dict[tuple[str, str, int], dict[str, Any]]:
    return {(r["task"], r["method"], r["seed"]): r for r in _load_results(workdir)}


def compare(args) -> str:
    """mxdna methods, before (`--before` workdir, an earlier code version) vs now, over the
    seeds both have: one line per task, 'before → now' per method."""
    before, now = _by_key(Path(args.before)), _by_key(Path(args.workdir))
    header = ["task (metric, seeds)", *MXDNA_METHODS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for task in TASKS:
        cells, seeds = [], set()
        for method in MXDNA_METHODS:
            common = sorted(k[2] for k in now if k[:2] == (task.name, method) and k in before)
            seeds.update(common)
            if not common:
                cells.append("–")
                continue
            old, new = (
                statistics.mean(runs[(task.name, method, s)]["test"][task.metric] for s in common)
                * task.scale
                for runs in (before, now)
            )
            digits = _digits(task.scale)
            cells.append(f"{old:.{digits}f} → {new:.{digits}f}")
        if seeds:
            label = f"{task.name} ({task.metric}, seed {'/'.join(map(str, sorted(seeds)))})"
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("part", choices=("run", "table", "compare"))
    parser.add_argument("--before", help="compare: workdir of an earlier code version")
    parser.add_argument("--workdir", default=str(ROOT / "benchmarks" / "_work" / "results"))
    parser.add_argument("--tasks", nargs="*", default=[])
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=METHODS)
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--max-train", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--train-setting",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="extra `train:` settings for the mxdna runs (ablations), e.g. refit_rounds=0",
    )
    args = parser.parse_args(argv)
    args.train_settings = [_setting(text) for text in args.train_setting]  # fails before runs
    if args.part == "run":
        run_all(args)
    elif args.part == "compare":
        print(compare(args))
    else:
        print(table(args))


if __name__ == "__main__":
    main()
