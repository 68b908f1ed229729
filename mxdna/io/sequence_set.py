"""`SequenceSet`: a dataset as parallel tuples, the hand-off from IO to everything downstream."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from mxdna.errors import SingleClassError


@dataclass(frozen=True)
class SequenceSet:
    """N sequences with ids, optional labels and where each record came from.

    All tuples have length N. `sources[i]` is ``"path:line"`` of record i (used in messages).
    `labels` is None for unlabelled data. `chroms` is set for records cut from a genome
    (BED input) and enables chromosome hold-out splits; `intervals` then holds each record's
    genomic interval as ``chrom:start-end(strand)`` (0-based, half-open), so coordinates found
    in a record (seqlets) can be mapped back to the genome.
    """

    ids: tuple[str, ...]
    sequences: tuple[str, ...]
    labels: tuple[str, ...] | None
    sources: tuple[str, ...]
    chroms: tuple[str, ...] | None = None
    intervals: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in ("sequences", "labels", "sources", "chroms", "intervals"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"SequenceSet.{name} has {len(value)} entries, ids has {n}")

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def classes(self) -> tuple[str, ...]:
        """Sorted distinct labels; empty for unlabelled data."""
        return tuple(sorted(set(self.labels))) if self.labels is not None else ()

    def label_counts(self) -> dict[str, int]:
        """{label: count}, in `classes` order; empty for unlabelled data."""
        if self.labels is None:
            return {}
        counts = Counter(self.labels)
        return {c: counts[c] for c in self.classes}

    def subset(self, indices: Sequence[int]) -> SequenceSet:
        """The records at `indices`, in that order."""

        def pick(values: tuple[str, ...] | None) -> tuple[str, ...] | None:
            return None if values is None else tuple(values[i] for i in indices)

        return SequenceSet(
            ids=tuple(self.ids[i] for i in indices),
            sequences=tuple(self.sequences[i] for i in indices),
            labels=pick(self.labels),
            sources=tuple(self.sources[i] for i in indices),
            chroms=pick(self.chroms),
            intervals=pick(self.intervals),
        )

    def require_classes(self, minimum: int = 2) -> None:
        """Raise `SingleClassError` unless the set is labelled with at least `minimum` classes."""
        if self.labels is None:
            raise SingleClassError(
                "the data have no labels: add 'label=CLASS' to the FASTA headers, pass a label "
                "table, or give one FASTA file per class"
            )
        if len(self.classes) < minimum:
            where = self.sources[0].rsplit(":", 1)[0] if self.sources else "input"
            raise SingleClassError(
                f"only {len(self.classes)} class ({', '.join(self.classes) or 'none'}) in {where}: "
                f"a classifier needs at least {minimum}; add records of another class "
                "(for example a second FASTA file of background sequences)"
            )


def concatenate(sets: Sequence[SequenceSet]) -> SequenceSet:
    """Concatenate sets in order; labels/chroms are kept only if every set has them."""
    labelled = all(s.labels is not None for s in sets)
    with_chroms = all(s.chroms is not None for s in sets)
    with_intervals = all(s.intervals is not None for s in sets)
    return SequenceSet(
        ids=tuple(x for s in sets for x in s.ids),
        sequences=tuple(x for s in sets for x in s.sequences),
        labels=tuple(x for s in sets for x in s.labels) if labelled else None,  # type: ignore[union-attr]
        sources=tuple(x for s in sets for x in s.sources),
        chroms=tuple(x for s in sets for x in s.chroms) if with_chroms else None,  # type: ignore[union-attr]
        intervals=tuple(x for s in sets for x in s.intervals) if with_intervals else None,  # type: ignore[union-attr]
    )
