"""Tests for mxdna.io.bed: columns, skipped lines, errors with line numbers, round trips."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mxdna.errors import BedFormatError, EmptyInputError, InputNotFoundError
from mxdna.io.bed import BedInterval, read_bed


def _write(tmp_path: Path, text: str, name: str = "x.bed") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def test_three_columns(tmp_path: Path) -> None:
    (iv,) = read_bed(_write(tmp_path, "chr1\t10\t20\n"))
    assert iv == BedInterval("chr1", 10, 20, None, None, ".", 1, ())


def test_four_columns_name(tmp_path: Path) -> None:
    a, b = read_bed(_write(tmp_path, "chr1\t10\t20\tpeak1\nchr2\t0\t5\t.\n"))
    assert (a.name, b.name) == ("peak1", None)
    assert (a.score, a.strand, b.strand) == (None, ".", ".")


def test_six_columns(tmp_path: Path) -> None:
    a, b, c = read_bed(
        _write(tmp_path, "chr1\t10\t20\tp\t500\t-\nchr1\t1\t2\tq\t.\t+\nchr1\t1\t2\tr\t2.5e2\t.\n")
    )
    assert (a.score, a.strand) == (500.0, "-")
    assert (b.score, b.strand) == (None, "+")
    assert (c.score, c.strand) == (250.0, ".")
    assert a.extra == b.extra == c.extra == ()


def test_eight_columns_keep_extra(tmp_path: Path) -> None:
    (iv,) = read_bed(_write(tmp_path, "chr1\t10\t20\tp\t0\t+\tenhancer\t3.5\n"))
    assert iv.extra == ("enhancer", "3.5")
    assert (iv.chrom, iv.start, iv.end, iv.name, iv.strand) == ("chr1", 10, 20, "p", "+")


def test_space_separated_without_tabs(tmp_path: Path) -> None:
    tabbed = read_bed(_write(tmp_path, "chr1\t10\t20\tp\t1\t-\n", "a.bed"))
    spaced = read_bed(_write(tmp_path, "chr1  10 20   p 1\t-\n".replace("\t", " "), "b.bed"))
    assert spaced == tabbed


def test_comments_track_browser_and_blank_lines_keep_line_numbers(tmp_path: Path) -> None:
    text = (
        "# a comment\n"
        'track name="peaks" description="x"\n'
        "browser position chr1:1-100\n"
        "\n"
        "chr1\t10\t20\n"
        "   \n"
        "#chr1\t1\t2\n"
        "chr2\t30\t40\n"
    )
    intervals = read_bed(_write(tmp_path, text))
    assert [(iv.chrom, iv.line) for iv in intervals] == [("chr1", 5), ("chr2", 8)]


def test_crlf_line_ends(tmp_path: Path) -> None:
    lf = read_bed(_write(tmp_path, "chr1\t1\t5\tn\t0\t+\nchr1\t2\t9\n", "lf.bed"))
    crlf = read_bed(_write(tmp_path, "chr1\t1\t5\tn\t0\t+\r\nchr1\t2\t9\r\n", "crlf.bed"))
    assert crlf == lf


def test_gzip_bed_equals_plain(tmp_path: Path) -> None:
    text = "chr1\t10\t20\tp\t0\t-\nchr2\t0\t3\n"
    plain = read_bed(_write(tmp_path, text))
    packed = tmp_path / "x.bed.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    assert read_bed(packed) == plain


@pytest.mark.parametrize(
    ("text", "line", "pattern"),
    [
        ("chr1\t1\t5\nchr1\t10\n", 2, "at least 3 columns"),
        ("chr1\t1\t5\n#c\nchr1\n", 3, "at least 3 columns"),
        ("chr1\tstart\tend\n", 1, "start 'start'"),
        ("chr1\t1.5\t4\n", 1, "start '1.5'"),
        ("chr1\t1\t4e3\n", 1, "end '4e3'"),
        ("chr1\t-5\t4\n", 1, "negative"),
        ("chr1\t1\t5\nchr1\t10\t9\n", 2, "greater than end"),
        ("chr1\t1\t5\tp\t0\t*\n", 1, "strand '\\*'"),
        ("chr1\t1\t5\tp\t0\tplus\n", 1, "strand 'plus'"),
        ("chr1\t1\t5\tp\thigh\t+\n", 1, "score 'high'"),
        ("\t1\t5\n", 1, "chromosome name"),
    ],
)
def test_format_errors_name_file_and_line(
    tmp_path: Path, text: str, line: int, pattern: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(BedFormatError, match=pattern) as info:
        read_bed(path)
    assert info.value.line == line
    assert info.value.path == os.fspath(path)
    assert str(info.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\ntrack name=x\n"])
def test_no_intervals_is_empty_input(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(EmptyInputError) as info:
        read_bed(path)
    assert info.value.path == os.fspath(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputNotFoundError):
        read_bed(tmp_path / "missing.bed")


def test_binary_file_is_format_error(tmp_path: Path) -> None:
    path = tmp_path / "x.bed"
    path.write_bytes(b"chr1\t1\t2\n\xff\xfe\x00\n")
    with pytest.raises(BedFormatError) as info:
        read_bed(path)
    assert info.value.line == 2


def test_interval_is_frozen(tmp_path: Path) -> None:
    (iv,) = read_bed(_write(tmp_path, "chr1\t10\t20\n"))
    with pytest.raises(AttributeError):
        iv.start = 3  # type: ignore[misc]


_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=8)
_intervals = st.builds(
    lambda chrom, start, length, name, score, strand, extra: (
        chrom,
        start,
        start + length,
        name,
        score,
        strand,
        extra,
    ),
    chrom=_names.map(lambda s: f"chr{s}"),
    start=st.integers(0, 10**9),
    length=st.integers(0, 10**6),
    name=st.none() | _names,
    score=st.none() | st.integers(0, 1000),
    strand=st.sampled_from(["+", "-", "."]),
    extra=st.lists(_names, max_size=3).map(tuple),
)


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_intervals, min_size=1, max_size=20))
def test_write_then_read_round_trip(tmp_path: Path, rows) -> None:
    lines = []
    for chrom, start, end, name, score, strand, extra in rows:
        score_text = "." if score is None else str(score)
        lines.append(
            "\t".join([chrom, str(start), str(end), name or ".", score_text, strand, *extra])
        )
    parsed = read_bed(_write(tmp_path, "\n".join(lines) + "\n", "round.bed"))
    assert [
        (iv.chrom, iv.start, iv.end, iv.name, iv.score, iv.strand, iv.extra) for iv in parsed
    ] == [
        (c, s, e, n, None if sc is None else float(sc), st_, x) for c, s, e, n, sc, st_, x in rows
    ]
    assert [iv.line for iv in parsed] == list(range(1, len(rows) + 1))
