"""Reading the small TSV tables of run and attribution directories into typed columns.

A `Table` keeps its header and rows as strings; `numbers` parses one column as floats (``NA`` and
empty cells become NaN). Malformed files raise `ConfigError` with the file and line.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mxdna.errors import ConfigError, InputReadError

MISSING = ("", "NA", "nan", "NaN", "None")


@dataclass(frozen=True)
class Table:
    """A tab-separated table: header names and rows of string cells."""

    path: Path
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __len__(self) -> int:
        return len(self.rows)

    def has(self, name: str) -> bool:
        return name in self.header

    def column(self, name: str) -> list[str]:
        """The cells of one column, as strings."""
        if name not in self.header:
            raise ConfigError(f"no column {name!r} (has: {', '.join(self.header)})", path=self.path)
        index = self.header.index(name)
        return [row[index] for row in self.rows]

    def numbers(self, name: str) -> np.ndarray:
        """(rows,) float64 of one column; missing cells are NaN."""
        values = np.empty(len(self.rows), dtype=np.float64)
        for i, cell in enumerate(self.column(name)):
            if cell in MISSING:
                values[i] = np.nan
                continue
            try:
                values[i] = float(cell)
            except ValueError:
                raise ConfigError(
                    f"column {name!r}: {cell!r} is not a number", path=self.path, line=i + 2
                ) from None
        return values


def read_text(path: str | os.PathLike[str]) -> str:
    """UTF-8 text of a file; unreadable or binary files raise mxdna errors."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file", path=p) from None
    except OSError as error:
        raise InputReadError(f"cannot be read ({error.strerror})", path=p) from None


def read_table(
    path: str | os.PathLike[str], required: Sequence[str] = (), *, allow_empty: bool = True
) -> Table:
    """Parse a TSV file with a header line; `required` columns must be present."""
    p = Path(path)
    lines = read_text(p).splitlines()
    if not lines or not lines[0].strip():
        raise ConfigError("empty table: no header line", path=p)
    header = tuple(lines[0].split("\t"))
    missing = [name for name in required if name not in header]
    if missing:
        raise ConfigError(f"missing column(s): {', '.join(missing)}", path=p, line=1)
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = tuple(line.split("\t"))
        if len(cells) != len(header):
            raise ConfigError(
                f"{len(cells)} fields, the header has {len(header)}", path=p, line=number
            )
        rows.append(cells)
    if not rows and not allow_empty:
        raise ConfigError("table has no rows", path=p)
    return Table(p, header, tuple(rows))
