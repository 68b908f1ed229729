"""Tests for mxdna.summary: vectorised counts equal a naive per-base computation."""

from __future__ import annotations

import json
import math
import re
from dataclasses import fields

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mxdna.alphabet import AMBIGUOUS
from mxdna.io.labels import load_fasta_set
from mxdna.io.sequence_set import SequenceSet
from mxdna.summary import DatasetSummary, format_summary, summarize


def make_set(ids: list[str], seqs: list[str], labels: list[str] | None = None) -> SequenceSet:
    return SequenceSet(
        ids=tuple(ids),
        sequences=tuple(seqs),
        labels=None if labels is None else tuple(labels),
        sources=tuple(f"x.fa:{2 * i + 1}" for i in range(len(ids))),
    )


def naive_percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def naive_summary(data: SequenceSet) -> dict[str, object]:
    """Per-record, per-base Python computation of what `summarize` reports."""
    acgt = gc = ambiguous = lower = total = 0
    for seq in data.sequences:
        for base in seq:
            total += 1
            lower += base.islower()
            upper = base.upper()
            if upper in "ACGT":
                acgt += 1
                gc += upper in "GC"
            else:
                assert upper in AMBIGUOUS
                ambiguous += 1
    seen_ids: set[str] = set()
    seen_seqs: set[str] = set()
    dup_ids = dup_seqs = 0
    labels_of: dict[str, set[str]] = {}
    for i, (rid, seq) in enumerate(zip(data.ids, data.sequences, strict=True)):
        dup_ids += rid in seen_ids
        dup_seqs += seq.upper() in seen_seqs
        seen_ids.add(rid)
        seen_seqs.add(seq.upper())
        if data.labels is not None:
            labels_of.setdefault(seq.upper(), set()).add(data.labels[i])
    lengths = [len(s) for s in data.sequences]
    counts: dict[str, int] = {}
    for label in data.labels or ():
        counts[label] = counts.get(label, 0) + 1
    return {
        "n_records": len(data),
        "total_bases": total,
        "length_min": min(lengths),
        "length_q25": naive_percentile(lengths, 0.25),
        "length_median": naive_percentile(lengths, 0.5),
        "length_mean": sum(lengths) / len(lengths),
        "length_q75": naive_percentile(lengths, 0.75),
        "length_max": max(lengths),
        "label_counts": counts,
        "gc_fraction": gc / acgt if acgt else math.nan,
        "n_fraction": ambiguous / total,
        "lowercase_fraction": lower / total,
        "duplicate_ids": dup_ids,
        "duplicate_sequences": dup_seqs,
        "conflicting_duplicates": sum(len(v) > 1 for v in labels_of.values()),
    }


BASES = "ACGT" + AMBIGUOUS
records = st.lists(
    st.tuples(
        st.sampled_from([f"id{i}" for i in range(8)]),
        st.text(BASES + BASES.lower() + "AAACCCGGGTTT", min_size=1, max_size=40),
        st.sampled_from(["a", "b", "c"]),
    ),
    min_size=1,
    max_size=40,
)


@given(rows=records, labelled=st.booleans())
@settings(max_examples=150, deadline=None)
def test_summary_matches_naive_computation(rows, labelled: bool) -> None:
    data = make_set(
        [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows] if labelled else None
    )
    got = summarize(data)
    expected = naive_summary(data)
    for name, value in expected.items():
        actual = getattr(got, name)
        if isinstance(value, float):
            assert actual == pytest.approx(value, nan_ok=True, rel=1e-12), name
        else:
            assert actual == value, name


def test_duplicates_and_conflicts_on_handcrafted_set() -> None:
    ids = ["a", "b", "a", "c", "d", "b", "e"]
    seqs = ["ACGT", "acgt", "GGGG", "ACGT", "TTTT", "GGGG", "tttt"]
    labels = ["x", "y", "x", "x", "x", "x", "z"]
    summary = summarize(make_set(ids, seqs, labels))
    assert summary.duplicate_ids == 2  # a, b again
    assert summary.duplicate_sequences == 4  # ACGT twice more, GGGG and TTTT once more
    assert summary.conflicting_duplicates == 2  # ACGT {x, y}, TTTT {x, z}; GGGG only x
    assert summary.label_counts == {"x": 5, "y": 1, "z": 1}
    assert summary.lowercase_fraction == pytest.approx(8 / 28)
    unlabelled = summarize(make_set(ids, seqs))
    assert unlabelled.conflicting_duplicates == 0
    assert unlabelled.label_counts == {}
    assert unlabelled.duplicate_sequences == 4


