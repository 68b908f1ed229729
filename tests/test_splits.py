"""Tests for mxdna.splits: determinism, partitions, duplicate safety, fractions, chromosomes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mxdna.alphabet import reverse_complement
from mxdna.errors import ConfigError
from mxdna.io.sequence_set import SequenceSet
from mxdna.splits import SPLIT_NAMES, chromosome_split, hash_fraction, hash_split, split_keys


def make_set(
    sequences: list[str], labels: list[str] | None = None, chroms: list[str] | None = None
) -> SequenceSet:
    n = len(sequences)
    return SequenceSet(
        ids=tuple(f"r{i}" for i in range(n)),
        sequences=tuple(sequences),
        labels=None if labels is None else tuple(labels),
        sources=tuple(f"x.fa:{2 * i + 1}" for i in range(n)),
        chroms=None if chroms is None else tuple(chroms),
    )


def random_set(n: int, length: int = 40, seed: int = 0) -> SequenceSet:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, length))
    seqs = ["".join("ACGT"[c] for c in row) for row in codes]
    return make_set(seqs, labels=[str(i % 3) for i in range(n)])


def split_of(splits: dict[str, SequenceSet]) -> dict[str, str]:
    """{record id: split name}."""
    return {rid: name for name, part in splits.items() for rid in part.ids}


# --- hash_fraction ----------------------------------------------------------------------------


def test_hash_fraction_follows_its_definition() -> None:
    for key, seed in [("ACGT", 0), ("", 7), ("r1", -3), ("é", 2**40)]:
        digest = hashlib.blake2b(f"{seed}\x00{key}".encode(), digest_size=8).digest()
        expected = (int.from_bytes(digest, "big") >> 11) / 2.0**53
        assert hash_fraction(key, seed) == expected
        assert 0.0 <= hash_fraction(key, seed) < 1.0


def test_hash_fraction_is_pinned() -> None:
    # Saved runs record which records were held out; this value must never change.
    assert hash_fraction("ACGT", 0) == 0.6414073690631356


def test_split_is_independent_of_python_hash_seed() -> None:
    root = Path(__file__).resolve().parents[1]
    code = (
        "from mxdna.io.sequence_set import SequenceSet\n"
        "from mxdna.splits import hash_split\n"
        "seqs = [s * 3 for s in ('ACGT', 'GGCA', 'TTAC', 'CAGA', 'GATC', 'AATT', 'CCGA', 'TGCA')]\n"
        "d = SequenceSet(tuple('r%d' % i for i in range(8)), tuple(seqs), None, ('x',) * 8)\n"
        "print({k: v.ids for k, v in hash_split(d, val_fraction=0.3, test_fraction=0.3).items()})\n"
    )
    outputs = set()
    for hash_seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(root)}
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


# --- split_keys -------------------------------------------------------------------------------


def test_sequence_key_is_shared_by_case_and_reverse_complement() -> None:
    data = make_set(["AACGTG", "aacgtg", "CACGTT", "cacgTT", "AACGTC"])
    keys = split_keys(data, "sequence")
    assert keys[0] == keys[1] == keys[2] == keys[3] == "AACGTG"
    assert keys[4] != keys[0]
    assert split_keys(data, "id") == list(data.ids)


def test_unknown_split_key() -> None:
    with pytest.raises(ConfigError, match="'label'"):
        split_keys(make_set(["ACGT"]), "label")  # type: ignore[arg-type]


# --- hash_split -------------------------------------------------------------------------------


def test_hash_split_is_a_deterministic_order_preserving_partition() -> None:
    data = random_set(1000)
    splits = hash_split(data, val_fraction=0.2, test_fraction=0.2, seed=3)
    assert tuple(splits) == SPLIT_NAMES
    assert splits == hash_split(data, val_fraction=0.2, test_fraction=0.2, seed=3)
    all_ids = [rid for part in splits.values() for rid in part.ids]
    assert sorted(all_ids) == sorted(data.ids)  # every record exactly once
    position = {rid: i for i, rid in enumerate(data.ids)}
    for part in splits.values():
        indices = [position[rid] for rid in part.ids]
        assert indices == sorted(indices)
        assert part.sequences == tuple(data.sequences[i] for i in indices)
        assert part.labels == tuple(data.labels[i] for i in indices)  # type: ignore[index]


def test_different_seeds_give_different_splits() -> None:
    data = random_set(1000)
    first = split_of(hash_split(data, seed=0))
    second = split_of(hash_split(data, seed=1))
    changed = sum(first[rid] != second[rid] for rid in data.ids)
    assert changed > 100  # about 1 - (0.8² + 0.1² + 0.1²) = 34 % expected


def test_assignment_does_not_depend_on_other_records() -> None:
    data = random_set(500)
    full = split_of(hash_split(data, seed=5))
    half = split_of(hash_split(data.subset(range(0, 500, 2)), seed=5))
    assert all(full[rid] == name for rid, name in half.items())


@pytest.mark.parametrize("by", ["sequence", "id"])
@pytest.mark.parametrize(("val", "test"), [(0.1, 0.1), (0.15, 0.25), (0.0, 0.3), (0.5, 0.0)])
def test_fractions_are_respected_on_10k_records(by: str, val: float, test: float) -> None:
    data = random_set(10_000, seed=11)
    splits = hash_split(data, val_fraction=val, test_fraction=test, by=by, seed=2)  # type: ignore[arg-type]
    assert abs(len(splits["val"]) / len(data) - val) < 0.02
    assert abs(len(splits["test"]) / len(data) - test) < 0.02
    assert abs(len(splits["train"]) / len(data) - (1 - val - test)) < 0.02


def test_zero_fractions_put_everything_in_train() -> None:
    data = random_set(50)
    splits = hash_split(data, val_fraction=0, test_fraction=0)
    assert splits["train"] == data
    assert len(splits["val"]) == len(splits["test"]) == 0


@pytest.mark.parametrize(
    ("val", "test"),
    [(-0.1, 0.1), (1.0, 0.0), (0.1, 1.2), (0.5, 0.5), (0.6, 0.5), (float("nan"), 0.1)],
)
def test_invalid_fractions(val: float, test: float) -> None:
    with pytest.raises(ConfigError):
        hash_split(random_set(10), val_fraction=val, test_fraction=test)


VARIANTS = {
    "same": lambda s: s,
    "lower": str.lower,
    "rc": reverse_complement,
    "rc_lower": lambda s: reverse_complement(s).lower(),
}


@given(
    groups=st.lists(
        st.tuples(
            st.text("ACGTN", min_size=1, max_size=12),
            st.lists(st.sampled_from(sorted(VARIANTS)), min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=25,
    ),
    order=st.randoms(use_true_random=False),
    seed=st.integers(0, 2**32),
)
@settings(max_examples=100, deadline=None)
def test_duplicates_and_reverse_complements_never_straddle_splits(groups, order, seed) -> None:
    members = [
        (g, VARIANTS[v](base)) for g, (base, variants) in enumerate(groups) for v in variants
    ]
    order.shuffle(members)
    data = make_set([seq for _, seq in members])
    where = split_of(hash_split(data, val_fraction=0.3, test_fraction=0.3, seed=seed))
    by_group: dict[int, set[str]] = {}
    for rid, (group, _) in zip(data.ids, members, strict=True):
        by_group.setdefault(group, set()).add(where[rid])
    assert all(len(names) == 1 for names in by_group.values())
    assert sorted(where) == sorted(data.ids)


# --- chromosome_split -------------------------------------------------------------------------


def chrom_set() -> SequenceSet:
    chroms = ["chr1", "chr2", "chr3", "chr1", "chrX", "chr2", "chr3", "chr4"]
    return make_set(["ACGT"] * len(chroms), labels=["a", "b"] * 4, chroms=chroms)


def test_chromosome_split_is_exact() -> None:
    splits = chromosome_split(chrom_set(), val_chroms=["chr2"], test_chroms=["chr3", "chrX"])
    assert splits["train"].ids == ("r0", "r3", "r7")
    assert splits["val"].ids == ("r1", "r5")
    assert splits["test"].ids == ("r2", "r4", "r6")
    assert splits["test"].chroms == ("chr3", "chrX", "chr3")
    assert splits["val"].labels == ("b", "b")


def test_chromosome_split_with_no_test_chroms_and_single_string() -> None:
    splits = chromosome_split(chrom_set(), val_chroms="chr4", test_chroms=[])
    assert splits["val"].ids == ("r7",)
    assert len(splits["test"]) == 0
    assert len(splits["train"]) == 7


def test_chromosome_split_needs_chroms() -> None:
    with pytest.raises(ConfigError, match="chromosome hold-out needs BED input"):
        chromosome_split(random_set(5), val_chroms=["chr1"], test_chroms=["chr2"])


def test_chromosome_in_both_lists() -> None:
    with pytest.raises(ConfigError, match="chr2 listed in both"):
        chromosome_split(chrom_set(), val_chroms=["chr1", "chr2"], test_chroms=["chr2"])


def test_absent_chromosome_is_named() -> None:
    with pytest.raises(ConfigError, match="chr9 not in the data") as info:
        chromosome_split(chrom_set(), val_chroms=["chr1"], test_chroms=["chr9"])
    assert "chrX" in str(info.value)  # lists what the data do have
