"""Synthetic sequences with a JASPAR motif planted in one class: the truth is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mxdna.interpret.jaspar import load_jaspar

MOTIF_ID = "MA0139.2"  # CTCF: long and information-rich, so its identity is unambiguous
LENGTH = 100


def planted_motif() -> np.ndarray:
    (reference,) = [m for m in load_jaspar() if m.id == MOTIF_ID]
    return reference.ppm


def write_planted(path: Path, n: int, seed: int) -> list[tuple[str, int, int, str]]:
    """Write n records (half 'site' with one sampled CTCF site on a random strand, half 'bg');
    returns (id, start, end, strand) of every planted site."""
    rng = np.random.default_rng(seed)
    ppm = planted_motif()
    sites = []
    with open(path, "w") as fh:
        for i in range(n):
            label = "site" if i % 2 else "bg"
            seq = "".join(rng.choice(list("ACGT"), size=LENGTH))
            rid = f"r{seed}_{i}"
            if label == "site":
                site = "".join("ACGT"[rng.choice(4, p=column)] for column in ppm)
                strand = "+" if rng.random() < 0.5 else "-"
                if strand == "-":
                    site = site[::-1].translate(str.maketrans("ACGT", "TGCA"))
                start = int(rng.integers(0, LENGTH - len(site)))
                seq = seq[:start] + site + seq[start + len(site) :]
                sites.append((rid, start, start + len(site), strand))
            fh.write(f">{rid} label={label}\n{seq}\n")
    return sites
