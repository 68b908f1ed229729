"""Write the toy genome and BED files of the workflow's test config (deterministic).

    python workflows/.test/make_toy_data.py      # rewrites workflows/.test/data/

Three random chromosomes (6 kb each). Every 375-bp slot holds one "peak" interval whose centre
carries planted AP-1 (TGACTCA) and E-box (CACGTG) sites, and one "background" interval of plain
random sequence. Intervals vary in width (80-140 bp; the workflow re-centres them to 100 bp) and
alternate strands, so `mxdna data extract` exercises re-centring and reverse complements, and the
chromosomes allow a chromosome hold-out split (chr2 validation, chr3 test).
"""

from __future__ import annotations

import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data"
CHROMS = ("chr1", "chr2", "chr3")
CHROM_LEN = 6000
SLOT = 375
MOTIFS = ("TGACTCA", "CACGTG")


def _random_dna(rng: random.Random, n: int) -> list[str]:
    return rng.choices("ACGT", k=n)


def _interval(rng: random.Random, centre: int) -> tuple[int, int]:
    width = rng.randrange(80, 141)
    start = centre - width // 2
    return start, start + width


def main() -> None:
    rng = random.Random(7)
    OUT.mkdir(parents=True, exist_ok=True)
    genome, peaks, background = [], [], []
    for chrom in CHROMS:
        seq = _random_dna(rng, CHROM_LEN)
        for slot, slot_start in enumerate(range(0, CHROM_LEN - SLOT + 1, SLOT)):
            strand = "+" if slot % 2 == 0 else "-"
            peak_centre = slot_start + SLOT // 4
            for offset, motif in zip((-14, 6), MOTIFS, strict=True):
                site = peak_centre + offset
                seq[site : site + len(motif)] = motif
            start, end = _interval(rng, peak_centre)
            peaks.append((chrom, start, end, f"{chrom}_peak{slot}", strand))
            start, end = _interval(rng, slot_start + 3 * SLOT // 4)
            background.append((chrom, start, end, f"{chrom}_bg{slot}", strand))
        text = "".join(seq)
        lines = [text[i : i + 60] for i in range(0, len(text), 60)]
        genome.append(f">{chrom}\n" + "\n".join(lines) + "\n")
    (OUT / "genome.fa").write_text("".join(genome))
    for name, rows in (("peaks.bed", peaks), ("background.bed", background)):
        body = "".join(f"{c}\t{s}\t{e}\t{n}\t0\t{strand}\n" for c, s, e, n, strand in rows)
        (OUT / name).write_text(body)


if __name__ == "__main__":
    main()
