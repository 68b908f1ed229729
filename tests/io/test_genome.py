"""Tests for mxdna.io.genome: every fetch must equal the slice of the sequence that was written."""

from __future__ import annotations

import gzip
import os
import random
from pathlib import Path

import pyfaidx
import pytest
from Bio import bgzf
from hypothesis import given, settings
from hypothesis import strategies as st

from mxdna.alphabet import reverse_complement
from mxdna.errors import (
    ConfigError,
    GenomeIndexError,
    InputNotFoundError,
    IntervalOutOfBoundsError,
    MxdnaError,
    UnknownCharacterError,
    UnknownChromosomeError,
)
from mxdna.io.genome import Genome, read_fai

# Lengths around the 60-base line width: exact multiples, one over, one under, a single base.
_LENGTHS = {"chr1": 1000, "chr2": 61, "chr3": 60, "chr4": 59, "chrM": 1, "chr5": 180}


def _random_genome(seed: int = 7) -> dict[str, str]:
    rng = random.Random(seed)
    return {
        name: "".join(rng.choice("ACGTACGTacgtNnRy") for _ in range(length))
        for name, length in _LENGTHS.items()
    }


def _fasta_text(genome: dict[str, str], width: int = 60, newline: str = "\n") -> str:
    parts = []
    for name, seq in genome.items():
        lines = [seq[i : i + width] for i in range(0, len(seq), width)]
        parts.append(f">{name} some description{newline}" + "".join(x + newline for x in lines))
    return "".join(parts)


def _write_plain(path: Path, genome: dict[str, str], newline: str = "\n") -> Path:
    path.write_bytes(_fasta_text(genome, newline=newline).encode())
    return path


def _write_bgzip(path: Path, genome: dict[str, str]) -> Path:
    writer = bgzf.BgzfWriter(str(path), "wb")
    writer.write(_fasta_text(genome).encode())
    writer.close()
    return path


SEQS = _random_genome()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("genome")
    return {
        "plain": _write_plain(root / "genome.fa", SEQS),
        "crlf": _write_plain(root / "crlf.fa", SEQS, newline="\r\n"),
        "bgzip": _write_bgzip(root / "genome.fa.gz", SEQS),
    }


@pytest.fixture(scope="module", params=["plain", "crlf", "bgzip"])
def genome(request: pytest.FixtureRequest, files: dict[str, Path]):
    with Genome(files[request.param]) as g:
        yield g


intervals = st.sampled_from(sorted(SEQS)).flatmap(
    lambda chrom: st.tuples(
        st.just(chrom),
        st.integers(0, len(SEQS[chrom])),
        st.integers(0, len(SEQS[chrom])),
    ).map(lambda t: (t[0], min(t[1], t[2]), max(t[1], t[2])))
)


@settings(max_examples=200, deadline=None)
@given(interval=intervals)
def test_fetch_equals_written_slice_on_both_strands(genome: Genome, interval) -> None:
    chrom, start, end = interval
    expected = SEQS[chrom][start:end]
    assert genome.fetch(chrom, start, end) == expected
    assert genome.fetch(chrom, start, end, "+") == expected
    assert genome.fetch(chrom, start, end, ".") == expected
    assert genome.fetch(chrom, start, end, "-") == reverse_complement(expected)


def test_chromosomes_in_file_order_with_lengths(genome: Genome) -> None:
    assert genome.chromosomes == {name: len(seq) for name, seq in SEQS.items()}
    assert list(genome.chromosomes) == list(SEQS)


def test_whole_chromosomes(genome: Genome) -> None:
    for chrom, seq in SEQS.items():
        assert genome.fetch(chrom, 0, len(seq)) == seq


@settings(max_examples=100, deadline=None)
@given(interval=intervals)
def test_plain_and_bgzip_agree_with_pyfaidx(files: dict[str, Path], interval) -> None:
    chrom, start, end = interval
    with Genome(files["plain"]) as plain, Genome(files["bgzip"]) as bgz:
        ours = plain.fetch(chrom, start, end)
        assert bgz.fetch(chrom, start, end) == ours
        assert bgz.fetch(chrom, start, end, "-") == plain.fetch(chrom, start, end, "-")
    if start < end:  # pyfaidx returns the whole record for an empty slice
        for path in (files["plain"], files["bgzip"]):
            with pyfaidx.Fasta(str(path)) as fa:
                assert fa[chrom][start:end].seq == ours


def test_index_files_written_next_to_the_fasta(files: dict[str, Path]) -> None:
    for kind in ("plain", "crlf", "bgzip"):
        Genome(files[kind]).close()
        fai = read_fai(f"{files[kind]}.fai")
        assert {name: rec[0] for name, rec in fai.items()} == {k: len(v) for k, v in SEQS.items()}
    assert Path(f"{files['bgzip']}.gzi").is_file()
    # CRLF lines are two bytes longer than their bases, LF lines one.
    assert {rec[3] - rec[2] for rec in read_fai(f"{files['crlf']}.fai").values()} <= {0, 2}


def test_case_upper_folds_soft_masking(files: dict[str, Path]) -> None:
    assert any(c.islower() for c in SEQS["chr1"])
    for kind in ("plain", "bgzip"):
        with Genome(files[kind], case="upper") as upper, Genome(files[kind]) as keep:
            assert keep.fetch("chr1", 0, 1000) == SEQS["chr1"]
            assert upper.fetch("chr1", 0, 1000) == SEQS["chr1"].upper()
            assert (
                upper.fetch("chr1", 5, 300, "-") == reverse_complement(SEQS["chr1"][5:300]).upper()
            )


