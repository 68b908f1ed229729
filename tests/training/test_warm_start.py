"""Warm start of the wide heads: they begin as the logistic regression on their own inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from mxdna.errors import ConfigError
from mxdna.model.config import EncoderConfig
from mxdna.model.encoder import SequenceClassifier
from mxdna.tokenizer import CharTokenizer, KmerTokenizer
from mxdna.training.batches import collate, encode_split
from mxdna.training.config import TrainConfig
from mxdna.training.warm_start import warm_start_wide_heads

CPU = torch.device("cpu")
PLANTED = 10  # the base at this position decides the class


def _data(n: int, seed: int, classes: str = "AC") -> tuple[list[str], np.ndarray]:
    """Random 30-bp sequences; class 1 when the base at PLANTED is in `classes` (binary), or
    with `classes=""` the class is the index of that base among A, C, G+T (three classes)."""
    rng = np.random.default_rng(seed)
    sequences = ["".join(rng.choice(list("ACGT"), size=30)) for _ in range(n)]
    if classes:
        labels = np.array([s[PLANTED] in classes for s in sequences], dtype=np.int64)
    else:
        labels = np.array([min("ACGT".index(s[PLANTED]), 2) for s in sequences], dtype=np.int64)
    return sequences, labels


def _model(n_classes: int, tokens, **heads) -> SequenceClassifier:
    torch.manual_seed(0)
    config = EncoderConfig(d_model=16, n_heads=2, n_classes=n_classes, **heads)
    return SequenceClassifier(config, tokens)


def _head_logits(
    model: SequenceClassifier, split, reverse: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Logits (N, C) of the wide heads alone, and their joint inputs (N, F); `reverse` reads
    the reverse-complement strands."""
    indices = np.arange(len(split))
    ids, offsets, mask, _ = collate(split, indices, np.full(len(split), reverse))
    features = model.wide_head_features(ids, offsets, mask)
    layers = model.wide_head_layers()
    with torch.no_grad():
        logits = sum(layers[name](x) for name, x in features.items())
    return logits.numpy(), torch.cat(list(features.values()), dim=1).numpy()


@pytest.mark.parametrize("classes", ["AC", ""], ids=["binary", "three-class"])
def test_heads_start_as_the_regression_chosen_on_validation(classes):
    """After the warm start the heads' softmax is scikit-learn's regression at the chosen C,
    fitted on the same inputs (both heads side by side), and it has found the planted base."""
    tokenizer = KmerTokenizer(k=3)
    (train_x, train_y), (val_x, val_y) = _data(300, 0, classes), _data(200, 1, classes)
    train = encode_split(tokenizer, train_x, train_y, both_strands=False)
    val = encode_split(tokenizer, val_x, val_y, both_strands=False)
    n_classes = 2 if classes else 3
    model = _model(n_classes, tokenizer.tokens, kmer_head=2, position_head=30)
    chosen = warm_start_wide_heads(model, train, val, balanced=False, device=CPU)

    assert chosen is not None and chosen.held_out_loss < np.log(n_classes)  # better than chance
    logits, inputs = _head_logits(model, val)
    _, train_inputs = _head_logits(model, train)
    reference = LogisticRegression(C=chosen.strength, max_iter=1000).fit(train_inputs, train_y)
    probabilities = torch.softmax(torch.from_numpy(logits), dim=1).numpy()
    np.testing.assert_allclose(probabilities, reference.predict_proba(inputs), atol=1e-4)
    assert (logits.argmax(1) == val_y).mean() > 0.95

    position = model.position_head.linear.weight.detach().reshape(n_classes, 30, 4)
    spread = position.abs().amax(dim=(0, 2))  # (30,) largest weight at each position
    assert int(spread.argmax()) == PLANTED
    assert torch.count_nonzero(model.position_head.linear.bias) == 0  # the bias sits once


def test_the_warm_start_is_deterministic_and_samples_large_training_sets():
    tokenizer = CharTokenizer()
    (train_x, train_y), (val_x, val_y) = _data(200, 2), _data(100, 3)
    train = encode_split(tokenizer, train_x, train_y, both_strands=True)
    val = encode_split(tokenizer, val_x, val_y, both_strands=False)
    weights = []
    for seed, cap in ((0, 1000), (0, 1000), (0, 120), (0, 120), (1, 120)):
        model = _model(2, tokenizer.tokens, kmer_head=3)
        warm_start_wide_heads(
            model, train, val, balanced=True, device=CPU, seed=seed, max_sequences=cap
        )
        weights.append(model.kmer_head.linear.weight.detach().clone())
    assert torch.equal(weights[0], weights[1]) and weights[0].abs().sum() > 0
    # beyond `max_sequences` a seeded sample is fitted: the same seed, the same sample
    assert torch.equal(weights[2], weights[3]) and not torch.equal(weights[2], weights[0])
    assert not torch.equal(weights[2], weights[4])


