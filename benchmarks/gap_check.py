"""Why a row's test score sits below its validation score: two diagnostics, not methods.

For every binary task of a `results_benchmark.py run` workdir and every finished mxdna run:

* validation MCC (the run's `metrics.json`), test MCC at the run's own call (the most probable
  class, as `predictions.tsv`), and the best test MCC over decision thresholds chosen *on the
  test set itself* (an oracle no honest method has). If the oracle is not much higher, the
  threshold is not what separates the run from a target; the ranking of the sequences is.
* for the task's training file: how many sequences share a `--kmer`-base word (either strand)
  with another training sequence. Many would mean the validation tenth (cut from the training
  file) leaks near-copies of training sequences and flatters validation.

    .venv/bin/python benchmarks/gap_check.py --workdir benchmarks/_work/results
        [--tasks SUBSTR...] [--kmer 40]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from io_benchmark import command_line, machine
from results_benchmark import MXDNA_METHODS, ROOT, slug
from results_tasks import SHARED, TASKS, Task
from sampling_noise import mcc_from_confusion

from mxdna.alphabet import reverse_complement
from mxdna.io.labels import load_fasta_set

THRESHOLDS = np.linspace(0.01, 0.99, 99)  # on the probability of the first class


def _mcc(y: np.ndarray, predicted: np.ndarray) -> float:
    confusion = np.bincount(2 * y + predicted, minlength=4).reshape(2, 2)
    return mcc_from_confusion(confusion.astype(np.float64))


def read_scores(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True class (N,), called class (N,) as 0/1 and the first class's probability (N,) of a
    binary run's predictions.tsv (columns id, label, predicted, p_<class>...)."""
    header, *rows = (line.split("\t") for line in path.read_text().splitlines())
    classes = [name[2:] for name in header[3:]]
    if len(classes) != 2:
        raise ValueError(f"{path}: not a binary run ({len(classes)} classes)")
    label, predicted = header.index("label"), header.index("predicted")
    y = np.array([classes.index(row[label]) for row in rows])
    called = np.array([classes.index(row[predicted]) for row in rows])
    first = np.array([float(row[3]) for row in rows])
    return y, called, first


def oracle_mcc(y: np.ndarray, first: np.ndarray) -> float:
    """Best MCC over thresholds on the first class's probability, chosen on these labels."""
    return max(_mcc(y, np.where(first >= t, 0, 1)) for t in THRESHOLDS)


def shared_words(task: Task, k: int) -> tuple[int, int]:
    """(training sequences sharing a k-base word, either strand, with another one; all)."""
    sequences = [s.upper() for s in load_fasta_set([SHARED / task.train]).sequences]

    def words(sequence: str) -> set[str]:
        strands = (sequence, reverse_complement(sequence))
        return {s[i : i + k] for s in strands for i in range(len(s) - k + 1)}

    owners: dict[str, set[int]] = defaultdict(set)
    per_sequence = [words(s) for s in sequences]
    for index, found in enumerate(per_sequence):
        for word in found:
            owners[word].add(index)
    sharing = sum(any(len(owners[w]) > 1 for w in found) for found in per_sequence)
    return sharing, len(sequences)


def report(workdir: Path, tasks: Sequence[Task], k: int) -> str:
    lines = [
        f"Workdir {workdir}; thresholds {THRESHOLDS[0]:.2f}..{THRESHOLDS[-1]:.2f} step 0.01.",
        "",
        "| task | method | seed | validation MCC | test MCC | test MCC, oracle threshold |",
        "|---|---|---:|---:|---:|---:|",
    ]
    words: dict[str, str] = {}  # training file -> its row (layer 1 and 2 share one file)
    for task in tasks:
        found = False
        for method in MXDNA_METHODS:
            for run in sorted((workdir / "runs" / slug(task.name) / slug(method)).glob("seed*")):
                if not (run / "metrics.json").exists():  # a run in progress
                    continue
                try:
                    y, called, first = read_scores(run / "predictions.tsv")
                except ValueError:
                    continue
                found = True
                val = json.loads((run / "metrics.json").read_text())["val"]["mcc"]
                lines.append(
                    f"| {task.name} | {method} | {run.name[4:]} | {val:.3f} | "
                    f"{_mcc(y, called):.3f} | {oracle_mcc(y, first):.3f} |"
                )
        if found and task.train not in words:
            sharing, total = shared_words(task, k)
            words[task.train] = f"| {task.train} | {total} | {sharing} |"
    lines += ["", f"| training file | sequences | sharing a {k}-base word with another |"]
    lines += ["|---|---:|---:|", *words.values()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", default=str(ROOT / "benchmarks" / "_work" / "results"))
    parser.add_argument("--tasks", nargs="*", default=[])
    parser.add_argument("--kmer", type=int, default=40)
    args = parser.parse_args(argv)
    tasks = [t for t in TASKS if not args.tasks or any(s in t.name for s in args.tasks)]
    print(report(Path(args.workdir), tasks, args.kmer))
    print()
    print(json.dumps({"machine": machine(), "command": command_line()}))


if __name__ == "__main__":
    main()