def test_reverse_complements_are_not_duplicates() -> None:
    summary = summarize(make_set(["a", "b"], ["AACG", "CGTT"], ["x", "y"]))
    assert summary.duplicate_sequences == 0
    assert summary.conflicting_duplicates == 0


def test_gc_and_n_fractions() -> None:
    summary = summarize(make_set(["a", "b"], ["GGCCNNNN", "ATRY"]))
    assert summary.gc_fraction == pytest.approx(4 / 6)
    assert summary.n_fraction == pytest.approx(6 / 12)
    assert math.isnan(summarize(make_set(["a"], ["NNNN"])).gc_fraction)


def test_to_dict_is_json_ready_and_rounded() -> None:
    summary = summarize(make_set(["a", "b", "c"], ["ACG", "GGTTA", "cc"], ["1", "0", "1"]))
    out = summary.to_dict()
    assert list(out) == [f.name for f in fields(DatasetSummary)]
    text = json.dumps(out, allow_nan=False)
    assert json.loads(text) == out
    assert out["gc_fraction"] == round(6 / 10, 6)
    assert out["length_mean"] == round(10 / 3, 6)
    assert out["label_counts"] == {"0": 1, "1": 2}


def test_empty_set_summary() -> None:
    summary = summarize(make_set([], []))
    assert (summary.n_records, summary.total_bases, summary.length_max) == (0, 0, 0)
    out = summary.to_dict()
    assert out["gc_fraction"] is None and out["length_median"] is None
    json.dumps(out, allow_nan=False)
    assert "n/a" in format_summary(summary, "empty")


def test_format_summary_is_aligned_with_label_balance() -> None:
    data = make_set(
        [f"r{i}" for i in range(8)], ["ACGT"] * 8, ["strong"] + ["weak"] * 3 + ["non_enhancer"] * 4
    )
    text = format_summary(summarize(data), "train.fa")
    lines = text.splitlines()
    assert lines[0] == "train.fa"
    key_lines = [line for line in lines[1:] if not line.startswith("    ")]
    value_columns = {re.match(r"  [^:]+:\s+", line).end() for line in key_lines}  # type: ignore[union-attr]
    assert len(value_columns) == 1  # every value starts in the same column
    assert any(line.strip().startswith("labels:") and "3 classes" in line for line in lines)
    balance = [line.split() for line in lines if line.startswith("    ")]
    assert balance == [
        ["non_enhancer", "4", "50.0%"],
        ["weak", "3", "37.5%"],
        ["strong", "1", "12.5%"],
    ]
    unlabelled = format_summary(summarize(make_set(["a"], ["ACGT"])), "x")
    assert "labels:" in unlabelled and "none" in unlabelled


def test_real_ecoli_duplicate_with_two_labels_is_reported(dataset_dir) -> None:
    data = load_fasta_set([dataset_dir("ecoli_promoters") / "train.fa"])
    position = {rid: i for i, rid in enumerate(data.ids)}
    first, second = position["eco_train_sigma70_0407"], position["eco_train_sigma54_0016"]
    assert data.sequences[first] == data.sequences[second]
    summary = summarize(data)
    assert summary.conflicting_duplicates >= 1
    assert summary.duplicate_sequences >= 1
    assert summary.n_records == 5720
    assert summary.length_min == summary.length_max == 81


@pytest.mark.parametrize(
    ("name", "files", "duplicates", "conflicts"),
    [
        ("gue_prom_300_tata", ["train.fa"], 56, None),
        ("gue_prom_300_tata", ["train.fa", "dev.fa", "test.fa"], None, 15),
        ("uci_splice", ["train.fa", "test.fa"], 185, 1),
    ],
)
def test_real_duplicate_counts_match_source_notes(
    dataset_dir, name: str, files: list[str], duplicates: int | None, conflicts: int | None
) -> None:
    summary = summarize(load_fasta_set([dataset_dir(name) / f for f in files]))
    if duplicates is not None:
        assert summary.duplicate_sequences == duplicates
    if conflicts is not None:
        assert summary.conflicting_duplicates == conflicts
