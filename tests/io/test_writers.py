"""Atomic outputs: complete or absent, existing files untouched on failure."""

from __future__ import annotations

import pytest

from mxdna.errors import OutputError
from mxdna.io.fasta import read_fasta
from mxdna.io.sequence_set import SequenceSet
from mxdna.io.writers import AtomicFiles, atomic_open, check_writable, write_fasta


def small_set(labels=("a", "b"), chroms=None) -> SequenceSet:
    return SequenceSet(
        ids=("r1", "r2"),
        sequences=("ACGTacgtNN", "GGCC"),
        labels=labels,
        sources=("x:1", "x:3"),
        chroms=chroms,
    )


def test_failure_inside_block_writes_nothing_and_keeps_old(tmp_path):
    (tmp_path / "a.txt").write_text("old")
    with pytest.raises(RuntimeError), AtomicFiles() as files:
        files.open(tmp_path / "a.txt").write("new")
        files.open(tmp_path / "sub" / "b.txt").write("new")
        raise RuntimeError("boom")
    assert (tmp_path / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no temp files, no sub/


def test_success_moves_all_files_into_place(tmp_path):
    with AtomicFiles() as files:
        files.open(tmp_path / "a.txt").write("1")
        files.open(tmp_path / "deep" / "er" / "b.txt").write("2")
    assert (tmp_path / "a.txt").read_text() == "1"
    assert (tmp_path / "deep" / "er" / "b.txt").read_text() == "2"
    assert not list(tmp_path.rglob(".*.tmp"))


@pytest.mark.parametrize(
    ("make", "target", "directory", "message"),
    [
        (lambda p: (p / "f").write_text("x"), "f/out.fa", False, "is not a directory"),
        (lambda p: (p / "d").mkdir(), "d", False, "is a directory"),
        (lambda p: (p / "f").write_text("x"), "f", True, "exists and is not a directory"),
    ],
)
def test_check_writable_rejects(tmp_path, make, target, directory, message):
    make(tmp_path)
    with pytest.raises(OutputError, match=message):
        check_writable(tmp_path / target, directory=directory)


def test_write_fasta_round_trips_with_labels_and_chroms(tmp_path):
    data = small_set(chroms=("chr1", "chr2"))
    write_fasta(tmp_path / "o.fa", data, line_width=4)
    records = list(read_fasta(tmp_path / "o.fa"))
    assert [r.sequence for r in records] == list(data.sequences)
    assert [r.description for r in records] == ["label=a chrom=chr1", "label=b chrom=chr2"]


def test_atomic_open_single_file(tmp_path):
    with atomic_open(tmp_path / "x.txt") as fh:
        fh.write("hello\n")
        assert not (tmp_path / "x.txt").exists()  # not visible before the block ends
    assert (tmp_path / "x.txt").read_text() == "hello\n"
