"""MEME minimal motif format (version 4): write our motifs, read ours and the user's.

Read here rather than with Biopython, whose reader rescales probabilities to counts (× nsites)
and rounds them, which distorts motifs with few sites. Matrices are (W, 4) over A, C, G, T.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mxdna.errors import MotifFileError
from mxdna.io.compression import read_text
from mxdna.io.writers import atomic_open


@dataclass(frozen=True)
class MemeMotif:
    id: str
    name: str
    ppm: np.ndarray  # (W, 4)
    sites: int = 0


def format_meme(motifs: Iterable[MemeMotif]) -> str:
    lines = [
        "MEME version 4",
        "",
        "ALPHABET= ACGT",
        "",
        "strands: + -",
        "",
        "Background letter frequencies",
        "A 0.25 C 0.25 G 0.25 T 0.25",
        "",
    ]
    for motif in motifs:
        ppm = np.asarray(motif.ppm, dtype=np.float64)
        ppm = ppm / ppm.sum(axis=1, keepdims=True)
        lines.append(f"MOTIF {motif.id} {motif.name}".rstrip())
        lines.append(
            f"letter-probability matrix: alength= 4 w= {len(ppm)} nsites= {max(motif.sites, 1)} "
            "E= 0"
        )
        lines.extend(" ".join(f"{p:.6f}" for p in row) for row in ppm)
        lines.append("")
    return "\n".join(lines) + "\n"


def write_meme(path: str | os.PathLike[str], motifs: Iterable[MemeMotif]) -> None:
    with atomic_open(path) as fh:
        fh.write(format_meme(motifs))


def read_meme(path: str | os.PathLike[str]) -> list[MemeMotif]:
    """Motifs of a MEME minimal-format file, in file order (may be empty)."""
    p = Path(path)
    lines = read_text(p, invalid_text=MotifFileError, what="a MEME motif file").splitlines()
    if not any(line.startswith("MEME version") for line in lines[:10]):
        raise MotifFileError("not a MEME file (no 'MEME version' line)", path=p, line=1)
    motifs: list[MemeMotif] = []
    current: tuple[str, str] | None = None
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("ALPHABET") and line.split("=", 1)[-1].strip() != "ACGT":
            raise MotifFileError("only the DNA alphabet ACGT is supported", path=p, line=i + 1)
        if line.startswith("MOTIF"):
            fields = line.split()
            if len(fields) < 2:
                raise MotifFileError("MOTIF line without an id", path=p, line=i + 1)
            current = (fields[1], " ".join(fields[2:]))
        elif line.startswith("letter-probability matrix"):
            if current is None:
                raise MotifFileError("matrix before any MOTIF line", path=p, line=i + 1)
            width, sites = _header_number(line, "w", p, i + 1), _header_number(line, "nsites", p)
            ppm = _rows(lines[i + 1 : i + 1 + width], width, p, i + 2)
            motifs.append(MemeMotif(current[0], current[1], ppm, sites or 0))
            current = None
            i += width
        i += 1
    return motifs


def _header_number(line: str, key: str, path: Path, number: int | None = None) -> int | None:
    words = line.replace("=", " = ").split()
    try:
        return int(float(words[words.index(key) + 2]))
    except (ValueError, IndexError):
        if number is None:
            return None
        raise MotifFileError(f"matrix header without '{key}= N'", path=path, line=number) from None


def _rows(rows: list[str], width: int, path: Path, first: int) -> np.ndarray:
    try:
        matrix = np.array([[float(x) for x in row.split()] for row in rows], dtype=np.float64)
    except ValueError:
        raise MotifFileError("matrix rows must hold numbers", path=path, line=first) from None
    if matrix.shape != (width, 4) or np.any(matrix < 0):
        raise MotifFileError(f"expected {width} rows of 4 probabilities", path=path, line=first)
    return matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1e-12)
