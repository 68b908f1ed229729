"""The Snakemake workflow (workflows/) with the real Snakemake: lint, the planned jobs, a real run
of the test config that makes every declared output, a second run in a fresh directory that gives
byte-identical outputs, and the workflow used as a module by another workflow."""

from __future__ import annotations

import csv
import filecmp
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "workflows"
SNAKEFILE = WORKFLOW / "Snakefile"
TEST_CONFIG = WORKFLOW / ".test" / "config" / "config.yaml"
DEFAULT_CONFIG = WORKFLOW / "config" / "config.yaml"
BIN = Path(sys.executable).parent
SNAKEMAKE = shutil.which("snakemake", path=str(BIN)) or shutil.which("snakemake")

pytestmark = [
    pytest.mark.workflow,
    pytest.mark.skipif(SNAKEMAKE is None, reason="needs snakemake (pip install -e '.[dev]')"),
]

# The test config: datasets ienhancer (FASTA) and toy_peaks (2 BED files + genome), seed 1.
TEST_JOBS = {
    "link_genome": 1,
    "extract": 2,
    "split": 2,
    "run_settings": 2,
    "fit_tokenizer": 2,
    "train": 2,
    "evaluate": 2,
    "attribute": 2,
    "report": 2,
    "aggregate_metrics": 1,
    "all": 1,
}


def snakemake(*args: str, workdir: Path, config: Path | None = TEST_CONFIG, timeout: int = 600):
    """Run the workflow's Snakemake with this environment's `mxdna` first on PATH."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["OMP_NUM_THREADS"] = "1"
    command = [SNAKEMAKE, "--snakefile", str(SNAKEFILE), "--directory", str(workdir)]
    if config is not None:
        command += ["--configfile", str(config)]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


def job_counts(output: str) -> Counter:
    """The 'Job stats' table of a dry run → {rule: count}."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Job stats:"))
    counts = Counter()
    for line in lines[start + 3 :]:
        fields = line.split()
        if len(fields) != 2 or fields[0] == "total":
            break
        counts[fields[0]] = int(fields[1])
    return counts


