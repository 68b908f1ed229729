"""Write an attribution directory (contract: docs/attribution-files.md), all files or none."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mxdna.interpret.discover import Discovery, seqlet_rows
from mxdna.interpret.meme import MemeMotif, format_meme
from mxdna.io.writers import AtomicFiles

MOTIF_COLUMNS = (
    "motif_id", "source", "consensus", "length", "sites", "mean_attribution",
    "jaspar_id", "jaspar_name", "q_value", "class", "best_match_id", "best_match_q_value",
)  # fmt: skip
TOKEN_COLUMNS = ("token", "length", "count", "mean_attribution", "information_gain")


def _ragged(values: Sequence[np.ndarray], dtype) -> tuple[np.ndarray, np.ndarray]:
    starts = np.zeros(len(values) + 1, dtype=np.int64)
    starts[1:] = np.cumsum([len(v) for v in values])
    flat = np.concatenate(values).astype(dtype) if len(values) else np.zeros(0, dtype)
    return flat, starts


def _npz_bytes(discovery: Discovery, ids: Sequence[str], sequences: Sequence[str]) -> bytes:
    a = discovery.attributions
    base_values, base_starts = _ragged(a.base, np.float32)
    token_values, token_starts = _ragged(a.token, np.float32)
    token_ids, _ = _ragged(a.token_ids, np.int64)
    offsets = (
        np.concatenate(a.token_offsets).astype(np.int64) if a.token_offsets else np.zeros((0, 2))
    )
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        ids=np.array(ids, dtype=str),
        sequences=np.array(sequences, dtype=str),
        target=a.target.astype(np.int64),
        probabilities=a.probabilities.astype(np.float32),
        base_values=base_values,
        base_starts=base_starts,
        token_values=token_values,
        token_offsets=offsets.astype(np.int64),
        token_ids=token_ids,
        token_starts=token_starts,
    )
    return _fixed_zip_times(buffer.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """np.savez stamps the current time into the zip entries; rewrite them with a fixed date so
    equal inputs give byte-identical files."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _motif_rows(discovery: Discovery) -> list[list[Any]]:
    rows = []
    for found in discovery.motifs:
        motif, match = found.motif, found.match
        sites = len(motif.sites) if motif.source == "seqlet" else int(motif.coverage.max())
        mean = motif.attribution / len(motif.sites) if motif.sites else motif.token_attribution
        rows.append([
            found.id, motif.source, motif.consensus, len(motif.counts), sites, mean,
            match.id if found.named else None, match.name if found.named else None,
            match.q_value if found.named else None, found.class_name,
            match.id if match else None, match.q_value if match else None,
        ])  # fmt: skip
    return rows


def write_attribution_dir(
    out: str | os.PathLike[str],
    discovery: Discovery,
    *,
    ids: Sequence[str],
    sequences: Sequence[str],
    intervals: Sequence[str] | None,
    information_gain: Mapping[str, float],
    info: Mapping[str, Any],
) -> None:
    """attributions.npz, motifs.meme, motifs.tsv, seqlets.bed, tokens.tsv, attribution.json."""
    out = Path(out)
    memes = [
        MemeMotif(f.id, f.match.name if f.named else f.class_name, f.motif.ppm,
                  len(f.motif.sites) or int(f.motif.coverage.max()))
        for f in discovery.motifs
    ]  # fmt: skip
    token_rows = sorted(
        (
            [token, len(token), count, value, information_gain.get(token)]
            for token, (count, value) in discovery.tokens.items()
        ),
        key=lambda row: (-row[3], row[0]),
    )
    with AtomicFiles() as files:
        files.open(out / "attributions.npz", binary=True).write(
            _npz_bytes(discovery, ids, sequences)
        )
        files.open(out / "motifs.meme").write(format_meme(memes))
        _write_tsv(files.open(out / "motifs.tsv"), MOTIF_COLUMNS, _motif_rows(discovery))
        with_bed = files.open(out / "seqlets.bed")
        for chrom, start, end, name, score, strand in seqlet_rows(
            discovery, ids, sequences, intervals
        ):
            with_bed.write(f"{chrom}\t{start}\t{end}\t{name}\t{score:.6g}\t{strand}\n")
        _write_tsv(files.open(out / "tokens.tsv"), TOKEN_COLUMNS, token_rows)
        files.open(out / "attribution.json").write(json.dumps(dict(info), indent=2) + "\n")


def _write_tsv(handle, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    handle.write("\t".join(header) + "\n")
    for row in rows:
        handle.write("\t".join(_cell(v) for v in row) + "\n")
