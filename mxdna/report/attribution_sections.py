"""Report panels from the attribution files: the motif table with logos, and example sequences."""

from __future__ import annotations

import numpy as np

from mxdna.report.attribution_files import AttributionContent
from mxdna.report.html import Section, esc, image, key_values, missing, note, number, table
from mxdna.report.logos import motif_logo
from mxdna.report.tracks import attribution_track, shaded_sequence

MAX_MOTIFS = 40


def no_attributions(anchor: str, title: str, run_path: str, reason: str) -> Section:
    """The panel shown instead of attribution results, with the command that produces them."""
    return Section(anchor, title, no_attributions_note(run_path, reason))


def no_attributions_note(run_path: str, reason: str) -> str:
    """HTML box: there are no attributions (why), and the command that produces them."""
    command = f"mxdna attribute --run {run_path} --fasta SEQUENCES.fa --out {run_path}/attribution"
    return missing(
        f"No attributions: {esc(reason)}. Run <code>{esc(command)}</code> and then "
        "<code>mxdna report</code> again (or point <code>--attributions</code> at the "
        "directory)."
    )


def motifs_section(attributions: AttributionContent) -> Section:
    """One row per motif: logo, consensus, support, attribution and JASPAR match."""
    table_ = attributions.motifs
    jaspar = attributions.info.get("jaspar") or {}
    shown = min(len(table_), MAX_MOTIFS)
    columns = {name: table_.column(name) for name in table_.header}
    rows = []
    for i in range(shown):
        motif = columns["motif_id"][i]
        name = columns["jaspar_name"][i]
        match = f"{esc(name)} <code>{esc(columns['jaspar_id'][i])}</code>" if name else "no match"
        rows.append(
            [
                f"<code>{esc(motif)}</code>",
                f'<img src="{motif_logo(attributions.matrices[motif])}" '
                f'alt="sequence logo of {esc(motif)}">',
                f"<code>{esc(columns['consensus'][i])}</code>",
                esc(columns["source"][i]),
                number(_int(columns["length"][i])),
                number(_int(columns["sites"][i])),
                number(_float(columns["mean_attribution"][i]), 3),
                match,
                _q_value(_float(columns["q_value"][i])),
            ]
        )
    header = (
        "motif",
        "logo",
        "consensus",
        "source",
        "length",
        "sites",
        "mean attribution",
        "JASPAR",
        "q-value",
    )
    intro = note(
        "Motifs found in the attributions: 'seqlet' motifs cluster high-attribution stretches of "
        "sequence, 'token' motifs are learned tokens the model credits most. Logo letter heights "
        "are information content in bits (2 = one base always). JASPAR: the best-matching known "
        f"motif (release {jaspar.get('release', 'unknown')}), shown only where its q-value is "
        f"below {jaspar.get('q_threshold', 'the threshold')}."
    )
    more = (
        note(f"Showing the first {shown} of {len(table_)} motifs; all are in motifs.tsv.")
        if len(table_) > shown
        else ""
    )
    if not rows:
        return Section("motifs", "Motifs", intro + missing("No motifs were found."))
    listing = table(header, rows, numeric=(4, 5, 6, 8), css_class="motifs")
    return Section("motifs", "Motifs", intro + f'<div class="scroll">{listing}</div>' + more)


def _q_value(value: float | None) -> str:
    """Two significant digits, however small (0.0012, 3.4e-07)."""
    return "—" if value is None or value != value else f"{value:.2g}"


def _int(text: str) -> int | None:
    try:
        return int(float(text))
    except ValueError:
        return None


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def choose_examples(attributions: AttributionContent, n: int) -> list[int]:
    """Indices of up to n sequences: classes explained in turn, the most confident first."""
    target = attributions.arrays["target"]
    probabilities = attributions.arrays["probabilities"]
    confidence = probabilities[np.arange(len(target)), target] if len(target) else np.array([])
    queues = [
        sorted(np.flatnonzero(target == k).tolist(), key=lambda i: (-confidence[i], i))
        for k in range(len(attributions.classes))
    ]
    chosen: list[int] = []
    while len(chosen) < n and any(queues):
        for queue in queues:
            if queue and len(chosen) < n:
                chosen.append(queue.pop(0))
    return chosen


def _explained_class(attributions: AttributionContent) -> str:
    """How the explained class was chosen, from attribution.json."""
    target = attributions.info.get("target")
    if target not in (None, "predicted class"):
        return f"{target} for every sequence"
    # directories written before "predicted_from" existed predicted on the strand given
    predicted_from = attributions.info.get("predicted_from", "the strand given")
    return f"the predicted class, from {predicted_from}"


def examples_section(attributions: AttributionContent, n: int) -> Section:
    """Attribution tracks of up to n example sequences."""
    a = attributions.arrays
    classes = attributions.classes
    chosen = choose_examples(attributions, n)
    parts = [
        note(
            f"Per-base attribution towards the explained class ({_explained_class(attributions)}; "
            "the strand shown is the strand explained; method: "
            f"{attributions.info.get('method', 'unknown')}; baseline: "
            f"{attributions.info.get('baseline', 'unknown')}). Bars above zero support the class, "
            "below zero oppose it; bar colour is the base. Shaded spans are seqlets (labelled "
            "with their motif). The strip below shows the tokenizer's tokens, coloured by each "
            "token's attribution (red supports, blue opposes). Examples: the most confident "
            "sequence of each explained class in turn."
        )
    ]
    if not chosen:
        parts.append(missing("The attribution files hold no sequences."))
    for i in chosen:
        rid = str(a["ids"][i])
        sequence = str(a["sequences"][i])
        values = attributions.base_values(i)
        spans = attributions.token_spans(i)
        starts = a["token_starts"]
        seqlets = [
            (s.start, s.end, s.motif)
            for s in attributions.seqlets
            if s.record == rid and s.chrom == rid and 0 <= s.start < s.end <= len(sequence)
        ]
        target = classes[int(a["target"][i])]
        uri = attribution_track(
            sequence,
            values,
            spans,
            a["token_values"][starts[i] : starts[i + 1]],
            seqlets,
            title=f"{rid}: attribution towards '{target}'",
        )
        probabilities = ", ".join(
            f"{esc(c)} {number(float(p), 3)}"
            for c, p in zip(classes, a["probabilities"][i], strict=True)
        )
        parts.append(
            f"<h3>{esc(rid)}</h3>"
            + key_values(
                [
                    ("explained class", esc(target)),
                    ("predicted probabilities", probabilities),
                    ("length", f"{len(sequence):,} bases, {len(spans):,} tokens"),
                ]
            )
            + image(uri, f"attribution track of {rid}")
            + shaded_sequence(sequence, values)
        )
    return Section("examples", "Example sequences", "".join(parts))