def declared_outputs(workdir: Path) -> list[str]:
    """Every output file of the DAG (`snakemake --summary`), logs and benchmarks excluded."""
    result = snakemake("--summary", workdir=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = list(csv.reader(result.stdout.splitlines(), delimiter="\t"))
    header = rows[0]
    assert header[:3] == ["output_file", "date", "rule"], header
    return sorted(row[0] for row in rows[1:] if row and row[0])


def test_lint_is_clean(tmp_path):
    result = snakemake("--lint", workdir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dry_run_plans_every_stage_per_dataset_and_seed(tmp_path):
    result = snakemake("--dry-run", "--cores", "2", workdir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert job_counts(result.stdout) == TEST_JOBS


def test_seeds_and_datasets_fan_out_as_separate_jobs(tmp_path):
    result = snakemake("--dry-run", "--config", "seeds=[1,2,3]", workdir=tmp_path)
    # (values from --config arrive as strings; the workflow accepts digit strings as seeds)
    assert result.returncode == 0, result.stdout + result.stderr
    counts = job_counts(result.stdout)
    for rule in ("train", "evaluate", "attribute", "report"):
        assert counts[rule] == 2 * 3, rule
    assert counts["fit_tokenizer"] == 2 and counts["aggregate_metrics"] == 1
    # The shipped config: three bundled datasets × three seeds, evaluated on val and test.
    result = snakemake("--dry-run", workdir=tmp_path / "default", config=DEFAULT_CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr
    counts = job_counts(result.stdout)
    assert (counts["train"], counts["evaluate"], counts["extract"]) == (9, 18, 0)


def test_shipped_sheet_trains_the_tss_windows_as_aligned(tmp_path):
    """The E. coli row's run_config turns on `aligned` (windows cut around the TSS); the
    iEnhancer rows (unaligned fragments) keep the config's run settings."""
    import yaml

    targets = [
        f"results/{name}/run_settings.yaml" for name in ("ecoli_promoters", "ienhancer_layer1")
    ]
    result = snakemake("--cores", "1", *targets, workdir=tmp_path, config=DEFAULT_CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr
    ecoli, ienhancer = (yaml.safe_load((tmp_path / t).read_text()) for t in targets)
    assert ecoli["train"]["aligned"] is True
    assert "aligned" not in ienhancer["train"]
    assert {k: v for k, v in ecoli["train"].items() if k != "aligned"} == ienhancer["train"]


def test_bad_sheet_is_one_clear_error(tmp_path):
    sheet = tmp_path / "datasets.tsv"
    sheet.write_text("dataset\tbed\tlabels\tgenome\nx\ta.bed,b.bed\tonly_one\tg.fa\n")
    result = snakemake("--dry-run", "--config", f"datasets={sheet}", workdir=tmp_path)
    assert result.returncode != 0
    assert "'bed' and 'labels' need the same number of items" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("workflow-run-1")
    result = snakemake("--cores", "2", workdir=workdir)
    assert result.returncode == 0, result.stdout + result.stderr[-5000:]
    return workdir


def test_real_run_makes_every_declared_output(first_run):
    outputs = declared_outputs(first_run)
    # genome + .fai, 2 extracted classes, 2 datasets × (3 splits, run settings, tokenizer),
    # 2 runs × (6 run files, 1 evaluation, 6 attribution files, report), 2 tables
    assert len(outputs) == 2 + 2 + 2 * (3 + 1 + 1) + 2 * (6 + 1 + 6 + 1) + 2
    missing = [path for path in outputs if not (first_run / path).is_file()]
    assert not missing
    for rule in TEST_JOBS.keys() - {"all"}:
        assert (first_run / "logs" / rule).is_dir(), rule
    # Everything is up to date: a second invocation in the same directory has nothing to do.
    again = snakemake("--dry-run", workdir=first_run)
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr
    table = list(csv.DictReader((first_run / "results/metrics.tsv").open(), delimiter="\t"))
    assert [(r["dataset"], r["seed"], r["split"]) for r in table] == [
        ("ienhancer", "1", "test"),
        ("toy_peaks", "1", "test"),
    ]
    assert all(0.0 <= float(r["accuracy"]) <= 1.0 for r in table)
    summary = (first_run / "results/metrics_summary.tsv").read_text().splitlines()
    assert summary[0].startswith("dataset\tsplit\tn_seeds\taccuracy_mean\taccuracy_sd")
    assert [line.split("\t")[:3] for line in summary[1:]] == [
        ["ienhancer", "test", "1"],
        ["toy_peaks", "test", "1"],
    ]
    assert (first_run / "results/ienhancer/seed-1/report.html").read_text().startswith("<!")


def test_second_run_with_the_same_seeds_is_byte_identical(first_run, tmp_path):
    result = snakemake("--cores", "2", workdir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr[-5000:]
    outputs = declared_outputs(first_run)
    assert outputs == declared_outputs(tmp_path)
    different = [
        path
        for path in outputs
        if not filecmp.cmp(first_run / path, tmp_path / path, shallow=False)
    ]
    assert not different


def test_a_single_rule_runs_inside_another_workflow(tmp_path):
    """docs/workflow.md, 'As a step of another workflow': import one rule through `module`."""
    (tmp_path / "Snakefile").write_text(
        f"""\
configfile: "config.yaml"


module mxdna:
    snakefile:
        "{SNAKEFILE}"
    config:
        config["mxdna"]


use rule evaluate from mxdna as score_with_mxdna with:
    input:
        model="models/{{model}}/model.safetensors",
        fasta="data/{{sample}}.fa",
    output:
        "scores/{{model}}/{{sample}}.json",
    log:
        "logs/score_with_mxdna/{{model}}/{{sample}}.log",


rule all:
    input:
        "scores/enhancers/new_sequences.json",
"""
    )
    (tmp_path / "config.yaml").write_text("mxdna: {}\n")
    for path in ("models/enhancers/model.safetensors", "data/new_sequences.fa"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [SNAKEMAKE, "--dry-run", "--printshellcmds", "--directory", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert job_counts(result.stdout) == {"score_with_mxdna": 1, "all": 1}
    assert (
        "mxdna evaluate --run models/enhancers --fasta data/new_sequences.fa"
        " --out scores/enhancers/new_sequences.json" in " ".join(result.stdout.split())
    )


def test_metrics_of_several_seeds_are_tabulated_and_summarised(tmp_path):
    """scripts/aggregate_metrics.py on hand-made evaluation files (mean and sample SD)."""
    spec = importlib.util.spec_from_file_location(
        "aggregate_metrics", WORKFLOW / "scripts" / "aggregate_metrics.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    values = {("a", 0): 0.5, ("a", 1): 0.7, ("b", 0): 0.9}
    paths, labels = [], []
    for (name, seed), accuracy in values.items():
        path = tmp_path / f"{name}{seed}.json"
        path.write_text(json.dumps({"accuracy": accuracy, "auroc": None}))
        paths.append(str(path))
        labels.append([name, seed, "test"])
    rows, metrics = module.read_rows(paths, labels)
    assert metrics == ["accuracy"]
    assert module.table_text(rows, metrics).splitlines() == [
        "dataset\tseed\tsplit\taccuracy",
        "a\t0\ttest\t0.5",
        "a\t1\ttest\t0.7",
        "b\t0\ttest\t0.9",
    ]
    assert module.summary_text(rows, metrics).splitlines() == [
        "dataset\tsplit\tn_seeds\taccuracy_mean\taccuracy_sd",
        "a\ttest\t2\t0.6\t0.141421",
        "b\ttest\t1\t0.9\tNA",
    ]
