"""Dataset summary for ``mxdna data inspect``: sizes, lengths, labels, composition, duplicates.

Base composition is computed once over the concatenated sequences with numpy, so a summary of
100k records takes a fraction of a second.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, fields

import numpy as np

from mxdna.alphabet import N_CODE, encode
from mxdna.io.sequence_set import SequenceSet

_LOWERCASE_BYTES = bytes(range(ord("a"), ord("z") + 1))
_ROUND_DIGITS = 6
# bincount converts its input to intp; chunks keep that copy small (and cache-resident)
_BINCOUNT_CHUNK = 1 << 20


@dataclass(frozen=True)
class DatasetSummary:
    """What `summarize` reports about a `SequenceSet`.

    Length quantiles use numpy's linear interpolation. Fractions are NaN where undefined (no
    bases; for `gc_fraction`, no A/C/G/T base); length statistics are 0 (min, max) or NaN for
    an empty set. `gc_fraction` = (G+C)/(A+C+G+T); `n_fraction` counts N and every other
    ambiguity code; `lowercase_fraction` counts soft-masked bases. `duplicate_ids` and
    `duplicate_sequences` count records whose id / upper-case sequence occurred earlier;
    `conflicting_duplicates` counts distinct (upper-case) sequences seen with two or more labels.
    """

    n_records: int
    total_bases: int
    length_min: int
    length_q25: float
    length_median: float
    length_mean: float
    length_q75: float
    length_max: int
    label_counts: dict[str, int]
    gc_fraction: float
    n_fraction: float
    lowercase_fraction: float
    duplicate_ids: int
    duplicate_sequences: int
    conflicting_duplicates: int

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready values: floats rounded to 6 decimals, NaN as None."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dict):
                out[f.name] = {str(k): int(v) for k, v in value.items()}
            elif isinstance(value, float):
                out[f.name] = None if math.isnan(value) else round(value, _ROUND_DIGITS)
            else:
                out[f.name] = int(value)
        return out


def summarize(data: SequenceSet) -> DatasetSummary:
    """Summarise a set (sequences over the IUPAC alphabet, any case).

    Raises ValueError if a sequence holds a character outside the IUPAC alphabet.
    """
    n = len(data)
    lengths = np.fromiter(map(len, data.sequences), dtype=np.int64, count=n)  # (N,)
    joined = "".join(data.sequences).encode("ascii")
    total = len(joined)
    counts = _code_counts(encode(joined))  # (5,): A, C, G, T, N/ambiguous
    acgt = int(counts[:4].sum())
    lowercase = total - len(joined.translate(None, _LOWERCASE_BYTES))
    if n:
        q25, median, q75 = (float(q) for q in np.percentile(lengths, [25, 50, 75]))
        length_min, length_max, mean = int(lengths.min()), int(lengths.max()), float(lengths.mean())
    else:
        q25 = median = q75 = mean = math.nan
        length_min = length_max = 0
    # (N,) upper-case sequences; skip the copy when nothing is soft-masked
    upper = "\n".join(data.sequences).upper().split("\n") if lowercase else list(data.sequences)
    duplicate_sequences = n - len(set(upper))
    return DatasetSummary(
        n_records=n,
        total_bases=total,
        length_min=length_min,
        length_q25=q25,
        length_median=median,
        length_mean=mean,
        length_q75=q75,
        length_max=length_max,
        label_counts=data.label_counts(),
        gc_fraction=_ratio(int(counts[1] + counts[2]), acgt),
        n_fraction=_ratio(int(counts[N_CODE]), total),
        lowercase_fraction=_ratio(lowercase, total),
        duplicate_ids=n - len(set(data.ids)),
        duplicate_sequences=duplicate_sequences,
        conflicting_duplicates=_conflicting(upper, data.labels) if duplicate_sequences else 0,
    )


def format_summary(summary: DatasetSummary, title: str) -> str:
    """A multi-line text block: aligned ``key: value`` lines, then the label balance."""
    s = summary
    lengths = (
        f"min {s.length_min}, q25 {_num(s.length_q25)}, median {_num(s.length_median)}, "
        f"mean {_num(s.length_mean, '.1f')}, q75 {_num(s.length_q75)}, max {s.length_max}"
    )
    n_classes = len(s.label_counts)
    rows = [
        ("records", f"{s.n_records:,}"),
        ("total bases", f"{s.total_bases:,}"),
        ("length", lengths),
        ("GC fraction", _num(s.gc_fraction, ".4f")),
        ("N/ambiguous fraction", _num(s.n_fraction, ".4f")),
        ("soft-masked fraction", _num(s.lowercase_fraction, ".4f")),
        ("duplicate ids", f"{s.duplicate_ids:,}"),
        ("duplicate sequences", f"{s.duplicate_sequences:,}"),
        ("conflicting duplicates", f"{s.conflicting_duplicates:,}"),
        ("labels", f"{n_classes} class{'es' if n_classes != 1 else ''}" if n_classes else "none"),
    ]
    width = max(len(key) for key, _ in rows) + 1
    lines = [title] + [f"  {(key + ':').ljust(width)} {value}" for key, value in rows]
    if s.label_counts:
        ordered = sorted(s.label_counts.items(), key=lambda item: (-item[1], item[0]))
        name_width = max(len(name) for name, _ in ordered)
        count_width = max(len(f"{count:,}") for _, count in ordered)
        total = sum(s.label_counts.values())
        for name, count in ordered:
            share = 100.0 * count / total if total else 0.0
            lines.append(f"    {name.ljust(name_width)}  {count:>{count_width},}  {share:5.1f}%")
    return "\n".join(lines)


def _code_counts(codes: np.ndarray) -> np.ndarray:
    """Counts of each code in codes (L,), shape (5,), int64."""
    counts = np.zeros(N_CODE + 1, dtype=np.int64)
    for start in range(0, codes.size, _BINCOUNT_CHUNK):
        counts += np.bincount(codes[start : start + _BINCOUNT_CHUNK], minlength=N_CODE + 1)
    return counts


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else math.nan


def _conflicting(upper: list[str], labels: tuple[str, ...] | None) -> int:
    if labels is None:
        return 0
    labels_per_sequence = Counter(seq for seq, _ in set(zip(upper, labels, strict=True)))
    return sum(1 for k in labels_per_sequence.values() if k > 1)


def _num(value: float, spec: str = "g") -> str:
    return "n/a" if math.isnan(value) else format(value, spec)
