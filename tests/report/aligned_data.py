"""A real run trained with `--aligned` for the report tests: windows of WINDOW random bases cut
around one landmark, with the base at 0-based position PLANTED (the report's position 11)
telling the class, trained and attributed with the real `mxdna train` and `mxdna attribute`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from mxdna_cli.main import main

ALIGNED_CLASSES = ("csite", "gsite")
#: 0-based position of the planted base: C in 'csite', G in 'gsite'
PLANTED = 10
WINDOW = 30
TINY = """\
train: {epochs: 2, batch_size: 32, learning_rate: 0.01, vocab_size: 24, max_motif_len: 4,
        tokenizer_iterations: 1, refit_rounds: 0, patience: 10, threads: 1, device: cpu}
model: {d_model: 16, n_heads: 2, n_stages: 1, local_blocks: 1, global_blocks: 1, kmer_head: 0}
"""
#: one reference motif to name motifs with (instead of loading all of JASPAR)
REFERENCES = (
    "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n"
    "Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n"
    "MOTIF ref1 GGGG\nletter-probability matrix: alength= 4 w= 4 nsites= 10 E= 0\n"
    + "0.01 0.01 0.97 0.01\n"
    * 4
)


def write_aligned_fasta(path: Path, n: int, seed: int, *, ragged: bool = False) -> Path:
    """n windows alternating 'csite' and 'gsite' (C or G at PLANTED, other bases random).
    `ragged`: every third window is cut short, to PLANTED+1..WINDOW-1 bases."""
    rng = np.random.default_rng(seed)
    with open(path, "w") as fh:
        for i in range(n):
            label = ALIGNED_CLASSES[i % 2]
            bases = rng.choice(list("ACGT"), size=WINDOW)
            bases[PLANTED] = "C" if label == "csite" else "G"
            length = int(rng.integers(PLANTED + 1, WINDOW)) if ragged and i % 3 == 2 else WINDOW
            fh.write(f">w{seed}_{i} label={label}\n{''.join(bases[:length])}\n")
    return path


def train_aligned_run(root: Path) -> Path:
    """ROOT/run: `mxdna train --aligned` (two epochs of a tiny model on 320 windows) and
    `mxdna attribute` of 24 test windows (some short) into ROOT/run/attribution."""
    (root / "tiny.yaml").write_text(TINY)
    (root / "refs.meme").write_text(REFERENCES)
    train = write_aligned_fasta(root / "train.fa", 320, 0)
    test = write_aligned_fasta(root / "test.fa", 24, 1, ragged=True)
    run = root / "run"
    threads = torch.get_num_threads()
    try:  # in this process: torch is loaded already, a new process would take seconds more
        config = root / "tiny.yaml"
        train_args = ["--fasta", train, "--test", test, "--out", run, "--config", config]
        assert main(["train", *map(str, train_args), "--aligned", "--quiet"]) == 0
        attribute_args = ["--run", run, "--fasta", test, "--out", run / "attribution"]
        options = ["--motif-db", root / "refs.meme", "--steps", "8", "--threads", "1"]
        assert main(["attribute", *map(str, attribute_args + options)]) == 0
    finally:
        torch.set_num_threads(threads)  # `train` and `attribute` set it for the process
    return run
