"""`Genome`: indexed random access to a genome FASTA (plain or bgzip-compressed).

The ``.fai`` index (samtools format: name, length, offset, bases per line, bytes per line) is
read from ``path + ".fai"`` when it exists and is not older than the FASTA; otherwise pyfaidx
builds it there. Plain files are then read from a memory map with the ``.fai`` arithmetic,
without pyfaidx in the loop (about 4x faster per interval than ``pyfaidx.Fasta``, measured on
100k random intervals of up to 1 kb). bgzip files are read through pyfaidx, which also needs
(and builds) the ``.gzi`` block index next to the file, and which only recognises files named
``*.gz`` or ``*.bgz`` as compressed. Plain gzip cannot be indexed and is rejected.

Every line of a record must have the same length except the last (the samtools rule); CRLF line
ends are accepted. Sequences come back as `str`, 0-based half-open, soft-masked lower case kept
or folded (`case`), and only IUPAC letters: anything else in the slice is an error, not data.
"""

from __future__ import annotations

import mmap
import os
from pathlib import Path
from types import TracebackType
from typing import Literal

import pyfaidx

from mxdna.alphabet import IUPAC_BYTES, reverse_complement
from mxdna.errors import (
    ConfigError,
    GenomeIndexError,
    IntervalOutOfBoundsError,
    UnknownCharacterError,
    UnknownChromosomeError,
)
from mxdna.io.compression import check_input_file, sniff

CaseMode = Literal["keep", "upper"]
Strand = Literal["+", "-", "."]

#: (length, offset, linebases, linewidth) of one .fai record; offsets in uncompressed bytes.
FaiRecord = tuple[int, int, int, int]

_BGZIP_SUFFIXES = (".gz", ".bgz")
_PYFAIDX_ERRORS = (pyfaidx.FastaIndexingError, ValueError, OSError, IndexError, RuntimeError)


def read_fai(path: str | os.PathLike[str]) -> dict[str, FaiRecord]:
    """Parse a samtools ``.fai`` -> {name: (length, offset, linebases, linewidth)} in file order."""
    index: dict[str, FaiRecord] = {}
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise GenomeIndexError(f"cannot read the index: {_one_line(exc)}", path=path) from None
    for line_no, line in enumerate(text.split("\n"), start=1):
        fields = line.rstrip("\r\n").split("\t")
        if fields == [""]:
            continue
        if len(fields) < 5:
            raise GenomeIndexError(
                f"expected 5 tab-separated columns, found {len(fields)}", path=path, line=line_no
            )
        name = fields[0]
        try:
            length, offset, linebases, linewidth = (int(f) for f in fields[1:5])
        except ValueError:
            raise GenomeIndexError(
                f"non-integer value in columns 2-5: {fields[1:5]}", path=path, line=line_no
            ) from None
        if min(length, offset, linebases) < 0 or linewidth < linebases:
            raise GenomeIndexError(f"inconsistent record {fields[:5]}", path=path, line=line_no)
        if length > 0 and linebases == 0:
            raise GenomeIndexError(f"zero bases per line in {name!r}", path=path, line=line_no)
        if name in index:
            raise GenomeIndexError(f"duplicate sequence name {name!r}", path=path, line=line_no)
        index[name] = (length, offset, linebases, linewidth)
    return index


