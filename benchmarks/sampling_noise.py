"""How much of a results-table difference the test set itself can tell: a paired bootstrap.

The results table gives each cell as mean ± sd over seeds: the spread that training noise
makes. A second source of noise is the test set: the published test sets hold 256-1,000
sequences, and another sample of the same size would score every method differently. This
script reads the mxdna runs of a `results_benchmark.py run` workdir (their `predictions.tsv`),
draws `--resamples` bootstrap samples of each task's test sequences (seeded; the same samples for
every method and seed, so comparisons are paired) and reports

* per method: the seed mean of the task's metric and the 2.5-97.5 % range of that seed mean over
  the resamples, next to the best published result without pretraining (inside the range or not);
* learned tokens against char, 6-mer and BPE tokens: the mean difference and its paired range;
  a range that holds 0 means this test set cannot tell the two columns apart.

It does not say what another training set would do, nor does it re-score published methods
(their predictions are not available): a published number inside our range is one that this
test set cannot separate from ours.

    .venv/bin/python benchmarks/sampling_noise.py --workdir benchmarks/_work/results
        [--tasks SUBSTR...] [--resamples 2000] [--seed 0] [--before OTHER_WORKDIR]

`--before` adds, per task and method found in both workdirs, the change from the other workdir
(an ablation, another code version) with its paired range.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from io_benchmark import command_line, machine
from results_benchmark import MXDNA_METHODS, ROOT, _leak_free_ids, slug
from results_tasks import TASKS, Task

LEARNED = "mxdna learned"


def read_predictions(path: Path) -> tuple[list[str], list[str], list[str]]:
    """Test ids, true labels and predicted classes of one run's predictions.tsv."""
    lines = path.read_text().splitlines()
    header = lines[0].split("\t")
    columns = [header.index(name) for name in ("id", "label", "predicted")]
    rows = [line.split("\t") for line in lines[1:]]
    ids, labels, predicted = ([row[i] for row in rows] for i in columns)
    return ids, labels, predicted


def mcc_from_confusion(confusion: np.ndarray) -> float:
    """Matthews correlation (multiclass, as scikit-learn) of a (K, K) confusion matrix whose rows
    are true classes; 0 where it is undefined. Not `mxdna.training.metrics`: the bootstrap scores
    ~10^5 resampled confusion matrices, and the full-set values are checked against the stored
    scikit-learn results (`_check_against_results`)."""
    true_sum, predicted_sum = confusion.sum(axis=1), confusion.sum(axis=0)
    n, correct = confusion.sum(), np.trace(confusion)
    covariance = correct * n - true_sum @ predicted_sum
    spread = (n * n - predicted_sum @ predicted_sum) * (n * n - true_sum @ true_sum)
    return float(covariance / np.sqrt(spread)) if spread > 0 else 0.0


def score(metric: str, y: np.ndarray, p: np.ndarray, rows: np.ndarray, k: int) -> float:
    """The task's metric on the test rows `rows` (indices, repeats allowed)."""
    if metric == "accuracy":
        return float(np.mean(y[rows] == p[rows]))
    confusion = np.bincount(y[rows] * k + p[rows], minlength=k * k).reshape(k, k)
    return mcc_from_confusion(confusion.astype(np.float64))


def load_task_runs(
    task: Task, workdir: Path, drop_ids: set[str]
) -> tuple[np.ndarray, dict[str, list[np.ndarray]], int]:
    """True classes (N,), per mxdna method the predicted classes (N,) of each seed found, and
    the number of classes; test ids in `drop_ids` left out (the leak-free subset)."""
    found: dict[str, list[tuple[list[str], list[str], list[str]]]] = {}
    for method in MXDNA_METHODS:
        # finished runs only: those with a result file (a run in progress has none yet)
        finished = sorted((workdir / "results" / slug(task.name) / slug(method)).glob("seed*.json"))
        run_dirs = [workdir / "runs" / slug(task.name) / slug(method) / f.stem for f in finished]
        runs = [read_predictions(d / "predictions.tsv") for d in run_dirs]
        if runs:
            found[method] = runs
    if not found:
        return np.zeros(0, dtype=np.int64), {}, 0
    ids, labels, _ = next(iter(found.values()))[0]
    classes = sorted(set(labels) | {c for runs in found.values() for r in runs for c in r[2]})
    index = {c: i for i, c in enumerate(classes)}
    keep = np.array([i not in drop_ids for i in ids])
    y = np.array([index[c] for c in labels])[keep]
    predicted = {}
    for method, runs in found.items():
        for run_ids, run_labels, _ in runs:
            if run_ids != ids or run_labels != labels:  # same test set, same order, every run
                raise SystemExit(f"{task.name} {method}: runs scored different test sequences")
        predicted[method] = [np.array([index[c] for c in r[2]])[keep] for r in runs]
    return y, predicted, len(classes)


def resampled_means(
    task: Task, y: np.ndarray, predicted: dict[str, list[np.ndarray]], k: int, samples: np.ndarray
) -> dict[str, np.ndarray]:
    """Per method, the seed mean of the metric on each resample (R,), metric x task.scale."""
    return {
        method: task.scale
        * np.array(
            [np.mean([score(task.metric, y, p, rows, k) for p in seeds]) for rows in samples]
        )
        for method, seeds in predicted.items()
    }


