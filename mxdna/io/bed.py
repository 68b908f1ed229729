"""BED intervals: `BedInterval` and `read_bed` (plain or gzip, 3 to 6+ columns).

Format policy:

* columns are tab-separated; a line without tabs is split on runs of spaces instead;
* blank lines, ``#`` comments and ``track`` / ``browser`` lines are skipped (line numbers still
  count them, so messages point at the real line);
* columns: chrom, start, end (0-based half-open, non-negative integers, start <= end), then
  optional name (``.`` = none), score (a number, ``.`` = none), strand (``+``, ``-`` or ``.``,
  default ``.``); columns 7+ are kept as text in `extra`;
* anything else is a `BedFormatError` naming the file and line; a file without intervals is an
  `EmptyInputError`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from mxdna.errors import BedFormatError, EmptyInputError
from mxdna.io.compression import read_text

_SKIPPED_FIRST_WORDS = frozenset({"track", "browser"})
_STRANDS = frozenset({"+", "-", "."})


@dataclass(frozen=True)
class BedInterval:
    """One BED line: [start, end) on `chrom` (0-based, half-open, bases).

    `strand` is "+", "-" or "."; `line` is the 1-based line number in the file; `extra` holds
    columns 7 and later as text.
    """

    chrom: str
    start: int
    end: int
    name: str | None
    score: float | None
    strand: str
    line: int
    extra: tuple[str, ...]


def _coordinate(text: str, what: str, path: str | os.PathLike[str], line: int) -> int:
    if text.isascii() and text.isdigit():
        return int(text)
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        raise BedFormatError(f"{what} is negative ({text})", path=path, line=line)
    raise BedFormatError(f"{what} {text!r} is not a non-negative integer", path=path, line=line)


def _score(text: str, path: str | os.PathLike[str], line: int) -> float | None:
    if text == ".":
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BedFormatError(f"score {text!r} is not a number or '.'", path=path, line=line)
    return value


def parse_bed_line(text: str, path: str | os.PathLike[str], line: int) -> BedInterval | None:
    """One BED line -> `BedInterval`, or None for blank, comment, track and browser lines."""
    text = text.rstrip()
    if not text or text.startswith("#"):
        return None
    fields = text.split("\t") if "\t" in text else text.split()
    if fields[0] in _SKIPPED_FIRST_WORDS:
        return None
    if len(fields) < 3:
        raise BedFormatError(
            f"expected at least 3 columns (chrom, start, end), found {len(fields)}",
            path=path,
            line=line,
        )
    chrom = fields[0]
    if not chrom or chrom != chrom.strip():
        raise BedFormatError(f"chromosome name {chrom!r} is empty or padded", path=path, line=line)
    start = _coordinate(fields[1], "start", path, line)
    end = _coordinate(fields[2], "end", path, line)
    if start > end:
        raise BedFormatError(f"start {start} is greater than end {end}", path=path, line=line)
    n = len(fields)
    name = fields[3] if n > 3 and fields[3] not in (".", "") else None
    score = _score(fields[4], path, line) if n > 4 else None
    strand = fields[5] if n > 5 else "."
    if strand not in _STRANDS:
        raise BedFormatError(f"strand {strand!r} is not '+', '-' or '.'", path=path, line=line)
    return BedInterval(chrom, start, end, name, score, strand, line, tuple(fields[6:]))


def read_bed(path: str | os.PathLike[str]) -> list[BedInterval]:
    """All intervals of a BED file (plain or gzip), in file order."""
    text = read_text(path, invalid_text=BedFormatError, what="BED file")
    intervals = []
    for line_no, line in enumerate(text.split("\n"), start=1):
        interval = parse_bed_line(line, path, line_no)
        if interval is not None:
            intervals.append(interval)
    if not intervals:
        raise EmptyInputError("the BED file holds no intervals", path=path)
    return intervals
