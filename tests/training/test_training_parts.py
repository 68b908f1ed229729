"""Metrics, learning-rate schedule and batching."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import matthews_corrcoef, roc_auc_score

from mxdna.alphabet import reverse_complement
from mxdna.errors import ConfigError
from mxdna.tokenizer import BpeTokenizer, CharTokenizer
from mxdna.training.batches import bucketed_batches, collate, encode_split, training_batches
from mxdna.training.config import TrainConfig
from mxdna.training.joint import motif_length_cap
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


def test_training_batches_mix_classes_that_tokenize_to_different_lengths():
    """Same length in bases, different length in tokens by class (repeats merge into long
    tokens): batches bucketed by token count would each hold one class; by bases they mix."""
    rng = np.random.default_rng(0)
    repeats = ["".join(rng.choice(["AT", "GC"], size=20)) for _ in range(200)]
    scrambled = ["".join(rng.choice(list("ACGT"), size=40)) for _ in range(200)]
    labels = np.array([0] * 200 + [1] * 200)
    tokenizer = BpeTokenizer(vocab_size=30).fit(repeats)
    split = encode_split(tokenizer, repeats + scrambled, labels, both_strands=False)
    assert set(split.base_lengths.tolist()) == {40}
    assert split.lengths[:200].max() < split.lengths[200:].min()  # the count gives the class
    by_tokens = bucketed_batches(split.lengths, 32, seed=0, epoch=0)
    assert np.mean([len(set(labels[b])) == 1 for b in by_tokens]) > 0.8  # the old failure
    batches = training_batches(split, 32, seed=0, epoch=0)
    assert sorted(np.concatenate(batches).tolist()) == list(range(400))
    assert all(0.2 < labels[b].mean() < 0.8 for b in batches if len(b) == 32)


def test_collate_pads_and_flips_to_the_reverse_strand():
    seqs = ["ACGTTG", "AAC", "GGGTA"]
    tok = CharTokenizer().fit(seqs)
    split = encode_split(tok, seqs, np.array([0, 1, 0]), both_strands=True)
    ids, offsets, mask, labels = collate(split, np.array([1, 0]), flip=np.array([True, False]))
    assert ids.shape == (2, 6) and mask.sum(1).tolist() == [3, 6]
    assert tok.decode(ids[0][mask[0]].numpy()) == reverse_complement("AAC")
    assert tok.decode(ids[1][mask[1]].numpy()) == "ACGTTG"
    assert (offsets[0, 3:] == -1).all() and labels.tolist() == [1, 0]


def test_optimiser_moments_survive_a_vocabulary_switch():
    """A re-fit keeps AdamW's moments: unchanged parameters exactly, the residual embedding row
    by row following token strings (new tokens start at zero)."""
    import torch

    from mxdna.model.config import EncoderConfig
    from mxdna.model.encoder import SequenceClassifier
    from mxdna.tokenizer import KmerTokenizer
    from mxdna.training.config import TrainConfig
    from mxdna.training.trainer import Trainer

    rng = np.random.default_rng(0)
    # odd length: a 1-base tail token, so single-base rows (kept by the switch) see gradients
    sequences = ["".join(rng.choice(list("ACGT"), size=41)) for _ in range(16)]
    old_tok, new_tok = KmerTokenizer(k=2), KmerTokenizer(k=3)
    torch.manual_seed(0)
    model = SequenceClassifier(EncoderConfig(d_model=16, n_heads=2), old_tok.tokens)
    trainer = Trainer(
        model, TrainConfig(threads=1), device=torch.device("cpu"), total_steps=4, class_weights=None
    )
    split = encode_split(old_tok, sequences, np.arange(16) % 2, both_strands=True)
    trainer.train_epoch(split, 0)
    before = trainer.state_by_name()
    rows = model.adopt_vocabulary(new_tok.tokens)
    trainer.rebuild(carry=before, rows=rows)
    after = trainer.state_by_name()
    assert set(after) == set(before)
    name = "encoder.embedding.residual.weight"
    for key in ("exp_avg", "exp_avg_sq"):
        for other in set(before) - {name}:
            assert torch.equal(after[other][key], before[other][key])
        old_index = {t: i for i, t in enumerate(old_tok.tokens)}
        for i, token in enumerate(new_tok.tokens):
            expected = before[name][key][old_index[token]] if token in old_index else 0
            assert torch.equal(after[name][key][i], torch.zeros(16) + expected)
    kept = [t in old_index for t in new_tok.tokens]
    assert any(kept) and not all(kept)  # bases and specials stay, every 3-mer is new
    assert after[name]["exp_avg"][: sum(kept)].abs().sum() > 0  # carried rows are not all zero
    trainer.train_epoch(encode_split(new_tok, sequences, np.arange(16) % 2, both_strands=True), 1)


def test_progressive_aggregation_schedule_runs_from_fine_to_max_motif_len():
    progressive = TrainConfig(max_motif_len=12, progressive_aggregation=True)
    assert [motif_length_cap(progressive, r, 3) for r in range(3)] == [6, 9, 12]
    assert motif_length_cap(progressive, 0, 1) == 12  # no re-fits: full length from the start
    assert [motif_length_cap(TrainConfig(max_motif_len=12), r, 3) for r in range(3)] == [12] * 3
    with pytest.raises(ConfigError, match="progressive_aggregation"):
        TrainConfig(progressive_aggregation="yes")


def test_wide_heads_train_at_their_own_learning_rates():
    """The k-mer and position heads get their own AdamW groups at `kmer_head_lr_scale` and
    `position_head_lr_scale` times the rate; the network's group is unchanged, and a head's
    weights move further at a larger scale."""
    import torch

    from mxdna.model.config import EncoderConfig
    from mxdna.model.encoder import SequenceClassifier
    from mxdna.tokenizer import KmerTokenizer
    from mxdna.training.trainer import Trainer

    rng = np.random.default_rng(0)
    sequences = ["".join(rng.choice(list("ACGT"), size=30)) for _ in range(32)]
    labels = np.array([s[10] in "AC" for s in sequences], dtype=int)
    tokenizer = KmerTokenizer(k=3)
    split = encode_split(tokenizer, sequences, labels, both_strands=False)
    grown = {}
    for scale in (1.0, 10.0):
        torch.manual_seed(0)
        config = EncoderConfig(d_model=16, n_heads=2, kmer_head=2, position_head=30)
        model = SequenceClassifier(config, tokenizer.tokens)
        train_config = TrainConfig(
            threads=1, kmer_head_lr_scale=3, position_head_lr_scale=scale, rc_augment=False
        )
        trainer = Trainer(
            model, train_config, device=torch.device("cpu"), total_steps=8, class_weights=None
        )
        deep, kmer, position = trainer.optimizer.param_groups
        heads = model.wide_head_parameters()
        assert [id(p) for p in kmer["params"]] == [id(p) for p in heads["kmer_head"]]
        assert [id(p) for p in position["params"]] == [id(p) for p in heads["position_head"]]
        assert sum(len(g["params"]) for g in (deep, kmer, position)) == len(
            list(model.parameters())
        )
        assert kmer["initial_lr"] == pytest.approx(3 * deep["initial_lr"])
        assert position["initial_lr"] == pytest.approx(scale * deep["initial_lr"])
        assert trainer.learning_rate == pytest.approx(deep["lr"])
        for epoch in range(2):
            trainer.train_epoch(split, epoch)
        grown[scale] = model.position_head.linear.weight.abs().max().item()
    assert grown[10.0] > 3 * grown[1.0] > 0
    assert TrainConfig().position_head_lr_scale == 1 and TrainConfig().kmer_head_lr_scale == 1
    for bad in (0, -1.0, True, "fast"):
        with pytest.raises(ConfigError, match="position_head_lr_scale"):
            TrainConfig(position_head_lr_scale=bad)


def test_prediction_averages_the_two_strands_when_the_split_holds_both():
    """A split encoded with both strands is scored as the mean of each strand's probabilities
    (each strand scored alone as its own one-strand split); only models trained on both
    strands average (`average_strands`)."""
    import torch

    from mxdna.model.config import EncoderConfig
    from mxdna.model.encoder import SequenceClassifier
    from mxdna.tokenizer import KmerTokenizer
    from mxdna.training.trainer import Trainer

    rng = np.random.default_rng(0)
    sequences = ["".join(rng.choice(list("ACGT"), size=int(n))) for n in rng.integers(20, 60, 24)]
    tokenizer = KmerTokenizer(k=3)
    torch.manual_seed(0)
    model = SequenceClassifier(EncoderConfig(d_model=16, n_heads=2), tokenizer.tokens)
    trainer = Trainer(
        model, TrainConfig(threads=1), device=torch.device("cpu"), total_steps=4, class_weights=None
    )
    labels = np.arange(24) % 2
    trainer.train_epoch(encode_split(tokenizer, sequences, labels, both_strands=True), 0)
    forward = trainer.predict(encode_split(tokenizer, sequences, labels, both_strands=False))
    reverse = trainer.predict(
        encode_split(
            tokenizer, [reverse_complement(s) for s in sequences], labels, both_strands=False
        )
    )
    both = trainer.predict(encode_split(tokenizer, sequences, labels, both_strands=True))
    np.testing.assert_allclose(both, (forward + reverse) / 2, rtol=0, atol=1e-12)
    assert np.abs(forward - reverse).max() > 1e-4  # the strands do differ: a real average
    assert TrainConfig().average_strands
    assert not TrainConfig(aligned=True).average_strands  # the strand is part of the signal
    assert not TrainConfig(rc_augment=False).average_strands  # never trained on the other
    assert not TrainConfig(rc_average=False).average_strands
    with pytest.raises(ConfigError, match="rc_average"):
        TrainConfig(rc_average="yes")
