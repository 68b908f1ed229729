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


def _head_logits(model: SequenceClassifier, split) -> tuple[np.ndarray, np.ndarray]:
    """Logits (N, C) of the wide heads alone, and their joint inputs (N, F)."""
    ids, offsets, mask, _ = collate(split, np.arange(len(split)))
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

    assert chosen is not None and chosen.val_loss < np.log(n_classes)  # better than chance
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
