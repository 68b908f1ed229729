"""The HTML report: every panel present, self-contained, deterministic, and bad input refused."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mxdna_cli.main import main
from report_html import section

from mxdna.errors import ConfigError, InputNotFoundError, MxdnaError
from mxdna.report import render_report, write_report
from mxdna.report.attribution_files import read_attributions, read_meme
from mxdna.report.attribution_sections import choose_examples
from mxdna.report.html import number
from mxdna.report.tracks import shaded_sequence

MXDNA = str(Path(sys.executable).with_name("mxdna"))
SECTIONS = {
    "summary": "Run summary",
    "metrics": "Metrics",
    "training": "Training curves",
    "test": "Test set: confusion, ROC and precision–recall",
    "tokenizer": "Tokenizer",
    "motifs": "Motifs",
    "examples": "Example sequences",
}


@pytest.fixture(scope="module")
def page(_report_inputs) -> str:
    return render_report(_report_inputs, examples=3)


def test_every_panel_is_present(page):
    assert "<title>mxdna report: run</title>" in page
    for anchor, title in SECTIONS.items():
        assert f'<section id="{anchor}"><h2>{title}</h2>' in page, anchor
        assert f'href="#{anchor}"' in page  # in the table of contents
    assert 'id="positions"' not in page and 'href="#positions"' not in page  # not aligned
    assert "Vocabulary churn" in section(page, "tokenizer")
    assert 'alt="top tokens by information gain"' in section(page, "tokenizer")
    metrics = section(page, "metrics")
    assert "0.750" in metrics and "—" in metrics  # auprc None is shown as undefined


def test_page_is_self_contained(page):
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert not re.search(r"<script|<link|<iframe|@import|url\(", page, re.I)
    sources = re.findall(r'<img src="([^"]*)"', page)
    assert sources and all(
        s.startswith(("data:image/svg+xml;base64,", "data:image/png;")) for s in sources
    )
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', page))


def test_every_motif_row_has_a_logo_and_its_jaspar_name(page):
    motifs = section(page, "motifs")
    rows = re.findall(r"<tr>(.*?)</tr>", motifs.split("<tbody>")[1], re.S)
    assert len(rows) == 2
    for row, motif in zip(rows, ("mx1", "mx2"), strict=True):
        assert f'alt="sequence logo of {motif}"' in row
        assert 'src="data:image/png;base64,' in row
    assert "FOS::JUN" in rows[0] and "MA0099.3" in rows[0] and "no match" in rows[1]
    assert ">0.001<" in rows[0]  # q-value with significant digits, not rounded to 0.00


def test_examples_have_tracks_and_shaded_sequences(page):
    examples = section(page, "examples")
    assert examples.count('alt="attribution track of') == 3
    assert examples.count('<pre class="seq">') == 3
    assert "explained class (the predicted class, from the mean of both strands;" in examples


def test_same_inputs_give_identical_bytes_across_processes(page, _report_inputs, tmp_path):
    """Another process (the real executable) writes exactly the text rendered here."""
    out = tmp_path / "report.html"
    result = subprocess.run(
        [MXDNA, "report", "--run", str(_report_inputs), "--out", str(out), "--examples", "3"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == page.encode("utf-8")


def test_without_predictions_or_attributions_the_report_says_so(run_dir, tmp_path):
    (run_dir / "predictions.tsv").unlink()
    shutil.rmtree(run_dir / "attribution")
    page = render_report(run_dir)
    assert "No test predictions" in section(page, "test")
    for anchor in ("motifs", "examples"):
        assert "No attributions" in section(page, anchor)
        assert "mxdna attribute --run" in section(page, anchor)
    assert "<img" not in section(page, "motifs")


def test_attributions_from_another_directory(run_dir, tmp_path):
    moved = Path(shutil.move(run_dir / "attribution", tmp_path / "elsewhere"))
    assert "No attributions" in section(render_report(run_dir), "motifs")
    page = render_report(run_dir, moved, examples=1)
    assert 'alt="sequence logo of mx1"' in page
    assert section(page, "examples").count('alt="attribution track of') == 1


def test_no_motifs_found_is_not_an_error(run_dir):
    attribution = run_dir / "attribution"
    (attribution / "motifs.meme").write_text("MEME version 4\n\nALPHABET= ACGT\n")
    header = (attribution / "motifs.tsv").read_text().splitlines()[0]
    (attribution / "motifs.tsv").write_text(header + "\n")
    (attribution / "seqlets.bed").write_text("")
    page = render_report(run_dir, examples=1)
    assert "No motifs were found" in section(page, "motifs")
    assert section(page, "examples").count('alt="attribution track of') == 1


def test_cli_writes_the_report(run_dir, tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", "--run", str(run_dir), "--out", str(out), "--examples", "0"]) == 0
    assert f"report written to {out}" in capsys.readouterr().out
    assert "attribution track" not in section(out.read_text(), "examples")


def _break(run_dir: Path, name: str, content: str | bytes) -> None:
    path = run_dir / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


BAD_INPUTS = [
    ("missing run directory", None, None, r"no such run directory"),
    ("no metrics", "metrics.json", "DELETE", r"metrics\.json is missing"),
    ("metrics not JSON", "metrics.json", "{oops", r"metrics\.json: not valid JSON"),
    ("metrics without splits", "metrics.json", '{"best_epoch": 1}', r"metrics\.json: expected"),
    (
        "history short row",
        "history.tsv",
        "epoch\tround\ttrain_loss\n0\t0\n",
        r"history\.tsv:2: 2 fields",
    ),
    (
        "history not a number",
        "history.tsv",
        "epoch\tround\ttrain_loss\n0\t0\tx\n",
        r"'x' is not a number",
    ),
    (
        "history binary",
        "history.tsv",
        b"\x89PNG\r\n\x00\xff",
        r"history\.tsv: not a UTF-8 text file",
    ),
    ("config broken", "config.yaml", "train: [", r"config\.yaml: not valid YAML"),
    ("config incomplete", "config.yaml", "train: {}\n", r"unreadable run configuration"),
    ("tokenizer broken", "tokenizer.json", "{}", r"tokenizer\.json: not an mxdna tokenizer"),
    (
        "predictions bad class",
        "predictions.tsv",
        "id\tlabel\tpredicted\tp_bound\tp_background\ns\tbound\tzzz\t0.5\t0.5\n",
        r"predicted classes not in the run: zzz",
    ),
    (
        "npz corrupt",
        "attribution/attributions.npz",
        b"not a zip",
        r"attributions\.npz: not a readable numpy",
    ),
    ("attribution file missing", "attribution/motifs.meme", "DELETE", r"motifs\.meme is missing"),
    (
        "meme broken",
        "attribution/motifs.meme",
        "MEME version 4\nMOTIF mx1\nletter-probability matrix: w= 2\n0.1 x\n",
        r"motifs\.meme:4: matrix rows",
    ),
    (
        "motif without matrix",
        "attribution/motifs.meme",
        "MEME version 4\nMOTIF mx1\nletter-probability matrix: w= 1\n1 0 0 0\n",
        r"without a matrix in motifs\.meme: mx2",
    ),
    (
        "attribution json",
        "attribution/attribution.json",
        '{"method": "ig"}',
        r"attribution\.json: expected a JSON object",
    ),
    (
        "other run's attributions",
        "attribution/attribution.json",
        '{"classes": ["a", "b"]}',
        r"attributions are of another run",
    ),
]


@pytest.mark.parametrize(
    ("case", "name", "content", "message"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS]
)
def test_bad_input_is_one_line_exit_2_and_keeps_the_old_report(
    run_dir, tmp_path, capsys, case, name, content, message
):
    target = run_dir
    if name is None:
        target = tmp_path / "absent"
    elif content == "DELETE":
        (run_dir / name).unlink()
    else:
        _break(run_dir, name, content)
    out = tmp_path / "report.html"
    out.write_text("the report I already had")
    assert main(["report", "--run", str(target), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("mxdna: error: ") and "\n" not in err and "Traceback" not in err
    assert re.search(message, err), err
    assert out.read_text() == "the report I already had"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_output_path_that_is_a_directory(run_dir, tmp_path, capsys):
    assert main(["report", "--run", str(run_dir), "--out", str(tmp_path)]) == 2
    expected = f"mxdna: error: {tmp_path}: is a directory, expected a file name"
    assert capsys.readouterr().err.strip() == expected


def test_library_errors_are_mxdna_errors(run_dir, tmp_path):
    with pytest.raises(InputNotFoundError):
        write_report(tmp_path / "nope", tmp_path / "r.html")
    with pytest.raises(ConfigError):
        render_report(run_dir, examples=-1)
    with pytest.raises(InputNotFoundError):
        render_report(run_dir, tmp_path / "no-attributions")
    assert not (tmp_path / "r.html").exists()
    assert issubclass(ConfigError, MxdnaError)


# -- parts ---------------------------------------------------------------------------------------


def test_meme_reader_keeps_probabilities(run_dir):
    matrices = read_meme(run_dir / "attribution" / "motifs.meme")
    assert list(matrices) == ["mx1", "mx2"]
    assert matrices["mx1"].shape == (7, 4)
    np.testing.assert_allclose(matrices["mx1"].sum(axis=1), 1.0)
    assert "".join("ACGT"[i] for i in matrices["mx1"].argmax(axis=1)) == "TGACTCA"


def test_examples_take_classes_in_turn_most_confident_first(run_dir):
    attributions = read_attributions(run_dir / "attribution")
    target = attributions.arrays["target"]
    probabilities = attributions.arrays["probabilities"]
    chosen = choose_examples(attributions, 4)
    assert len(chosen) == 4 and len(set(chosen)) == 4
    first = chosen[0]
    same = np.flatnonzero(target == target[first])
    assert probabilities[first, target[first]] == probabilities[same, target[first]].max()
    if len(set(target.tolist())) == 2:
        assert target[chosen[0]] != target[chosen[1]]
    assert len(choose_examples(attributions, 100)) == attributions.n_sequences


def test_shaded_sequence_marks_sign_and_strength():
    text = shaded_sequence("ACGTA", np.array([1.0, -1.0, 0.5, 0.0, -0.24]))
    assert '<span class="p4">A</span>' in text and '<span class="n4">C</span>' in text
    assert (
        '<span class="p2">G</span>' in text and "T" in text and '<span class="n1">A</span>' in text
    )
    assert shaded_sequence("<&", np.zeros(2)).count("&lt;&amp;") == 1  # escaped, never markup


def test_number_formatting():
    assert number(None) == number(float("nan")) == "—"
    assert (
        number(1234) == "1,234" and number(0.12345) == "0.123" and number(0.0004213) == "0.000421"
    )
