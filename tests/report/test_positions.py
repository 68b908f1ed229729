"""The "Positions" panel of runs trained with `--aligned`: the position head's weights find a
planted base, the attribution means are per position, and bad weight files are refused."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from aligned_data import ALIGNED_CLASSES, PLANTED, WINDOW
from mxdna_cli.main import main
from report_html import section
from safetensors.numpy import save_file

from mxdna.report import render_report
from mxdna.report.attribution_files import read_attributions
from mxdna.report.position_sections import (
    MAX_CLASSES,
    centred_weights,
    position_means,
    positions_section,
    top_positions,
)
from mxdna.report.run_files import read_run

PLANTED_BASE = dict(zip(ALIGNED_CLASSES, "CG", strict=True))


@pytest.fixture(scope="module")
def page(aligned_run) -> str:
    return render_report(aligned_run, examples=0)


@pytest.fixture
def aligned_copy(aligned_run, tmp_path) -> Path:
    """A copy of the aligned run that a test may break."""
    return Path(shutil.copytree(aligned_run, tmp_path / "run"))


def test_aligned_run_has_a_positions_section_after_the_tokenizer(page):
    assert '<section id="positions"><h2>Positions</h2>' in page
    toc = re.search(r'<nav class="toc">(.*?)</nav>', page).group(1)
    anchors = re.findall(r'href="#([^"]+)"', toc)
    assert anchors.index("positions") == anchors.index("tokenizer") + 1
    positions = section(page, "positions")
    assert f"first {WINDOW} positions" in positions and "base 1 is the first base" in positions
    assert positions.count('alt="position-head weights"') == 1
    assert "only the difference between the two logits matters" in positions  # two classes


def test_planted_base_tops_the_position_table(page):
    """G (class 'gsite') or C ('csite') at 0-based position 10 is the report's position 11."""
    positions = section(page, "positions")
    listing = positions.split('<table class="positions">')[1].split("<tbody>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", listing, re.S)
    assert len(rows) == 10
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", rows[0])]
    position, klass, preferred, avoided, _ = cells
    assert position == str(PLANTED + 1) == "11"
    assert preferred == PLANTED_BASE[klass]
    assert {preferred, avoided} == {"C", "G"}


def test_positions_report_is_byte_identical(page, aligned_run):
    assert render_report(aligned_run, examples=0) == page


def test_mean_attribution_chart_with_attributions(page):
    positions = section(page, "positions")
    assert positions.count('alt="mean attribution per position"') == 1
    assert "Mean over the 24 attributed sequences" in positions
    assert "No attributions" not in positions


def test_without_weights_or_attributions_the_section_says_so(aligned_copy):
    (aligned_copy / "model.safetensors").unlink()
    shutil.rmtree(aligned_copy / "attribution")
    positions = section(render_report(aligned_copy, examples=0), "positions")
    assert "<code>model.safetensors</code> is missing" in positions
    assert "No attributions" in positions and "mxdna attribute --run" in positions
    assert "<img" not in positions


def _weights(run: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(run / "model.safetensors")


BAD_WEIGHTS = [
    ("not safetensors", lambda w: b"not a safetensors file", r"unreadable model weights"),
    (
        "no position head",
        lambda w: {k: v for k, v in w.items() if not k.startswith("position_head.")},
        r"no position_head\.linear\.weight \(config\.yaml sets position_head: 30\)",
    ),
    (
        "wrong shape",
        lambda w: w | {"position_head.linear.weight": np.zeros((2, 7), np.float32)},
        r"has shape \(2, 7\), expected \(2, 120\)",
    ),
    (
        "not finite",
        lambda w: w | {"position_head.linear.weight": np.full((2, 120), np.nan, np.float32)},
        r"non-finite values",
    ),
]


@pytest.mark.parametrize(
    ("case", "change", "message"), BAD_WEIGHTS, ids=[c[0] for c in BAD_WEIGHTS]
)
def test_bad_weights_are_one_line_exit_2(aligned_copy, tmp_path, capsys, case, change, message):
    target = aligned_copy / "model.safetensors"
    changed = change(_weights(aligned_copy))
    if isinstance(changed, bytes):
        target.write_bytes(changed)
    else:
        save_file(changed, target)
    out = tmp_path / "report.html"
    assert main(["report", "--run", str(aligned_copy), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"mxdna: error: {target}: ") and "\n" not in err, err
    assert re.search(message, err), err
    assert not out.exists()


# -- parts ---------------------------------------------------------------------------------------


def test_position_means_equal_a_loop_over_sequences(aligned_run):
    """On the real attributions, some windows shorter than others: each position averages the
    sequences that reach it, per explained class (signed) and over all (magnitude)."""
    attributions = read_attributions(aligned_run / "attribution")
    lengths = {len(s) for s in attributions.arrays["sequences"].tolist()}
    assert len(lengths) > 1 and max(lengths) == WINDOW  # ragged, so the test means something
    signed, absolute, per_class = position_means(attributions)
    target = attributions.arrays["target"]
    for j in range(WINDOW):
        reach = [i for i in range(attributions.n_sequences) if len(attributions.base_values(i)) > j]
        values = [float(attributions.base_values(i)[j]) for i in reach]
        assert absolute[j] == pytest.approx(np.mean(np.abs(values)))
        for k in range(len(ALIGNED_CLASSES)):
            mine = [v for i, v in zip(reach, values, strict=True) if target[i] == k]
            expected = np.mean(mine) if mine else np.nan
            np.testing.assert_allclose(signed[k, j], expected, rtol=1e-6, atol=1e-9)
    assert per_class.tolist() == np.bincount(target, minlength=2).tolist()


def test_centring_and_top_positions():
    weights = np.zeros((2, 5, 4))
    weights[0, 3] = [1.0, 2.0, 0.0, 5.0]  # range 5 at position 3 (0-based), class 0
    weights[1, 1] = [0.0, 0.0, 3.0, 0.0]  # range 3 at position 1, class 1
    weights[0, 1] = [0.0, 3.0, 0.0, 0.0]  # the same range for class 0: the first class wins
    weights += np.arange(5)[None, :, None]  # a constant per position changes nothing shown
    centred = centred_weights(weights)
    np.testing.assert_allclose(centred.sum(axis=2), 0.0, atol=1e-12)
    top = top_positions(centred, n=3)
    assert [(t.position, t.class_index, t.preferred, t.avoided) for t in top] == [
        (3, 0, "T", "G"),
        (1, 0, "C", "A"),
        (0, 0, "A", "A"),  # all equal: range 0, earliest position first
    ]
    assert [t.weight_range for t in top] == pytest.approx([5.0, 3.0, 0.0])


def test_many_classes_are_capped_in_the_heatmap(aligned_run):
    run = read_run(aligned_run)
    classes = tuple(f"class{k:02d}" for k in range(MAX_CLASSES + 3))
    rng = np.random.default_rng(0)
    many = dataclasses.replace(
        run, classes=classes, position_weights=rng.normal(size=(len(classes), WINDOW, 4))
    )
    body = positions_section(many, None, "none here").body
    assert f"Showing the first {MAX_CLASSES} of {len(classes)} classes" in body
    assert "only the difference between the two logits" not in body
