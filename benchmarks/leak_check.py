"""How much of each published test set is in its training file, and what looking it up buys.

For every task of the results benchmark: how many test sequences occur, identically (either
strand, case ignored), in the task's whole training file, how often the training label of such
a sequence equals its test label, and the task's metric for two predictors on the test set:

* k-mer LR: the benchmark's k-mer tf-idf logistic regression on the benchmark's capped
  training split (the table's "k-mer LR" column, seed 0);
* k-mer LR + lookup: the same, except that a test sequence found in the training file gets its
  training label (the majority label when it occurs with several).

The second is not a method anyone should use; it shows how much of a published score a model
can get by memorising its training set (a network trained to zero training loss does the same).

    .venv/bin/python benchmarks/leak_check.py [--tasks SUBSTR...] [--max-train 2000]
        [--workdir DIR]
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from io_benchmark import command_line, machine
from results_baselines import kmer_logistic_regression
from results_benchmark import ROOT, prepare
from results_tasks import SHARED, TASKS, Task

from mxdna.alphabet import reverse_complement
from mxdna.io.label_plan import LabelPlan
from mxdna.io.labels import load_fasta_set
from mxdna.training.metrics import classification_metrics


def training_labels(task: Task) -> dict[str, str]:
    """Upper-cased training sequence (both strands) -> its majority label in the whole file."""
    plan = LabelPlan.parse(task.merge, task.keep)
    train = plan.apply(load_fasta_set([SHARED / task.train]))
    seen: dict[str, Counter] = {}
    for sequence, label in zip(train.sequences, train.labels, strict=True):
        upper = sequence.upper()
        for strand in (upper, reverse_complement(upper)):
            seen.setdefault(strand, Counter())[label] += 1
    # most_common breaks ties by first occurrence: deterministic for a fixed file
    return {sequence: counts.most_common(1)[0][0] for sequence, counts in seen.items()}


def check(task: Task, workdir: Path, max_train: int | None) -> dict[str, object]:
    """Counts and the two predictors' test metric for one task."""
    paths = prepare(task, workdir, max_train)
    sets = {name: load_fasta_set([path]) for name, path in paths.items()}
    classes = sets["train"].classes
    index = {c: i for i, c in enumerate(classes)}

    def labelled(name: str) -> tuple[Sequence[str], np.ndarray]:
        return sets[name].sequences, np.array([index[y] for y in sets[name].labels])

    test_sequences, y_test = labelled("test")
    probabilities = kmer_logistic_regression(
        labelled("train"), labelled("val"), test_sequences, seed=0
    )
    lookup = training_labels(task)
    found = [lookup.get(s.upper()) for s in test_sequences]
    hits = np.array([label is not None for label in found])
    agree = sum(label == y for label, y in zip(found, sets["test"].labels, strict=True))
    looked_up = probabilities.copy()
    for row, label in enumerate(found):
        if label is not None and label in index:
            looked_up[row] = np.eye(len(classes))[index[label]]
    scale = task.scale
    return {
        "task": task.name,
        "metric": "MCC×100" if scale == 100 else task.metric,
        "n_test": len(test_sequences),
        "in_train": int(hits.sum()),
        "same_label": int(agree),
        "kmer_lr": classification_metrics(y_test, probabilities)[task.metric] * scale,
        "with_lookup": classification_metrics(y_test, looked_up)[task.metric] * scale,
        "published": task.published_no_pretraining or task.published_best,
        "digits": 1 if scale == 100 else 3,
    }


def markdown(rows: Sequence[dict[str, object]], max_train: int | None) -> str:
    lines = [
        f"- Machine: {machine()}",
        f"- Command: `{command_line()}`",
        f"- k-mer LR trained on at most {max_train or 'all'} training sequences (seed 0).",
        "",
        "| task (metric) | test sequences | in the training file | same label there "
        "| k-mer LR | k-mer LR + lookup | best published |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        digits = row["digits"]
        published = row["published"]
        lines.append(
            f"| {row['task']} ({row['metric']}) | {row['n_test']:,} | {row['in_train']:,} "
            f"| {row['same_label']:,} | {row['kmer_lr']:.{digits}f} "
            f"| {row['with_lookup']:.{digits}f} "
            f"| {f'{published[0]} {published[1]}' if published else '–'} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", nargs="*", default=[])
    parser.add_argument("--max-train", type=int, default=2000)
    parser.add_argument("--workdir", default=str(ROOT / "benchmarks" / "_work" / "results"))
    args = parser.parse_args(argv)
    tasks = [t for t in TASKS if not args.tasks or any(s in t.name for s in args.tasks)]
    rows = [check(task, Path(args.workdir), args.max_train) for task in tasks]
    print(markdown(rows, args.max_train))


if __name__ == "__main__":
    main()
