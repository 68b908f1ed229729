"""Baseline tokenizers (char, k-mer, BPE): exact round trips, tiling, token lengths, N handling,
batch == single, files, and bad input."""

from __future__ import annotations

import functools
import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mxdna.errors import ConfigError, EmptyInputError, TokenizerFileError
from mxdna.io.labels import load_fasta_set
from mxdna.tokenizer import (
    TOKENIZER_KINDS,
    BpeTokenizer,
    CharTokenizer,
    KmerTokenizer,
    load_tokenizer,
)
from mxdna.tokenizer.vocabulary import FIRST_MOTIF_ID, FIXED_TOKENS, N_ID

HAVE_HF = importlib.util.find_spec("tokenizers") is not None  # BpeTokenizer needs it
needs_hf = pytest.mark.skipif(not HAVE_HF, reason="Hugging Face tokenizers is not installed")
TRAIN = Path(__file__).resolve().parents[2] / "data" / "ienhancer_2l" / "train.fa"
AMBIGUOUS = "NRYSWKMBDHVnryswkmbdhv"
# mostly bases (so runs long enough for k-mers and merges occur), some lower case and IUPAC
dna = st.text(alphabet=st.sampled_from("ACGT" * 6 + "acgt" * 2 + AMBIGUOUS), max_size=90)


def canonical(seq: str) -> str:
    """What ids alone decode to: upper case, every ambiguity code as N."""
    return "".join("N" if c in AMBIGUOUS else c for c in seq.upper())


@functools.cache
def corpus() -> tuple[str, ...]:
    """A few hundred real enhancer sequences (200 bp), or planted random ones without the data."""
    if TRAIN.is_file():
        return tuple(load_fasta_set(TRAIN).sequences[::10][:300])
    rng = np.random.default_rng(0)
    return tuple("".join(rng.choice(list("ACGT"), 200)) + "TATAAAGGCGCC" * 2 for _ in range(300))


@functools.cache
def bpe() -> BpeTokenizer:
    return BpeTokenizer(vocab_size=200).fit(corpus())


def tiling_tokenizers():
    return [CharTokenizer(), KmerTokenizer(k=3), KmerTokenizer(k=6), *([bpe()] if HAVE_HF else [])]


def all_tokenizers():
    return [*tiling_tokenizers(), KmerTokenizer(k=4, overlapping=True)]


@settings(max_examples=60, deadline=None)
@given(seq=dna)
def test_decode_encode_is_exact_and_offsets_tile(seq):
    for tok in tiling_tokenizers():
        enc = tok.encode(seq)
        assert tok.decode(enc) == seq, tok.kind
        assert tok.decode(enc.ids) == canonical(seq)
        starts, ends = enc.offsets[:, 0], enc.offsets[:, 1]
        assert np.array_equal(np.r_[0, ends], np.r_[starts, len(seq)])  # tiles [0, len)
        assert np.all(ends > starts)
        text = canonical(seq)
        assert [tok.tokens[i] for i in enc.ids] == [text[a:b] for a, b in enc.offsets.tolist()]


@settings(max_examples=60, deadline=None)
@given(seq=dna, k=st.integers(2, 5))
def test_overlapping_kmers_are_windows_and_round_trip(seq, k):
    tok = KmerTokenizer(k=k, overlapping=True)
    enc = tok.encode(seq)
    text = canonical(seq)
    assert tok.decode(enc) == seq and tok.decode(enc.ids) == text
    tokens = [tok.tokens[i] for i in enc.ids]
    assert tokens == [text[a:b] for a, b in enc.offsets.tolist()]
    assert all(len(t) in (1, k) for t in tokens)
    assert np.all(np.diff(enc.offsets[:, 0]) > 0)  # one token per start position
    covered = np.zeros(len(seq), dtype=int)
    for a, b in enc.offsets.tolist():
        covered[a:b] += 1
    assert covered.min(initial=1) >= 1  # every base is in some token
    # one window per start in every A/C/G/T run of >= k bases, none crossing an N
    runs = [r for r in text.split("N") if r]
    expected = sum(len(r) - k + 1 if len(r) >= k else len(r) for r in runs) + text.count("N")
    assert len(tokens) == expected
    assert all("N" not in t for t in tokens if len(t) > 1)


@settings(max_examples=60, deadline=None)
@given(seq=dna, k=st.integers(2, 6))
def test_non_overlapping_kmers_tile_each_run_from_its_start(seq, k):
    tok = KmerTokenizer(k=k)
    tokens = [tok.tokens[i] for i in tok.encode(seq).ids]
    expected = []
    for i, run in enumerate(canonical(seq).split("N")):
        expected += ["N"] if i else []
        expected += [run[j : j + k] for j in range(0, len(run), k)]
    assert tokens == expected


