"""LabelPlan: merging and keeping classes, as published tasks regroup labels."""

from __future__ import annotations

import pytest

from mxdna.errors import ConfigError, LabelError
from mxdna.io.label_plan import LabelPlan
from mxdna.io.sequence_set import SequenceSet


def dataset(labels: list[str]) -> SequenceSet:
    n = len(labels)
    return SequenceSet(
        ids=tuple(f"r{i}" for i in range(n)),
        sequences=tuple("ACGT" for _ in range(n)),
        labels=tuple(labels),
        sources=tuple(f"x.fa:{2 * i + 1}" for i in range(n)),
    )


def test_merge_then_keep():
    data = dataset(["strong", "weak", "non_enhancer", "weak"])
    layer1 = LabelPlan.parse(["enhancer=strong,weak"], None).apply(data)
    assert layer1.labels == ("enhancer", "enhancer", "non_enhancer", "enhancer")
    layer2 = LabelPlan.parse([], "strong,weak").apply(data)
    assert layer2.ids == ("r0", "r1", "r3") and layer2.labels == ("strong", "weak", "weak")
    assert layer2.sources == ("x.fa:1", "x.fa:3", "x.fa:7")


def test_round_trip_through_dict_and_empty_plan_is_identity():
    plan = LabelPlan.parse(["a=x,y", "b=z"], "a,b")
    assert LabelPlan.from_dict(plan.to_dict()) == plan
    data = dataset(["x", "z"])
    assert LabelPlan().apply(data) is data and not LabelPlan()


@pytest.mark.parametrize(
    ("merge", "keep", "message"),
    [
        (["enhancer"], None, "expects NEW=OLD1,OLD2"),
        (["=a"], None, "expects NEW=OLD1,OLD2"),
        (["a=x", "b=x"], None, "merged into both"),
    ],
)
def test_bad_plans(merge, keep, message):
    with pytest.raises(ConfigError, match=message):
        LabelPlan.parse(merge, keep)


def test_typos_are_reported_unless_unchecked():
    data = dataset(["strong", "weak"])
    with pytest.raises(LabelError, match="not found in the data: strnog"):
        LabelPlan.parse(["e=strnog"], None).apply(data)
    with pytest.raises(LabelError, match="classes to keep not found"):
        LabelPlan.parse([], "strong,medium").apply(data)
    # evaluation data may lack a class (a test set of promoters only)
    assert LabelPlan.parse([], "strong,medium").apply(data, check=False).labels == ("strong",)
