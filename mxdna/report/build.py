"""Assembling the report: read the run (and attributions), build every panel, write one file.

>>> html = render_report("runs/enh")                       # doctest: +SKIP
>>> write_report("runs/enh", "runs/enh/report.html")       # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mxdna import __version__
from mxdna.errors import ConfigError
from mxdna.io.writers import atomic_open, check_writable
from mxdna.report.attribution_files import read_attributions
from mxdna.report.attribution_sections import examples_section, motifs_section, no_attributions
from mxdna.report.html import page
from mxdna.report.position_sections import positions_section
from mxdna.report.run_files import read_run
from mxdna.report.run_sections import (
    metrics_section,
    summary_section,
    test_section,
    tokenizer_section,
    training_section,
)

logger = logging.getLogger(__name__)

DEFAULT_EXAMPLES = 6


def render_report(
    run_dir: str | os.PathLike[str],
    attributions: str | os.PathLike[str] | None = None,
    *,
    examples: int = DEFAULT_EXAMPLES,
) -> str:
    """The report of a run as one self-contained HTML document (same inputs, same text).

    `attributions`: an attribution directory; None looks for RUN_DIR/attribution and shows a
    "no attributions" panel when there is none. `examples`: how many example sequences to plot.
    """
    if not isinstance(examples, int) or examples < 0:
        raise ConfigError(f"examples must be a non-negative integer, got {examples!r}")
    run = read_run(run_dir)
    attribution_dir = Path(attributions) if attributions is not None else run.path / "attribution"
    content = None
    if attributions is not None or attribution_dir.is_dir():
        content = read_attributions(attribution_dir)
        unknown = set(content.classes) ^ set(run.classes)
        if unknown:
            raise ConfigError(
                "the attributions are of another run (classes differ: "
                f"{', '.join(sorted(unknown))})",
                path=attribution_dir,
            )
    logger.info("rendering the report of %s", run.path)
    sections = [
        summary_section(run, content),
        metrics_section(run),
        training_section(run),
        test_section(run),
        tokenizer_section(run, content),
    ]
    reason = f"no attribution directory at {attribution_dir}"
    if run.aligned:  # only runs of windows aligned on a landmark: where the signal is
        sections.append(positions_section(run, content, reason))
    if content is None:
        sections += [
            no_attributions("motifs", "Motifs", str(run.path), reason),
            no_attributions("examples", "Example sequences", str(run.path), reason),
        ]
    else:
        sections += [motifs_section(content), examples_section(content, examples)]
    return page(
        title=f"mxdna report: {run.path.resolve().name}",
        subtitle=f"{len(run.classes)} classes: {', '.join(run.classes)}",
        sections=sections,
        footer=f"Made by mxdna {__version__} from the files in {run.path}.",
    )


def write_report(
    run_dir: str | os.PathLike[str],
    out: str | os.PathLike[str],
    attributions: str | os.PathLike[str] | None = None,
    *,
    examples: int = DEFAULT_EXAMPLES,
) -> Path:
    """Render the report and write it to `out` atomically (an existing file is replaced only
    once the new report is complete). Returns the path written."""
    target = check_writable(out)
    text = render_report(run_dir, attributions, examples=examples)
    with atomic_open(target) as fh:
        fh.write(text)
    return target
