"""Cutting BED intervals out of a genome into a `SequenceSet`, optionally re-centred to one width.

Records get the BED name as id (or ``chrom:start-end(strand)`` with the coordinates actually
cut), ``bed_path:line`` as source and the chromosome in `chroms`, so that splits can hold out
whole chromosomes. Minus-strand intervals are reverse-complemented.
"""

from __future__ import annotations

import logging
import numbers
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Literal

from mxdna.errors import (
    BedFormatError,
    ConfigError,
    EmptyInputError,
    IntervalOutOfBoundsError,
    MissingLabelError,
    MxdnaError,
    UnknownChromosomeError,
)
from mxdna.io.bed import BedInterval
from mxdna.io.genome import Genome
from mxdna.io.sequence_set import SequenceSet

logger = logging.getLogger(__name__)

OnInvalid = Literal["error", "skip"]


def _check_width(width: object) -> int:
    if isinstance(width, bool) or not isinstance(width, numbers.Integral) or width <= 0:
        raise ConfigError(f"width must be a positive integer number of bases, got {width!r}")
    return int(width)


def recentre(interval: BedInterval, width: int) -> tuple[int, int]:
    """(start, end) of the `width`-base window centred on the interval midpoint.

    centre = (start + end) // 2; the window is [centre - width // 2, that + width). The result
    may start below 0 or end past the chromosome; callers check it against the genome.
    """
    width = _check_width(width)
    start = (interval.start + interval.end) // 2 - width // 2
    return start, start + width


def _chromosome_hint(chrom: str, names: Sequence[str]) -> str:
    alternative = chrom[3:] if chrom.startswith("chr") else f"chr{chrom}"
    if alternative in names:
        return f"; the genome calls it {alternative!r} (check the 'chr' prefix)"
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return f"; the genome has {len(names)} sequences: {shown}"


def _invalid(
    interval: BedInterval,
    start: int,
    end: int,
    lengths: Mapping[str, int],
    genome: Genome,
    bed_path: str,
    width: int | None,
) -> tuple[str, MxdnaError] | None:
    """(reason, error) if [start, end) cannot be cut from the genome, else None."""
    chrom, line = interval.chrom, interval.line
    length = lengths.get(chrom)
    if length is None:
        hint = _chromosome_hint(chrom, list(lengths))
        message = f"chromosome {chrom!r} is not in the genome {genome.path.name}{hint}"
        return "unknown chromosome", UnknownChromosomeError(message, path=bed_path, line=line)
    where = f"interval {chrom}:{start}-{end}"
    if width is not None:
        where += f" (re-centred to width {width} from {interval.start}-{interval.end})"
    if start < 0:
        message = f"{where} starts before the start of {chrom}"
        return "negative start", IntervalOutOfBoundsError(message, path=bed_path, line=line)
    if end > length:
        message = f"{where} extends past the end of {chrom} (length {length})"
        return "past chromosome end", IntervalOutOfBoundsError(message, path=bed_path, line=line)
    if start == end:
        message = f"{where} is empty (start == end); give a width to cut a window around it"
        return "empty interval", BedFormatError(message, path=bed_path, line=line)
    return None


def _label(interval: BedInterval, column: int, bed_path: str) -> str:
    """The text of 1-based BED `column` (4 and later) of `interval`."""
    value: str | None
    if column == 4:
        value = interval.name
    elif column == 5:
        value = None if interval.score is None else f"{interval.score:g}"
    elif column == 6:
        value = None if interval.strand == "." else interval.strand
    else:
        extra = interval.extra
        value = extra[column - 7] if column - 7 < len(extra) else None
    if value is None or value in ("", "."):
        raise MissingLabelError(
            f"no label: BED column {column} is missing or '.' on this line",
            path=bed_path,
            line=interval.line,
        )
    return value


def _check_options(
    width: int | None, label: str | None, label_column: int | None, on_invalid: str
) -> int | None:
    if on_invalid not in ("error", "skip"):
        raise ConfigError(f"on_invalid must be 'error' or 'skip', got {on_invalid!r}")
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise ConfigError(f"label must be a non-empty string, got {label!r}")
    if label is not None and label_column is not None:
        raise ConfigError("give either label (one class for the file) or label_column, not both")
    if label_column is not None and (
        isinstance(label_column, bool)
        or not isinstance(label_column, numbers.Integral)
        or label_column < 4
    ):
        raise ConfigError(
            f"label_column must be a 1-based BED column number of 4 or more (columns 1-3 are "
            f"coordinates), got {label_column!r}"
        )
    return None if width is None else _check_width(width)


def extract_intervals(
    genome: Genome,
    intervals: Sequence[BedInterval],
    *,
    bed_path: str | os.PathLike[str],
    width: int | None = None,
    label: str | None = None,
    label_column: int | None = None,
    on_invalid: OnInvalid = "error",
) -> SequenceSet:
    """Cut `intervals` from `genome` into a `SequenceSet` (N records, one per kept interval).

    width: re-centre every interval to this many bases (see `recentre`); None keeps them as is.
    label: one class for every record; label_column: take each label from this 1-based BED
    column (4 = name, 7+ = extra columns; a name used as label is then not used as id).
    on_invalid: "error" raises on the first interval that cannot be cut (unknown chromosome,
    outside the chromosome after re-centring, empty); "skip" drops them and logs one warning.
    """
    width = _check_options(width, label, label_column, on_invalid)
    source = os.fspath(bed_path)
    if not intervals:
        raise EmptyInputError("no intervals to extract", path=source)
    lengths = genome.chromosomes
    name_is_id = label_column != 4
    ids: list[str] = []
    sequences: list[str] = []
    labels: list[str] = []
    sources: list[str] = []
    chroms: list[str] = []
    where: list[str] = []
    dropped: Counter[str] = Counter()
    for interval in intervals:
        start, end = (interval.start, interval.end) if width is None else recentre(interval, width)
        problem = _invalid(interval, start, end, lengths, genome, source, width)
        if problem is not None:
            if on_invalid == "error":
                raise problem[1]
            dropped[problem[0]] += 1
            continue
        strand = interval.strand
        sequences.append(genome.fetch(interval.chrom, start, end, strand))  # type: ignore[arg-type]
        if name_is_id and interval.name is not None:
            ids.append(interval.name)
        else:
            ids.append(f"{interval.chrom}:{start}-{end}({strand})")
        if label_column is not None:
            labels.append(_label(interval, label_column, source))
        sources.append(f"{source}:{interval.line}")
        chroms.append(interval.chrom)
        where.append(f"{interval.chrom}:{start}-{end}({strand})")
    reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(dropped.items()))
    if not sequences:
        raise EmptyInputError(f"every interval was dropped ({reasons})", path=source)
    if dropped:
        logger.warning(
            "%s: dropped %d of %d intervals that cannot be cut from %s: %s",
            source,
            sum(dropped.values()),
            len(intervals),
            genome.path.name,
            reasons,
        )
    if label is not None:
        labels = [label] * len(ids)
    return SequenceSet(
        ids=tuple(ids),
        sequences=tuple(sequences),
        labels=tuple(labels) if label is not None or label_column is not None else None,
        sources=tuple(sources),
        chroms=tuple(chroms),
        intervals=tuple(where),
    )
