"""`mxdna tokenize fit|encode|inspect` on the bundled E. coli promoters, plus the bad-input
cases of these commands through the real `mxdna` executable (one stderr line, exit 2)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mxdna_cli.main import main

from mxdna.io.fasta import read_fasta
from mxdna.io.labels import load_fasta_set
from mxdna.tokenizer import TOKENIZER_KINDS, Tokenizer, load_tokenizer

DATA = Path(__file__).resolve().parents[2] / "data" / "ecoli_promoters"
TRAIN, TEST = DATA / "train.fa", DATA / "test.fa"
SMALL = ["--vocab-size", "256", "--n-iter", "3", "--seed", "0"]
MXDNA = str(Path(sys.executable).with_name("mxdna"))


def fit(out: Path, *extra: str) -> None:
    assert main(["tokenize", "fit", "--fasta", str(TRAIN), "--out", str(out), *SMALL, *extra]) == 0


@pytest.fixture(scope="module")
def fitted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    fit(out)
    return out


def read_tsv(path: Path) -> tuple[list[str], list[list[str]]]:
    header, *rows = path.read_text().splitlines()
    return header.split("\t"), [row.split("\t") for row in rows]


# -- fit ---------------------------------------------------------------------------------------


def test_fit_writes_a_loadable_tokenizer_and_a_summary(tmp_path, capsys):
    out = tmp_path / "tok.json"
    fit(out)
    summary = capsys.readouterr().out
    tokenizer = load_tokenizer(out)
    assert isinstance(tokenizer, Tokenizer)
    assert tokenizer.vocab_size == 256
    assert tokenizer.classes_ == load_fasta_set(TRAIN).classes  # 7 classes from the headers
    assert summary.startswith(f"{out}: 256 tokens from 5,720 sequences")
    assert "7 classes" in summary
    bases = tokenizer.history_[-1]["bases_per_token"]
    assert f"bases per token: {bases:.2f}" in summary
    assert "top 10 tokens by information gain" in summary
    rows = [line.split() for line in summary.splitlines() if re.match(r"\s+\d+\s+[ACGTN]+\s", line)]
    assert len(rows) == 10
    gains = [float(r[2]) for r in rows]
    assert gains == sorted(gains, reverse=True) and gains[0] > 0
    ig = dict(zip(tokenizer.tokens, tokenizer.information_gain_.tolist(), strict=True))
    assert max(ig.values()) == pytest.approx(gains[0], abs=1e-4)


def test_fit_twice_with_one_seed_gives_byte_identical_json(tmp_path, fitted, capsys):
    again = tmp_path / "again.json"
    fit(again)
    assert again.read_bytes() == fitted.read_bytes()


def test_fit_merges_labels_and_thread_count_does_not_change_the_vocabulary(tmp_path, capsys):
    merge = ["--merge-labels", "promoter=sigma24,sigma28,sigma32,sigma38,sigma54,sigma70"]
    fit(tmp_path / "one.json", *merge, "--threads", "1")
    fit(tmp_path / "two.json", *merge, "--threads", "2")
    one, two = load_tokenizer(tmp_path / "one.json"), load_tokenizer(tmp_path / "two.json")
    assert tuple(one.classes_) == ("non_promoter", "promoter")
    assert one.tokens == two.tokens
    np.testing.assert_array_equal(one.information_gain_, two.information_gain_)
    fit(tmp_path / "kept.json", "--keep-classes", "sigma70,non_promoter")
    assert tuple(load_tokenizer(tmp_path / "kept.json").classes_) == ("non_promoter", "sigma70")


def test_fit_unsupervised_and_unlabelled_data_use_no_labels(tmp_path, capsys):
    fit(tmp_path / "u.json", "--unsupervised")
    unlabelled = tmp_path / "plain.fa"
    unlabelled.write_text("".join(f">r{i}\n{'ACGTTGCA' * (i + 2)}TATAAT\n" for i in range(20)))
    args = ["tokenize", "fit", "--fasta", str(unlabelled), "--out", str(tmp_path / "p.json")]
    assert main([*args, "--vocab-size", "16", "--n-iter", "2"]) == 0
    assert "no labels used" in capsys.readouterr().out
    for name in ("u.json", "p.json"):
        tokenizer = load_tokenizer(tmp_path / name)
        assert tokenizer.classes_ == ()
        assert not tokenizer.information_gain_.any()
    assert main(["tokenize", "inspect", str(tmp_path / "u.json")]) == 0
    text = capsys.readouterr().out
    assert "classes: none" in text and "tokens by count:" in text


def test_fit_one_class_per_file(tmp_path, capsys):
    records = list(read_fasta(TRAIN))
    for name, label in (("promoters.fa", "sigma70"), ("background.fa", "non_promoter")):
        chosen = [r for r in records if f"label={label}" in r.description][:200]
        (tmp_path / name).write_text("".join(f">{r.id}\n{r.sequence}\n" for r in chosen))
    args = ["tokenize", "fit", "--out", str(tmp_path / "t.json"), "--vocab-size", "64"]
    for name in ("promoters.fa", "background.fa"):
        args += ["--fasta", str(tmp_path / name)]
    assert main([*args, "--n-iter", "2"]) == 0
    assert load_tokenizer(tmp_path / "t.json").classes_ == ("background", "promoters")


# -- inspect -----------------------------------------------------------------------------------


def test_inspect_text(fitted, capsys):
    assert main(["tokenize", "inspect", str(fitted), "--top", "5"]) == 0
    text = capsys.readouterr().out
    tokenizer = load_tokenizer(fitted)
    assert "kind: learned" in text
    assert "vocabulary: 256 tokens (4 special, 5 single-base, 247 longer)" in text
    assert "classes: " + ", ".join(tokenizer.classes_) + " (7)" in text
    assert "top 5 tokens by information gain:" in text
    best = max(range(4, 256), key=lambda i: (tokenizer.information_gain_[i], -i))
    assert re.search(rf"\s{best}\s+{tokenizer.tokens[best]}\s", text)
    bars = re.findall(r"^\s+(\d+)\s+(#+)\s+(\d+)$", text, flags=re.MULTILINE)
    assert sum(int(n) for _, _, n in bars) == 252  # every non-special token, by length
    assert "fitting history:" in text and "bases/token" in text
    history_rows = re.findall(r"^\s+(\d+)\s+[\d,]+\s+-[\d,.]+\s", text, flags=re.MULTILINE)
    assert [int(i) for i in history_rows] == list(range(len(tokenizer.history_)))


def test_inspect_json(fitted, capsys):
    assert main(["tokenize", "inspect", str(fitted), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    tokenizer = load_tokenizer(fitted)
    assert report["kind"] == "learned" and report["vocab_size"] == 256
    assert report["classes"] == list(tokenizer.classes_)
    assert report["params"]["vocab_size"] == 256 and report["params"]["n_iter"] == 3
    top = report["top_tokens"]
    assert top["by"] == "information_gain" and len(top["tokens"]) == 20
    gains = [row["information_gain"] for row in top["tokens"]]
    assert gains == sorted(gains, reverse=True)
    for row in top["tokens"]:
        i = row["id"]
        assert row["token"] == tokenizer.tokens[i]
        assert row["count"] == int(tokenizer.counts_[i])
        assert row["score"] == pytest.approx(tokenizer.vocabulary_.scores[i])
    lengths = {int(k): v for k, v in report["token_lengths"].items()}
    assert sum(lengths.values()) == 252 and lengths[1] == 5  # A C G T N
    assert max(lengths) <= 12
    assert report["history"] == tokenizer.history_
    assert report["bases_per_token"] == tokenizer.history_[-1]["bases_per_token"]


def test_inspect_baseline_shows_what_it_has(tmp_path, capsys):
    baselines = pytest.importorskip("mxdna.tokenizer.baselines")
    if "kmer" not in TOKENIZER_KINDS:
        pytest.skip("baseline kinds are not registered in TOKENIZER_KINDS yet")
    baselines.KmerTokenizer(k=3).save(tmp_path / "kmer.json")
    assert main(["tokenize", "inspect", str(tmp_path / "kmer.json"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == "kmer" and report["history"] == []
    assert report["token_lengths"] == {"1": 5, "2": 16, "3": 64}
    assert main(["tokenize", "inspect", str(tmp_path / "kmer.json")]) == 0
    assert "bases per token: - (not recorded)" in capsys.readouterr().out


# -- encode ------------------------------------------------------------------------------------


def test_encode_tsv_tiles_every_sequence(tmp_path, fitted, capsys):
    out = tmp_path / "tokens.tsv"
    args = ["tokenize", "encode", "--tokenizer", str(fitted), "--out", str(out)]
    assert main([*args, "--fasta", str(TEST), "--fasta", str(TRAIN)]) == 0
    assert capsys.readouterr().out.startswith(f"{out}: 5,976 sequences, ")
    header, rows = read_tsv(out)
    assert header == ["id", "n_tokens", "tokens", "starts"]
    records = [*read_fasta(TEST), *read_fasta(TRAIN)]
    assert [r[0] for r in rows] == [r.id for r in records]  # input order, files in turn
    for (_, n_tokens, tokens, starts), record in zip(rows, records, strict=True):
        pieces, offsets = tokens.split(" "), [int(s) for s in starts.split(" ")]
        assert int(n_tokens) == len(pieces) == len(offsets)
        assert "".join(pieces) == re.sub("[^ACGT]", "N", record.sequence.upper())
        ends = [*offsets[1:], len(record.sequence)]
        assert offsets[0] == 0
        assert [e - s for s, e in zip(offsets, ends, strict=True)] == [len(p) for p in pieces]
    tokenizer = load_tokenizer(fitted)
    for row, record in list(zip(rows, records, strict=True))[::500]:  # same as encode()
        encoding = tokenizer.encode(record.sequence)
        assert row[2].split(" ") == [tokenizer.tokens[i] for i in encoding.ids]
        assert [int(s) for s in row[3].split(" ")] == encoding.offsets[:, 0].tolist()


def test_encode_case_and_ambiguity_codes(tmp_path, fitted, capsys):
    fasta = tmp_path / "x.fa"
    sequences = {"soft": "acgtTATAATgcgc", "iupac": "ACGTRYNNACGTSW", "one": "g"}
    fasta.write_text("".join(f">{k} note=x\n{v}\n" for k, v in sequences.items()))
    out = tmp_path / "x.tsv"
    assert main(["tokenize", "encode", "--tokenizer", str(fitted), "--fasta", str(fasta),
                 "--out", str(out)]) == 0  # fmt: skip
    _, rows = read_tsv(out)
    tokenizer = load_tokenizer(fitted)
    for (rid, _, tokens, _), (name, sequence) in zip(rows, sequences.items(), strict=True):
        assert rid == name
        assert tokens.replace(" ", "") == re.sub("[^ACGT]", "N", sequence.upper())
        assert tokenizer.decode(tokenizer.encode(sequence)) == sequence
    assert rows[2][1:] == ["1", "G", "0"]


# -- bad input through the executable ----------------------------------------------------------

TWO_CLASSES = "".join(
    f">r{i} label={'ab'[i % 2]}\n{'ACGTTGCATATAAT'[i % 5 :] * 3}\n" for i in range(12)
)
ONE_CLASS = ">a label=x\nACGTACGTAC\n>b label=x\nTTGACATATAAT\n"
HUGGING_FACE = json.dumps(
    {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [],
        "normalizer": None,
        "pre_tokenizer": None,
        "post_processor": None,
        "decoder": None,
        "model": {"type": "BPE", "vocab": {"A": 0, "C": 1}, "merges": []},
    }
)
OTHER_SCHEMA = json.dumps({"format": "mxdna.tokenizer", "schema_version": 99, "kind": "learned"})
FIT = ["tokenize", "fit", "--fasta", "g.fa"]
ENCODE = ["tokenize", "encode", "--fasta", "g.fa", "--out", "t.tsv", "--tokenizer"]

BAD = [
    ("unwritable --out", {"afile": "x"}, [*FIT, "--out", "afile/t.json"],
     r"afile.*not a directory"),
    ("--out is a directory", {"d/keep": "x"}, [*FIT, "--out", "d"], r"d: is a directory"),
    ("vocab below the alphabet", {}, [*FIT, "--out", "t.json", "--vocab-size", "5"],
     r"vocab_size must be an integer above 9 .*got 5"),
    ("one class", {"g.fa": ONE_CLASS}, [*FIT, "--out", "t.json"],
     r"only 1 class \(x\) in g\.fa: .*--unsupervised"),
    ("empty FASTA", {"e.fa": ""}, ["tokenize", "fit", "--fasta", "e.fa", "--out", "t.json"],
     r"e\.fa: no FASTA records"),
    ("max motif length", {}, [*FIT, "--out", "t.json", "--max-motif-len", "40"],
     r"max_motif_len must be in 2\.\.27"),
    ("tokenizer not JSON", {"t.json": "vocab\nACGT\n"}, [*ENCODE, "t.json"],
     r"t\.json: not a tokenizer JSON file"),
    ("Hugging Face tokenizer.json", {"tokenizer.json": HUGGING_FACE},
     ["tokenize", "inspect", "tokenizer.json"], r"tokenizer\.json: not an mxdna tokenizer file"),
    ("other schema version", {"t.json": OTHER_SCHEMA}, ["tokenize", "inspect", "t.json"],
     r"t\.json: schema version 99 is not supported"),
    ("missing tokenizer", {}, [*ENCODE, "nope.json"], r"nope\.json: no such file"),
    ("label typo", {}, [*FIT, "--out", "t.json", "--merge-labels", "ab=a,zz"],
     r"labels to merge not found in the data: zz"),
    ("encode an empty FASTA", {"e.fa": ""},
     ["tokenize", "encode", "--fasta", "e.fa", "--out", "t.tsv", "--tokenizer", "TOKENIZER"],
     r"e\.fa: no FASTA records"),
]  # fmt: skip


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("files", "args", "message"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_bad_input_is_one_line_exit_2(tmp_path, fitted, files, args, message):
    (tmp_path / "g.fa").write_text(TWO_CLASSES)
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    args = [str(fitted) if a == "TOKENIZER" else a for a in args]
    before = _snapshot(tmp_path)
    result = subprocess.run(
        [MXDNA, *args], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mxdna: error: ")
    assert re.search(message, lines[0]), lines[0]
    assert result.stdout == ""
    assert _snapshot(tmp_path) == before  # nothing written, no temporary files left


def test_two_class_fixture_is_valid(tmp_path, capsys):
    """The bad-input cases fail for their own reason: the same command on good input works."""
    (tmp_path / "g.fa").write_text(TWO_CLASSES)
    out = tmp_path / "t.json"
    args = ["tokenize", "fit", "--fasta", str(tmp_path / "g.fa"), "--out", str(out)]
    assert main([*args, "--vocab-size", "12", "--n-iter", "2"]) == 0
    assert load_tokenizer(out).classes_ == ("a", "b")
