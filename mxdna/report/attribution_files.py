"""What the report reads from an attribution directory (written by `mxdna attribute`).

The file contract is docs/attribution-files.md. Required: attributions.npz, attribution.json,
motifs.tsv, motifs.meme; optional: tokens.tsv, seqlets.bed. Every problem raises an
`MxdnaError` naming the file (and line, for text files).
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mxdna.errors import ConfigError, InputNotFoundError, MotifFileError
from mxdna.interpret.meme import read_meme as parse_meme
from mxdna.report.tables import Table, read_table, read_text

MOTIF_COLUMNS = (
    "motif_id",
    "source",
    "consensus",
    "length",
    "sites",
    "mean_attribution",
    "jaspar_id",
    "jaspar_name",
    "q_value",
)
TOKEN_COLUMNS = ("token", "length", "count", "mean_attribution", "information_gain")
ARRAYS = (
    "ids",
    "sequences",
    "target",
    "probabilities",
    "base_values",
    "base_starts",
    "token_values",
    "token_offsets",
    "token_ids",
    "token_starts",
)


@dataclass(frozen=True)
class Seqlet:
    """One line of seqlets.bed (0-based, half-open)."""

    chrom: str
    start: int
    end: int
    record: str
    motif: str
    score: float
    strand: str


@dataclass(frozen=True)
class AttributionContent:
    """Attributions of N sequences, their motifs and per-token summary."""

    path: Path
    info: dict[str, Any]  # attribution.json
    classes: tuple[str, ...]
    arrays: dict[str, np.ndarray]  # the arrays of attributions.npz, checked for consistency
    motifs: Table
    matrices: dict[str, np.ndarray]  # motif id -> (w, 4) probabilities over A, C, G, T
    tokens: Table | None
    seqlets: tuple[Seqlet, ...]

    @property
    def n_sequences(self) -> int:
        return len(self.arrays["ids"])

    def base_values(self, i: int) -> np.ndarray:
        """(L,) signed per-base attribution of sequence i."""
        starts = self.arrays["base_starts"]
        return self.arrays["base_values"][starts[i] : starts[i + 1]]

    def token_spans(self, i: int) -> np.ndarray:
        """(T, 2) base spans of the tokens of sequence i."""
        starts = self.arrays["token_starts"]
        return self.arrays["token_offsets"][starts[i] : starts[i + 1]]


def read_attributions(path: str | os.PathLike[str]) -> AttributionContent:
    """Read and check an attribution directory."""
    root = Path(path)
    if not root.is_dir():
        raise InputNotFoundError("no such attribution directory", path=root)
    info = _read_info(_require(root, "attribution.json"))
    classes = tuple(str(c) for c in info["classes"])
    arrays = _read_arrays(_require(root, "attributions.npz"), len(classes))
    motifs = read_table(_require(root, "motifs.tsv"), MOTIF_COLUMNS)
    matrices = read_meme(_require(root, "motifs.meme"))
    missing = [m for m in motifs.column("motif_id") if m not in matrices]
    if missing:
        raise ConfigError(
            f"motifs without a matrix in motifs.meme: {', '.join(missing[:5])}",
            path=root / "motifs.tsv",
        )
    tokens_path = root / "tokens.tsv"
    seqlets_path = root / "seqlets.bed"
    return AttributionContent(
        path=root,
        info=info,
        classes=classes,
        arrays=arrays,
        motifs=motifs,
        matrices=matrices,
        tokens=read_table(tokens_path, TOKEN_COLUMNS) if tokens_path.is_file() else None,
        seqlets=read_seqlets(seqlets_path) if seqlets_path.is_file() else (),
    )


def _require(root: Path, name: str) -> Path:
    path = root / name
    if not path.is_file():
        raise InputNotFoundError(
            f"not a complete attribution directory: {name} is missing", path=root
        )
    return path


def _read_info(path: Path) -> dict[str, Any]:
    try:
        info = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise ConfigError(f"not valid JSON ({error})", path=path) from None
    if not isinstance(info, dict) or not isinstance(info.get("classes"), list):
        raise ConfigError('expected a JSON object with a "classes" list', path=path)
    return info


def _read_arrays(path: Path, n_classes: int) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [name for name in ARRAYS if name not in npz.files]
            if missing:
                raise ConfigError(f"missing array(s): {', '.join(missing)}", path=path)
            arrays = {name: npz[name] for name in ARRAYS}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ConfigError(f"not a readable numpy .npz file ({error})", path=path) from None
    problem = _array_problem(arrays, n_classes)
    if problem:
        raise ConfigError(f"inconsistent arrays: {problem}", path=path)
    return arrays


def _array_problem(a: dict[str, np.ndarray], n_classes: int) -> str | None:
    """Why the arrays break the contract, or None."""
    n = len(a["ids"])
    if a["ids"].ndim != 1 or a["sequences"].shape != (n,) or a["target"].shape != (n,):
        return "ids, sequences and target must be (N,) arrays of equal length"
    if a["probabilities"].shape != (n, n_classes):
        return f"probabilities must be (N, {n_classes}), got {a['probabilities'].shape}"
    if len(a["target"]) and not (a["target"].min() >= 0 and a["target"].max() < n_classes):
        return "target holds class indices outside the classes"
    for values, starts in (("base_values", "base_starts"), ("token_values", "token_starts")):
        s = a[starts]
        if s.shape != (n + 1,) or s[0] != 0 or np.any(np.diff(s) < 0) or s[-1] != len(a[values]):
            return f"{starts} must run from 0 to len({values}) without decreasing"
    lengths = np.diff(a["base_starts"])
    if any(
        len(seq) != length
        for seq, length in zip(a["sequences"].tolist(), lengths.tolist(), strict=True)
    ):
        return "per-base attributions and sequences differ in length"
    n_tokens = len(a["token_values"])
    if a["token_offsets"].shape != (n_tokens, 2) or a["token_ids"].shape != (n_tokens,):
        return "token_offsets must be (T, 2) and token_ids (T,)"
    return None


def read_meme(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Motif id -> (w, 4) letter probabilities (A, C, G, T) of a MEME minimal-format file."""
    try:
        return {motif.id: motif.ppm for motif in parse_meme(path)}
    except MotifFileError as error:  # the report's callers expect configuration errors
        raise ConfigError(error.message, path=error.path, line=error.line) from None


def read_seqlets(path: str | os.PathLike[str]) -> tuple[Seqlet, ...]:
    """The seqlets of a BED6 file whose names are ``<record id>|<motif id>``."""
    p = Path(path)
    seqlets = []
    for number, line in enumerate(read_text(p).splitlines(), start=1):
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        fields = line.split("\t")
        try:
            record, _, motif = fields[3].rpartition("|")
            seqlets.append(
                Seqlet(
                    fields[0],
                    int(fields[1]),
                    int(fields[2]),
                    record,
                    motif,
                    float(fields[4]),
                    fields[5],
                )
            )
        except (IndexError, ValueError):
            raise ConfigError(
                "expected BED6: chrom, start, end, record|motif, score, strand", path=p, line=number
            ) from None
    return tuple(seqlets)