def test_kmer_vocabulary_layout():
    tok = KmerTokenizer(k=3)
    assert tok.tokens[:FIRST_MOTIF_ID] == FIXED_TOKENS
    assert tok.vocab_size == FIRST_MOTIF_ID + 4**3 + 4**2
    assert tok.tokens[FIRST_MOTIF_ID : FIRST_MOTIF_ID + 3] == ("AAA", "AAC", "AAG")
    assert tok.tokens[FIRST_MOTIF_ID + 63] == "TTT" and tok.tokens[-1] == "TT"
    assert len(set(tok.tokens)) == tok.vocab_size
    overlapping = KmerTokenizer(k=3, overlapping=True)
    assert overlapping.vocab_size == FIRST_MOTIF_ID + 4**3
    assert all(len(t) == 3 for t in overlapping.tokens[FIRST_MOTIF_ID:])
    assert tok.token_to_id("GAT") == FIRST_MOTIF_ID + 2 * 16 + 0 * 4 + 3


def test_ambiguous_bases_are_single_n_tokens_that_break_kmers():
    tok = KmerTokenizer(k=3)
    enc = tok.encode("ACGtRACGA")
    assert [tok.tokens[i] for i in enc.ids] == ["ACG", "T", "N", "ACG", "A"]
    assert tok.decode(enc) == "ACGtRACGA"
    assert CharTokenizer().encode("ryN").ids.tolist() == [N_ID] * 3
    if HAVE_HF:
        assert [bpe().tokens[i] for i in bpe().encode("ANC").ids] == ["A", "N", "C"]


def test_encode_batch_matches_single_encodes():
    seqs = ["ACGTTGCAN", "", "acgtnnACGTAC" * 3, corpus()[0]]
    for tok in all_tokenizers():
        batch = tok.encode_batch(seqs)
        assert batch.ids.shape == (len(seqs), max(batch.lengths))
        for row, seq in enumerate(seqs):
            single = tok.encode(seq)
            assert batch.encodings[row] == single
            assert batch.ids[row, : len(single)].tolist() == single.ids.tolist()
            assert not batch.attention_mask[row, len(single) :].any()


@needs_hf
def test_bpe_learns_multi_base_tokens_that_shorten_sequences():
    tok = bpe()
    assert FIRST_MOTIF_ID < tok.vocab_size <= 200
    motifs = tok.tokens[FIRST_MOTIF_ID:]
    assert all(len(t) > 1 and set(t) <= set("ACGT") for t in motifs)
    segmentation = tok.segment(list(corpus()))
    bases = sum(len(s) for s in corpus())
    assert bases / len(segmentation.ids) > 2.0  # merges are actually used
    assert BpeTokenizer(vocab_size=200).fit(corpus()).tokens == tok.tokens  # deterministic


@pytest.mark.parametrize(
    "make",
    [
        CharTokenizer,
        lambda: KmerTokenizer(4),
        pytest.param(bpe, marks=needs_hf),
        lambda: KmerTokenizer(3, True),
    ],
)
def test_save_load_gives_identical_encodings(tmp_path, make):
    tok = make()
    path = tmp_path / "tok.json"
    tok.save(path)
    data = json.loads(path.read_text())
    assert data["format"] == "mxdna.tokenizer" and data["kind"] == tok.kind
    assert data["params"] == tok.get_params()
    loaded = load_tokenizer(path)
    assert type(loaded) is type(tok) is TOKENIZER_KINDS[tok.kind]
    assert loaded.tokens == tok.tokens
    seqs = [*corpus()[:20], "acgtNRyACGTTTT", ""]
    for seq in seqs:
        assert loaded.encode(seq) == tok.encode(seq)


def test_bad_configuration_and_input():
    with pytest.raises(ConfigError, match="k must be"):
        KmerTokenizer(k=1).fit(["ACGT"])
    with pytest.raises(ConfigError, match="not fitted"):
        BpeTokenizer().encode("ACGT")
    with pytest.raises(ConfigError, match="vocab_size"):
        BpeTokenizer(vocab_size=5).fit(["ACGT"])
    with pytest.raises(EmptyInputError):
        CharTokenizer().fit([])
    with pytest.raises(ConfigError, match="IUPAC"):
        BpeTokenizer(vocab_size=20).fit(["ACGX"])
    assert CharTokenizer().fit(["ACGT"], labels=["a"]).vocab_size == len(FIXED_TOKENS)


@needs_hf
def test_corrupt_bpe_file_is_a_tokenizer_file_error(tmp_path):
    data = bpe().to_dict()
    data["tokens"] = data["tokens"][:-1]
    path = tmp_path / "tok.json"
    path.write_text(json.dumps(data))
    with pytest.raises(TokenizerFileError, match="does not match"):
        load_tokenizer(path)
    with pytest.raises(TokenizerFileError, match="expected 'char'"):
        bpe().save(path)
        CharTokenizer.load(path)


def test_kmer_ids_follow_sorted_order():
    tok = KmerTokenizer(k=2)
    seq = "".join(tok.tokens[FIRST_MOTIF_ID : FIRST_MOTIF_ID + 16])  # all 16 2-mers, in id order
    ids = tok.encode(seq).ids
    assert ids.tolist() == list(range(FIRST_MOTIF_ID, FIRST_MOTIF_ID + 16))
    assert math.isclose(len(seq) / len(ids), 2.0)
