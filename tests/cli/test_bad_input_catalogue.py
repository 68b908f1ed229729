"""The bad-input catalogue: every case is one clear line on stderr, exit 2, no traceback,
nothing written and nothing the user already had changed. Runs the real `mxdna` executable."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

MXDNA = str(Path(sys.executable).with_name("mxdna"))
GENOME = ">chr1\n" + "ACGT" * 25 + "\n>chr2\n" + "GGCC" * 10 + "\n"  # chr1: 100 bp, chr2: 40 bp


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([MXDNA, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@dataclass
class Case:
    name: str
    files: dict[str, str | bytes]
    args: list[str]
    message: str  # regular expression the one stderr line must match


def fa(*records: tuple[str, str]) -> str:
    return "".join(f">{rid} label={label}\n{seq}\n" for rid, label, seq in records)


GOOD = fa(("a", "x", "ACGT"), ("b", "y", "GGCC"), ("c", "x", "TTAA"))
TRUNCATED = gzip.compress(
    ("".join(f">r{i} label={i % 2}\n{'ACGT' * 50}\n" for i in range(3000))).encode()
)

CASES = [
    Case("missing file", {}, ["data", "inspect", "nope.fa"], r"nope\.fa: no such file"),
    Case("directory as input", {"d/x": "1"}, ["data", "inspect", "d"], r"d: is a directory"),
    Case("empty file", {"e.fa": ""}, ["data", "inspect", "e.fa"], r"e\.fa: no FASTA records"),
    Case(
        "not FASTA",
        {"t.fa": "id,seq\na,ACGT\n"},
        ["data", "inspect", "t.fa"],
        r"t\.fa:1: not a FASTA file",
    ),
    Case(
        "binary",
        {"b.fa": b"\x89PNG\r\n\x1a\n\x00\x00\x00"},
        ["data", "inspect", "b.fa"],
        r"b\.fa:1: binary file",
    ),
    Case(
        "bzip2",
        {"z.fa.bz2": b"BZh91AY&SY\x00"},
        ["data", "inspect", "z.fa.bz2"],
        r"bzip2-compressed",
    ),
    Case(
        "truncated gzip",
        {"c.fa.gz": TRUNCATED[: len(TRUNCATED) // 2]},
        ["data", "inspect", "c.fa.gz"],
        r"c\.fa\.gz: corrupt or truncated gzip",
    ),
    Case(
        "header without sequence",
        {"h.fa": ">a label=x\nAC\n>b label=y\n>c label=x\nGG\n"},
        ["data", "inspect", "h.fa"],
        r"h\.fa:3: header without sequence \(record 'b'\)",
    ),
    Case(
        "sequence before the first header",
        {"s.fa": "ACGT\n>a label=x\nAC\n"},
        ["data", "inspect", "s.fa"],
        r"s\.fa:1: sequence before the first '>' header",
    ),
    Case(
        "duplicate ids",
        {"d.fa": fa(("a", "x", "AC"), ("b", "y", "GG"), ("a", "y", "TT"))},
        ["data", "inspect", "d.fa"],
        r"d\.fa:5: duplicate record id 'a' at d\.fa:1 and d\.fa:5",
    ),
    Case(
        "unknown character",
        {"u.fa": ">a label=x\nACGT\nACXT\n"},
        ["data", "inspect", "u.fa"],
        r"u\.fa:3: record 'a': invalid character 'X' at column 3",
    ),
    Case(
        "ambiguous base rejected by policy",
        {"n.fa": ">a label=x\nACNT\n"},
        ["data", "inspect", "n.fa", "--ambiguous", "reject"],
        r"n\.fa:2: .*'N'.*ambiguous='reject'",
    ),
    Case(
        "labels file with missing ids",
        {"p.fa": ">a\nAC\n>b\nGG\n>c\nTT\n", "l.tsv": "a\tx\nb\ty\n"},
        ["data", "inspect", "p.fa", "--labels", "l.tsv"],
        r"p\.fa:5: 1 record has no label in l\.tsv, e\.g\. c \(p\.fa:5\)",
    ),
    Case(
        "labels file with extra ids",
        {"p.fa": ">a\nAC\n>b\nGG\n", "l.tsv": "a\tx\nb\ty\nzz\tx\n"},
        ["data", "inspect", "p.fa", "--labels", "l.tsv"],
        r"l\.tsv:3: 1 label in l\.tsv names no record, e\.g\. zz \(line 3\)",
    ),
    Case(
        "labels file with one column",
        {"p.fa": ">a\nAC\n", "l.tsv": "a\n"},
        ["data", "inspect", "p.fa", "--labels", "l.tsv"],
        r"l\.tsv:1: expected at least 2 tab-separated columns",
    ),
    Case(
        "some headers unlabelled",
        {"m.fa": ">a label=x\nAC\n>b\nGG\n"},
        ["data", "inspect", "m.fa"],
        r"m\.fa:3: 1 record has no label",
    ),
    Case(
        "one class only",
        {"o.fa": fa(("a", "x", "AC"), ("b", "x", "GG"))},
        ["data", "split", "o.fa", "--out", "splits"],
        r"only 1 class \(x\) in o\.fa: a classifier needs at least 2",
    ),
    Case(
        "fraction out of range",
        {"g.fa": GOOD},
        ["data", "split", "g.fa", "--out", "splits", "--val-fraction", "1.5"],
        r"val_fraction",
    ),
    Case(
        "unwritable output (parent is a file)",
        {"g.fa": GOOD, "afile": "x"},
        ["data", "split", "g.fa", "--out", "afile/splits"],
        r"afile/splits: exists and is not a directory|afile.* is not a directory",
    ),
    Case(
        "output path is a directory",
        {"genome.fa": GENOME, "i.bed": "chr1\t10\t20\n", "outdir/keep": "x"},
        ["data", "extract", "--bed", "i.bed", "--genome", "genome.fa", "--out", "outdir"],
        r"outdir: is a directory",
    ),
    Case(
        "BED past a chromosome end",
        {"genome.fa": GENOME, "i.bed": "chr1\t10\t20\nchr2\t30\t45\n"},
        ["data", "extract", "--bed", "i.bed", "--genome", "genome.fa", "--out", "o.fa"],
        r"i\.bed:2: .*chr2.*40",
    ),
    Case(
        "BED re-centred past a chromosome start",
        {"genome.fa": GENOME, "i.bed": "chr1\t2\t6\n"},
        [
            "data",
            "extract",
            "--bed",
            "i.bed",
            "--genome",
            "genome.fa",
            "--out",
            "o.fa",
            "--width",
            "20",
        ],
        r"i\.bed:1: ",
    ),
    Case(
        "unknown chromosome",
        {"genome.fa": GENOME, "i.bed": "chr1\t10\t20\nchrX\t1\t5\n"},
        ["data", "extract", "--bed", "i.bed", "--genome", "genome.fa", "--out", "o.fa"],
        r"i\.bed:2: .*chrX",
    ),
    Case(
        "malformed BED line",
        {"genome.fa": GENOME, "i.bed": "chr1\t10\t20\tn\t0\t*\n"},
        ["data", "extract", "--bed", "i.bed", "--genome", "genome.fa", "--out", "o.fa"],
        r"i\.bed:1: .*strand",
    ),
    Case(
        "unknown option",
        {"g.fa": GOOD},
        ["data", "inspect", "g.fa", "--bogus"],
        r"No such option.*--bogus",
    ),
    Case("bad choice", {"g.fa": GOOD}, ["data", "inspect", "g.fa", "--case", "lower"], r"--case"),
]


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root, except genome indexes: a .fai/.gzi beside the genome is built on
    first use and kept on purpose (as samtools and pyfaidx do), it is not an output."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix not in (".fai", ".gzi")
    }


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_one_line_exit_2(tmp_path: Path, case: Case) -> None:
    for name, content in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = _snapshot(tmp_path)
    result = run(case.args, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mxdna: error: ")
    assert "Traceback" not in result.stderr
    assert re.search(case.message, lines[0]), lines[0]
    assert result.stdout == ""
    assert _snapshot(tmp_path) == before  # nothing written, nothing changed
    assert not (tmp_path / "splits").exists()


def test_catalogue_is_large_enough() -> None:
    assert len(CASES) >= 15


def test_failed_run_keeps_existing_outputs(tmp_path: Path) -> None:
    (tmp_path / "genome.fa").write_text(GENOME)
    (tmp_path / "ok.bed").write_text("chr1\t10\t20\tn1\n")
    (tmp_path / "bad.bed").write_text("chr1\t10\t20\tn1\nchr1\t90\t120\tn2\n")
    args = ["data", "extract", "--genome", "genome.fa", "--out", "o.fa", "--label", "pos", "--bed"]
    assert run([*args, "ok.bed"], tmp_path).returncode == 0
    kept = (tmp_path / "o.fa").read_bytes()
    assert run([*args, "bad.bed"], tmp_path).returncode == 2
    assert (tmp_path / "o.fa").read_bytes() == kept
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files


def test_crlf_is_accepted_and_equal_to_lf(tmp_path: Path) -> None:
    """CRLF is in the catalogue as input we *accept*: same summary as the LF file."""
    (tmp_path / "lf.fa").write_text(GOOD)
    (tmp_path / "crlf.fa").write_bytes(GOOD.replace("\n", "\r\n").encode())
    lf = run(["data", "inspect", "lf.fa", "--json"], tmp_path)
    crlf = run(["data", "inspect", "crlf.fa", "--json"], tmp_path)
    assert lf.returncode == crlf.returncode == 0
    assert lf.stdout.replace("lf.fa", "X") == crlf.stdout.replace("crlf.fa", "X")
