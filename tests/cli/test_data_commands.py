"""`mxdna data inspect|split|extract` on real bundled data and on small genomes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mxdna_cli.main import main

from mxdna.alphabet import reverse_complement
from mxdna.io.fasta import read_fasta
from mxdna.io.labels import load_fasta_set, parse_header_label

DATA = Path(__file__).resolve().parents[2] / "data"


def run_json(capsys, args: list[str]) -> dict:
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_inspect_bundled_ienhancer_matches_source_md(capsys):
    """Counts from data/ienhancer_2l/SOURCE.md; the 100 test-in-train sequences are duplicates."""
    train, test = DATA / "ienhancer_2l" / "train.fa", DATA / "ienhancer_2l" / "test.fa"
    report = run_json(capsys, ["data", "inspect", str(train), str(test), "--json"])
    assert report["files"] == {str(train): 2968, str(test): 400}
    assert report["label_counts"] == {"non_enhancer": 1684, "strong": 842, "weak": 842}
    assert report["length_min"] == report["length_max"] == 200
    in_train = (DATA / "ienhancer_2l" / "test_in_train.tsv").read_text().strip().splitlines()
    assert report["duplicate_sequences"] == len(in_train) - 1  # minus the table's header row
    assert report["n_fraction"] == 0.0
    assert 0.3 < report["gc_fraction"] < 0.6


def test_inspect_bundled_ecoli_text(capsys):
    assert main(["data", "inspect", str(DATA / "ecoli_promoters" / "train.fa")]) == 0
    out = capsys.readouterr().out
    assert "5,720" in out
    assert "sigma70" in out and "1,694" in out
    assert "conflicting duplicates: 1" in out  # eco_train_sigma70_0407 = eco_train_sigma54_0016


def test_inspect_one_class_per_file(tmp_path, capsys):
    (tmp_path / "promoters.fa").write_text(">p1\nACGT\n>p2\nGGGG\n")
    (tmp_path / "background.fa.gz").write_bytes(
        __import__("gzip").compress(b">b1\nTTTT\n>b2\nCCCA\n>b3\nAAAA\n")
    )
    report = run_json(
        capsys,
        [
            "data",
            "inspect",
            str(tmp_path / "promoters.fa"),
            str(tmp_path / "background.fa.gz"),
            "--json",
        ],
    )
    assert report["label_counts"] == {"background": 3, "promoters": 2}


def test_split_partitions_and_is_deterministic(tmp_path, capsys):
    source = DATA / "ecoli_promoters" / "train.fa"
    args = ["data", "split", str(source), "--val-fraction", "0.1", "--test-fraction", "0.2"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    names = ("train.fa", "val.fa", "test.fa")
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    parts = {n: load_fasta_set([tmp_path / "a" / n]) for n in names}
    original = load_fasta_set([source])
    ids = [i for p in parts.values() for i in p.ids]
    assert sorted(ids) == sorted(original.ids)
    by_id = dict(
        zip(original.ids, zip(original.sequences, original.labels, strict=True), strict=True)
    )
    for part in parts.values():
        for rid, seq, label in zip(part.ids, part.sequences, part.labels, strict=True):
            assert by_id[rid] == (seq, label)
    assert abs(len(parts["test.fa"]) / len(original) - 0.2) < 0.03
    assert abs(len(parts["val.fa"]) / len(original) - 0.1) < 0.03
    seqs = {n: set(p.sequences) for n, p in parts.items()}
    assert not seqs["train.fa"] & seqs["test.fa"]
    assert not seqs["train.fa"] & seqs["val.fa"]


@pytest.fixture
def genome(tmp_path) -> tuple[Path, dict[str, str]]:
    import numpy as np

    rng = np.random.default_rng(0)
    chroms = {f"chr{i}": "".join(rng.choice(list("ACGTacgt"), size=500)) for i in range(1, 4)}
    path = tmp_path / "genome.fa"
    with open(path, "w") as fh:
        for name, seq in chroms.items():
            fh.write(f">{name}\n")
            fh.writelines(seq[i : i + 60] + "\n" for i in range(0, len(seq), 60))
    return path, chroms


def test_extract_strands_and_chromosome_holdout(tmp_path, genome, capsys):
    genome_path, chroms = genome
    bed = tmp_path / "peaks.bed"
    rows = [
        ("chr1", 10, 30, "+"), ("chr1", 100, 140, "-"), ("chr2", 5, 25, "+"),
        ("chr2", 200, 260, "-"), ("chr3", 0, 50, "+"), ("chr3", 450, 500, "-"),
    ]  # fmt: skip
    bed.write_text(
        "".join(f"{c}\t{s}\t{e}\tp{i}\t0\t{st}\n" for i, (c, s, e, st) in enumerate(rows))
    )
    out = tmp_path / "pos.fa"
    assert main(["data", "extract", "--bed", str(bed), "--genome", str(genome_path),
                 "--out", str(out), "--label", "peak"]) == 0  # fmt: skip
    records = list(read_fasta(out))
    for record, (chrom, start, end, strand) in zip(records, rows, strict=True):
        expected = chroms[chrom][start:end]
        assert record.sequence == (reverse_complement(expected) if strand == "-" else expected)
        assert f"chrom={chrom}" in record.description and "label=peak" in record.description
    # a second class from shifted intervals, then hold out chr3 for test and chr2 for val
    neg_bed = tmp_path / "neg.bed"
    neg_bed.write_text(
        "".join(f"{c}\t{s + 1}\t{e + 1}\tn{i}\n" for i, (c, s, e, _) in enumerate(rows[:-1]))
    )
    neg = tmp_path / "neg.fa"
    assert main(["data", "extract", "--bed", str(neg_bed), "--genome", str(genome_path),
                 "--out", str(neg), "--label", "background"]) == 0  # fmt: skip
    splits = tmp_path / "splits"
    assert main(["data", "split", str(out), str(neg), "--out", str(splits),
                 "--val-chroms", "chr2", "--test-chroms", "chr3"]) == 0  # fmt: skip
    capsys.readouterr()
    chrom_of = {
        n: {parse_header_label(r.description, "chrom") for r in read_fasta(splits / f"{n}.fa")}
        for n in ("train", "val", "test")
    }
    assert chrom_of == {"train": {"chr1"}, "val": {"chr2"}, "test": {"chr3"}}
    # the genomic interval of every record travels with it (seqlet BED coordinates need it)
    intervals = [parse_header_label(r.description, "interval") for r in read_fasta(out)]
    assert all(i is not None and i.startswith("chr") and i[-3:] in "(+)(-)(.)" for i in intervals)


def test_extract_width_recentres(tmp_path, genome, capsys):
    genome_path, chroms = genome
    bed = tmp_path / "x.bed"
    bed.write_text("chr1\t100\t111\n")
    out = tmp_path / "x.fa"
    assert main(["data", "extract", "--bed", str(bed), "--genome", str(genome_path),
                 "--out", str(out), "--width", "20"]) == 0  # fmt: skip
    (record,) = list(read_fasta(out))
    assert record.sequence == chroms["chr1"][95:115]  # centre 105, 20 bp window
    assert record.id == "chr1:95-115(.)"


def test_version_and_help(capsys):
    assert main(["--version"]) == 0
    assert "mxdna, version" in capsys.readouterr().out
    assert main(["data", "--help"]) == 0
    assert "inspect" in capsys.readouterr().out
