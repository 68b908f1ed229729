"""`LabelPlan`: how a run turns the labels in the files into its classes.

Published tasks often regroup labels: iEnhancer layer 1 is `strong`+`weak` = `enhancer` vs
`non_enhancer`, layer 2 keeps only `strong` and `weak`; E. coli promoter detection merges the six
sigma classes. A plan merges labels first, then keeps only the named classes (dropping the rest
of the records). The run stores its plan, so `evaluate` applies the same one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mxdna.errors import ConfigError, LabelError
from mxdna.io.sequence_set import SequenceSet


@dataclass(frozen=True)
class LabelPlan:
    """merge: {new class: (old labels...)}; keep: classes to keep after merging (empty = all)."""

    merge: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    keep: tuple[str, ...] = ()

    @classmethod
    def parse(cls, merge: Sequence[str], keep: str | None) -> LabelPlan:
        """From CLI text: merge items 'NEW=OLD1,OLD2'; keep 'A,B'."""
        groups: dict[str, tuple[str, ...]] = {}
        for item in merge:
            new, sep, olds = item.partition("=")
            members = tuple(o.strip() for o in olds.split(",") if o.strip())
            if not sep or not new.strip() or not members:
                raise ConfigError(f"--merge-labels expects NEW=OLD1,OLD2, got {item!r}")
            groups[new.strip()] = members
        seen: dict[str, str] = {}
        for new, members in groups.items():
            for old in members:
                if old in seen:
                    raise ConfigError(
                        f"label {old!r} is merged into both {seen[old]!r} and {new!r}"
                    )
                seen[old] = new
        kept = tuple(k.strip() for k in (keep or "").split(",") if k.strip())
        return cls(groups, kept)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> LabelPlan:
        data = data or {}
        merge = {str(k): tuple(v) for k, v in (data.get("merge") or {}).items()}
        return cls(merge, tuple(data.get("keep") or ()))

    def to_dict(self) -> dict[str, Any]:
        return {"merge": {k: list(v) for k, v in self.merge.items()}, "keep": list(self.keep)}

    def __bool__(self) -> bool:
        return bool(self.merge or self.keep)

    def apply(self, data: SequenceSet, *, check: bool = True) -> SequenceSet:
        """Relabel and filter `data`. With `check`, every merged label and kept class must occur
        (a typo would otherwise silently train on the wrong task)."""
        if not self or data.labels is None:
            return data
        new_of = {old: new for new, olds in self.merge.items() for old in olds}
        present = set(data.labels)
        if check:
            missing = sorted(set(new_of) - present)
            if missing:
                raise LabelError(f"labels to merge not found in the data: {', '.join(missing)}")
        labels = tuple(new_of.get(label, label) for label in data.labels)
        relabelled = SequenceSet(
            data.ids, data.sequences, labels, data.sources, data.chroms, data.intervals
        )
        if not self.keep:
            return relabelled
        if check:
            missing = sorted(set(self.keep) - set(labels))
            if missing:
                raise LabelError(f"classes to keep not found in the data: {', '.join(missing)}")
        wanted = set(self.keep)
        return relabelled.subset([i for i, label in enumerate(labels) if label in wanted])
