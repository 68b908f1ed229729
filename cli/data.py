"""`mxdna data ...`: inspect, split and extract datasets. Each command is a thin call into mxdna."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mxdna.io.bed import read_bed
from mxdna.io.genome import Genome
from mxdna.io.intervals import extract_intervals
from mxdna.io.labels import load_fasta_set
from mxdna.io.writers import AtomicFiles, check_writable, format_fasta, genomic_fields
from mxdna.splits import check_fractions, chromosome_split, hash_split
from mxdna.summary import format_summary, summarize

_fasta_args = [
    click.argument("fasta", nargs=-1, required=True, type=click.Path(path_type=Path)),
    click.option(
        "--labels",
        type=click.Path(path_type=Path),
        help="TSV/CSV table 'id<TAB>label'. Default: 'label=' in headers, else one class per file.",
    ),
    click.option(
        "--label-key", default="label", show_default=True, help="Header key of the label."
    ),
    click.option(
        "--case",
        type=click.Choice(["keep", "upper"]),
        default="keep",
        show_default=True,
        help="Keep soft-masked lower case or fold to upper case.",
    ),
    click.option(
        "--ambiguous",
        type=click.Choice(["keep", "to_n", "reject"]),
        default="keep",
        show_default=True,
        help="N and other IUPAC codes: keep them, turn them into N, or reject the file.",
    ),
    click.option(
        "--allow-extra-labels",
        is_flag=True,
        help="Ignore label-table rows whose id is in none of the FASTA files.",
    ),
]


def fasta_inputs(command):
    """Decorate a command with the FASTA + labels options shared by data commands."""
    for decorator in reversed(_fasta_args):
        command = decorator(command)
    return command


def _load(fasta, labels, label_key, case, ambiguous, allow_extra_labels):
    return load_fasta_set(
        list(fasta),
        labels=labels,
        label_key=label_key,
        case=case,
        ambiguous=ambiguous,
        allow_extra_labels=allow_extra_labels,
    )


@click.group()
def data() -> None:
    """Inspect, split and extract labelled DNA datasets."""


@data.command()
@fasta_inputs
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
def inspect(fasta, labels, label_key, case, ambiguous, allow_extra_labels, as_json) -> None:
    """Summarise FASTA files: records, lengths, label balance, GC, N, duplicates.

    Several files are summarised together (labels from headers, a --labels table, or one class
    per file); per-file record counts are listed too.
    """
    dataset = _load(fasta, labels, label_key, case, ambiguous, allow_extra_labels)
    summary = summarize(dataset)
    per_file = {str(p): 0 for p in fasta}
    for source in dataset.sources:
        per_file[source.rsplit(":", 1)[0]] += 1
    if as_json:
        payload = {"files": per_file, **summary.to_dict()}
        click.echo(json.dumps(payload, indent=2, sort_keys=False))
        return
    title = ", ".join(str(p) for p in fasta)
    click.echo(format_summary(summary, title))
    if len(per_file) > 1:
        click.echo("files:")
        for path, count in per_file.items():
            click.echo(f"  {path}: {count} records")


@data.command()
@fasta_inputs
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output directory.")
@click.option(
    "--by",
    type=click.Choice(["sequence", "id"]),
    default="sequence",
    show_default=True,
    help="Hash key: the sequence (duplicates and reverse complements stay together) or the id.",
)
@click.option("--val-fraction", type=float, default=0.1, show_default=True)
@click.option("--test-fraction", type=float, default=0.1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--val-chroms", default="", help="Comma-separated chromosomes held out for validation."
)
@click.option("--test-chroms", default="", help="Comma-separated chromosomes held out for test.")
def split(
    fasta,
    labels,
    label_key,
    case,
    ambiguous,
    allow_extra_labels,
    out,
    by,
    val_fraction,
    test_fraction,
    seed,
    val_chroms,
    test_chroms,
) -> None:
    """Write OUT/train.fa, OUT/val.fa and OUT/test.fa: a deterministic split.

    By default a stable hash of each sequence (with --seed) picks its split, so identical
    sequences never straddle splits. With --val-chroms/--test-chroms (FASTA made by
    'mxdna data extract', which records each interval's chromosome) whole chromosomes are held out.
    """
    check_writable(out, directory=True)
    check_fractions(val_fraction, test_fraction)
    dataset = _load(fasta, labels, label_key, case, ambiguous, allow_extra_labels)
    dataset.require_classes(2)
    if val_chroms or test_chroms:
        parts = chromosome_split(
            dataset, val_chroms=_names(val_chroms), test_chroms=_names(test_chroms)
        )
    else:
        parts = hash_split(
            dataset, val_fraction=val_fraction, test_fraction=test_fraction, by=by, seed=seed
        )
    with AtomicFiles() as files:
        for name, part in parts.items():
            files.open(out / f"{name}.fa").writelines(
                format_fasta(part, extra=genomic_fields(part))
            )
    for name, part in parts.items():
        balance = ", ".join(f"{k} {v}" for k, v in part.label_counts().items())
        click.echo(f"{out / f'{name}.fa'}: {len(part)} records ({balance or 'empty'})")


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


@data.command()
@click.option("--bed", required=True, type=click.Path(path_type=Path), help="BED intervals.")
@click.option(
    "--genome", required=True, type=click.Path(path_type=Path), help="Genome FASTA (plain/bgzip)."
)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output FASTA.")
@click.option("--width", type=int, help="Re-centre every interval to this many bases.")
@click.option("--label", help="Class of every interval in this file (one BED file per class).")
@click.option("--label-column", type=int, help="1-based BED column that holds the class.")
@click.option("--case", type=click.Choice(["keep", "upper"]), default="keep", show_default=True)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Drop (and count) intervals on unknown chromosomes or past a chromosome end.",
)
def extract(bed, genome, out, width, label, label_column, case, skip_invalid) -> None:
    """Cut BED intervals from a genome into FASTA (minus strand reverse-complemented)."""
    check_writable(out)
    intervals = read_bed(bed)
    with Genome(genome, case=case) as source:
        dataset = extract_intervals(
            source,
            intervals,
            bed_path=bed,
            width=width,
            label=label,
            label_column=label_column,
            on_invalid="skip" if skip_invalid else "error",
        )
    with AtomicFiles() as files:
        files.open(out).writelines(format_fasta(dataset, extra=genomic_fields(dataset)))
    click.echo(f"{out}: {len(dataset)} sequences from {len(intervals)} intervals")