def _range(values: np.ndarray, digits: int) -> str:
    low, high = np.percentile(values, [2.5, 97.5])
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def seed_scores(
    task: Task, y: np.ndarray, predicted: dict[str, list[np.ndarray]], k: int
) -> dict[str, list[float]]:
    """Per method, the metric of each seed on the whole (kept) test set, unscaled."""
    everything = np.arange(len(y))
    return {
        method: [score(task.metric, y, p, everything, k) for p in seeds]
        for method, seeds in predicted.items()
    }


def _check_against_results(
    task: Task, workdir: Path, scores: dict[str, list[float]], split: str
) -> None:
    """The metric recomputed here from predictions.tsv must equal what `results_benchmark.py`
    stored for the run (scikit-learn's), seed by seed."""
    for method, values in scores.items():
        stored = sorted((workdir / "results" / slug(task.name) / slug(method)).glob("seed*.json"))
        for path, value in zip(stored, values, strict=True):
            if not np.isclose(value, json.loads(path.read_text())[split][task.metric], atol=1e-9):
                raise SystemExit(f"{path}: {split} {task.metric} does not match its predictions")


def report(
    workdir: Path, tasks: Sequence[Task], resamples: int, seed: int, before: Path | None = None
) -> str:
    per_method = [
        "| task (metric) | method | seeds | mean | 95 % range over test resamples "
        "| best published, no pretraining | inside the range |",
        "|---|---|---:|---:|---|---|---|",
    ]
    others = [m for m in MXDNA_METHODS if m != LEARNED]
    pairs = ["| task (metric) | " + " | ".join(f"learned − {m[6:]}" for m in others) + " |"]
    pairs.append("|---|" + "---|" * len(others))
    changes = ["| task (metric) | method | seeds | before | now | now − before, 95 % range |"]
    changes.append("|---|---|---:|---:|---:|---|")
    for task in tasks:
        leaked = _leak_free_ids(task)  # the test ids found in the training file
        splits = [("", set(), "test")]
        if leaked and not task.keep:  # layer 2 keeps one class of leak-free sequences: no score
            splits.append((" (leak-free test)", leaked, "test_leak_free"))
        for suffix, drop_ids, split in splits:
            y, predicted, k = load_task_runs(task, workdir, drop_ids)
            if not predicted:
                continue
            scores = seed_scores(task, y, predicted, k)
            _check_against_results(task, workdir, scores, split)
            full = {m: task.scale * float(np.mean(v)) for m, v in scores.items()}
            samples = np.random.default_rng(seed).integers(0, len(y), size=(resamples, len(y)))
            means = resampled_means(task, y, predicted, k, samples)
            digits = 1 if task.scale == 100 else 3
            unit = "MCC×100" if task.scale == 100 else task.metric
            name = f"{task.name}{suffix} ({unit})"
            for method in predicted:
                published, inside = "–", "–"
                if task.published_no_pretraining and not drop_ids:  # published: full test set
                    label, value = task.published_no_pretraining
                    low, high = np.percentile(means[method], [2.5, 97.5])
                    published, inside = f"{label} {value}", "yes" if low <= value <= high else "no"
                per_method.append(
                    f"| {name} | {method} | {len(predicted[method])} | "
                    f"{full[method]:.{digits}f} | {_range(means[method], digits)} | "
                    f"{published} | {inside} |"
                )
            if LEARNED in means and set(means) - {LEARNED}:
                cells = [
                    f"{full[LEARNED] - full[other]:+.{digits}f} "
                    f"{_range(means[LEARNED] - means[other], digits)}"
                    if other in means
                    else "–"
                    for other in others
                ]
                pairs.append(f"| {name} | " + " | ".join(cells) + " |")
            if before is None:
                continue
            y_before, predicted_before, _ = load_task_runs(task, before, drop_ids)
            if predicted_before and not np.array_equal(y_before, y):
                raise SystemExit(f"{task.name}: the two workdirs scored other test sets")
            then = resampled_means(task, y, predicted_before, k, samples)
            full_then = {
                m: task.scale * float(np.mean(v))
                for m, v in seed_scores(task, y, predicted_before, k).items()
            }
            for method in sorted(set(means) & set(then)):
                seeds = min(len(predicted[method]), len(predicted_before[method]))
                a, b = full_then[method], full[method]
                changes.append(
                    f"| {name} | {method} | {seeds} | {a:.{digits}f} | {b:.{digits}f} | "
                    f"{b - a:+.{digits}f} {_range(means[method] - then[method], digits)} |"
                )
    return "\n".join(
        [
            f"Workdir {workdir}; {resamples} resamples of the test set (seed {seed}).",
            "",
            *per_method,
            "",
            "Learned tokens against the others (mean difference of the seed means, paired 95 % "
            "range over the same resamples; a range holding 0: this test set cannot tell them "
            "apart):",
            "",
            *pairs,
            *(
                [
                    "",
                    f"Against {before} (paired over the same resamples; a range holding 0: "
                    "this test set cannot tell the two runs apart):",
                    "",
                    *changes,
                ]
                if before is not None
                else []
            ),
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", default=str(ROOT / "benchmarks" / "_work" / "results"))
    parser.add_argument("--tasks", nargs="*", default=[])
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--before", help="another workdir (an ablation) to compare with, paired")
    args = parser.parse_args(argv)
    tasks = [t for t in TASKS if not args.tasks or any(s in t.name for s in args.tasks)]
    before = Path(args.before) if args.before else None
    print(report(Path(args.workdir), tasks, args.resamples, args.seed, before))
    print()
    print(json.dumps({"machine": machine(), "command": command_line()}))


if __name__ == "__main__":
    main()
