"""`mxdna report`: a run directory (and its attributions) as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--run", "run_dir", required=True, type=click.Path(path_type=Path), help="Run directory."
)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="HTML file to write.")
@click.option(
    "--attributions",
    type=click.Path(path_type=Path),
    help="Directory written by `mxdna attribute`. Default: RUN/attribution if it exists.",
)
@click.option(
    "--examples",
    type=click.IntRange(min=0),
    default=6,
    show_default=True,
    help="Example sequences with attribution tracks.",
)
def report(run_dir: Path, out: Path, attributions: Path | None, examples: int) -> None:
    """Write the HTML report of a run: metrics, curves, tokenizer, motifs and examples."""
    from mxdna.report import write_report  # matplotlib loads only when a report is made

    written = write_report(run_dir, out, attributions, examples=examples)
    click.echo(f"report written to {written}")
