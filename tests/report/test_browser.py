"""The report of a real (tiny) run opens in headless Chromium without errors and draws a page.

Pipeline: `mxdna train` on a small slice of the bundled enhancer data, `mxdna attribute`,
`mxdna report`, then Debian's Chromium (installed by .ci/setup) driven through playwright.
Without Chromium or playwright the test is skipped on a developer machine and fails under CI.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

MXDNA = str(Path(sys.executable).with_name("mxdna"))
CHROMIUM = Path(os.environ.get("MXDNA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TINY = """\
train: {epochs: 2, batch_size: 32, learning_rate: 0.005, vocab_size: 64, tokenizer_iterations: 2,
        refit_rounds: 1, patience: 10, threads: 1}
model: {d_model: 32, n_heads: 2, n_stages: 1, local_blocks: 1, global_blocks: 1}
"""
HEADINGS = [
    "Run summary",
    "Metrics",
    "Training curves",
    "Test set: confusion, ROC and precision–recall",
    "Tokenizer",
    "Motifs",
    "Example sequences",
]


def _browser():
    """playwright's sync API, or skip (fail under CI) when it or Chromium is missing."""
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[dev]')"
    if reason is None and not CHROMIUM.is_file():
        reason = f"no Chromium at {CHROMIUM} (bash .ci/setup installs Debian's chromium)"
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the browser tests")
        pytest.skip(reason)
    return sync_playwright


def _slice(source: Path, target: Path, per_class: int) -> Path:
    """The first `per_class` records of each class of a FASTA file with 'label=' headers."""
    kept: dict[str, int] = defaultdict(int)
    records = source.read_text().split(">")[1:]
    with open(target, "w") as fh:
        for record in records:
            label = record.split("\n", 1)[0].split("label=")[1].split()[0]
            if kept[label] < per_class:
                kept[label] += 1
                fh.write(">" + record)
    return target


def mxdna(*args: object) -> None:
    result = subprocess.run([MXDNA, *map(str, args)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"mxdna {args[0]} failed:\n{result.stderr}"


@pytest.fixture(scope="module")
def report(dataset_dir_module, tmp_path_factory) -> Path:
    """report.html of a real run (two epochs of a tiny model) with real attributions."""
    data = dataset_dir_module("ienhancer_2l")
    root = tmp_path_factory.mktemp("browser")
    train = _slice(data / "train.fa", root / "train.fa", 80)
    test = _slice(data / "test.fa", root / "test.fa", 8)
    (root / "tiny.yaml").write_text(TINY)
    run = root / "run"
    mxdna("train", "--fasta", train, "--test", test, "--out", run, "--config", root / "tiny.yaml")
    mxdna("attribute", "--run", run, "--fasta", test, "--out", run / "attribution")
    mxdna("report", "--run", run, "--out", run / "report.html", "--examples", "3")
    return run / "report.html"


def test_report_opens_in_chromium_without_errors(report, tmp_path):
    sync_playwright = _browser()
    problems: list[str] = []
    fetched: list[str] = []
    screenshot = tmp_path / "report.png"
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1366, "height": 768},
        )
        try:
            page = context.new_page()
            page.on("console", lambda m: m.type == "error" and problems.append(m.text))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: fetched.append(r.url))
            page.goto(report.resolve().as_uri(), wait_until="load")
            title = page.title()
            headings = page.locator("h2").all_inner_texts()
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.alt, i.complete && i.naturalWidth > 0])"
            )
            logos = page.locator("table.motifs img").count()
            motif_rows = page.locator("table.motifs tbody tr").count()
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            context.close()
    assert problems == []
    assert [url for url in fetched if not url.startswith(("file:", "data:"))] == []
    assert title == "mxdna report: run"
    assert headings == HEADINGS
    assert images and all(ok for _, ok in images), [alt for alt, ok in images if not ok]
    assert motif_rows == 0 or logos == motif_rows
    assert sum(alt.startswith("attribution track of") for alt, _ in images) == 3
    _assert_not_blank(screenshot)


def _assert_not_blank(path: Path) -> None:
    """Many distinct colours and a tall page: the screenshot shows a drawn report."""
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000
    try:
        from PIL import Image
    except ImportError:  # pillow comes with matplotlib, but the size check above still holds
        return
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert width >= 1000 and height > 2000
    assert len(colours) > 200
    white = {colour: count for count, colour in colours}.get((255, 255, 255), 0)
    assert white < 0.9 * width * height
