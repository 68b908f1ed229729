"""Tests for mxdna.io.labels: label sources agree, errors are specific and say where."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mxdna.errors import (
    ConfigError,
    DuplicateIdError,
    EmptyInputError,
    ExtraLabelError,
    InputNotFoundError,
    LabelError,
    MissingLabelError,
)
from mxdna.io.labels import (
    class_name_from_path,
    load_fasta_set,
    parse_header_label,
    read_label_table,
)


def write(path: Path, text: str) -> Path:
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def fasta_text(records: list[tuple[str, str, str]]) -> str:
    """FASTA from (id, sequence, description) triples, one header + one sequence line each."""
    return "".join(f">{rid}{' ' + desc if desc else ''}\n{seq}\n" for rid, seq, desc in records)


POS = [("p1", "ACGTACGT", ""), ("p2", "TTGACA", ""), ("p3", "GGGCCC", "")]
NEG = [("n1", "AAAAAA", ""), ("n2", "CACACA", "")]


# --- parse_header_label -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "key", "expected"),
    [
        ("label=strong", "label", "strong"),
        ("foo=1 label=0", "label", "0"),
        ("label=0 foo=1", "label", "0"),
        ("foo=1\tlabel=x  bar", "label", "x"),
        ("", "label", None),
        ("foo=1", "label", None),
        ("label=", "label", None),
        ("mylabel=1", "label", None),
        ("class=A label=B", "class", "A"),
    ],
)
def test_parse_header_label(description: str, key: str, expected: str | None) -> None:
    assert parse_header_label(description, key) == expected


def test_class_name_from_path_strips_fasta_and_compression_extensions() -> None:
    assert class_name_from_path("dir/promoters.fa.gz") == "promoters"
    assert class_name_from_path("background.FASTA") == "background"
    assert class_name_from_path("x.fna.bgz") == "x"
    assert class_name_from_path("tf.v2.fa") == "tf.v2"
    assert class_name_from_path("notes.txt") == "notes.txt"


# --- read_label_table -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["labels.tsv", "labels.txt", "labels.tsv.gz", "labels"])
def test_read_tab_table_with_header_comments_and_extra_columns(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, "# made by hand\nID\tClass\tscore\n\na\tx\t0.5\nb\ty\n")
    assert read_label_table(path) == {"a": ("x", 4), "b": ("y", 5)}


@pytest.mark.parametrize("name", ["labels.csv", "labels.csv.gz"])
def test_read_csv_table_without_header(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, 'a,x\r\n"b, quoted",y,extra\r\n')
    assert read_label_table(path) == {"a": ("x", 1), "b, quoted": ("y", 2)}


def test_first_row_not_header_like_is_data(tmp_path: Path) -> None:
    path = write(tmp_path / "t.tsv", "sequence\tkind\na\tx\n")
    assert read_label_table(path) == {"sequence": ("kind", 1), "a": ("x", 2)}


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("id\tlabel\na\tx\nb\n", 3, "found 1"),
        ("a\tx\n\t y\n", 2, "empty id"),
        ("a\tx\nb\t \n", 2, "empty label for id 'b'"),
        ("a,x\n", 1, "name a comma-separated table '.csv'"),
    ],
)
def test_table_row_errors_name_file_and_line(
    tmp_path: Path, text: str, line: int, needle: str
) -> None:
    path = write(tmp_path / "t.tsv", text)
    with pytest.raises(LabelError) as info:
        read_label_table(path)
    assert (info.value.path, info.value.line) == (str(path), line)
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert needle in str(info.value)


def test_duplicate_table_id_names_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "id,label\na,x\nb,y\n# c\na,z\n")
    with pytest.raises(DuplicateIdError) as info:
        read_label_table(path)
    assert info.value.line == 5
    assert "lines 2 and 5" in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("text", ["", "id\tlabel\n", "# only a comment\n\n"])
def test_empty_table(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "t.tsv", text)
    with pytest.raises(EmptyInputError, match="no rows"):
        read_label_table(path)


def test_missing_table(tmp_path: Path) -> None:
    with pytest.raises(InputNotFoundError):
        read_label_table(tmp_path / "absent.tsv")


# --- load_fasta_set: label sources ------------------------------------------------------------


def with_label(records: list[tuple[str, str, str]], label: str) -> list[tuple[str, str, str]]:
    return [(rid, seq, f"label={label}") for rid, seq, _ in records]


def test_header_table_and_per_file_sources_agree(tmp_path: Path) -> None:
    headers = write(
        tmp_path / "all.fa", fasta_text(with_label(POS, "pos") + with_label(NEG, "neg"))
    )
    plain = write(tmp_path / "plain.fa", fasta_text(POS + NEG))
    table = write(tmp_path / "t.tsv", "".join(f"{r[0]}\tpos\n" for r in POS) + "n1\tneg\nn2\tneg\n")
    per_file = [
        write(tmp_path / "pos.fa.gz", fasta_text(POS)),
        write(tmp_path / "neg.fa", fasta_text(NEG)),
    ]

    sets = [
        load_fasta_set([headers]),
        load_fasta_set([plain], labels=table),
        load_fasta_set(per_file),
    ]
    for s in sets:
        assert s.ids == tuple(r[0] for r in POS + NEG)
        assert s.sequences == tuple(r[1] for r in POS + NEG)
        assert s.labels == ("pos",) * 3 + ("neg",) * 2
        assert s.chroms is None
    assert sets[0].sources == tuple(f"{headers}:{line}" for line in (1, 3, 5, 7, 9))
    assert sets[2].sources[3] == f"{per_file[1]}:1"


@given(
    st.lists(
        st.tuples(st.text("ACGTN", min_size=1, max_size=20), st.sampled_from(["a", "b", "c"])),
        min_size=1,
        max_size=30,
    )
)
@settings(max_examples=30, deadline=None)
def test_header_and_table_labels_agree_on_random_data(rows: list[tuple[str, str]]) -> None:
    ids = [f"r{i}" for i in range(len(rows))]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        headed = write(
            root / "h.fa",
            fasta_text([(i, s, f"x=1 label={y}") for i, (s, y) in zip(ids, rows, strict=True)]),
        )
        plain = write(
            root / "p.fa", fasta_text([(i, s, "") for i, (s, _) in zip(ids, rows, strict=True)])
        )
        table = write(
            root / "t.csv",
            "id,label\n" + "".join(f"{i},{y}\n" for i, (_, y) in zip(ids, rows, strict=True)),
        )
        from_headers = load_fasta_set([headed])
        from_table = load_fasta_set([plain], labels=table)
    assert from_headers.labels == from_table.labels == tuple(y for _, y in rows)
    assert from_headers.sequences == from_table.sequences


def test_table_overrides_header_labels(tmp_path: Path) -> None:
    fa = write(tmp_path / "a.fa", fasta_text(with_label(NEG, "wrong")))
    table = write(tmp_path / "t.tsv", "n1\tright\nn2\tright\n")
    assert load_fasta_set([fa], labels=table).labels == ("right", "right")


def test_single_unlabelled_file_gives_unlabelled_set(tmp_path: Path) -> None:
    fa = write(tmp_path / "a.fa", fasta_text(POS))
    data = load_fasta_set(fa)  # a single path is accepted too
    assert data.labels is None
    assert len(data) == 3


def test_custom_label_key_and_sequence_policy(tmp_path: Path) -> None:
    fa = write(tmp_path / "a.fa", ">r1 class=A label=zzz\nacgR\n>r2 class=B\nTTNY\n")
    data = load_fasta_set([fa], label_key="class", case="upper", ambiguous="to_n")
    assert data.labels == ("A", "B")
    assert data.sequences == ("ACGN", "TTNN")


def test_one_class_per_file_needs_distinct_names(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write(tmp_path / "a" / "x.fa", fasta_text(POS))
    second = write(tmp_path / "b" / "x.fasta.gz", fasta_text(NEG))
    with pytest.raises(LabelError, match="'x'") as info:
        load_fasta_set([first, second])
    assert str(first) in str(info.value)
    assert str(second) in str(info.value)


def test_no_paths_is_config_error() -> None:
    with pytest.raises(ConfigError):
        load_fasta_set([])


# --- load_fasta_set: errors -------------------------------------------------------------------


def test_duplicate_id_across_files_names_both_locations(tmp_path: Path) -> None:
    a = write(tmp_path / "a.fa", fasta_text(POS))
    b = write(tmp_path / "b.fa", fasta_text([*NEG, ("p2", "ACGT", "")]))
    with pytest.raises(DuplicateIdError) as info:
        load_fasta_set([a, b])
    message = str(info.value)
    assert "'p2'" in message
    assert f"{a}:3" in message
    assert f"{b}:5" in message
    assert "in total" not in message
    assert (info.value.path, info.value.line) == (str(b), 5)


def test_duplicate_ids_within_file_report_total(tmp_path: Path) -> None:
    fa = write(tmp_path / "a.fa", fasta_text([*POS, *POS, ("p1", "A", "")]))
    with pytest.raises(DuplicateIdError) as info:
        load_fasta_set([fa])
    message = str(info.value)
    assert f"{fa}:1 and {fa}:7" in message
    assert "4 records in total" in message


def test_mixed_header_labels_is_missing_label_error(tmp_path: Path) -> None:
    records = [*with_label(POS, "pos"), *NEG, ("n3", "ACGT", "note=1"), ("n4", "ACGT", "label=")]
    fa = write(tmp_path / "a.fa", fasta_text(records))
    with pytest.raises(MissingLabelError) as info:
        load_fasta_set([fa])
    message = str(info.value)
    assert "4 records have no label" in message
    assert f"n1 ({fa}:7), n2 ({fa}:9), n3 ({fa}:11), ..." in message
    assert "3 records have one" in message
    assert (info.value.path, info.value.line) == (str(fa), 7)


def test_labelled_and_unlabelled_files_is_missing_label_error(tmp_path: Path) -> None:
    a = write(tmp_path / "a.fa", fasta_text(with_label(POS, "pos")))
    b = write(tmp_path / "b.fa", fasta_text(NEG))
    with pytest.raises(MissingLabelError) as info:
        load_fasta_set([a, b])
    assert str(info.value).endswith(f"e.g. n1 ({b}:1), n2 ({b}:3)")


def test_records_missing_from_table(tmp_path: Path) -> None:
    fa = write(tmp_path / "a.fa", fasta_text(POS + NEG))
    table = write(tmp_path / "t.tsv", "p1\tpos\np3\tpos\nn2\tneg\n")
    with pytest.raises(MissingLabelError) as info:
        load_fasta_set([fa], labels=table)
    message = str(info.value)
    assert f"2 records have no label in {table}" in message
    assert f"p2 ({fa}:3), n1 ({fa}:7)" in message
    assert "no record id occurs" not in message


def test_table_with_no_matching_id_says_so(tmp_path: Path) -> None:
    fa = write(tmp_path / "a.fa", fasta_text(NEG))
    table = write(tmp_path / "t.tsv", "N1\tneg\nN2\tneg\n")
    with pytest.raises(MissingLabelError, match=r"no record id occurs in the table .*'N1'"):
        load_fasta_set([fa], labels=table)


def test_extra_table_labels(tmp_path: Path) -> None:
    fa = write(tmp_path / "a.fa", fasta_text(NEG))
    rows = "id\tlabel\nn1\tneg\nx1\tpos\nn2\tneg\nx2\tpos\nx3\tpos\nx4\tpos\n"
    table = write(tmp_path / "t.tsv", rows)
    with pytest.raises(ExtraLabelError) as info:
        load_fasta_set([fa], labels=table)
    message = str(info.value)
    assert f"4 labels in {table} name no record" in message
    assert "x1 (line 3), x2 (line 5), x3 (line 6), ..." in message
    assert (info.value.path, info.value.line) == (str(table), 3)
    assert load_fasta_set([fa], labels=table, allow_extra_labels=True).labels == ("neg", "neg")


def test_unrecognised_header_row_gets_a_hint(tmp_path: Path) -> None:
    fa = write(tmp_path / "a.fa", fasta_text(NEG))
    table = write(tmp_path / "t.tsv", "seqname\tcategory\nn1\tneg\nn2\tneg\n")
    with pytest.raises(
        ExtraLabelError, match=r"1 label in .* names no record.*a header row must start with"
    ):
        load_fasta_set([fa], labels=table)


def test_error_messages_are_one_line(tmp_path: Path) -> None:
    fa = write(tmp_path / "a.fa", fasta_text(with_label(POS, "p") + NEG))
    with pytest.raises(MissingLabelError) as info:
        load_fasta_set([fa])
    assert "\n" not in str(info.value)


# --- real bundled datasets --------------------------------------------------------------------


# (label=1, label=0) per split, copied from each GUE dataset's SOURCE.md
GUE_COUNTS = {
    "gue_prom_300_tata": {"train": (2444, 2460), "dev": (323, 290), "test": (298, 315)},
    "gue_prom_core_all": {"train": (23651, 23705), "dev": (2979, 2941), "test": (2968, 2952)},
    "gue_tf_human/tf0": {"train": (16172, 16206), "dev": (517, 483), "test": (500, 500)},
    "gue_tf_human/tf1": {"train": (15340, 15332), "dev": (496, 504), "test": (500, 500)},
    "gue_tf_human/tf2": {"train": (9492, 9508), "dev": (508, 492), "test": (500, 500)},
    "gue_tf_human/tf3": {"train": (13629, 13665), "dev": (518, 482), "test": (500, 500)},
    "gue_tf_human/tf4": {"train": (9495, 9505), "dev": (505, 495), "test": (500, 500)},
}


@pytest.mark.parametrize(
    ("name", "file", "expected"),
    [
        ("ienhancer_2l", "train.fa", {"strong": 742, "weak": 742, "non_enhancer": 1484}),
        ("ienhancer_2l", "test.fa", {"strong": 100, "weak": 100, "non_enhancer": 200}),
        (
            "ecoli_promoters",
            "train.fa",
            {
                "non_promoter": 2860,
                "sigma70": 1694,
                "sigma24": 484,
                "sigma32": 291,
                "sigma38": 163,
                "sigma28": 134,
                "sigma54": 94,
            },
        ),
        (
            "ecoli_promoters",
            "test.fa",
            {"sigma70": 199, "sigma24": 30, "sigma32": 13, "sigma38": 10, "sigma28": 4},
        ),
        ("uci_splice", "train.fa", {"EI": 621, "IE": 605, "N": 1321}),
        ("uci_splice", "test.fa", {"EI": 146, "IE": 163, "N": 334}),
        *[
            (name, f"{split}.fa", {"1": pos, "0": neg})
            for name, counts in GUE_COUNTS.items()
            for split, (pos, neg) in counts.items()
        ],
    ],
)
def test_real_datasets_match_source_counts(
    dataset_dir, name: str, file: str, expected: dict[str, int]
) -> None:
    path = dataset_dir(name) / file
    data = load_fasta_set([path])
    assert data.label_counts() == dict(sorted(expected.items()))
    assert len(data) == sum(expected.values())
    assert len(set(data.ids)) == len(data)
    assert data.sources[0] == f"{path}:1"
