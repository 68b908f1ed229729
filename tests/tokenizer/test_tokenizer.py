"""The learnable tokenizer: contracts (round trip, tiling, determinism, refit), planted-motif
recovery, refinement with external importance, files and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mxdna.errors import ConfigError, EmptyInputError, SingleClassError, TokenizerFileError
from mxdna.tokenizer import Tokenizer, load_tokenizer
from mxdna.tokenizer.vocabulary import FIRST_MOTIF_ID, PAD_ID

# JASPAR consensus sites: AP-1 (FOS::JUN, MA0099) and GATA1 (MA0035) cores, extended
PLANTED = ("ATGACTCAT", "CTTATCTGC")


def planted_data(n_per_class: int = 300, length: int = 150, seed: int = 0):
    """Class 'bound' carries one planted motif per sequence; 'background' is uniform random."""
    rng = np.random.default_rng(seed)
    seqs, labels, sites = [], [], []
    for label in ("background", "bound"):
        for i in range(n_per_class):
            seq = "".join(rng.choice(list("ACGT"), size=length))
            site = None
            if label == "bound":
                motif = PLANTED[i % 2]
                start = int(rng.integers(0, length - len(motif)))
                seq = seq[:start] + motif + seq[start + len(motif) :]
                site = (start, start + len(motif))
            seqs.append(seq)
            labels.append(label)
            sites.append(site)
    return seqs, labels, sites


@pytest.fixture(scope="module")
def fitted() -> tuple[Tokenizer, list[str], list[str]]:
    seqs, labels, _ = planted_data()
    return Tokenizer(vocab_size=200, n_iter=5, seed=0).fit(seqs, labels), seqs, labels


def overlaps_planted(token: str) -> bool:
    return len(token) >= 5 and any(token in m or m in token for m in PLANTED)


def test_highest_gain_tokens_are_the_planted_motifs(fitted):
    tok, _, _ = fitted
    order = np.argsort(-tok.information_gain_, kind="stable")
    top = [tok.tokens[i] for i in order[:6]]
    assert sum(overlaps_planted(t) for t in top) >= 4, top
    for motif in PLANTED:  # each planted motif is covered by some high-gain token
        assert any(overlaps_planted(t) and (t in motif or motif in t) for t in top), (motif, top)


def test_unsupervised_fit_ranks_planted_motifs_lower(fitted):
    tok, seqs, _ = fitted
    unsupervised = Tokenizer(vocab_size=200, n_iter=5, seed=0).fit(seqs)
    assert not unsupervised.information_gain_.any()  # no labels, no information gain

    def best_rank(order, tokens):
        return min(r for r, i in enumerate(order) if overlaps_planted(tokens[i]))

    motif_ids = np.arange(FIRST_MOTIF_ID, tok.vocab_size)
    by_gain = motif_ids[np.argsort(-tok.information_gain_[FIRST_MOTIF_ID:], kind="stable")]
    u_ids = np.arange(FIRST_MOTIF_ID, unsupervised.vocab_size)
    by_score = u_ids[np.argsort(-unsupervised.vocabulary_.scores[FIRST_MOTIF_ID:], kind="stable")]
    assert best_rank(by_gain, tok.tokens) < best_rank(by_score, unsupervised.tokens)


def test_planted_sites_are_single_tokens_in_bound_sequences(fitted):
    tok, _, _ = fitted
    seqs, _, sites = planted_data(n_per_class=40, seed=1)  # unseen sequences
    hits = 0
    for seq, site in zip(seqs, sites, strict=True):
        if site is None:
            continue
        enc = tok.encode(seq)
        long_tokens = [(a, b) for a, b in enc.offsets.tolist() if b - a >= 5]
        hits += any(a < site[1] and site[0] < b for a, b in long_tokens)
    assert hits >= 35  # of 40


ambiguous_dna = st.text(alphabet="ACGTNacgtnRYKMSWBDHVrykmswbdhv", max_size=300)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seq=ambiguous_dna)
def test_round_trip_and_tiling(fitted, seq):
    tok, _, _ = fitted
    enc = tok.encode(seq)
    assert tok.decode(enc) == seq
    assert tok.decode(enc.ids) == "".join("N" if c not in "ACGT" else c for c in seq.upper())
    if seq:
        assert enc.offsets[0, 0] == 0 and enc.offsets[-1, 1] == len(seq)
        assert np.array_equal(enc.offsets[1:, 0], enc.offsets[:-1, 1])
    spans = enc.offsets.tolist()
    assert all(len(tok.tokens[i]) == b - a for i, (a, b) in zip(enc.ids, spans, strict=True))


def test_batch_equals_single_and_pads(fitted):
    tok, seqs, _ = fitted
    batch = tok.encode_batch([seqs[0], seqs[1][:40], ""])
    for row, seq in enumerate([seqs[0], seqs[1][:40], ""]):
        single = tok.encode(seq)
        n = batch.lengths[row]
        assert np.array_equal(batch.ids[row, :n], single.ids)
        assert np.array_equal(batch.offsets[row, :n], single.offsets)
        assert (batch.ids[row, n:] == PAD_ID).all() and not batch.attention_mask[row, n:].any()
        assert batch.encodings[row] == single


def test_same_data_and_seed_give_identical_files(tmp_path):
    seqs, labels, _ = planted_data(n_per_class=120)
    a = Tokenizer(vocab_size=80, n_iter=3, seed=7).fit(seqs, labels)
    b = Tokenizer(vocab_size=80, n_iter=3, seed=7).fit(seqs, labels)
    a.save(tmp_path / "a.json")
    b.save(tmp_path / "b.json")

    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_fitting_twice_equals_fitting_once():
    seqs, labels, _ = planted_data(n_per_class=100)
    other_seqs, other_labels, _ = planted_data(n_per_class=100, seed=5)
    once = Tokenizer(vocab_size=60, n_iter=3).fit(seqs, labels)
    twice = Tokenizer(vocab_size=60, n_iter=3).fit(other_seqs, other_labels).fit(seqs, labels)
    assert once.tokens == twice.tokens
    assert np.array_equal(once.vocabulary_.scores, twice.vocabulary_.scores)


def test_save_load_round_trip(fitted, tmp_path):
    tok, seqs, _ = fitted
    tok.save(tmp_path / "tok.json")
    for loaded in (Tokenizer.load(tmp_path / "tok.json"), load_tokenizer(tmp_path / "tok.json")):
        assert loaded.tokens == tok.tokens
        assert loaded.classes_ == ("background", "bound")
        assert all(loaded.encode(s) == tok.encode(s) for s in seqs[:20])
        assert loaded.get_params() == tok.get_params()
    data = json.loads((tmp_path / "tok.json").read_text())
    assert data["format"] == "mxdna.tokenizer" and data["schema_version"] == 1


def test_refine_uses_external_importance(fitted):
    tok, seqs, labels = fitted
    low = [t for t in tok.vocabulary_.motifs if not overlaps_planted(t)]
    favoured = low[:15]
    importance = {t: 1.0 for t in favoured}
    refined = (
        Tokenizer(**tok.get_params())
        .fit(seqs, labels)
        .refine(seqs, labels, token_importance=importance, n_iter=2)
    )
    plain = Tokenizer(**tok.get_params()).fit(seqs, labels).refine(seqs, labels, n_iter=2)
    kept = lambda t: sum(f in t.tokens for f in favoured)  # noqa: E731
    assert kept(refined) >= kept(plain)
    assert len(refined.history_) == len(tok.history_) + 3  # 2 iterations + the final vocabulary
    assert [h["iteration"] for h in refined.history_] == list(range(len(refined.history_)))
    assert refined.vocab_size == tok.vocab_size


@pytest.mark.parametrize(
    ("kwargs", "seqs", "labels", "error", "message"),
    [
        ({}, [], None, EmptyInputError, "no training sequences"),
        ({"vocab_size": 8}, ["ACGT"], None, ConfigError, "vocab_size must be an integer above 9"),
        ({"max_motif_len": 1}, ["ACGT"], None, ConfigError, "max_motif_len"),
        ({}, ["ACGT", "ACGA"], ["x", "x"], SingleClassError, "only one class"),
        ({}, ["ACGT"], ["x", "y"], ConfigError, "2 labels for 1 sequences"),
        ({}, ["ACXT"], None, ConfigError, "'X' is not an IUPAC"),
    ],
)
def test_bad_input(kwargs, seqs, labels, error, message):
    with pytest.raises(error, match=message):
        Tokenizer(**kwargs).fit(seqs, labels)


def test_broken_files_are_clear_errors(fitted, tmp_path):
    tok, _, _ = fitted
    good = tok.to_dict()
    cases = {
        "no params": {k: v for k, v in good.items() if k != "params"},
        "bad token": {
            **good,
            "tokens": [*good["tokens"][:-1], {**good["tokens"][-1], "token": "ACGX"}],
        },
        "lower case": {
            **good,
            "tokens": [*good["tokens"][:-1], {**good["tokens"][-1], "token": "acgt"}],
        },
        "ids": {**good, "tokens": good["tokens"][1:]},
    }
    for name, data in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(data))
        with pytest.raises(TokenizerFileError, match=f"{path.name}: invalid tokenizer content"):
            Tokenizer.load(path)


def test_history_ends_with_the_fitted_vocabulary(fitted):
    tok, seqs, _ = fitted
    last = tok.history_[-1]
    assert last["pool_size"] == tok.vocab_size - FIRST_MOTIF_ID
    seg = tok.segment(seqs)
    assert last["bases_per_token"] == pytest.approx(sum(map(len, seqs)) / len(seg.ids), rel=0.02)
    assert all("seconds" not in h for h in tok.history_)


def test_unfitted_and_foreign_files(tmp_path):
    with pytest.raises(ConfigError, match="not fitted"):
        Tokenizer().encode("ACGT")
    (tmp_path / "x.json").write_text('{"model": {"type": "Unigram"}}')
    with pytest.raises(TokenizerFileError, match="not an mxdna tokenizer"):
        Tokenizer.load(tmp_path / "x.json")
    (tmp_path / "y.json").write_text("not json")
    with pytest.raises(TokenizerFileError, match="not a tokenizer JSON"):
        load_tokenizer(tmp_path / "y.json")


def test_reverse_complement_tied_vocabulary():
    """Motifs planted on either strand: the tied fit pools both orientations."""
    from mxdna.alphabet import reverse_complement

    rng = np.random.default_rng(4)
    seqs, labels = [], []
    for label in ("background", "bound"):
        for i in range(300):
            seq = "".join(rng.choice(list("ACGT"), size=150))
            if label == "bound":
                motif = PLANTED[i % 2] if rng.random() < 0.5 else reverse_complement(PLANTED[i % 2])
                start = int(rng.integers(0, 150 - len(motif)))
                seq = seq[:start] + motif + seq[start + len(motif) :]
            seqs.append(seq)
            labels.append(label)
    tok = Tokenizer(vocab_size=200, n_iter=5, rc_tied=True).fit(seqs, labels)
    motifs = set(tok.vocabulary_.motifs)
    index = {t: i for i, t in enumerate(tok.tokens)}
    assert tok.vocab_size <= 200
    for motif in motifs:
        mate = reverse_complement(motif)
        assert mate in motifs
        assert tok.vocabulary_.scores[index[motif]] == tok.vocabulary_.scores[index[mate]]
        assert tok.information_gain_[index[motif]] == tok.information_gain_[index[mate]]
    order = np.argsort(-tok.information_gain_, kind="stable")
    top = [tok.tokens[i] for i in order[:8]]
    planted_both = (*PLANTED, *(reverse_complement(m) for m in PLANTED))
    assert sum(len(t) >= 5 and any(t in m or m in t for m in planted_both) for t in top) >= 4, top
    assert tok.get_params()["rc_tied"] is True
