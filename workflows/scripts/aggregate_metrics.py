"""Snakemake script of rule aggregate_metrics: evaluation JSONs → one table and a summary.

results/metrics.tsv          one row per dataset × seed × split (the order of the inputs)
results/metrics_summary.tsv  one row per dataset × split: mean and sample SD over the seeds

Metric columns are the numeric keys of the JSON files in first-seen order; a metric a file lacks
(or that is null, e.g. AUROC with one class) is NA and left out of the summary.
"""

import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _cell(value: float | None) -> str:
    return "NA" if value is None or math.isnan(value) else f"{value:.6g}"


Row = tuple[str, int, str, dict[str, float]]


def read_rows(
    paths: Sequence[str], keys: Sequence[Sequence[object]]
) -> tuple[list[Row], list[str]]:
    """Each file labelled by its (dataset, seed, split); metric names in first-seen order."""
    rows, metrics = [], []
    for path, (name, seed, split) in zip(paths, keys, strict=True):
        values = {k: _number(v) for k, v in json.loads(Path(path).read_text()).items()}
        values = {k: v for k, v in values.items() if v is not None}
        metrics += [k for k in values if k not in metrics]
        rows.append((str(name), int(seed), str(split), values))
    return rows, metrics


def table_text(rows: list[Row], metrics: list[str]) -> str:
    lines = ["\t".join(["dataset", "seed", "split", *metrics])]
    for name, seed, split, values in rows:
        lines.append("\t".join([name, str(seed), split, *(_cell(values.get(m)) for m in metrics)]))
    return "\n".join(lines) + "\n"


def _mean_sd(xs: list[float]) -> tuple[float | None, float | None]:
    if not xs:
        return None, None
    mean = sum(xs) / len(xs)
    if len(xs) < 2:
        return mean, None
    return mean, math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))


def summary_text(rows: list[Row], metrics: list[str]) -> str:
    groups: dict[tuple[str, str], list[dict[str, float]]] = {}
    for name, _, split, values in rows:
        groups.setdefault((name, split), []).append(values)
    stats = [f"{m}_{s}" for m in metrics for s in ("mean", "sd")]
    lines = ["\t".join(["dataset", "split", "n_seeds", *stats])]
    for (name, split), group in groups.items():
        cells = [name, split, str(len(group))]
        for metric in metrics:
            mean, sd = _mean_sd([values[metric] for values in group if metric in values])
            cells += [_cell(mean), _cell(sd)]
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    smk = snakemake  # type: ignore[name-defined]  # noqa: F821
    logging.basicConfig(filename=smk.log[0], level=logging.INFO, format="%(message)s")
    rows, metrics = read_rows(list(smk.input), smk.params.labels)
    Path(smk.output.table).write_text(table_text(rows, metrics))
    Path(smk.output.summary).write_text(summary_text(rows, metrics))
    logging.info("%d evaluations → %s, %s", len(smk.input), smk.output.table, smk.output.summary)
