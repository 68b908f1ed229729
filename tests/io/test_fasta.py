"""FASTA reader: the compiled parser equals its Python twin and Biopython; policies; errors."""

from __future__ import annotations

import gzip
import os

import pytest
from Bio import bgzf
from Bio.SeqIO.FastaIO import SimpleFastaParser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mxdna.errors import (
    EmptyInputError,
    FastaFormatError,
    InputNotFoundError,
    InputReadError,
    UnknownCharacterError,
)
from mxdna.io import fasta
from mxdna.io.fasta import FastaRecord, read_fasta

ENGINES = ["c", "python"]

ids = st.text(alphabet="abcXYZ019_.|-", min_size=1, max_size=12)
descriptions = st.text(alphabet="ab =:;label12", max_size=20)
sequences = st.text(alphabet="ACGTNacgtnRYKM", min_size=1, max_size=300)
records = st.lists(st.tuples(ids, descriptions, sequences), min_size=1, max_size=30)


def write_fasta(path, recs, *, width=None, newline="\n", blank_lines=False) -> None:
    """Write (id, description, sequence) tuples, wrapping at `width` (None = one line)."""
    out = []
    for rid, desc, seq in recs:
        out.append(f">{rid} {desc}".rstrip() if desc.strip() else f">{rid}")
        step = width or max(len(seq), 1)
        out.extend(seq[i : i + step] for i in range(0, len(seq), step))
        if blank_lines:
            out.append("")
    with open(path, "w", newline="") as fh:
        fh.write(newline.join(out) + newline)


def test_compiled_parser_is_built():
    """CI has a C compiler: the fast path must be there (a silent fallback would hide a bug)."""
    assert fasta._fastaparse is not None


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    recs=records,
    width=st.sampled_from([None, 1, 7, 60]),
    newline=st.sampled_from(["\n", "\r\n"]),
    blank_lines=st.booleans(),
    chunk=st.sampled_from([16, 64, 1 << 18]),
)
def test_engines_agree_with_biopython(tmp_path, recs, width, newline, blank_lines, chunk):
    path = tmp_path / "x.fa"
    write_fasta(path, recs, width=width, newline=newline, blank_lines=blank_lines)
    got = {e: list(read_fasta(path, engine=e, chunk_bytes=chunk)) for e in ENGINES}
    assert got["c"] == got["python"]
    with open(path) as fh:
        expected = [(title.split(None, 1)[0], seq) for title, seq in SimpleFastaParser(fh)]
    assert [(r.id, r.sequence) for r in got["c"]] == expected
    assert [r.description for r in got["c"]] == [d.strip() for _, d, _ in recs]


@pytest.mark.parametrize("engine", ENGINES)
def test_line_numbers_point_at_headers(tmp_path, engine):
    path = tmp_path / "x.fa"
    path.write_text("\n\n>a one\nAC\nGT\n\n>b\nGG\n>c two words\nT\n")
    recs = list(read_fasta(path, engine=engine, chunk_bytes=8))
    assert recs == [
        FastaRecord("a", "ACGT", "one", 3),
        FastaRecord("b", "GG", "", 7),
        FastaRecord("c", "T", "two words", 9),
    ]
    lines = path.read_text().split("\n")
    assert all(lines[r.line - 1].startswith(f">{r.id}") for r in recs)


@pytest.mark.parametrize("engine", ENGINES)
def test_case_and_ambiguity_policies(tmp_path, engine):
    path = tmp_path / "x.fa"
    path.write_text(">a\nacgtNRyk\n")
    read = lambda **kw: next(read_fasta(path, engine=engine, **kw)).sequence  # noqa: E731
    assert read() == "acgtNRyk"
    assert read(case="upper") == "ACGTNRYK"
    assert read(ambiguous="to_n") == "acgtNNnn"
    assert read(case="upper", ambiguous="to_n") == "ACGTNNNN"
    with pytest.raises(UnknownCharacterError, match=r"x\.fa:2: .*'N' at column 5.*ambiguous"):
        read(ambiguous="reject")