def test_bad_case_option(files: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match="case"):
        Genome(files["plain"], case="lower")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("chrom", "start", "end"),
    [("chr2", -1, 10), ("chr2", 0, 62), ("chr2", 30, 20), ("chrM", 1, 2), ("chr1", 0, 1001)],
)
def test_out_of_bounds_raises_and_names_interval(genome: Genome, chrom, start, end) -> None:
    with pytest.raises(IntervalOutOfBoundsError) as info:
        genome.fetch(chrom, start, end)
    message = str(info.value)
    assert f"{chrom}:{start}-{end}" in message
    assert f"length {len(SEQS[chrom])}" in message
    assert isinstance(info.value, ValueError)


def test_unknown_chromosome(genome: Genome) -> None:
    with pytest.raises(UnknownChromosomeError, match="'chrX'") as info:
        genome.fetch("chrX", 0, 10)
    assert info.value.path == os.fspath(genome.path)


def test_bad_strand(genome: Genome) -> None:
    with pytest.raises(ConfigError, match="strand"):
        genome.fetch("chr1", 0, 10, "*")  # type: ignore[arg-type]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputNotFoundError):
        Genome(tmp_path / "nope.fa")


def test_plain_gzip_is_rejected_with_bgzip_advice(tmp_path: Path) -> None:
    path = tmp_path / "genome.fa.gz"
    path.write_bytes(gzip.compress(_fasta_text(SEQS).encode()))
    with pytest.raises(GenomeIndexError, match="bgzip") as info:
        Genome(path)
    assert info.value.path == os.fspath(path)


def test_bgzip_without_gz_suffix_is_rejected(tmp_path: Path) -> None:
    path = _write_bgzip(tmp_path / "genome.fa", SEQS)
    with pytest.raises(GenomeIndexError, match=r"\*\.gz"):
        Genome(path)


@pytest.mark.parametrize(
    "text",
    [
        ">a\nACGTACGT\nACG\nACGTACGT\n",  # a short line in the middle
        ">a\nACGT\n>a\nACGT\n",  # duplicate names
        "",  # empty
        "ACGT\n>a\nACGT\n",  # sequence before the first header
    ],
    ids=["unequal-lines", "duplicate", "empty", "no-header"],
)
def test_unindexable_fasta_raises_one_line_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.fa"
    path.write_text(text)
    with pytest.raises(GenomeIndexError) as info:
        Genome(path)
    assert "bad.fa" in str(info.value)
    assert "\n" not in str(info.value)


def test_existing_index_is_used_without_pyfaidx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write_plain(tmp_path / "g.fa", SEQS)
    Genome(path).close()  # builds g.fa.fai

    def refuse(*args, **kwargs):
        raise AssertionError("pyfaidx must not be called when a current .fai exists")

    monkeypatch.setattr(pyfaidx, "Faidx", refuse)
    with Genome(path) as g:
        assert g.fetch("chr5", 10, 170) == SEQS["chr5"][10:170]


def test_stale_index_is_rebuilt(tmp_path: Path) -> None:
    path = _write_plain(tmp_path / "g.fa", SEQS)
    Genome(path).close()
    changed = {"other": SEQS["chr1"][::-1], **SEQS}
    _write_plain(path, changed)
    fai = Path(f"{path}.fai")
    old = path.stat().st_mtime - 100
    os.utime(fai, (old, old))
    with Genome(path) as g:
        assert list(g.chromosomes) == list(changed)
        assert g.fetch("chr2", 0, 61) == changed["chr2"]


def test_corrupt_index_reports_line(tmp_path: Path) -> None:
    path = _write_plain(tmp_path / "g.fa", SEQS)
    Genome(path).close()
    fai = Path(f"{path}.fai")
    lines = fai.read_text().splitlines()
    lines[2] = lines[2].replace("\t60\t", "\tsixty\t", 1)
    fai.write_text("\n".join(lines) + "\n")
    with pytest.raises(GenomeIndexError) as info:
        Genome(path)
    assert info.value.line == 3
    assert info.value.path == os.fspath(fai)


def test_index_of_another_file_is_detected(tmp_path: Path) -> None:
    path = _write_plain(tmp_path / "g.fa", SEQS)
    Genome(path).close()
    fai = Path(f"{path}.fai")
    small = {"chr1": SEQS["chr1"][:100]}
    _write_plain(path, small)
    os.utime(path, (0, 0))  # make the foreign index look current
    with pytest.raises(GenomeIndexError, match="does not match"):
        Genome(path)
    fai.unlink()
    with Genome(path) as g:  # rebuilt
        assert g.chromosomes == {"chr1": 100}


def test_non_iupac_characters_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "g.fa"
    path.write_text(">a\nACGT*ACGT\nAC\n")
    with Genome(path) as g:
        assert g.fetch("a", 0, 4) == "ACGT"
        with pytest.raises(UnknownCharacterError, match=r"\*"):
            g.fetch("a", 2, 8)


def test_close_and_context_manager(files: dict[str, Path]) -> None:
    for kind in ("plain", "bgzip"):
        g = Genome(files[kind])
        with g as entered:
            assert entered is g
            assert g.fetch("chr3", 0, 60) == SEQS["chr3"]
        with pytest.raises(ValueError, match="closed"):
            g.fetch("chr3", 0, 60)
        g.close()  # idempotent
        assert g.chromosomes["chr3"] == 60


def test_repr_names_path_and_chromosome_count(files: dict[str, Path]) -> None:
    with Genome(files["plain"]) as g:
        text = repr(g)
    assert str(files["plain"]) in text
    assert f"{len(SEQS)} chromosomes" in text


def test_errors_are_mxdna_errors(genome: Genome) -> None:
    for args in (("chrX", 0, 1), ("chr1", 5, 4)):
        with pytest.raises(MxdnaError):
            genome.fetch(*args)
