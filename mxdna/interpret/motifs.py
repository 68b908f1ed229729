"""Motifs from seqlets: greedy alignment clustering into position probability matrices (PPMs).

Seqlets are taken best first. Each is aligned to every motif found so far, at every offset with
at least `min_overlap` overlapping columns and on both strands; the alignment score is the mean
probability the motif's PPM gives to the seqlet's bases over the overlap. A seqlet that scores at
least `min_similarity` joins the best motif (its counts are added, the motif widens where the
seqlet overhangs); otherwise it starts a new motif. Motifs are then trimmed at both ends to
columns with at least half the sites and `min_information` bits, and those with fewer than
`min_sites` sites are dropped. PPMs are (W, 4) over A, C, G, T.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from mxdna.interpret.seqlets import Seqlet

_CODE = np.full(256, -1, dtype=np.int64)
for _i, _b in enumerate("ACGT"):
    _CODE[ord(_b)] = _CODE[ord(_b.lower())] = _i


def encode_bases(sequence: str) -> np.ndarray:
    """(L,) codes 0..3 for A/C/G/T, -1 for anything else."""
    return _CODE[np.frombuffer(sequence.encode("ascii"), dtype=np.uint8)]


def reverse_complement_codes(codes: np.ndarray) -> np.ndarray:
    return np.where(codes >= 0, 3 - codes, -1)[::-1]


@dataclass
class Site:
    seqlet: Seqlet
    strand: str  # '+' or '-' relative to the motif
    offset: int  # motif column of the seqlet's first base (in the motif's orientation)


@dataclass
class Motif:
    """counts (W, 4); coverage (W,) number of sites covering each column."""

    counts: np.ndarray
    coverage: np.ndarray
    sites: list[Site] = field(default_factory=list)
    source: str = "seqlet"
    name: str = ""
    token_attribution: float | None = None  # mean attribution of a token motif

    @property
    def ppm(self) -> np.ndarray:
        return (self.counts + 0.01) / (self.coverage[:, None] + 0.04)

    @property
    def consensus(self) -> str:
        return "".join("ACGT"[i] for i in self.ppm.argmax(axis=1))

    @property
    def attribution(self) -> float:
        return float(sum(site.seqlet.score for site in self.sites))


def information_content(ppm: np.ndarray) -> np.ndarray:
    """Bits per column of a (W, 4) PPM (uniform background)."""
    p = np.clip(ppm, 1e-9, 1)
    return 2 + (p * np.log2(p)).sum(axis=1)


def _best_alignment(ppm: np.ndarray, codes: np.ndarray, min_overlap: int) -> tuple[float, int, str]:
    """(mean probability over the overlap, offset of codes[0] in motif columns, strand)."""
    best = (-1.0, 0, "+")
    width = len(ppm)
    for strand, seq in (("+", codes), ("-", reverse_complement_codes(codes))):
        for offset in range(min_overlap - len(seq), width - min_overlap + 1):
            lo, hi = max(0, offset), min(width, offset + len(seq))
            part = seq[lo - offset : hi - offset]
            valid = part >= 0
            if valid.sum() < min_overlap:
                continue
            score = float(ppm[np.arange(lo, hi)[valid], part[valid]].mean())
            if score > best[0]:
                best = (score, offset, strand)
    return best


def _add(motif: Motif, codes: np.ndarray, offset: int) -> None:
    """Add aligned codes; widen the motif when the seqlet overhangs."""
    left = max(0, -offset)
    right = max(0, offset + len(codes) - len(motif.counts))
    if left or right:
        motif.counts = np.pad(motif.counts, ((left, right), (0, 0)))
        motif.coverage = np.pad(motif.coverage, (left, right))
        for site in motif.sites:
            site.offset += left
        offset += left
    for i, code in enumerate(codes):
        if code >= 0:
            motif.counts[offset + i, code] += 1
            motif.coverage[offset + i] += 1


def cluster_seqlets(
    seqlets: Sequence[Seqlet],
    sequences: Sequence[str],
    *,
    min_overlap: int = 6,
    min_similarity: float = 0.55,
    min_sites: int = 3,
    min_information: float = 0.3,
    max_motifs: int = 20,
) -> list[Motif]:
    """Motifs sorted by total attribution of their sites (highest first)."""
    motifs: list[Motif] = []
    for seqlet in sorted(seqlets, key=lambda s: (-s.score, s.sequence, s.start)):
        codes = encode_bases(sequences[seqlet.sequence][seqlet.start : seqlet.end])
        if (codes >= 0).sum() < min_overlap:
            continue
        scored = [(_best_alignment(m.ppm, codes, min_overlap), m) for m in motifs]
        best = max(scored, key=lambda item: item[0][0], default=None)
        if best is not None and best[0][0] >= min_similarity:
            (_, offset, strand), motif = best
            aligned = codes if strand == "+" else reverse_complement_codes(codes)
            motif.sites.append(Site(seqlet, strand, offset))
            _add(motif, aligned, offset)
        else:
            motif = Motif(np.zeros((0, 4)), np.zeros(0), [])
            motif.sites.append(Site(seqlet, "+", 0))
            _add(motif, codes, 0)
            motifs.append(motif)
    kept = [trim(m, min_information) for m in motifs if len(m.sites) >= min_sites]
    kept = [m for m in kept if len(m.counts) >= min(min_overlap, 4)]
    kept.sort(key=lambda m: (-m.attribution, m.consensus))
    return kept[:max_motifs]


def trim(motif: Motif, min_information: float) -> Motif:
    """Drop end columns covered by fewer than half the sites or below `min_information` bits."""
    good = (motif.coverage >= 0.5 * len(motif.sites)) & (
        information_content(motif.ppm) >= min_information
    )
    if not good.any():
        return Motif(motif.counts[:0], motif.coverage[:0], motif.sites, motif.source)
    lo, hi = int(np.flatnonzero(good)[0]), int(np.flatnonzero(good)[-1]) + 1
    sites = [Site(s.seqlet, s.strand, s.offset - lo) for s in motif.sites]
    return Motif(motif.counts[lo:hi], motif.coverage[lo:hi], sites, motif.source)


def token_motif(token: str, occurrences: int, mean_attribution: float) -> Motif:
    """A learned token as a motif (one site per occurrence, one-hot columns)."""
    codes = encode_bases(token)
    counts = np.zeros((len(token), 4))
    counts[np.arange(len(token))[codes >= 0], codes[codes >= 0]] = occurrences
    coverage = np.full(len(token), float(occurrences))
    return Motif(counts, coverage, [], source="token", token_attribution=mean_attribution)


def site_span(site: Site, motif_width: int) -> tuple[int, int, str]:
    """Where the motif sits in the seqlet's record: (start, end, strand) in record bases."""
    seqlet = site.seqlet
    length = seqlet.end - seqlet.start
    if site.strand == "+":
        start = seqlet.start - site.offset
    else:  # seqlet reversed: motif column c sits at seqlet position length-1-(c-offset)
        start = seqlet.start + length - (motif_width - site.offset)
    return start, start + motif_width, site.strand