def test_a_rare_class_the_sample_misses_still_gets_its_logit():
    """Beyond `max_sequences` the sample keeps one sequence of every class, so the regression
    has a column for each and the heads take its weights (three classes, one of 2 in 300)."""
    tokenizer = CharTokenizer()
    sequences, labels = _data(300, 5)
    labels[[7, 150]] = 2
    train = encode_split(tokenizer, sequences, labels, both_strands=False)
    model = _model(3, tokenizer.tokens, kmer_head=2)
    chosen = warm_start_wide_heads(
        model, train, train, balanced=True, device=CPU, seed=0, max_sequences=20
    )
    assert chosen is not None
    assert torch.all(model.kmer_head.linear.weight.abs().sum(dim=1) > 0)  # every class's row


def test_a_model_without_wide_heads_is_left_alone_and_the_setting_is_validated():
    tokenizer = CharTokenizer()
    split = encode_split(tokenizer, *_data(50, 4), both_strands=False)
    model = _model(2, tokenizer.tokens, kmer_head=0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert warm_start_wide_heads(model, split, split, balanced=True, device=CPU) is None
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert TrainConfig().warm_start_heads is True
    with pytest.raises(ConfigError, match="warm_start_heads"):
        TrainConfig(warm_start_heads="yes")


def test_cross_validation_chooses_the_strength_on_training_data_not_on_validation():
    """With `folds` the validation split is not consulted: given a validation split whose
    labels are inverted, the validation choice flees to the strongest regularisation, while
    5-fold cross-validation on the clean training data keeps a weaker one; either way the
    heads end as the regression at the chosen C fitted on every training sequence."""
    tokenizer = KmerTokenizer(k=3)
    (train_x, train_y), (val_x, val_y) = _data(300, 6), _data(200, 7)
    train = encode_split(tokenizer, train_x, train_y, both_strands=True)
    inverted = encode_split(tokenizer, val_x, 1 - val_y, both_strands=False)
    by_val = warm_start_wide_heads(
        _model(2, tokenizer.tokens, position_head=30), train, inverted, balanced=False, device=CPU
    )
    model = _model(2, tokenizer.tokens, position_head=30)
    by_cv = warm_start_wide_heads(model, train, inverted, balanced=False, device=CPU, folds=5)
    assert by_val is not None and by_cv is not None
    assert by_val.strength == 0.01 and by_cv.strength > 0.01
    assert (by_val.chosen_on, by_cv.chosen_on) == ("validation", "5-fold CV")
    assert by_cv.held_out_loss < np.log(2)  # the mean held-out loss, better than chance

    logits, inputs = _head_logits(model, train)
    reference = LogisticRegression(C=by_cv.strength, max_iter=1000)
    design = np.vstack([inputs, _head_logits(model, train, reverse=True)[1]])
    reference.fit(design, np.concatenate([train_y, train_y]))
    probabilities = torch.softmax(torch.from_numpy(logits), dim=1).numpy()
    # weakly regularised (C >= 1), L-BFGS stops at its tolerance a little apart from run to run
    # (threads, row order of the sparse vs dense design): 1e-3-sized differences, not 1e-1
    np.testing.assert_allclose(probabilities, reference.predict_proba(inputs), atol=1e-2)
    assert (logits.argmax(1) == train_y).mean() > 0.95


def test_folds_keep_strand_pairs_together_and_every_class_in_every_training_part():
    from mxdna.training.warm_start import _fold_of_rows

    labels = np.array([0] * 23 + [1] * 7 + [2] * 2)
    fold = _fold_of_rows(labels, 2 * len(labels), 5, seed=3)
    n = len(labels)
    assert np.array_equal(fold[:n], fold[n:])  # a sequence and its reverse complement
    assert np.array_equal(fold, _fold_of_rows(labels, 2 * n, 5, seed=3))  # seeded
    assert not np.array_equal(fold, _fold_of_rows(labels, 2 * n, 5, seed=4))
    for cls in (0, 1, 2):
        counts = np.bincount(fold[:n][labels == cls], minlength=5)
        assert counts.max() - counts.min() <= 1  # dealt round the folds
        for k in range(5):
            assert np.any(labels[fold[:n] != k] == cls)  # each training part sees each class


def test_cross_validation_survives_a_class_a_fold_never_saw():
    """One sequence of a third class: the fold that holds it trains without that class; its
    held-out probability for it is 0, which log_loss clips, and the run goes on."""
    tokenizer = CharTokenizer()
    sequences, labels = _data(120, 8)
    labels[5] = 2
    train = encode_split(tokenizer, sequences, labels, both_strands=False)
    model = _model(3, tokenizer.tokens, kmer_head=2)
    chosen = warm_start_wide_heads(model, train, train, balanced=False, device=CPU, folds=4)
    assert chosen is not None and np.isfinite(chosen.held_out_loss)
    assert torch.all(model.kmer_head.linear.weight.abs().sum(dim=1) > 0)


@pytest.mark.parametrize("folds", [1, -1, True, 2.5, "5"])
def test_warm_start_folds_is_validated(folds):
    assert TrainConfig().warm_start_folds == 0
    with pytest.raises(ConfigError, match="warm_start_folds"):
        TrainConfig(warm_start_folds=folds)


def test_the_encoder_loss_adds_the_encoder_logits_own_cross_entropy():
    """`with_encoder_logits` returns the logits `forward` gives and the encoder's part (the
    logits less the heads'); the training loss with `deep_loss_weight` w is the cross-entropy
    of the logits plus w times that of the encoder's part, both class-weighted."""
    import torch.nn.functional as F

    from mxdna.training.trainer import Trainer

    tokenizer = KmerTokenizer(k=3)
    sequences, labels = _data(40, 0)
    split = encode_split(tokenizer, sequences, labels, both_strands=False)
    model = _model(2, tokenizer.tokens, kmer_head=2, position_head=30).eval()  # no dropout
    ids, offsets, mask, y = collate(split, np.arange(len(split)))
    with torch.no_grad():
        logits, deep = model(ids, offsets, mask, with_encoder_logits=True)
        heads, _ = _head_logits(model, split)
        assert torch.equal(logits, model(ids, offsets, mask))
        np.testing.assert_allclose((logits - deep).numpy(), heads, atol=1e-6)
    weights = torch.tensor([0.7, 1.3])
    for weight in (0.0, 0.5):
        config = TrainConfig(threads=1, rc_augment=False, deep_loss_weight=weight)
        trainer = Trainer(model, config, device=CPU, total_steps=1, class_weights=weights)
        with torch.no_grad():
            loss = trainer._loss(ids, offsets, mask, y)
        expected = F.cross_entropy(logits, y, weight=weights) + weight * F.cross_entropy(
            deep, y, weight=weights
        )
        assert loss.item() == pytest.approx(expected.item(), rel=1e-6)


def test_the_encoder_keeps_learning_when_the_warm_started_heads_fit_the_training_set():
    """A planted base that the heads' regression fits almost perfectly leaves the joint loss
    near zero, so the encoder learns nothing of its own (its logits stay at chance on
    validation); with its own loss (`deep_loss_weight: 1`) it learns, as on gue_prom_300_tata
    (docs/training.md, "Encoder loss"). Adam steps are about the rate whatever the gradient,
    so what is compared is what the encoder predicts, not how far its weights moved."""
    import torch.nn.functional as F

    from mxdna.training.trainer import Trainer

    tokenizer = KmerTokenizer(k=3)
    (train_x, train_y), (val_x, val_y) = _data(400, 0), _data(200, 1)
    train = encode_split(tokenizer, train_x, train_y, both_strands=False)
    val = encode_split(tokenizer, val_x, val_y, both_strands=False)
    ids, offsets, mask, y = collate(val, np.arange(len(val)))
    encoder_accuracy, encoder_loss, joint_loss = {}, {}, {}
    for weight in (0.0, 1.0):
        model = _model(2, tokenizer.tokens, kmer_head=2, position_head=30)
        warm_start_wide_heads(model, train, val, balanced=False, device=CPU)
        config = TrainConfig(threads=1, rc_augment=False, batch_size=32, deep_loss_weight=weight)
        trainer = Trainer(model, config, device=CPU, total_steps=52, class_weights=None)
        for epoch in range(4):
            joint_loss[weight] = trainer.train_epoch(train, epoch)
        with torch.no_grad():
            logits, deep = model.eval()(ids, offsets, mask, with_encoder_logits=True)
        assert (logits.argmax(1) == y).float().mean() > 0.95  # the heads found the base
        encoder_accuracy[weight] = (deep.argmax(1) == y).float().mean().item()
        encoder_loss[weight] = F.cross_entropy(deep, y).item()
    assert joint_loss[0.0] < 0.05  # nothing left for the encoder to learn from
    assert encoder_accuracy[1.0] > encoder_accuracy[0.0] + 0.05
    assert encoder_loss[1.0] < encoder_loss[0.0] - 0.01
    assert TrainConfig().deep_loss_weight >= 0
    for bad in (-0.5, True, "yes"):
        with pytest.raises(ConfigError, match="deep_loss_weight"):
            TrainConfig(deep_loss_weight=bad)
