"""Metrics, learning-rate schedule and batching."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import matthews_corrcoef, roc_auc_score

from mxdna.alphabet import reverse_complement
from mxdna.tokenizer import CharTokenizer
from mxdna.training.batches import bucketed_batches, collate, encode_split
from mxdna.training.metrics import classification_metrics
from mxdna.training.schedule import warmup_cosine


def test_binary_metrics_match_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p1 = np.clip(y * 0.6 + rng.random(200) * 0.5, 0, 1)
    probabilities = np.stack([1 - p1, p1], axis=1)
    m = classification_metrics(y, probabilities)
    assert m["mcc"] == pytest.approx(matthews_corrcoef(y, p1 > 0.5))
    assert m["auroc"] == pytest.approx(roc_auc_score(y, p1))
    assert set(m) == {"accuracy", "mcc", "macro_f1", "auroc", "auprc"}


def test_multiclass_and_undefined_metrics():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.4, 0.1]])
    m = classification_metrics(np.array([0, 1, 2, 1]), probabilities)
    assert m["accuracy"] == 0.75 and 0 < m["auroc"] <= 1
    single = classification_metrics(np.array([1, 1]), probabilities[:2])
    assert single["auroc"] is None and single["auprc"] is None  # undefined, not guessed


def test_schedule_warms_up_then_decays():
    values = [warmup_cosine(s, 100, 10) for s in range(100)]
    assert values[:10] == sorted(values[:10]) and values[9] == 1.0
    assert values[10:] == sorted(values[10:], reverse=True)
    assert values[-1] == pytest.approx(0.05, abs=0.01)


def test_batches_cover_everything_once_and_depend_only_on_seed_and_epoch():
    lengths = np.random.default_rng(1).integers(5, 80, 1000)
    a = bucketed_batches(lengths, 32, seed=3, epoch=2)
    b = bucketed_batches(lengths, 32, seed=3, epoch=2)
    c = bucketed_batches(lengths, 32, seed=3, epoch=3)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert sorted(np.concatenate(a).tolist()) == list(range(1000))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c, strict=False))
    spread = np.mean([np.ptp(lengths[batch]) for batch in a])
    assert spread < np.ptp(lengths) / 4  # buckets hold similar lengths


def test_collate_pads_and_flips_to_the_reverse_strand():
    seqs = ["ACGTTG", "AAC", "GGGTA"]
    tok = CharTokenizer().fit(seqs)
    split = encode_split(tok, seqs, np.array([0, 1, 0]), both_strands=True)
    ids, offsets, mask, labels = collate(split, np.array([1, 0]), flip=np.array([True, False]))
    assert ids.shape == (2, 6) and mask.sum(1).tolist() == [3, 6]
    assert tok.decode(ids[0][mask[0]].numpy()) == reverse_complement("AAC")
    assert tok.decode(ids[1][mask[1]].numpy()) == "ACGTTG"
    assert (offsets[0, 3:] == -1).all() and labels.tolist() == [1, 0]
