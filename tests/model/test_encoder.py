"""The hierarchical encoder and classifier: invariances, spans, vocabulary changes, devices."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from mxdna.errors import ConfigError
from mxdna.model.aggregation import TokenMerger
from mxdna.model.config import EncoderConfig
from mxdna.model.encoder import SequenceClassifier
from mxdna.tokenizer import Tokenizer


@pytest.fixture(scope="module")
def tokenizer(dataset_dir_module) -> Tokenizer:
    from mxdna.io.labels import load_fasta_set

    data = load_fasta_set([dataset_dir_module("ecoli_promoters") / "train.fa"])
    labels = ["promoter" if lab != "non_promoter" else "background" for lab in data.labels]
    return Tokenizer(vocab_size=128, n_iter=3).fit(data.sequences[::4], labels[::4])


@pytest.fixture(scope="module")
def sequences() -> list[str]:
    rng = np.random.default_rng(0)
    return [
        "".join(rng.choice(list("ACGTN"), p=[0.245] * 4 + [0.02], size=n))
        for n in (81, 50, 200, 7, 120)
    ]


def tensors(tokenizer: Tokenizer, seqs: list[str], extra_padding: int = 0):
    batch = tokenizer.encode_batch(seqs)
    ids = torch.from_numpy(batch.ids)
    offsets = torch.from_numpy(batch.offsets).long()
    mask = torch.from_numpy(batch.attention_mask)
    if extra_padding:
        ids = torch.nn.functional.pad(ids, (0, extra_padding))
        offsets = torch.nn.functional.pad(offsets, (0, 0, 0, extra_padding), value=-1)
        mask = torch.nn.functional.pad(mask, (0, extra_padding), value=False)
    return ids, offsets, mask


def model(tokenizer, **changes) -> SequenceClassifier:
    torch.manual_seed(0)
    config = EncoderConfig(**{"n_classes": 3, "dropout": 0.0, **changes})
    return SequenceClassifier(config, tokenizer.tokens).eval()


@pytest.mark.parametrize("feature_map", ["elu", "favor"])
def test_extra_padding_leaves_logits_unchanged(tokenizer, sequences, feature_map):
    net = model(tokenizer, feature_map=feature_map)
    with torch.no_grad():
        plain = net(*tensors(tokenizer, sequences))
        padded = net(*tensors(tokenizer, sequences, extra_padding=13))
    torch.testing.assert_close(padded, plain, atol=1e-5, rtol=1e-5)


def test_logits_do_not_depend_on_batch_companions(tokenizer, sequences):
    net = model(tokenizer)
    with torch.no_grad():
        together = net(*tensors(tokenizer, sequences))
        alone = torch.cat([net(*tensors(tokenizer, [s])) for s in sequences])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("ratio", [2, 3, 4])
def test_merged_spans_tile_each_sequence(tokenizer, sequences, ratio):
    ids, offsets, mask = tensors(tokenizer, sequences)
    merger = TokenMerger(16, ratio)
    x = torch.randn(*ids.shape, 16)
    merged, new_mask, spans = merger(x, mask, offsets)
    assert merged.shape[1] == -(-ids.shape[1] // ratio)
    for row, seq in enumerate(sequences):
        real = spans[row][new_mask[row]].tolist()
        assert real[0][0] == 0 and real[-1][1] == len(seq)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(real))
        assert (merged[row][~new_mask[row]] == 0).all()


def test_residual_branches_start_as_identity(tokenizer, sequences):
    net = model(tokenizer).eval()
    ids, offsets, mask = tensors(tokenizer, sequences)
    x = torch.randn(*ids.shape, net.config.d_model) * mask.unsqueeze(-1)
    block = net.encoder.stages[0].local[0]
    positions = offsets.float().mean(-1)
    assert torch.equal(block(x, mask, positions), x)


def test_gradients_reach_every_parameter(tokenizer, sequences):
    net = model(tokenizer, feature_map="favor").train()
    with torch.no_grad():  # move off the zero-initialised residual branches (identity blocks)
        for parameter in net.parameters():
            parameter.add_(0.01 * torch.randn_like(parameter))
    loss = net(*tensors(tokenizer, sequences)).logsumexp(dim=-1).sum()
    loss.backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert missing == []


def test_model_survives_a_tokenizer_refit(tokenizer, sequences):
    net = model(tokenizer).train()
    optimiser = torch.optim.AdamW(net.parameters(), lr=1e-2)
    loss = torch.nn.functional.cross_entropy(
        net(*tensors(tokenizer, sequences)), torch.tensor([0, 1, 2, 0, 1])
    )
    loss.backward()
    optimiser.step()
    residual = dict(
        zip(tokenizer.tokens, net.encoder.embedding.residual.weight.detach(), strict=True)
    )
    refitted = Tokenizer(vocab_size=96, n_iter=2).fit(sequences * 20)  # a different vocabulary
    assert set(refitted.tokens) != set(tokenizer.tokens)
    net.adopt_vocabulary(refitted.tokens)
    new_residual = net.encoder.embedding.residual.weight.detach()
    for i, token in enumerate(refitted.tokens):
        expected = residual.get(token, torch.zeros_like(new_residual[i]))
        torch.testing.assert_close(new_residual[i], expected)
    logits = net(*tensors(refitted, sequences))
    assert logits.shape == (len(sequences), 3) and torch.isfinite(logits).all()
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, 2, 0, 1]))
    loss.backward()
    assert torch.isfinite(loss)


def test_deterministic_on_cpu(tokenizer, sequences):
    a = model(tokenizer)(*tensors(tokenizer, sequences))
    b = model(tokenizer)(*tensors(tokenizer, sequences))
    assert torch.equal(a, b)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"d_model": 30, "n_heads": 4}, "heads of even width"),
        ({"n_classes": 1}, "n_classes must be at least 2"),
        ({"feature_map": "relu"}, "feature_map"),
        ({"dropout": 1.5}, "dropout"),
        ({"local_radius": 0}, "local_radius"),
    ],
)
def test_config_validation(changes, message):
    with pytest.raises(ConfigError, match=message):
        EncoderConfig(**changes)
    assert EncoderConfig.from_dict(EncoderConfig().to_dict()) == EncoderConfig()


@pytest.mark.gpu
def test_cuda_bf16_autocast_matches_float32(tokenizer, sequences):
    net = model(tokenizer).cuda()
    inputs = [t.cuda() for t in tensors(tokenizer, sequences)]
    with torch.no_grad():
        full = net(*inputs)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            half = net(*inputs)
    assert half.dtype == torch.bfloat16 or half.dtype == torch.float32
    torch.testing.assert_close(half.float(), full, atol=5e-2, rtol=5e-2)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        net.train()(*inputs).float().logsumexp(-1).sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in net.parameters() if p.grad is not None)
