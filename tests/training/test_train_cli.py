"""`mxdna train | predict | evaluate` end to end on a tiny model: run files, determinism,
resume after a real kill, several processes, and bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mxdna.training.warm_start import STRENGTHS

MXDNA = str(Path(sys.executable).with_name("mxdna"))
TINY = """\
train: {epochs: 6, batch_size: 16, learning_rate: 0.005, vocab_size: 64, tokenizer_iterations: 2,
        refit_rounds: 1, patience: 10, threads: 1}
model: {d_model: 32, n_heads: 2, n_stages: 1, local_blocks: 1, global_blocks: 1, dropout: 0.1}
"""
RUN_FILES = (
    "config.yaml",
    "tokenizer.json",
    "model.safetensors",
    "metrics.json",
    "history.tsv",
    "predictions.tsv",
)


def write_fasta(path: Path, n: int, seed: int) -> Path:
    """Class 'bound' is GC-rich and carries a planted AP-1 site; 'background' is AT-rich.

    (The composition difference makes the task learnable in a few epochs by a tiny model: a
    pipeline test must not depend on how fast attention learns motifs from 500 sequences.)"""
    rng = np.random.default_rng(seed)
    with open(path, "w") as fh:
        for i in range(n):
            label = "bound" if i % 2 else "background"
            gc = 0.6 if label == "bound" else 0.4
            seq = "".join(
                rng.choice(list("ACGT"), p=[(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2], size=80)
            )
            if label == "bound":
                start = int(rng.integers(0, 70))
                seq = seq[:start] + "TGACTCA" + seq[start + 7 :]
            fh.write(f">s{seed}_{i} label={label}\n{seq}\n")
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("data")
    (root / "tiny.yaml").write_text(TINY)
    return {
        "train": write_fasta(root / "train.fa", 600, 0),
        "test": write_fasta(root / "test.fa", 100, 1),
        "config": root / "tiny.yaml",
    }


def mxdna(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MXDNA, *map(str, args)], capture_output=True, text=True, timeout=600, cwd=cwd, env=env
    )


def train_args(inputs, out, *extra):
    return [
        "train",
        "--fasta",
        inputs["train"],
        "--test",
        inputs["test"],
        "--out",
        out,
        "--config",
        inputs["config"],
        "--seed",
        "3",
        *extra,
    ]


@pytest.fixture(scope="module")
def run_dir(inputs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "run"
    result = mxdna(*train_args(inputs, out))
    assert result.returncode == 0, result.stderr
    return out


def test_run_directory_is_complete(run_dir):
    for name in RUN_FILES:
        assert (run_dir / name).is_file(), name
    metrics = json.loads((run_dir / "metrics.json").read_text())
    for split in ("val", "test"):
        assert set(metrics[split]) == {"accuracy", "mcc", "macro_f1", "auroc", "auprc"}
    assert metrics["test"]["accuracy"] > 0.6  # the planted site is learnable
    # which regression the k-mer head started from (kept through --resume: the resume test)
    assert metrics["warm_start_C"] in STRENGTHS
    assert metrics["warm_start_chosen_on"] == "validation"
    assert 0 < metrics["warm_start_loss"] < 1
    assert {k for k, v in metrics.items() if isinstance(v, dict)} == {"val", "test"}
    history = (run_dir / "history.tsv").read_text().splitlines()
    assert history[0].startswith("epoch\tround\ttrain_loss") and len(history) == 7
    assert {line.split("\t")[1] for line in history[1:]} == {"0", "1"}  # two tokenizer rounds
    predictions = (run_dir / "predictions.tsv").read_text().splitlines()
    assert (
        predictions[0] == "id\tlabel\tpredicted\tp_background\tp_bound" and len(predictions) == 101
    )


def test_same_seed_gives_identical_files(inputs, run_dir, tmp_path):
    again = tmp_path / "again"
    assert mxdna(*train_args(inputs, again)).returncode == 0
    for name in (*RUN_FILES, "checkpoint.pt"):
        assert (again / name).read_bytes() == (run_dir / name).read_bytes(), name


def test_resume_after_kill_gives_the_same_run(inputs, run_dir, tmp_path):
    out = tmp_path / "killed"
    process = subprocess.Popen(
        [MXDNA, *map(str, train_args(inputs, out))],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while not (out / "checkpoint.pt").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (out / "metrics.json").exists()  # killed mid-run
    result = mxdna(*train_args(inputs, out, "--resume"))
    assert result.returncode == 0, result.stderr
    for name in RUN_FILES:
        assert (out / name).read_bytes() == (run_dir / name).read_bytes(), name


def test_resume_from_a_checkpoint_of_other_settings_fails_cleanly(inputs, run_dir, tmp_path):
    """A checkpoint whose model or optimiser does not fit (other settings, or written by an
    mxdna with other AdamW groups) is one line and exit 2, and stays where it was."""
    out = tmp_path / "other"
    out.mkdir()
    checkpoint = (run_dir / "checkpoint.pt").read_bytes()
    (out / "checkpoint.pt").write_bytes(checkpoint)
    other = tmp_path / "other.yaml"
    other.write_text(TINY.replace("dropout: 0.1}", "dropout: 0.1, kmer_head: 0}"))
    args = train_args(inputs, out, "--resume")
    args[args.index(inputs["config"])] = other
    result = mxdna(*args)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "checkpoint does not fit this run's settings" in result.stderr
    assert (out / "checkpoint.pt").read_bytes() == checkpoint
    assert not (out / "metrics.json").exists()


def test_predict_and_evaluate(inputs, run_dir, tmp_path):
    out = tmp_path / "p.tsv"
    assert (
        mxdna("predict", "--run", run_dir, "--fasta", inputs["test"], "--out", out).returncode == 0
    )
    assert out.read_text() == (run_dir / "predictions.tsv").read_text()
    result = mxdna(
        "evaluate", "--run", run_dir, "--fasta", inputs["test"], "--out", tmp_path / "m.json"
    )
    assert result.returncode == 0, result.stderr
    expected = json.loads((run_dir / "metrics.json").read_text())["test"]
    assert json.loads((tmp_path / "m.json").read_text()) == expected


def test_runs_from_before_strand_averaging_still_predict_one_strand(inputs, run_dir, tmp_path):
    """The run scores both strands (`rc_average`, trained with reverse complements); a run
    directory written before the setting existed has no such key and keeps scoring one strand,
    exactly as `rc_average: false` does."""
    import shutil

    import yaml

    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config["train"]["rc_average"] is True
    outputs = {}
    for name, value in (("older", None), ("one_strand", False)):
        copy = tmp_path / name
        shutil.copytree(run_dir, copy)
        settings = yaml.safe_load((copy / "config.yaml").read_text())
        settings["train"].pop("rc_average")
        if value is not None:
            settings["train"]["rc_average"] = value
        (copy / "config.yaml").write_text(yaml.safe_dump(settings))
        out = tmp_path / f"{name}.tsv"
        result = mxdna("predict", "--run", copy, "--fasta", inputs["test"], "--out", out)
        assert result.returncode == 0, result.stderr
        outputs[name] = out.read_text()
    assert outputs["older"] == outputs["one_strand"]
    assert outputs["older"] != (run_dir / "predictions.tsv").read_text()


@pytest.mark.gpu
@pytest.mark.parametrize("flags", [(), ("--aligned",)], ids=["rc-augmented", "aligned"])
def test_cuda_run_trains_in_bf16_and_predicts_like_cpu(inputs, run_dir, tmp_path, flags):
    """The CUDA path end to end: warm start of the wide heads on the GPU, bf16 autocast in
    training and prediction, a run directory a later `predict` (also on the GPU) reproduces.
    bf16 rounds differently from float32, so the run is compared with the CPU run's quality,
    not its bytes."""
    out = tmp_path / "cuda"
    result = mxdna(*train_args(inputs, out, "--device", "cuda", *flags))
    assert result.returncode == 0, result.stderr[-3000:]
    for name in RUN_FILES:
        assert (out / name).is_file(), name
    history = (out / "history.tsv").read_text().splitlines()[1:]
    assert all(np.isfinite(float(line.split("\t")[2])) for line in history)  # train_loss
    accuracy = json.loads((out / "metrics.json").read_text())["test"]["accuracy"]
    cpu = json.loads((run_dir / "metrics.json").read_text())["test"]["accuracy"]
    assert accuracy > 0.6 and accuracy > cpu - 0.1
    predictions = tmp_path / "p.tsv"
    assert (
        mxdna("predict", "--run", out, "--fasta", inputs["test"], "--out", predictions).returncode
        == 0
    )

    def probabilities(path: Path) -> np.ndarray:
        rows = [line.split("\t")[3:] for line in path.read_text().splitlines()[1:]]
        return np.array(rows, dtype=float)

    np.testing.assert_allclose(
        probabilities(predictions), probabilities(out / "predictions.tsv"), atol=1e-2
    )


def test_two_processes_with_torchrun(inputs, tmp_path):
    torchrun = Path(sys.executable).with_name("torchrun")
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [
            str(torchrun),
            "--standalone",
            "--nproc_per_node=2",
            MXDNA,
            *map(str, train_args(inputs, out)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("run written to") == 1  # only rank 0 reports and writes
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test"]["accuracy"] > 0.6


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--device", "tpu"], "Invalid value for '--device'"),
        (["--config", "missing.yaml"], "missing.yaml: no such file"),
    ],
)
def test_bad_options(inputs, tmp_path, extra, message):
    result = mxdna(*train_args(inputs, tmp_path / "r"), *extra)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_one_class_and_empty_validation(tmp_path, inputs):
    one = tmp_path / "one.fa"
    one.write_text(">a label=x\nACGTACGT\n>b label=x\nACGGACGT\n")
    result = mxdna("train", "--fasta", one, "--out", tmp_path / "r1")
    assert result.returncode == 2 and "only 1 class" in result.stderr
    two = tmp_path / "two.fa"
    two.write_text(">a label=x\nACGTACGT\n>b label=y\nACGGACGT\n")
    result = mxdna("train", "--fasta", two, "--out", tmp_path / "r2")
    assert result.returncode == 2 and "validation split is empty" in result.stderr
    # nothing half-written: the run directories these commands would have made are not there
    assert not (tmp_path / "r1").exists() and not (tmp_path / "r2").exists()
    kept = tmp_path / "kept"  # a directory the user already had stays, with its files
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    result = mxdna("train", "--fasta", one, "--out", kept)
    assert result.returncode == 2 and (kept / "notes.txt").read_text() == "mine"


def test_unreadable_run_directory(tmp_path, inputs):
    result = mxdna(
        "predict",
        "--run",
        tmp_path / "nope",
        "--fasta",
        inputs["test"],
        "--out",
        tmp_path / "p.tsv",
    )
    assert result.returncode == 2 and "no such run directory" in result.stderr
    (tmp_path / "half").mkdir()
    result = mxdna("evaluate", "--run", tmp_path / "half", "--fasta", inputs["test"])
    assert result.returncode == 2 and "config.yaml is missing" in result.stderr


def test_label_plan_is_stored_and_reused_by_evaluate(inputs, tmp_path):
    config = tmp_path / "fast.yaml"
    config.write_text(
        TINY.replace("epochs: 6", "epochs: 1").replace("refit_rounds: 1", "refit_rounds: 0")
    )
    out = tmp_path / "merged"
    result = mxdna(
        "train", "--fasta", inputs["train"], "--out", out, "--config", config,
        "--merge-labels", "site=bound", "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "epoch" not in result.stderr  # --quiet: no progress
    predictions = mxdna("predict", "--run", out, "--fasta", inputs["test"], "--out", tmp_path / "p")
    assert predictions.returncode == 0
    header, *rows = [line.split("\t") for line in (tmp_path / "p").read_text().splitlines()]
    assert header[-2:] == ["p_background", "p_site"]
    # the label column names the run's classes ('bound' merged into 'site'), as predicted does
    assert {row[1] for row in rows} == {"background", "site"}
    scored = mxdna("evaluate", "--run", out, "--fasta", inputs["test"])  # raw labels 'bound'
    assert scored.returncode == 0, scored.stderr
    assert set(json.loads(scored.stdout)) == {"accuracy", "mcc", "macro_f1", "auroc", "auprc"}


def test_progress_lines_and_initial_tokenizer(inputs, tmp_path):
    fitted = tmp_path / "tok.json"
    fit = mxdna(
        "tokenize",
        "fit",
        "--fasta",
        inputs["train"],
        "--out",
        fitted,
        "--vocab-size",
        "48",
        "--n-iter",
        "2",
    )
    assert fit.returncode == 0, fit.stderr
    config = tmp_path / "fast.yaml"
    config.write_text(
        TINY.replace("epochs: 6", "epochs: 2").replace("refit_rounds: 1", "refit_rounds: 0")
    )
    out = tmp_path / "init"
    result = mxdna(
        "train", "--fasta", inputs["train"], "--out", out, "--config", config,
        "--init-tokenizer", fitted,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == ["epoch 1/2", "epoch 2/2"]
    assert json.loads((out / "tokenizer.json").read_text()) == json.loads(fitted.read_text())
    wrong = mxdna(
        "train", "--fasta", inputs["train"], "--out", tmp_path / "w", "--config", config,
        "--init-tokenizer", fitted, "--tokenizer", "char",
    )  # fmt: skip
    assert wrong.returncode == 2 and "is a 'learned' tokenizer" in wrong.stderr


def test_progressive_aggregation_grows_tokens_round_by_round(inputs, tmp_path):
    config = tmp_path / "progressive.yaml"
    config.write_text(
        TINY.replace("epochs: 6", "epochs: 2").replace(
            "refit_rounds: 1,", "refit_rounds: 1, progressive_aggregation: true, max_motif_len: 8,"
        )
    )
    out = tmp_path / "progressive"
    result = mxdna(*train_args({**inputs, "config": config}, out))
    assert result.returncode == 0, result.stderr
    lines = (out / "history.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    longest = {int(row["round"]): int(row["longest_token"]) for row in rows}
    # caps 5 then 8 bases (2 + ceil(6 * r / 2)): fine tokens first, coarser after the re-fit
    assert longest[0] <= 5 < longest[1] <= 8
    config.write_text(
        config.read_text().replace("progressive_aggregation: true", "progressive_aggregation: 3")
    )
    bad = mxdna(*train_args({**inputs, "config": config}, tmp_path / "bad"))
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1
    assert "progressive_aggregation must be true or false" in bad.stderr
    assert not (tmp_path / "bad").exists()


def test_early_stopping_waits_for_the_final_tokenizer_round(inputs, tmp_path):
    """A learning rate too small to change any prediction makes every epoch after the first
    'no improvement'. Patience 1 may not end round 0 (the re-fit must get its chance), but it
    does end the final round: after its first or second epoch, never at the last one."""
    config = tmp_path / "flat.yaml"
    config.write_text(
        TINY.replace("learning_rate: 0.005", "learning_rate: 1.0e-12")
        .replace("patience: 10", "patience: 1")
        .replace("dropout: 0.1", "dropout: 0.0")
    )
    out = tmp_path / "run"
    result = mxdna(
        "train", "--fasta", inputs["train"], "--out", out, "--config", config, "--quiet"
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with open(out / "history.tsv") as fh:
        rounds = [int(line.split("\t")[1]) for line in fh.readlines()[1:]]
    # 6 epochs, 2 rounds: epochs 0-2 are round 0, 3-5 round 1
    assert rounds[:3] == [0, 0, 0] and rounds[3] == 1 and len(rounds) in (4, 5)


def write_aligned_fasta(path: Path, n: int, seed: int) -> Path:
    """Landmark-aligned windows: the class is the pair of bases at positions 20-21 of 40 (GC or
    CG), the rest random, so base counts are the same for both classes and only order and
    position tell them apart."""
    rng = np.random.default_rng(seed)
    with open(path, "w") as fh:
        for i in range(n):
            label = "donor" if i % 2 else "decoy"
            seq = list(rng.choice(list("ACGT"), size=40))
            seq[20:22] = "GC" if label == "donor" else "CG"
            fh.write(f">a{seed}_{i} label={label}\n{''.join(seq)}\n")
    return path


def test_aligned_reads_bases_by_position_and_predicts_the_same_after_reload(tmp_path):
    """--aligned: a position head over the longest training sequence, one strand only. It
    learns a class that only the bases' positions give (the same run without it stays near
    chance in 6 epochs), and predict reloads the head."""
    config = tmp_path / "aligned.yaml"
    config.write_text(TINY.replace("refit_rounds: 1", "refit_rounds: 0"))
    train = write_aligned_fasta(tmp_path / "train.fa", 800, 0)
    test = write_aligned_fasta(tmp_path / "test.fa", 100, 1)
    accuracy = {}
    for flags in ((), ("--aligned",)):
        out = tmp_path / f"run{len(flags)}"
        result = mxdna(
            "train", "--fasta", train, "--test", test, "--out", out, "--config", config, *flags
        )
        assert result.returncode == 0, result.stderr
        accuracy[flags] = json.loads((out / "metrics.json").read_text())["test"]["accuracy"]
    import yaml

    settings = yaml.safe_load((out / "config.yaml").read_text())
    assert settings["train"]["aligned"] is True and settings["model"]["position_head"] == 40
    assert accuracy[("--aligned",)] > 0.85 and accuracy[("--aligned",)] > accuracy[()] + 0.2
    predictions = tmp_path / "p.tsv"
    assert mxdna("predict", "--run", out, "--fasta", test, "--out", predictions).returncode == 0
    assert predictions.read_text() == (out / "predictions.tsv").read_text()
