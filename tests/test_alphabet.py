"""Alphabet utilities: relations against plain per-base Python definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from Bio.Seq import Seq
from hypothesis import given
from hypothesis import strategies as st

from mxdna import alphabet

dna = st.text(alphabet="ACGTNRYSWKMBDHVacgtnryswkmbdhv", max_size=200)
acgtn = st.text(alphabet="ACGTNacgtn", min_size=1, max_size=200)


@given(dna)
def test_reverse_complement_matches_biopython_and_is_an_involution(seq):
    assert alphabet.reverse_complement(seq) == str(Seq(seq).reverse_complement())
    assert alphabet.reverse_complement(alphabet.reverse_complement(seq)) == seq
    raw = seq.encode()
    assert alphabet.reverse_complement_bytes(raw) == alphabet.reverse_complement(seq).encode()


@given(acgtn)
def test_codes_round_trip_and_reverse_complement_commute(seq):
    codes = alphabet.encode(seq)
    assert codes.dtype == np.uint8 and codes.shape == (len(seq),)
    assert alphabet.decode(codes) == seq.upper()
    rc_codes = alphabet.reverse_complement_codes(codes)
    assert alphabet.decode(rc_codes) == alphabet.reverse_complement(seq).upper()


@given(dna)
def test_one_hot_rows(seq):
    x = alphabet.one_hot(seq, n_value=0.25)
    assert x.shape == (len(seq), 4) and x.dtype == np.float32
    for row, base in zip(x, seq.upper(), strict=True):
        if base in "ACGT":
            assert row.tolist() == [float(base == b) for b in "ACGT"]
        else:
            assert row.tolist() == [0.25] * 4


def test_one_hot_batch_shape_and_equal_lengths():
    x = alphabet.one_hot_batch(["ACGT", "TTNA"])
    assert x.shape == (2, 4, 4)
    assert np.array_equal(x[1], alphabet.one_hot("TTNA"))
    with pytest.raises(ValueError, match="equal lengths"):
        alphabet.one_hot_batch(["AC", "A"])


@given(dna)
def test_gc_and_n_fraction_match_naive_counts(seq):
    up = seq.upper()
    acgt = sum(up.count(b) for b in "ACGT")
    gc = alphabet.gc_content(seq)
    if acgt:
        assert gc == pytest.approx((up.count("G") + up.count("C")) / acgt)
    else:
        assert math.isnan(gc)
    if seq:
        assert alphabet.n_fraction(seq) == pytest.approx((len(seq) - acgt) / len(seq))
    assert alphabet.base_counts(seq).sum() == len(seq)


def test_encode_rejects_non_iupac():
    with pytest.raises(ValueError, match="'X'"):
        alphabet.encode("ACXT")
