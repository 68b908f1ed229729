"""`mxdna attribute` end to end: a JASPAR motif planted in one class is recovered, named and
located; outputs follow the file contract, are deterministic, and bad input exits 2."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from Bio import motifs as biomotifs
from planted_data import MOTIF_ID, write_planted

MXDNA = str(Path(sys.executable).with_name("mxdna"))
CONFIG = """\
train: {epochs: 10, batch_size: 16, threads: 1, patience: 10}
model: {d_model: 32, n_heads: 2}
"""
FILES = (
    "attributions.npz",
    "motifs.meme",
    "motifs.tsv",
    "seqlets.bed",
    "tokens.tsv",
    "attribution.json",
)


def mxdna(*args) -> subprocess.CompletedProcess:
    return subprocess.run([MXDNA, *map(str, args)], capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def explained(tmp_path_factory):
    root = tmp_path_factory.mktemp("planted")
    write_planted(root / "train.fa", 800, 0)
    sites = write_planted(root / "test.fa", 200, 1)
    (root / "run.yaml").write_text(CONFIG)
    trained = mxdna(
        "train", "--fasta", root / "train.fa", "--out", root / "run", "--config",
        root / "run.yaml", "--tokenizer", "char", "--quiet",
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    args = ["--run", root / "run", "--fasta", root / "test.fa", "--tax-group", "vertebrates"]
    result = mxdna("attribute", *args, "--out", root / "attr", "--threads", "1")
    assert result.returncode == 0, result.stderr
    return {"root": root, "sites": sites, "args": args}


def test_the_planted_motif_is_the_top_motif_and_named(explained):
    with open(explained["root"] / "attr" / "motifs.tsv") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    top = next(row for row in rows if row["class"] == "site")
    assert top["jaspar_id"] == MOTIF_ID and top["jaspar_name"] == "CTCF"
    assert float(top["q_value"]) < 0.05


def test_attribution_peaks_overlap_the_planted_sites(explained):
    arrays = np.load(explained["root"] / "attr" / "attributions.npz", allow_pickle=False)
    index = {rid: i for i, rid in enumerate(arrays["ids"].tolist())}
    hits = total = 0
    for rid, start, end, _ in explained["sites"]:
        i = index[rid]
        if arrays["target"][i] != 1:  # explained as background: no claim about its peak
            continue
        values = arrays["base_values"][arrays["base_starts"][i] : arrays["base_starts"][i + 1]]
        smooth = np.convolve(values, np.ones(9), mode="same")
        total += 1
        hits += start - 4 <= int(np.argmax(smooth)) < end + 4
    assert total >= 60 and hits / total >= 0.8


def test_files_follow_the_contract(explained):
    out = explained["root"] / "attr"
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    with open(out / "motifs.meme") as fh:
        parsed = list(biomotifs.parse(fh, "minimal"))
    tsv = (out / "motifs.tsv").read_text().splitlines()
    assert len(parsed) == len(tsv) - 1 > 0
    bed = [line.split("\t") for line in (out / "seqlets.bed").read_text().splitlines()]
    sequences = {
        r.split()[0][1:]: s
        for r, s in zip(
            *[iter((explained["root"] / "test.fa").read_text().splitlines())] * 2, strict=True
        )
    }
    for chrom, start, end, name, _, strand in bed:
        assert name.startswith(chrom + "|") and strand in "+-"
        assert 0 <= int(start) < int(end) <= len(sequences[chrom])
    arrays = np.load(out / "attributions.npz", allow_pickle=False)
    assert arrays["base_starts"][-1] == len(arrays["base_values"]) == 200 * 100
    gap = json.loads((out / "attribution.json").read_text())["ig_completeness_gap"]
    assert gap["steps"] == 32 and 0 <= gap["median"] <= gap["p95"]


def test_same_inputs_give_identical_files(explained):
    again = explained["root"] / "again"
    result = mxdna("attribute", *explained["args"], "--out", again, "--threads", "1")
    assert result.returncode == 0, result.stderr
    for name in FILES:
        assert (again / name).read_bytes() == (explained["root"] / "attr" / name).read_bytes(), name


def test_the_explained_class_is_the_class_predict_calls(explained):
    """The run trains on both strands, so `predict` averages them; `attribute` explains the
    class of that mean and stores the same probabilities."""
    root = explained["root"]
    predicted = mxdna("predict", "--run", root / "run", "--fasta", root / "test.fa",
                      "--out", root / "predictions.tsv")  # fmt: skip
    assert predicted.returncode == 0, predicted.stderr
    with open(root / "predictions.tsv") as fh:
        rows = {row["id"]: row for row in csv.DictReader(fh, delimiter="\t")}
    arrays = np.load(root / "attr" / "attributions.npz", allow_pickle=False)
    info = json.loads((root / "attr" / "attribution.json").read_text())
    assert info["predicted_from"] == "the mean of both strands"
    classes = info["classes"]
    for i, rid in enumerate(arrays["ids"].tolist()):
        assert classes[int(arrays["target"][i])] == rows[rid]["predicted"]
        expected = [float(rows[rid][f"p_{c}"]) for c in classes]
        np.testing.assert_allclose(arrays["probabilities"][i], expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--target", "enhancer"], "not a class of this run"),
        (["--method", "shap"], "Invalid value for '--method'"),
        (["--motif-db", "missing.meme"], "no such motif file"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(explained, tmp_path, extra, message):
    result = mxdna("attribute", *explained["args"], "--out", tmp_path / "o", *extra)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert message in result.stderr and not (tmp_path / "o").exists()


def test_missing_run_directory(tmp_path, explained):
    result = mxdna(
        "attribute", "--run", tmp_path / "nope", "--fasta", explained["root"] / "test.fa",
        "--out", tmp_path / "o",
    )  # fmt: skip
    assert result.returncode == 2 and "no such run directory" in result.stderr
