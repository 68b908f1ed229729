"""Viterbi segmentation: compiled kernel == Python twin == brute-force enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mxdna.tokenizer import lattice
from mxdna.tokenizer.lattice import to_codes, viterbi
from mxdna.tokenizer.vocabulary import FIRST_MOTIF_ID, N_ID, LookupTable, make_vocabulary, pack

kmers = st.text(alphabet="ACGT", min_size=2, max_size=5)
# few distinct score values, so that ties happen and the tie rule is exercised
score_values = st.sampled_from([-1.0, -1.5, -2.0, -2.5, -3.0])


def brute_force(seq: str, tokens: dict[str, float], n_score: float) -> tuple[float, list[str]]:
    """Best segmentation by enumerating every split of `seq` (<= ~12 bases).

    Ties: the segmentation whose last token is longest, then the same rule on the rest —
    the rule of the kernel and of Hugging Face's Unigram lattice."""
    best: tuple[float, tuple[int, ...], list[str]] | None = None
    n = len(seq)
    for cuts in itertools.product([False, True], repeat=max(n - 1, 0)):
        bounds = [0, *[i + 1 for i, c in enumerate(cuts) if c], n]
        pieces = [seq[a:b] for a, b in itertools.pairwise(bounds)]
        total = 0.0
        for piece in pieces:
            if piece == "N":
                total += n_score
            elif piece in tokens and "N" not in piece:
                total += tokens[piece]
            else:
                break
        else:
            key = tuple(len(p) for p in reversed(pieces))
            if best is None or total > best[0] or (total == best[0] and key > best[1]):
                best = (total, key, pieces)
    assert best is not None
    return best[0], best[2]


@settings(max_examples=150, deadline=None)
@given(
    motifs=st.dictionaries(kmers, score_values, max_size=12),
    base_scores=st.lists(score_values, min_size=5, max_size=5),
    seq=st.text(alphabet="ACGTN", min_size=1, max_size=10),
)
def test_kernel_twin_and_brute_force_agree(motifs, base_scores, seq):
    scores = dict(zip("ACGTN", base_scores, strict=True)) | motifs
    vocab = make_vocabulary(sorted(motifs), scores)
    table = vocab.lookup_table()
    codes, starts = to_codes([seq])
    fast = viterbi(codes, starts, table, vocab.scores, engine="c")
    slow = viterbi(codes, starts, table, vocab.scores, engine="python")
    for field in ("ids", "starts", "seq_token_starts", "loglik"):
        assert np.array_equal(getattr(fast, field), getattr(slow, field)), field
    total, pieces = brute_force(seq, {t: s for t, s in scores.items() if t != "N"}, scores["N"])
    assert fast.loglik[0] == total
    assert [vocab.tokens[i] for i in fast.ids] == pieces


def test_engines_agree_on_many_long_sequences():
    rng = np.random.default_rng(0)
    motifs = sorted({"".join(rng.choice(list("ACGT"), size=k)) for k in rng.integers(2, 13, 400)})
    scores = {t: float(-rng.uniform(1, 12)) for t in [*"ACGTN", *motifs]}
    vocab = make_vocabulary(motifs, scores)
    seqs = [
        "".join(rng.choice(list("ACGTN"), p=[0.24] * 4 + [0.04], size=n))
        for n in rng.integers(0, 300, 60)
    ]
    codes, starts = to_codes(seqs)
    table = vocab.lookup_table()
    fast = viterbi(codes, starts, table, vocab.scores, engine="c")
    slow = viterbi(codes, starts, table, vocab.scores, engine="python")
    assert np.array_equal(fast.ids, slow.ids) and np.array_equal(fast.starts, slow.starts)
    assert np.array_equal(fast.loglik, slow.loglik)
    for i, seq in enumerate(seqs):  # tokens spell the (upper-case) sequence, N alone
        ids, token_starts = fast.tokens_of(i)
        assert "".join(vocab.tokens[t] for t in ids) == seq
        assert (
            token_starts.tolist()
            == np.cumsum([0] + [len(vocab.tokens[t]) for t in ids])[:-1].tolist()
        )
        assert all(
            vocab.tokens[t] == "N" for t, s in zip(ids, token_starts, strict=True) if seq[s] == "N"
        )


@pytest.mark.parametrize("engine", ["c", "python"])
def test_excluded_token_is_never_used(engine):
    vocab = make_vocabulary(
        ["ACG", "AC"],
        {"A": -2.0, "C": -2.0, "G": -2.0, "T": -2.0, "N": -2.0, "ACG": -1.0, "AC": -1.0},
    )
    codes, starts = to_codes(["ACG", "ACG"])
    acg = vocab.tokens.index("ACG")
    seg = viterbi(
        codes,
        starts,
        vocab.lookup_table(),
        vocab.scores,
        exclude=np.array([acg, -1], np.int32),
        engine=engine,
    )
    assert [vocab.tokens[i] for i in seg.tokens_of(0)[0]] == ["AC", "G"]
    assert [vocab.tokens[i] for i in seg.tokens_of(1)[0]] == ["ACG"]
    assert seg.loglik.tolist() == [-3.0, -1.0]


def test_lookup_table_holds_tokens_and_prefixes():
    pairs = [("A", 4), ("C", 5), ("G", 6), ("T", 7), ("ACGTACGTAC", 9), ("GG", 10)]
    table = LookupTable.build(pairs)
    entries = table.as_dict()
    expected = {pack("ACGTACGTAC"[:k]): -1 for k in range(1, 10)}
    expected |= {pack(t): i for t, i in pairs}
    assert entries == expected
    assert table.max_len == 10
    assert table.dense.dtype == np.int32 and (table.dense >= -2).all()


def test_ambiguous_bases_are_single_n_tokens():
    vocab = make_vocabulary(
        ["AC"], {"A": -1.0, "C": -1.0, "G": -1.0, "T": -1.0, "N": -5.0, "AC": -0.1}
    )
    codes, starts = to_codes(["ANRYa", "nnAC"])
    seg = viterbi(codes, starts, vocab.lookup_table(), vocab.scores)
    assert seg.tokens_of(0)[0].tolist() == [4, N_ID, N_ID, N_ID, 4]
    assert seg.tokens_of(1)[0].tolist() == [N_ID, N_ID, FIRST_MOTIF_ID]


def test_to_codes_rejects_non_iupac():
    with pytest.raises(ValueError, match=r"sequence 1: 'X'"):
        to_codes(["ACGT", "AXG"])
    assert lattice._viterbi is not None  # CI has a compiler: the fast path must be built


def test_threads_give_the_same_segmentation():
    rng = np.random.default_rng(3)
    motifs = sorted({"".join(rng.choice(list("ACGT"), size=k)) for k in rng.integers(2, 9, 300)})
    vocab = make_vocabulary(motifs, {t: float(-rng.uniform(1, 9)) for t in [*"ACGTN", *motifs]})
    seqs = ["".join(rng.choice(list("ACGTN"), size=n)) for n in rng.integers(50, 400, 1500)]
    codes, starts = to_codes(seqs)
    table = vocab.lookup_table()
    one = viterbi(codes, starts, table, vocab.scores, n_threads=1)
    many = viterbi(codes, starts, table, vocab.scores, n_threads=3)
    for field in ("ids", "starts", "seq_token_starts", "loglik"):
        assert np.array_equal(getattr(one, field), getattr(many, field)), field
