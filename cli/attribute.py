"""`mxdna attribute`: attributions, seqlets and JASPAR-named motifs of a trained run."""

from __future__ import annotations

import logging
from pathlib import Path

import click
import numpy as np

from mxdna.errors import ConfigError, EmptyInputError
from mxdna.interpret.attribution import BASELINE_DESCRIPTION
from mxdna.interpret.discover import attribute as compute_attributions
from mxdna.interpret.discover import discover
from mxdna.interpret.export import write_attribution_dir
from mxdna.interpret.jaspar import DEFAULT_RELEASE, load_jaspar, read_motif_file
from mxdna.io.labels import load_fasta_set
from mxdna.io.writers import check_writable
from mxdna.run import RunDirectory
from mxdna.training.distributed import set_torch_threads

#: median relative IG completeness gap above which `attribute` warns (5%)
IG_GAP_WARNING = 0.05

logger = logging.getLogger(__name__)


@click.command()
@click.option("--run", "run_dir", required=True, type=click.Path(path_type=Path))
@click.option("--fasta", multiple=True, required=True, type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output directory.")
@click.option(
    "--method",
    type=click.Choice(["ig", "ism"]),
    default="ig",
    show_default=True,
    help="Integrated gradients, or in-silico mutagenesis (3 x L passes: small sets).",
)
@click.option("--target", help="Class to explain. Default: each sequence's predicted class.")
@click.option(
    "--max-sequences",
    type=int,
    default=2000,
    show_default=True,
    help="Explain at most this many sequences (the first ones).",
)
@click.option("--steps", type=int, default=32, show_default=True, help="IG path steps.")
@click.option(
    "--motif-db",
    multiple=True,
    type=click.Path(path_type=Path),
    help="MEME file(s) to name motifs with, instead of JASPAR.",
)
@click.option("--jaspar-release", default=DEFAULT_RELEASE, show_default=True)
@click.option(
    "--tax-group",
    multiple=True,
    help="Restrict JASPAR to taxonomic groups (e.g. vertebrates). Default: all.",
)
@click.option(
    "--q-threshold",
    type=float,
    default=0.05,
    show_default=True,
    help="Show a JASPAR name only when the match's q-value is below this.",
)
@click.option(
    "--seqlet-width",
    type=int,
    default=10,
    show_default=True,
    help="Seqlet window in bases (about the motif length; 8 for TATA-like boxes).",
)
@click.option(
    "--seqlet-quantile",
    type=float,
    default=0.95,
    show_default=True,
    help="Windows above this quantile of all windows' attribution become seqlets.",
)
@click.option("--threads", type=int, help="CPU threads (default: PyTorch's choice).")
def attribute(
    run_dir,
    fasta,
    out,
    method,
    target,
    max_sequences,
    steps,
    motif_db,
    jaspar_release,
    tax_group,
    q_threshold,
    seqlet_width,
    seqlet_quantile,
    threads,
) -> None:
    """Explain a trained run on FASTA: per-token and per-base attributions, seqlets (BED),
    motifs (MEME, TSV) named by JASPAR CORE, and token importance."""
    if max_sequences < 1 or steps < 1 or seqlet_width < 4 or not 0 < q_threshold <= 1:
        raise ConfigError(
            "--max-sequences and --steps must be >= 1, --seqlet-width >= 4, --q-threshold in (0, 1]"
        )
    if not 0 < seqlet_quantile < 1:
        raise ConfigError("--seqlet-quantile must be in (0, 1)")
    check_writable(out, directory=True)
    set_torch_threads(threads)
    run = RunDirectory(run_dir)
    model, tokenizer, classes = run.read_model()
    # the default explained class is the class `mxdna predict` calls: for a run that scores
    # both strands, the class of their mean probabilities
    both_strands = run.read_config()[0].average_strands
    if target is not None and target not in classes:
        raise ConfigError(f"--target {target!r} is not a class of this run ({', '.join(classes)})")
    data = load_fasta_set(list(fasta))
    if len(data) == 0:
        raise EmptyInputError("no sequences to explain")
    data = data.subset(range(min(len(data), max_sequences)))
    references = (
        [m for path in motif_db for m in read_motif_file(path)]
        if motif_db
        else load_jaspar(jaspar_release, tax_groups=tax_group)
    )
    attributions = compute_attributions(
        model,
        tokenizer,
        data.sequences,
        method=method,
        target=None if target is None else classes.index(target),
        steps=steps,
        both_strands=both_strands,
    )
    found = discover(
        attributions,
        data.sequences,
        tokenizer.tokens,
        classes,
        references,
        q_threshold=q_threshold,
        seqlet_width=seqlet_width,
        seqlet_quantile=seqlet_quantile,
    )
    gain = getattr(tokenizer, "information_gain_", None)
    information_gain = (
        {} if gain is None else dict(zip(tokenizer.tokens, map(float, gain), strict=True))
    )
    info = {
        "method": method,
        "target": target if target is not None else "predicted class",
        "predicted_from": "the mean of both strands" if both_strands else "the strand given",
        "baseline": BASELINE_DESCRIPTION if method == "ig" else "mutants (mean of 3 per base)",
        "n_sequences": len(data),
        "classes": list(classes),
        "run": str(run_dir),
        "jaspar": {
            "release": None if motif_db else jaspar_release,
            "motif_db": [str(p) for p in motif_db],
            "tax_groups": list(tax_group),
            "q_threshold": q_threshold,
        },
    }
    gap = attributions.completeness_gap
    median_gap = float(np.median(gap)) if gap is not None and len(gap) else None
    if median_gap is not None:
        info["ig_completeness_gap"] = {
            "steps": steps,
            "median": round(median_gap, 6),
            "p95": round(float(np.quantile(gap, 0.95)), 6),
        }
    write_attribution_dir(
        out,
        found,
        ids=data.ids,
        sequences=data.sequences,
        intervals=data.intervals,
        information_gain=information_gain,
        info=info,
    )
    if median_gap is not None and median_gap > IG_GAP_WARNING:
        # not an error: the files are written; the user decides whether to re-run with more steps
        click.echo(
            f"warning: integrated gradients are {median_gap:.0%} off their exact "
            f"total (median over sequences) with --steps {steps}; more --steps give tighter "
            "attributions",
            err=True,
        )
    named = sum(1 for m in found.motifs if m.named)
    click.echo(f"{out}: {len(data)} sequences, {len(found.motifs)} motifs ({named} named)")
