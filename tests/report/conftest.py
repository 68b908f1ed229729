"""Small run and attribution directories for the report tests.

`write_run` and `write_attributions` write them without training: the run files come from the
library's own writers (`RunDirectory`, `Tokenizer.save`), so their format follows `mxdna train`;
the attribution files follow docs/attribution-files.md. `aligned_run` is a real run: `mxdna
train --aligned` and `mxdna attribute` on windows with a base planted at a fixed position.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from aligned_data import train_aligned_run

from mxdna.model.config import EncoderConfig
from mxdna.run import RunDirectory
from mxdna.tokenizer import Tokenizer
from mxdna.training.config import TrainConfig
from mxdna.training.joint import HISTORY_COLUMNS

CLASSES = ("bound", "background")
N_SEQUENCES = 60
LENGTH = 60


def _sequences(seed: int = 0) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    sequences, labels = [], []
    for i in range(N_SEQUENCES):
        seq = "".join(rng.choice(list("ACGT"), size=LENGTH))
        label = CLASSES[i % 2]
        if label == "bound":
            seq = seq[:20] + "TGACTCA" + seq[27:]
        sequences.append(seq)
        labels.append(label)
    return sequences, labels


def write_run(path: Path, *, predictions: bool = True) -> Path:
    """A complete run directory of a two-class task (two epochs, two tokenizer rounds)."""
    run = RunDirectory(path)
    run.prepare()
    sequences, labels = _sequences()
    run.write_config(
        TrainConfig(epochs=2, vocab_size=24, refit_rounds=1),
        EncoderConfig(n_classes=2, d_model=32, n_heads=2),
        CLASSES,
        {"fasta": ["train.fa"], "labels": None, "val": [], "test": ["test.fa"]},
    )
    Tokenizer(vocab_size=24, max_motif_len=6, n_iter=2, n_jobs=1).fit(sequences, labels).save(
        run.file("tokenizer.json")
    )
    scores = {"accuracy": 0.75, "mcc": 0.5, "macro_f1": 0.74, "auroc": 0.8, "auprc": None}
    run.write_json("metrics.json", {"best_epoch": 1, "val": scores, "test": scores})
    rows = [
        [epoch, epoch, 0.7 - 0.1 * epoch, 1e-3, 24, 0.25 * epoch, 2.5, 6, 0.6, 0.2, 0.6, 0.7, 0.7]
        for epoch in range(2)
    ]
    run.write_table("history.tsv", HISTORY_COLUMNS, rows)
    if predictions:
        rng = np.random.default_rng(1)
        p = rng.uniform(0.05, 0.95, size=N_SEQUENCES)
        table = [
            [f"s{i}", labels[i], CLASSES[int(p[i] > 0.5)], 1 - p[i], p[i]]
            for i in range(N_SEQUENCES)
        ]
        header = ["id", "label", "predicted", *(f"p_{c}" for c in CLASSES)]
        run.write_table("predictions.tsv", header, table)
    return path


MEME_HEADER = (
    "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n"
    "Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n"
)
MOTIFS = (("mx1", "TGACTCA", "MA0099.3", "FOS::JUN", "0.001"), ("mx2", "GGCC", "", "", ""))


def write_attributions(path: Path, tokenizer_path: Path) -> Path:
    """An attribution directory in the format of `mxdna attribute` (docs/attribution-files.md)."""
    path.mkdir(parents=True, exist_ok=True)
    sequences, _ = _sequences()
    tokenizer = Tokenizer.load(tokenizer_path)
    n = 8
    rng = np.random.default_rng(2)
    probabilities = rng.dirichlet([1, 1], size=n).astype(np.float32)
    base_values, token_values, token_offsets, token_ids = [], [], [], []
    base_starts, token_starts = [0], [0]
    for seq in sequences[:n]:
        values = rng.normal(0, 0.05, len(seq)).astype(np.float32)
        values[20:27] += 0.5
        base_values.append(values)
        base_starts.append(base_starts[-1] + len(seq))
        encoding = tokenizer.encode(seq)
        for token, (start, end) in zip(
            encoding.ids.tolist(), encoding.offsets.tolist(), strict=True
        ):
            token_values.append(float(values[start:end].sum()))
            token_offsets.append((start, end))
            token_ids.append(token)
        token_starts.append(len(token_values))
    np.savez(
        path / "attributions.npz",
        ids=np.array([f"s{i}" for i in range(n)]),
        sequences=np.array(sequences[:n]),
        target=probabilities.argmax(axis=1).astype(np.int64),
        probabilities=probabilities,
        base_values=np.concatenate(base_values),
        base_starts=np.array(base_starts, dtype=np.int64),
        token_values=np.array(token_values, dtype=np.float32),
        token_offsets=np.array(token_offsets, dtype=np.int64),
        token_ids=np.array(token_ids, dtype=np.int64),
        token_starts=np.array(token_starts, dtype=np.int64),
    )
    with open(path / "motifs.meme", "w") as fh:
        fh.write(MEME_HEADER)
        for motif, consensus, *_ in MOTIFS:
            fh.write(f"MOTIF {motif} {consensus}\n")
            fh.write(f"letter-probability matrix: alength= 4 w= {len(consensus)} nsites= 9 E= 0\n")
            for base in consensus:
                fh.write(" ".join("0.91" if b == base else "0.03" for b in "ACGT") + "\n")
            fh.write("\n")
    with open(path / "motifs.tsv", "w") as fh:
        fh.write(
            "motif_id\tsource\tconsensus\tlength\tsites\tmean_attribution\t"
            "jaspar_id\tjaspar_name\tq_value\n"
        )
        for k, (motif, consensus, jaspar_id, jaspar_name, q) in enumerate(MOTIFS):
            fh.write(
                f"{motif}\t{'seqlet' if k == 0 else 'token'}\t{consensus}\t{len(consensus)}\t"
                f"{9 - k}\t{0.4 / (k + 1)}\t{jaspar_id}\t{jaspar_name}\t{q}\n"
            )
    with open(path / "seqlets.bed", "w") as fh:
        for i in range(0, n, 2):
            fh.write(f"s{i}\t20\t27\ts{i}|mx1\t3.5\t+\n")
    with open(path / "tokens.tsv", "w") as fh:
        fh.write("token\tlength\tcount\tmean_attribution\tinformation_gain\n")
        for k, token in enumerate(tokenizer.tokens[9:]):
            fh.write(f"{token}\t{len(token)}\t{50 - k}\t{0.1 / (k + 1):.5f}\t0.01\n")
    info = {
        "method": "ig",
        "target": "predicted class",
        "predicted_from": "the mean of both strands",
        "baseline": "dinucleotide shuffle",
        "n_sequences": n,
        "classes": list(CLASSES),
        "run": "run",
        "jaspar": {"release": "JASPAR2024", "q_threshold": 0.05},
    }
    (path / "attribution.json").write_text(json.dumps(info, indent=2) + "\n")
    return path


@pytest.fixture(scope="session")
def _report_inputs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report_inputs")
    run = write_run(root / "run")
    write_attributions(run / "attribution", run / "tokenizer.json")
    return run


@pytest.fixture
def run_dir(_report_inputs, tmp_path) -> Path:
    """A fresh copy (tests may break files) of a run with attributions in RUN/attribution."""
    return Path(shutil.copytree(_report_inputs, tmp_path / "run"))


@pytest.fixture(scope="session")
def aligned_run(tmp_path_factory) -> Path:
    """A real run of `mxdna train --aligned` (a tiny model, a few seconds) with the attributions
    of `mxdna attribute` in RUN/attribution; see `aligned_data`."""
    return train_aligned_run(tmp_path_factory.mktemp("aligned"))
