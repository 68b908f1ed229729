"""Labelled datasets from FASTA: header `label=`, a TSV/CSV label table, or one file per class.

`load_fasta_set` reads one or more FASTA files into a `SequenceSet` and decides where the labels
come from, in this order:

a. a label table is given: labels come from the table (header labels are ignored);
b. every record has a ``label=VALUE`` token in its header: labels come from the headers;
c. no record has one and there are two or more files: one class per file, named after the file
   (``promoters.fa.gz`` → ``promoters``);
d. no record has one and there is one file: the set is unlabelled (``labels=None``);
e. otherwise (some headers labelled, some not): `MissingLabelError`.

If every header also has a ``chrom=NAME`` token (as `mxdna data extract` writes), the set records
each sequence's chromosome, which enables chromosome hold-out splits.

Every error names the file and 1-based line (and, for duplicates, both locations) in one line.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mxdna.errors import (
    ConfigError,
    DuplicateIdError,
    EmptyInputError,
    ExtraLabelError,
    LabelError,
    MissingLabelError,
)
from mxdna.io.compression import read_text
from mxdna.io.fasta import AmbiguousMode, CaseMode, read_fasta
from mxdna.io.sequence_set import SequenceSet

PathLike = str | os.PathLike[str]

#: Lower-cased first/second cells that mark the first row of a label table as a header.
ID_COLUMN_NAMES = frozenset({"id", "name", "seq_id", "sequence_id", "record"})
LABEL_COLUMN_NAMES = frozenset({"label", "class", "y", "target"})
#: Extensions stripped from a file name to get its class name (compression first, then FASTA).
COMPRESSION_EXTENSIONS = (".gz", ".bgz", ".bgzf")
FASTA_EXTENSIONS = (".fasta", ".fas", ".fa", ".fna", ".ffn", ".frn")

_N_EXAMPLES = 3


def parse_header_label(description: str, key: str = "label") -> str | None:
    """The VALUE of the first whitespace-separated ``key=VALUE`` token in a header description.

    None if there is no such token or its value is empty (``label=``).
    """
    prefix = f"{key}="
    if prefix not in description:
        return None
    for token in description.split():
        if token.startswith(prefix):
            return token[len(prefix) :] or None
    return None


def class_name_from_path(path: PathLike) -> str:
    """File name without compression and FASTA extensions: ``x/promoters.fa.gz`` → ``promoters``."""
    stem = Path(path).name
    for extensions in (COMPRESSION_EXTENSIONS, FASTA_EXTENSIONS):
        for ext in extensions:
            if stem.lower().endswith(ext) and len(stem) > len(ext):
                stem = stem[: -len(ext)]
                break
    return stem


def read_label_table(path: PathLike) -> dict[str, tuple[str, int]]:
    """Read a label table into ``{id: (label, 1-based line)}``.

    The delimiter comes from the extension (``.csv`` or ``.csv.gz`` → comma, anything else → tab);
    the file may be gzip-compressed. Columns: id, label, then anything (ignored). A first row
    whose first two cells are an id-like and a label-like name (`ID_COLUMN_NAMES`,
    `LABEL_COLUMN_NAMES`, any case) is a header and skipped. Blank lines and lines starting with
    ``#`` are skipped. CSV quoting works within one line; quoted fields spanning lines do not.

    Raises `LabelError` (short row, empty id or label, text that is not UTF-8),
    `DuplicateIdError` (naming both lines) or `EmptyInputError`, each with path and line.
    """
    delimiter = _table_delimiter(path)
    text = read_text(path, invalid_text=LabelError, what="label table", encoding="utf-8-sig")
    table: dict[str, tuple[str, int]] = {}
    first_row = True
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        cells = _split_row(line, delimiter)
        if first_row:
            first_row = False
            if _is_header(cells):
                continue
        if len(cells) < 2:
            raise LabelError(
                _short_row_message(line, delimiter, len(cells)), path=path, line=lineno
            )
        record_id, label = cells[0], cells[1]
        if not record_id:
            raise LabelError("empty id in the first column", path=path, line=lineno)
        if not label:
            raise LabelError(f"empty label for id {record_id!r}", path=path, line=lineno)
        if record_id in table:
            raise DuplicateIdError(
                f"id {record_id!r} is listed twice (lines {table[record_id][1]} and {lineno})",
                path=path,
                line=lineno,
            )
        table[record_id] = (label, lineno)
    if not table:
        raise EmptyInputError("label table has no rows", path=path)
    return table


def load_fasta_set(
    paths: Sequence[PathLike] | PathLike,
    *,
    labels: PathLike | None = None,
    label_key: str = "label",
    case: CaseMode = "keep",
    ambiguous: AmbiguousMode = "keep",
    allow_extra_labels: bool = False,
) -> SequenceSet:
    """Read FASTA files (in order) into one `SequenceSet`; see the module docstring for labels.

    `paths` may also be a single path. `sources[i]` is ``"path:line"`` of record i's header.
    Raises `DuplicateIdError` (an id in two records, within or across files),
    `MissingLabelError`, `ExtraLabelError` (table ids without a record, unless
    `allow_extra_labels`), `LabelError` (two files with the same class name), `ConfigError`
    (no paths), and whatever `read_fasta` / `read_label_table` raise.
    """
    files = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    if not files:
        raise ConfigError("no FASTA files given")
    records = _read_records(files, case, ambiguous)
    _check_unique_ids(records)
    if labels is not None:
        resolved = _labels_from_table(records, labels, allow_extra_labels)
    else:
        resolved = _labels_from_headers_or_files(records, files, label_key)
    return SequenceSet(
        ids=tuple(records.ids),
        sequences=tuple(records.sequences),
        labels=resolved,
        sources=tuple(f"{p}:{n}" for p, n in zip(records.paths, records.lines, strict=True)),
        chroms=_chroms_from_headers(records),
        intervals=_header_field_of_all(records, "interval"),
    )


def _header_field_of_all(records: _Records, key: str) -> tuple[str, ...] | None:
    values = [parse_header_label(d, key) for d in records.descriptions]
    return None if None in values else tuple(values)  # type: ignore[arg-type]


def _chroms_from_headers(records: _Records) -> tuple[str, ...] | None:
    """``chrom=NAME`` header tokens (written by `mxdna data extract`), if every record has one.

    They let FASTA cut from a genome be split by holding out whole chromosomes.
    """
    chroms = [parse_header_label(d, "chrom") for d in records.descriptions]
    return None if None in chroms else tuple(chroms)  # type: ignore[arg-type]


@dataclass
class _Records:
    """Parallel lists of what `load_fasta_set` read; `file_index[i]` indexes the input paths."""

    ids: list[str] = field(default_factory=list)
    sequences: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    file_index: list[int] = field(default_factory=list)

    def where(self, i: int) -> str:
        return f"{self.paths[i]}:{self.lines[i]}"

    def examples(self, indices: Sequence[int]) -> str:
        shown = ", ".join(f"{self.ids[i]} ({self.where(i)})" for i in indices[:_N_EXAMPLES])
        return shown + (", ..." if len(indices) > _N_EXAMPLES else "")


def _read_records(files: list[PathLike], case: CaseMode, ambiguous: AmbiguousMode) -> _Records:
    records = _Records()
    for k, path in enumerate(files):
        batch = list(read_fasta(path, case=case, ambiguous=ambiguous))
        records.ids.extend(r.id for r in batch)
        records.sequences.extend(r.sequence for r in batch)
        records.descriptions.extend(r.description for r in batch)
        records.lines.extend(r.line for r in batch)
        records.paths.extend([os.fspath(path)] * len(batch))
        records.file_index.extend([k] * len(batch))
    return records


def _check_unique_ids(records: _Records) -> None:
    first: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []
    for i, record_id in enumerate(records.ids):
        j = first.setdefault(record_id, i)
        if j != i:
            repeats.append((j, i))
    if repeats:
        j, i = repeats[0]
        total = (
            f" ({len(repeats)} records in total repeat an earlier id)" if len(repeats) > 1 else ""
        )
        raise DuplicateIdError(
            f"duplicate record id {records.ids[i]!r} at {records.where(j)} and "
            f"{records.where(i)}{total}",
            path=records.paths[i],
            line=records.lines[i],
        )


def _labels_from_table(
    records: _Records, table_path: PathLike, allow_extra_labels: bool
) -> tuple[str, ...]:
    table = read_label_table(table_path)
    missing = [i for i, record_id in enumerate(records.ids) if record_id not in table]
    if missing:
        hint = ""
        if len(missing) == len(records.ids):
            hint = f"; no record id occurs in the table (its first id is {next(iter(table))!r})"
        raise MissingLabelError(
            f"{_plural(len(missing), 'record has', 'records have')} no label in "
            f"{os.fspath(table_path)}, e.g. {records.examples(missing)}{hint}",
            path=records.paths[missing[0]],
            line=records.lines[missing[0]],
        )
    known = set(records.ids)
    extra = [(tid, line) for tid, (_, line) in table.items() if tid not in known]
    if extra and not allow_extra_labels:
        shown = ", ".join(f"{tid} (line {line})" for tid, line in extra[:_N_EXAMPLES])
        shown += ", ..." if len(extra) > _N_EXAMPLES else ""
        hint = ""
        if extra[0][1] == 1:
            ids, labels = "/".join(sorted(ID_COLUMN_NAMES)), "/".join(sorted(LABEL_COLUMN_NAMES))
            hint = f"; a header row must start with {ids} and {labels}"
        raise ExtraLabelError(
            f"{_plural(len(extra), 'label', 'labels')} in {os.fspath(table_path)} "
            f"{'names' if len(extra) == 1 else 'name'} no record, e.g. {shown}{hint}",
            path=table_path,
            line=extra[0][1],
        )
    return tuple(table[record_id][0] for record_id in records.ids)


def _labels_from_headers_or_files(
    records: _Records, files: list[PathLike], label_key: str
) -> tuple[str, ...] | None:
    header = [parse_header_label(d, label_key) for d in records.descriptions]
    missing = [i for i, label in enumerate(header) if label is None]
    if not missing:
        return tuple(header)  # type: ignore[arg-type]
    n_labelled = len(header) - len(missing)
    if n_labelled == 0:
        return _labels_from_file_names(records, files) if len(files) >= 2 else None
    raise MissingLabelError(
        f"{_plural(len(missing), 'record has', 'records have')} no label (no '{label_key}=' "
        f"in the header, while {_plural(n_labelled, 'record has', 'records have')} one), "
        f"e.g. {records.examples(missing)}",
        path=records.paths[missing[0]],
        line=records.lines[missing[0]],
    )


def _labels_from_file_names(records: _Records, files: list[PathLike]) -> tuple[str, ...]:
    classes = [class_name_from_path(p) for p in files]
    seen: dict[str, PathLike] = {}
    for path, name in zip(files, classes, strict=True):
        if name in seen:
            raise LabelError(
                f"files {os.fspath(seen[name])} and {os.fspath(path)} would both be class "
                f"{name!r} (one class per file needs distinct file names)",
                path=path,
            )
        seen[name] = path
    return tuple(classes[k] for k in records.file_index)


def _plural(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _table_delimiter(path: PathLike) -> str:
    csv_names = tuple(f".csv{ext}" for ext in ("", *COMPRESSION_EXTENSIONS))
    return "," if Path(path).name.lower().endswith(csv_names) else "\t"


def _split_row(line: str, delimiter: str) -> list[str]:
    cells = next(csv.reader([line])) if delimiter == "," else line.split("\t")
    return [cell.strip() for cell in cells]


def _is_header(cells: list[str]) -> bool:
    id_name, label_name = [*cells, "", ""][:2]
    return id_name.lower() in ID_COLUMN_NAMES and label_name.lower() in LABEL_COLUMN_NAMES


def _short_row_message(line: str, delimiter: str, n_cells: int) -> str:
    kind = "comma" if delimiter == "," else "tab"
    message = f"expected at least 2 {kind}-separated columns (id, label), found {n_cells}"
    if delimiter == "\t" and "," in line:
        message += "; the line holds commas: name a comma-separated table '.csv'"
    elif delimiter == "," and "\t" in line:
        message += "; the line holds tabs: name a tab-separated table '.tsv'"
    return message
