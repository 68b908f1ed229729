"""From a trained run and sequences to attributions, seqlets and named motifs (no file IO).

Per explained class: seqlets are cut from the sequences whose target is that class, clustered
into motifs, and the tokens with the highest mean attribution become a second motif source.
Every motif is compared with the reference motifs (JASPAR CORE by default) and named only when
the best match passes the q-value threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from mxdna.interpret.attribution import (
    Attributions,
    in_silico_mutagenesis,
    integrated_gradients,
    token_importance_table,
)
from mxdna.interpret.jaspar import Match, ReferenceMotif, match_motifs
from mxdna.interpret.motifs import (
    Motif,
    cluster_seqlets,
    information_content,
    site_span,
    token_motif,
)
from mxdna.interpret.seqlets import find_seqlets
from mxdna.model.encoder import SequenceClassifier
from mxdna.tokenizer.base import BaseTokenizer

MIN_QUERY_BITS = 4.0  # motifs carrying less information are not named (Tomtom is unreliable)


@dataclass(frozen=True)
class FoundMotif:
    id: str
    motif: Motif
    class_name: str
    match: Match | None  # best reference, whatever its q-value
    named: bool  # the match passes the q-value threshold


@dataclass(frozen=True)
class Discovery:
    attributions: Attributions
    motifs: list[FoundMotif]
    tokens: dict[str, tuple[int, float]]  # token -> (occurrences, mean attribution)


def attribute(
    model: SequenceClassifier,
    tokenizer: BaseTokenizer,
    sequences: Sequence[str],
    *,
    method: str = "ig",
    target: int | None = None,
    steps: int = 32,
    both_strands: bool = False,
) -> Attributions:
    """Attributions by `method`; `both_strands`: pick the default explained class from the mean
    of both strands' probabilities (as `mxdna predict` scores runs trained on both)."""
    if method == "ig":
        return integrated_gradients(
            model, tokenizer, sequences, target=target, steps=steps, both_strands=both_strands
        )
    if method == "ism":
        return in_silico_mutagenesis(
            model, tokenizer, sequences, target=target, both_strands=both_strands
        )
    raise ValueError(f"method must be 'ig' or 'ism', got {method!r}")


def discover(
    attributions: Attributions,
    sequences: Sequence[str],
    tokens: Sequence[str],
    classes: Sequence[str],
    references: Sequence[ReferenceMotif],
    *,
    q_threshold: float = 0.05,
    token_motifs: int = 5,
    min_token_length: int = 4,
    min_token_count: int = 5,
    seqlet_width: int = 10,
    seqlet_quantile: float = 0.95,
) -> Discovery:
    """Motifs per explained class, seqlet motifs first (by total attribution), then tokens."""
    table = token_importance_table(attributions, tokens)
    found: list[tuple[str, Motif]] = []
    for class_index in sorted(set(attributions.target.tolist())):
        members = np.flatnonzero(attributions.target == class_index)
        seqlets = [  # back to record indices
            replace(s, sequence=int(members[s.sequence]))
            for s in find_seqlets(
                [attributions.base[i] for i in members],
                width=seqlet_width,
                flank=max(1, seqlet_width // 5),
                quantile=seqlet_quantile,
                min_fraction=0.05 if seqlet_quantile < 0.99 else 0.2,
            )
        ]
        for motif in cluster_seqlets(seqlets, sequences):
            found.append((classes[class_index], motif))
    ranked_tokens = sorted(
        (
            (value, token, count)
            for token, (count, value) in table.items()
            if len(token) >= min_token_length and count >= min_token_count and value > 0
        ),
        key=lambda item: (-item[0], item[1]),
    )
    for value, token, count in ranked_tokens[:token_motifs]:
        motif = token_motif(token, count, value)
        found.append(("token", motif))
    queries = [m.ppm for _, m in found]
    matches = match_motifs(queries, references) if found else []
    motifs = []
    for number, ((class_name, motif), match) in enumerate(zip(found, matches, strict=True), 1):
        # tokens are short one-hot "motifs": Tomtom calls them similar to any matrix sharing a
        # poly-A/T stretch, so only seqlet motifs (real alignments of sites) get names
        informative = information_content(motif.ppm).sum() >= MIN_QUERY_BITS
        named = (
            motif.source == "seqlet"
            and match is not None
            and informative
            and match.q_value < q_threshold
        )
        motifs.append(FoundMotif(f"motif_{number}", motif, class_name, match, named))
    return Discovery(attributions, motifs, table)


def genomic_span(
    interval: str | None, record_id: str, start: int, end: int, strand: str, length: int
) -> tuple[str, int, int, str]:
    """Record coordinates → BED (chrom, start, end, strand): genomic when the record was cut
    from a genome (`interval` = "chrom:start-end(strand)"; a minus-strand record is reverse-
    complemented, so its coordinates are mirrored and the strand flipped), else the record id."""
    start, end = max(0, start), min(length, end)
    if interval is None:
        return record_id, start, end, strand
    chrom, _, rest = interval.rpartition(":")
    span, _, orientation = rest.partition("(")
    g_start, g_end = (int(x) for x in span.split("-"))
    if orientation.rstrip(")") == "-":
        flipped = {"+": "-", "-": "+"}.get(strand, strand)
        return chrom, g_end - end, g_end - start, flipped
    return chrom, g_start + start, g_start + end, strand


def seqlet_rows(
    discovery: Discovery,
    ids: Sequence[str],
    sequences: Sequence[str],
    intervals: Sequence[str] | None,
) -> list[tuple[str, int, int, str, float, str]]:
    """BED6 rows (chrom, start, end, name, score, strand) of every motif site, sorted."""
    rows = []
    for found in discovery.motifs:
        width = len(found.motif.counts)
        for site in found.motif.sites:
            index = site.seqlet.sequence
            start, end, strand = site_span(site, width)
            chrom, g_start, g_end, g_strand = genomic_span(
                None if intervals is None else intervals[index],
                ids[index],
                start,
                end,
                strand,
                len(sequences[index]),
            )
            if g_end > g_start:
                rows.append(
                    (chrom, g_start, g_end, f"{ids[index]}|{found.id}", site.seqlet.score, g_strand)
                )
    return sorted(rows, key=lambda r: (r[0], r[1], r[2], r[3]))
