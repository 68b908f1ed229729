"""Naming motifs offline: JASPAR CORE matrices (the SQLite database that the `pyjaspar` wheel
ships) or the user's MEME files, compared with a Tomtom implementation in Python (`memelite`).

Tomtom p-values per (query, target); q-values are Benjamini–Hochberg over all targets of one
query (what Tomtom reports as q-values). A name is given only when the best target's q-value
passes the threshold.
"""

from __future__ import annotations

import os
import sqlite3
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mxdna.errors import InputNotFoundError, MotifFileError
from mxdna.interpret.meme import read_meme

DEFAULT_RELEASE = "JASPAR2024"


@dataclass(frozen=True)
class ReferenceMotif:
    id: str  # e.g. MA0139.2
    name: str  # e.g. CTCF
    ppm: np.ndarray  # (W, 4) A, C, G, T


@dataclass(frozen=True)
class Match:
    id: str
    name: str
    p_value: float
    q_value: float


def _database(release: str) -> Path:
    try:
        import pyjaspar
    except ImportError as error:  # a declared dependency; only a broken install lacks it
        raise InputNotFoundError(f"pyjaspar is not installed ({error})") from None
    path = Path(pyjaspar.__file__).parent / "data" / f"{release}.sqlite"
    if not path.is_file():
        raise InputNotFoundError(f"no JASPAR release {release!r} in pyjaspar", path=path)
    return path


def load_jaspar(
    release: str = DEFAULT_RELEASE, *, collection: str = "CORE", tax_groups: Sequence[str] = ()
) -> list[ReferenceMotif]:
    """The latest version of every matrix in `collection` (optionally some taxonomic groups,
    e.g. ("vertebrates",)), sorted by id. Read-only SQL on the shipped file: fast, no network."""
    uri = f"file:{_database(release)}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        every = db.execute(
            "SELECT ID, BASE_ID, VERSION, NAME FROM MATRIX WHERE COLLECTION = ?", (collection,)
        ).fetchall()
        latest: dict[str, tuple[int, str, int, str]] = {}
        for row in every:  # the newest version of each base id
            if row[1] not in latest or row[2] > latest[row[1]][2]:
                latest[row[1]] = row
        rows = list(latest.values())
        groups = dict(
            db.execute("SELECT ID, VAL FROM MATRIX_ANNOTATION WHERE TAG = 'tax_group'").fetchall()
        )
        data: dict[int, list[tuple[str, int, float]]] = {}
        for matrix, row, col, value in db.execute("SELECT ID, row, col, val FROM MATRIX_DATA"):
            data.setdefault(matrix, []).append((row.upper(), int(col), float(value)))
    wanted = {g.lower() for g in tax_groups}
    motifs = []
    for matrix, base_id, version, name in rows:
        if wanted and str(groups.get(matrix, "")).lower() not in wanted:
            continue
        cells = data.get(matrix, [])
        width = max((c for _, c, _ in cells), default=0)
        counts = np.zeros((width, 4))
        for row, col, value in cells:
            counts[col - 1, "ACGT".index(row)] = value
        if width:
            ppm = (counts + 0.01) / (counts.sum(axis=1, keepdims=True) + 0.04)
            motifs.append(ReferenceMotif(f"{base_id}.{version}", name, ppm))
    return sorted(motifs, key=lambda m: m.id)


def read_motif_file(path: str | os.PathLike[str]) -> list[ReferenceMotif]:
    """Motifs of a MEME (minimal) file, e.g. a lab's own database."""
    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError("no such motif file", path=path)
    motifs = read_meme(path)
    if not motifs:
        raise MotifFileError("no motifs in this MEME file", path=path)
    return [ReferenceMotif(m.id, m.name or m.id, m.ppm) for m in motifs]


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """q-values of a 1-D array of p-values (monotone, capped at 1)."""
    p = np.asarray(p_values, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(q)
    out[order] = np.minimum(q, 1.0)
    return out


def match_motifs(
    ppms: Sequence[np.ndarray], references: Sequence[ReferenceMotif]
) -> list[Match | None]:
    """Best reference of each (W, 4) PPM by Tomtom p-value, with its q-value; None when there
    are no references or the query is empty."""
    from memelite import tomtom

    if not references or not ppms:
        return [None] * len(ppms)
    queries = [np.ascontiguousarray(p.T, dtype=np.float64) for p in ppms]
    targets = [np.ascontiguousarray(r.ppm.T, dtype=np.float64) for r in references]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # memelite warns for < 25 targets (user files)
        p_values = np.asarray(tomtom(queries, targets, n_jobs=1)[0], dtype=np.float64)
    matches: list[Match | None] = []
    for row in p_values:
        row = np.nan_to_num(row, nan=1.0)
        q = benjamini_hochberg(row)
        best = int(np.argmin(row))
        reference = references[best]
        matches.append(Match(reference.id, reference.name, float(row[best]), float(q[best])))
    return matches