@pytest.mark.parametrize("engine", ENGINES)
def test_gzip_and_bgzip_equal_plain(tmp_path, engine):
    recs = [(f"r{i}", "label=x", "ACGT" * (i + 1)) for i in range(50)]
    plain = tmp_path / "x.fa"
    write_fasta(plain, recs, width=10)
    gz = tmp_path / "x.fa.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    bgz = tmp_path / "x.fa.bgz"
    with bgzf.BgzfWriter(bgz, "wb") as fh:
        fh.write(plain.read_bytes())
    expected = list(read_fasta(plain, engine=engine))
    assert list(read_fasta(gz, engine=engine)) == expected
    assert list(read_fasta(bgz, engine=engine)) == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_record_longer_than_buffer(tmp_path, engine):
    seq = "ACGT" * 50_000
    path = tmp_path / "long.fa"
    write_fasta(path, [("chr1", "", seq), ("chr2", "", seq[::-1])], width=60)
    recs = list(read_fasta(path, engine=engine, chunk_bytes=1024))
    assert [r.sequence for r in recs] == [seq, seq[::-1]]
    assert recs[1].line == 2 + len(seq) // 60 + (len(seq) % 60 > 0)


BAD = [
    ("empty.fa", b"", EmptyInputError, r"empty.fa: no FASTA records"),
    ("blank.fa", b"\n\n  \n", EmptyInputError, r"blank.fa: no FASTA records"),
    ("notfasta.fa", b"id,seq\nx,ACGT\n", FastaFormatError, r"notfasta.fa:1: not a FASTA file"),
    ("binary.fa", b"\x89PNG\r\n\x1a\n\x00\x00", FastaFormatError, r"binary.fa:1: binary file"),
    ("seqfirst.fa", b"ACGT\n>a\nAC\n", FastaFormatError, r"seqfirst.fa:1: sequence before"),
    ("nohdrseq.fa", b">a\nAC\n>b\n>c\nGG\n", FastaFormatError, r"nohdrseq.fa:3: header without"),
    ("lastempty.fa", b">a\nAC\n>b\n", FastaFormatError, r"lastempty.fa:3: header without"),
    ("emptyid.fa", b">a\nAC\n>\nGG\n", FastaFormatError, r"emptyid.fa:3: empty header"),
    ("badchar.fa", b">a\nACGT\nAC-T\n", UnknownCharacterError, r"badchar.fa:3: .*'-' at column 3"),
    ("midgt.fa", b">a\nAC>GT\n", UnknownCharacterError, r"midgt.fa:2: .*'>' at column 3"),
    ("utf8.fa", b">a\nAC\xc3\xa9T\n", UnknownCharacterError, r"utf8.fa:2: .*byte 0xc3"),
    ("bz2.fa", b"BZh91AY&SY", InputReadError, r"bz2.fa: bzip2-compressed"),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("name", "content", "error", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_file_and_line(tmp_path, engine, name, content, error, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error, match=message):
        list(read_fasta(path, engine=engine))


def test_missing_file_fails_at_call_time(tmp_path):
    with pytest.raises(InputNotFoundError, match=r"nope\.fa: no such file"):
        read_fasta(tmp_path / "nope.fa")
    assert issubclass(InputNotFoundError, FileNotFoundError)


def test_truncated_gzip_is_an_error_not_fewer_records(tmp_path):
    plain = "".join(f">r{i}\n{'ACGT' * 50}\n" for i in range(5000)).encode()
    data = gzip.compress(plain)
    path = tmp_path / "cut.fa.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputReadError, match=r"cut\.fa\.gz: corrupt or truncated gzip"):
        list(read_fasta(path))


def test_unreadable_file(tmp_path):
    path = tmp_path / "locked.fa"
    path.write_text(">a\nAC\n")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything
        pytest.skip("running as root: permissions are not enforced")
    with pytest.raises(InputReadError, match="permission denied"):
        read_fasta(path)


def test_policy_arguments_are_validated(tmp_path):
    path = tmp_path / "x.fa"
    path.write_text(">a\nAC\n")
    with pytest.raises(ValueError, match="case must be"):
        read_fasta(path, case="lower")
    with pytest.raises(ValueError, match="ambiguous must be"):
        read_fasta(path, ambiguous="drop")
    with pytest.raises(ValueError, match="engine must be"):
        read_fasta(path, engine="rust")
