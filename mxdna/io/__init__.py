"""Reading and writing DNA: FASTA, labels, BED intervals from a genome, outputs."""
