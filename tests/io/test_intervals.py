"""Tests for mxdna.io.intervals: re-centring and cutting BED intervals into a SequenceSet."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mxdna.alphabet import reverse_complement
from mxdna.errors import (
    BedFormatError,
    ConfigError,
    EmptyInputError,
    IntervalOutOfBoundsError,
    MissingLabelError,
    UnknownChromosomeError,
)
from mxdna.io.bed import BedInterval, read_bed
from mxdna.io.genome import Genome
from mxdna.io.intervals import extract_intervals, recentre

_RNG = random.Random(3)
SEQS = {
    "chr1": "".join(_RNG.choice("ACGTacgtN") for _ in range(500)),
    "chr2": "".join(_RNG.choice("ACGT") for _ in range(130)),
}


def _iv(
    chrom: str, start: int, end: int, strand: str = ".", name: str | None = None, line: int = 1
):
    return BedInterval(chrom, start, end, name, None, strand, line, ())


@pytest.fixture(scope="module")
def genome(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("intervals") / "g.fa"
    text = "".join(
        f">{name}\n" + "".join(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60))
        for name, seq in SEQS.items()
    )
    path.write_text(text)
    with Genome(path) as g:
        yield g


def _bed(tmp_path: Path, text: str) -> tuple[Path, list[BedInterval]]:
    path = tmp_path / "peaks.bed"
    path.write_text(text)
    return path, read_bed(path)


# -- recentre ----------------------------------------------------------------------------------


@given(
    start=st.integers(-(10**6), 10**9), length=st.integers(0, 10**5), width=st.integers(1, 10**5)
)
def test_recentre_keeps_width_and_midpoint(start: int, length: int, width: int) -> None:
    iv = _iv("c", start, start + length)
    new_start, new_end = recentre(iv, width)
    assert new_end - new_start == width
    centre = (iv.start + iv.end) // 2
    assert new_start == centre - width // 2
    # The window's midpoint is within half a base of the interval's (floored) midpoint.
    assert abs((new_start + new_end) / 2 - centre) <= 0.5
    # Re-centring is idempotent: a window of the requested width stays where it is.
    assert recentre(_iv("c", new_start, new_end), width) == (new_start, new_end)


@pytest.mark.parametrize("width", [1, 2, 7, 8])
def test_recentre_odd_and_even_widths_contain_the_centre_base(width: int) -> None:
    for start, end in [(10, 20), (10, 21), (5, 5), (0, 1)]:
        new_start, new_end = recentre(_iv("c", start, end), width)
        centre = (start + end) // 2
        assert new_start <= centre < new_end
        # Odd widths put as many bases left of the centre base as right of it.
        if width % 2:
            assert centre - new_start == new_end - 1 - centre


@pytest.mark.parametrize("width", [0, -3, 2.5, True, "100"])
def test_recentre_rejects_bad_width(width) -> None:
    with pytest.raises(ConfigError, match="width"):
        recentre(_iv("c", 0, 10), width)


# -- extract_intervals -------------------------------------------------------------------------


def test_sequences_ids_sources_and_chroms(genome: Genome, tmp_path: Path) -> None:
    path, intervals = _bed(
        tmp_path,
        "# header\nchr1\t10\t70\tpeakA\t0\t+\nchr2\t5\t65\t.\t0\t-\nchr1\t0\t500\n",
    )
    out = extract_intervals(genome, intervals, bed_path=path)
    assert out.sequences == (
        SEQS["chr1"][10:70],
        reverse_complement(SEQS["chr2"][5:65]),
        SEQS["chr1"],
    )
    assert out.ids == ("peakA", "chr2:5-65(-)", "chr1:0-500(.)")
    assert out.sources == (f"{path}:2", f"{path}:3", f"{path}:4")
    assert out.chroms == ("chr1", "chr2", "chr1")
    assert out.labels is None


def test_width_recentres_every_interval(genome: Genome, tmp_path: Path) -> None:
    path, intervals = _bed(tmp_path, "chr1\t100\t131\t.\t0\t+\nchr2\t40\t41\t.\t0\t-\n")
    out = extract_intervals(genome, intervals, bed_path=path, width=20)
    windows = [recentre(iv, 20) for iv in intervals]
    assert [len(s) for s in out.sequences] == [20, 20]
    assert out.sequences[0] == SEQS["chr1"][windows[0][0] : windows[0][1]]
    assert out.sequences[1] == reverse_complement(SEQS["chr2"][windows[1][0] : windows[1][1]])
    assert out.ids[1] == f"chr2:{windows[1][0]}-{windows[1][1]}(-)"


def test_one_label_for_the_file(genome: Genome, tmp_path: Path) -> None:
    path, intervals = _bed(tmp_path, "chr1\t1\t9\nchr2\t3\t8\n")
    out = extract_intervals(genome, intervals, bed_path=path, label="enhancer")
    assert out.labels == ("enhancer", "enhancer")
    assert out.classes == ("enhancer",)


def test_label_from_name_column(genome: Genome, tmp_path: Path) -> None:
    path, intervals = _bed(tmp_path, "chr1\t1\t9\tpos\nchr2\t3\t8\tneg\nchr2\t4\t8\tpos\n")
    out = extract_intervals(genome, intervals, bed_path=path, label_column=4)
    assert out.labels == ("pos", "neg", "pos")
    # The name is a class here, not an identifier: ids come from the coordinates.
    assert out.ids == ("chr1:1-9(.)", "chr2:3-8(.)", "chr2:4-8(.)")


def test_label_from_extra_column(genome: Genome, tmp_path: Path) -> None:
    path, intervals = _bed(tmp_path, "chr1\t1\t9\tp1\t0\t+\tA\tx\nchr2\t3\t8\tp2\t0\t-\tB\ty\n")
    assert extract_intervals(genome, intervals, bed_path=path, label_column=7).labels == ("A", "B")
    assert extract_intervals(genome, intervals, bed_path=path, label_column=8).labels == ("x", "y")


def test_missing_label_value_names_the_line(genome: Genome, tmp_path: Path) -> None:
    path, intervals = _bed(tmp_path, "chr1\t1\t9\tp1\t0\t+\tA\nchr2\t3\t8\tp2\t0\t-\n")
    with pytest.raises(MissingLabelError) as info:
        extract_intervals(genome, intervals, bed_path=path, label_column=7)
    assert (info.value.path, info.value.line) == (str(path), 2)


@pytest.mark.parametrize(
    "options",
    [
        {"label": "a", "label_column": 4},
        {"label_column": 2},
        {"label": ""},
        {"width": 0},
        {"width": -5},
        {"width": 10.0},
        {"on_invalid": "ignore"},
    ],
)
def test_bad_options_are_config_errors(genome: Genome, options) -> None:
    with pytest.raises(ConfigError):
        extract_intervals(genome, [_iv("chr1", 0, 10)], bed_path="x.bed", **options)


@pytest.mark.parametrize(
    ("line", "width", "error", "pattern"),
    [
        ("chrX\t1\t5", None, UnknownChromosomeError, "'chrX'"),
        ("chr2\t100\t131", None, IntervalOutOfBoundsError, "length 130"),
        ("chr2\t120\t125", 20, IntervalOutOfBoundsError, "re-centred"),
        ("chr1\t2\t4", 20, IntervalOutOfBoundsError, "starts before"),
        ("chr1\t7\t7", None, BedFormatError, "empty"),
    ],
)
def test_invalid_interval_raises_with_bed_line(
    genome: Genome, tmp_path: Path, line: str, width, error, pattern
) -> None:
    path, intervals = _bed(tmp_path, f"chr1\t50\t60\n# comment\n{line}\n")
    with pytest.raises(error, match=pattern) as info:
        extract_intervals(genome, intervals, bed_path=path, width=width)
    assert (info.value.path, info.value.line) == (str(path), 3)
    assert str(info.value).startswith(f"{path}:3: ")


def test_chr_prefix_mismatch_gets_a_hint(genome: Genome) -> None:
    with pytest.raises(UnknownChromosomeError, match="'chr' prefix"):
        extract_intervals(genome, [_iv("1", 0, 5)], bed_path="x.bed")


def test_skip_drops_invalid_and_logs_once(
    genome: Genome, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, intervals = _bed(
        tmp_path,
        "chr1\t0\t10\nchrX\t1\t5\nchrY\t1\t5\nchr2\t125\t130\nchr1\t0\t3\nchr2\t60\t70\n",
    )
    with caplog.at_level(logging.WARNING, logger="mxdna.io.intervals"):
        out = extract_intervals(genome, intervals, bed_path=path, width=10, on_invalid="skip")
    assert out.sources == (f"{path}:1", f"{path}:6")
    assert out.sequences == (SEQS["chr1"][0:10], SEQS["chr2"][60:70])
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert "dropped 4 of 6" in message
    assert "2 unknown chromosome" in message
    assert "1 past chromosome end" in message
    assert "1 negative start" in message


def test_skip_without_invalid_intervals_logs_nothing(
    genome: Genome, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        out = extract_intervals(genome, [_iv("chr1", 0, 10)], bed_path="x.bed", on_invalid="skip")
    assert len(out) == 1
    assert not caplog.records


def test_all_dropped_is_empty_input(genome: Genome) -> None:
    intervals = [_iv("chrX", 0, 5, line=1), _iv("chr2", 0, 500, line=2)]
    with pytest.raises(EmptyInputError, match="1 past chromosome end, 1 unknown chromosome"):
        extract_intervals(genome, intervals, bed_path="x.bed", on_invalid="skip")


def test_no_intervals_is_empty_input(genome: Genome) -> None:
    with pytest.raises(EmptyInputError):
        extract_intervals(genome, [], bed_path="x.bed")


@given(
    chrom=st.sampled_from(sorted(SEQS)),
    data=st.data(),
)
def test_random_intervals_match_the_genome_on_both_strands(genome: Genome, chrom, data) -> None:
    n = len(SEQS[chrom])
    start = data.draw(st.integers(0, n - 1))
    end = data.draw(st.integers(start + 1, n))
    plus, minus = (_iv(chrom, start, end, s, line=i + 1) for i, s in enumerate("+-"))
    out = extract_intervals(genome, [plus, minus], bed_path="x.bed")
    assert out.sequences[0] == SEQS[chrom][start:end]
    assert out.sequences[1] == reverse_complement(out.sequences[0])
