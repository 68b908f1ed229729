"""Hugging Face export: the exported Unigram model segments exactly like `Tokenizer.encode`
(ids and offsets), including exact-tie cases, and its scores are read back bit-identically."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mxdna.errors import ConfigError
from mxdna.io.labels import load_fasta_set
from mxdna.tokenizer import Tokenizer
from mxdna.tokenizer.huggingface import export_huggingface, json_float, serde_float

tokenizers = pytest.importorskip("tokenizers")

TRAIN = Path(__file__).resolve().parents[2] / "data" / "ienhancer_2l" / "train.fa"
IUPAC = "ACGT" * 5 + "acgt" * 2 + "NRYSWKMBDHVnryswkmbdhv"


@pytest.fixture(scope="module")
def data() -> tuple[list[str], list[str]]:
    if not TRAIN.is_file():
        pytest.skip("data/ienhancer_2l is not available")
    records = load_fasta_set(TRAIN)
    return list(records.sequences), list(records.labels)


@pytest.fixture(scope="module")
def exported(data, tmp_path_factory):
    seqs, labels = data
    tok = Tokenizer(vocab_size=128, n_iter=3).fit(seqs[::8][:400], labels[::8][:400])
    path = tmp_path_factory.mktemp("hf") / "out" / "tokenizer.json"
    export_huggingface(tok, path)
    return tok, tokenizers.Tokenizer.from_file(str(path)), path


def assert_same(tok, hf, seq: str) -> None:
    ours, theirs = tok.encode(seq), hf.encode(seq)
    assert theirs.ids == ours.ids.tolist(), seq
    assert [list(o) for o in theirs.offsets] == ours.offsets.tolist(), seq


def test_file_layout(exported):
    tok, _, path = exported
    content = json.loads(path.read_text())
    assert content["model"]["type"] == "Unigram" and content["model"]["unk_id"] == 3
    assert [t for t, _ in content["model"]["vocab"]] == list(tok.tokens)
    assert [(a["id"], a["content"], a["special"]) for a in content["added_tokens"]] == [
        (0, "[PAD]", True),
        (1, "[CLS]", True),
        (2, "[MASK]", True),
        (3, "[UNK]", True),
    ]
    assert content["pre_tokenizer"] is None and content["decoder"] is None


def test_huggingface_reads_back_the_exact_scores(exported):
    tok, hf, _ = exported
    parsed = json.loads(hf.to_str())["model"]["vocab"]  # serialised from Rust's own floats
    scores = tok.vocabulary_.scores
    assert [s for _, s in parsed[4:]] == scores[4:].tolist()  # bit-identical, not just close


def test_real_sequences_segment_identically(exported, data):
    tok, hf, _ = exported
    held_out = data[0][1::8][:300]
    for seq in held_out:
        assert_same(tok, hf, seq)
    assert all(min(e.ids) >= 4 for e in hf.encode_batch(held_out))  # never a special token


def test_exact_ties_break_the_same_way(exported):
    tok, hf, _ = exported
    # homopolymers and short tandem repeats: many segmentations with equal token multisets
    for unit in ("A", "C", "G", "T", "AC", "TG", "CAG", "GGGA"):
        for repeats in range(1, 40):
            assert_same(tok, hf, unit * repeats)
            assert_same(tok, hf, (unit * repeats).lower() + "N" + unit * repeats)


@settings(max_examples=150, deadline=None)
@given(seq=st.text(alphabet=st.sampled_from(IUPAC), max_size=150))
def test_random_iupac_sequences_segment_identically(exported, seq):
    tok, hf, _ = exported
    assert_same(tok, hf, seq)


def test_serde_float_emulation_matches_the_rust_parser():
    rng = random.Random(0)
    values = [-rng.uniform(0.1, 40) for _ in range(3000)] + [
        -rng.expovariate(1) / 1e4 for _ in range(300)
    ]
    vocab = [["[UNK]", 0.0]] + [[f"t{i}", v] for i, v in enumerate(values)]
    content = {
        "version": "1.0",
        **dict.fromkeys(["truncation", "padding", "normalizer", "pre_tokenizer"]),
        **dict.fromkeys(["post_processor", "decoder"]),
        "added_tokens": [],
        "model": {"type": "Unigram", "unk_id": 0, "vocab": vocab, "byte_fallback": False},
    }
    hf = tokenizers.Tokenizer.from_str(json.dumps(content))  # Python writes repr(v)
    parsed = json.loads(hf.to_str())["model"]["vocab"]
    read = [s for _, s in parsed[1:]]
    assert read == [serde_float(repr(v)) for v in values]
    assert read != values  # the plain shortest literal is not always read back exactly
    written = [serde_float(json_float(v)) for v in values]
    assert np.mean(np.array(written) == np.array(values)) > 0.99


def test_unfitted_tokenizer_cannot_be_exported(tmp_path):
    with pytest.raises(ConfigError, match="not fitted"):
        export_huggingface(Tokenizer(), tmp_path / "tokenizer.json")
    assert not (tmp_path / "tokenizer.json").exists()
