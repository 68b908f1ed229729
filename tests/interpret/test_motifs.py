"""Seqlets, clustering into PPMs, MEME export, JASPAR matching, BED coordinates."""

from __future__ import annotations

import numpy as np
import pytest
from Bio import motifs as biomotifs

from mxdna.alphabet import reverse_complement
from mxdna.interpret.discover import genomic_span
from mxdna.interpret.jaspar import benjamini_hochberg, match_motifs, read_motif_file
from mxdna.interpret.meme import MemeMotif, read_meme, write_meme
from mxdna.interpret.motifs import cluster_seqlets, site_span
from mxdna.interpret.seqlets import Seqlet, find_seqlets
from mxdna.io.genome import Genome

CONSENSUS = "CCAATCAGGTGA"  # not palindromic: the strand of every site is defined


def test_seqlets_sit_on_attribution_peaks():
    values = [np.zeros(60), np.zeros(60)]
    values[0][20:30] = 1.0
    values[1][5:12] = 0.8
    values[1][40:50] = -1.0  # negative evidence is not a seqlet
    found = find_seqlets(values, width=10, flank=2, quantile=0.5)
    assert [(s.sequence, s.start <= 20, s.end >= 30) for s in found][:1] == [(0, True, True)]
    assert all(not (s.sequence == 1 and s.start >= 38) for s in found)
    assert find_seqlets([np.zeros(30)]) == []


def test_clustering_aligns_both_strands_and_spans_map_back():
    rng = np.random.default_rng(0)
    sequences, seqlets, truth = [], [], []
    for i in range(12):
        seq = list("".join(rng.choice(list("ACGT"), size=40)))
        site = CONSENSUS if i % 2 else reverse_complement(CONSENSUS)
        start = int(rng.integers(3, 25))
        seq[start : start + len(site)] = site
        sequences.append("".join(seq))
        shift = int(rng.integers(-3, 4))  # seqlets are not exactly on the site
        seqlets.append(Seqlet(i, start - 3 + shift, start + len(site) + 3 + shift, 1.0))
        truth.append((start, "+" if i % 2 else "-"))
    (motif, *rest) = cluster_seqlets(seqlets, sequences, min_sites=3)
    core = CONSENSUS if CONSENSUS in motif.consensus else reverse_complement(CONSENSUS)
    at = motif.consensus.find(core)
    assert at >= 0 and len(motif.sites) == 12 and not rest
    width = len(motif.counts)
    for site in motif.sites:
        start, end, strand = site_span(site, width)
        text = sequences[site.seqlet.sequence][start:end]
        oriented = text if strand == "+" else reverse_complement(text)
        assert oriented[at : at + len(core)] == core  # each site reads as the motif on its strand


def test_meme_round_trips_through_biopython(tmp_path):
    ppm = np.array([[0.7, 0.1, 0.1, 0.1], [0.05, 0.05, 0.85, 0.05], [0.25, 0.25, 0.25, 0.25]])
    path = tmp_path / "m.meme"
    write_meme(
        path, [MemeMotif("motif_1", "CTCF", ppm, 20), MemeMotif("motif_2", "", ppm[::-1], 5)]
    )
    with open(path) as fh:
        parsed = list(biomotifs.parse(fh, "minimal"))
    assert [m.name for m in parsed] == ["motif_1", "motif_2"]
    assert np.allclose([parsed[0].pwm[b] for b in "ACGT"], ppm.T, atol=0.01)
    ours = read_meme(path)
    assert [m.id for m in ours] == ["motif_1", "motif_2"] and ours[0].name == "CTCF"
    np.testing.assert_allclose(ours[1].ppm, ppm[::-1], atol=1e-6)
    assert [r.id for r in read_motif_file(path)] == ["motif_1", "motif_2"]


def test_benjamini_hochberg():
    p = np.array([0.01, 0.04, 0.03, 0.5])
    np.testing.assert_allclose(benjamini_hochberg(p), [0.04, 0.16 / 3, 0.16 / 3, 0.5])


def test_jaspar_names_a_known_matrix_and_not_noise(jaspar_vertebrates):
    ctcf = next(m for m in jaspar_vertebrates if m.id == "MA0139.2")
    noisy = np.full((12, 4), 0.25)
    matches = match_motifs([ctcf.ppm[::-1, ::-1], noisy], jaspar_vertebrates)  # reverse complement
    assert matches[0].name == "CTCF" and matches[0].q_value < 1e-6


@pytest.mark.parametrize("strand", ["+", "-"])
def test_bed_coordinates_on_both_strands(tmp_path, strand):
    rng = np.random.default_rng(1)
    chrom = "".join(rng.choice(list("ACGT"), size=300))
    (tmp_path / "g.fa").write_text(f">chr1\n{chrom}\n")
    genome = Genome(tmp_path / "g.fa")
    record = genome.fetch("chr1", 100, 160, strand)
    s, e = 10, 22
    for motif_strand in ("+", "-"):
        chrom_name, gs, ge, gstrand = genomic_span(
            f"chr1:100-160({strand})", "rec", s, e, motif_strand, len(record)
        )
        site = record[s:e] if motif_strand == "+" else reverse_complement(record[s:e])
        assert chrom_name == "chr1" and genome.fetch("chr1", gs, ge, gstrand) == site
    assert genomic_span(None, "rec", -2, 70, "+", 60) == ("rec", 0, 60, "+")