def _byte_offset(record: FaiRecord, pos: int) -> int:
    """File offset of base `pos` (0-based) of a record."""
    _, offset, linebases, linewidth = record
    return offset + (pos // linebases) * linewidth + pos % linebases


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


class Genome:
    """Random access to the sequences of a genome FASTA by name and 0-based half-open interval.

    Use as a context manager, or call `close()`. One object is meant for one thread.
    """

    def __init__(self, path: str | os.PathLike[str], *, case: CaseMode = "keep") -> None:
        if case not in ("keep", "upper"):
            raise ConfigError(f"case must be 'keep' or 'upper', got {case!r}")
        self.path: Path = check_input_file(path)
        self.case: CaseMode = case
        self.compression = sniff(self.path)
        self._upper = case == "upper"
        self._mm: mmap.mmap | None = None
        self._faidx: pyfaidx.Faidx | None = None
        if self.compression == "gzip":
            plain = self.path.name[:-3] if self.path.name.endswith(".gz") else "genome.fa"
            raise GenomeIndexError(
                "plain gzip cannot be indexed for random access; recompress it with bgzip "
                f"(for example: gunzip {self.path.name} && bgzip {plain})",
                path=self.path,
            )
        if self.compression == "bgzip":
            self._open_bgzip()
        else:
            self._open_plain()

    # -- opening ------------------------------------------------------------------------------

    @property
    def _fai_path(self) -> Path:
        return Path(f"{self.path}.fai")

    def _run_pyfaidx(self, *, keep: bool) -> pyfaidx.Faidx | None:
        """Let pyfaidx build (or refresh) the .fai (and .gzi); return the Faidx if `keep`."""
        try:
            faidx = pyfaidx.Faidx(os.fspath(self.path), as_raw=True, strict_bounds=True)
        except _PYFAIDX_ERRORS as exc:
            raise GenomeIndexError(
                f"cannot index the genome FASTA: {_one_line(exc)}", path=self.path
            ) from None
        if keep:
            return faidx
        faidx.close()
        return None

    def _open_bgzip(self) -> None:
        if not self.path.name.lower().endswith(_BGZIP_SUFFIXES):
            raise GenomeIndexError(
                "bgzip-compressed genomes must be named *.gz or *.bgz to be indexed (pyfaidx "
                "recognises them by name); rename the file",
                path=self.path,
            )
        self._faidx = self._run_pyfaidx(keep=True)
        try:
            self._index = read_fai(self._fai_path)
        except GenomeIndexError:
            self.close()
            raise
        self._read = self._read_bgzip

    def _open_plain(self) -> None:
        fai = self._fai_path
        if not fai.exists() or fai.stat().st_mtime < self.path.stat().st_mtime:
            self._run_pyfaidx(keep=False)
        self._index = read_fai(fai)
        size = self.path.stat().st_size
        if size == 0:
            raise GenomeIndexError("the genome FASTA is empty", path=self.path)
        with open(self.path, "rb") as fh:  # the map keeps its own handle
            self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            self._check_index_matches(self._mm)
        except GenomeIndexError:
            self.close()
            raise
        self._read = self._read_plain

    def _check_index_matches(self, mm: mmap.mmap) -> None:
        """Cheap sanity check that the .fai describes this file (each record after a header)."""
        for name, record in self._index.items():
            length, offset = record[0], record[1]
            if length == 0:
                continue
            last = _byte_offset(record, length - 1)
            if offset == 0 or last >= len(mm) or mm[offset - 1] != ord("\n"):
                raise GenomeIndexError(
                    f"the index {self._fai_path.name} does not match the FASTA (record {name!r}); "
                    "delete the .fai file so that it is rebuilt",
                    path=self.path,
                )

    # -- reading ------------------------------------------------------------------------------

    def _read_plain(self, record: FaiRecord, chrom: str, start: int, end: int) -> bytes:
        _, offset, linebases, linewidth = record
        b0 = offset + (start // linebases) * linewidth + start % linebases
        b1 = offset + (end // linebases) * linewidth + end % linebases
        raw = self._mm[b0:b1]  # type: ignore[index]
        return raw.replace(b"\n", b"").replace(b"\r", b"")

    def _read_bgzip(self, record: FaiRecord, chrom: str, start: int, end: int) -> bytes:
        return self._faidx.fetch(chrom, start + 1, end).encode()  # type: ignore[union-attr]

    def _read_closed(self, record: FaiRecord, chrom: str, start: int, end: int) -> bytes:
        raise ValueError(f"{self!r} is closed")

    @property
    def chromosomes(self) -> dict[str, int]:
        """{name: length in bases}, in file order (a new dict on every call)."""
        return {name: record[0] for name, record in self._index.items()}

    def fetch(self, chrom: str, start: int, end: int, strand: Strand = "+") -> str:
        """Bases [start, end) of `chrom` (0-based, half-open); strand "-" is reverse-complemented.

        Raises `UnknownChromosomeError` or `IntervalOutOfBoundsError`; never pads or clips.
        """
        record = self._index.get(chrom)
        if record is None:
            raise UnknownChromosomeError(
                f"chromosome {chrom!r} is not in the genome ({len(self._index)} sequences)",
                path=self.path,
            )
        length = record[0]
        if start < 0 or end > length or start > end:
            raise IntervalOutOfBoundsError(
                f"interval {chrom}:{start}-{end} is outside chromosome {chrom} "
                f"(length {length}; valid intervals are 0 <= start <= end <= {length})",
                path=self.path,
            )
        if strand not in ("+", "-", "."):
            raise ConfigError(f"strand must be '+', '-' or '.', got {strand!r}")
        if start == end:
            return ""
        raw = self._read(record, chrom, start, end)
        if raw.translate(None, IUPAC_BYTES):
            bad = sorted(set(raw.translate(None, IUPAC_BYTES).decode("latin-1")))
            raise UnknownCharacterError(
                f"{chrom}:{start}-{end} holds characters that are not IUPAC nucleotide codes: "
                f"{''.join(bad)!r}",
                path=self.path,
            )
        if self._upper:
            raw = raw.upper()
        seq = raw.decode("ascii")
        return reverse_complement(seq) if strand == "-" else seq

    # -- lifetime -----------------------------------------------------------------------------

    def close(self) -> None:
        """Release the file; later `fetch` calls raise ValueError. Calling twice is harmless."""
        self._read = self._read_closed
        if self._mm is not None:
            self._mm.close()
            self._mm = None
        if self._faidx is not None:
            self._faidx.close()
            self._faidx = None

    def __enter__(self) -> Genome:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"Genome({os.fspath(self.path)!r}, {len(self._index)} chromosomes, {self.compression})"
        )
