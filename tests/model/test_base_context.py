"""BaseContext: base-resolution motif features rebuilt from token ids and pooled into tokens."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mxdna.model.base_context import BaseContext
from mxdna.model.blocks import LocalBlock
from mxdna.model.config import EncoderConfig
from mxdna.model.embedding import TokenEmbedding
from mxdna.model.encoder import SequenceClassifier
from mxdna.tokenizer import BpeTokenizer, CharTokenizer, KmerTokenizer
from mxdna.training.batches import collate, encode_split

ONE_HOT = {"A": 0, "C": 1, "G": 2, "T": 3, "N": 4}


@pytest.fixture(scope="module")
def sequences() -> list[str]:
    rng = np.random.default_rng(1)
    return [
        "".join(rng.choice(list("ACGTN"), p=[0.24] * 4 + [0.04], size=n)) for n in (37, 5, 64, 90)
    ]


def batch(tokenizer, sequences):
    split = encode_split(tokenizer, sequences, np.zeros(len(sequences)), both_strands=False)
    ids, offsets, mask, _ = collate(split, np.arange(len(sequences)))
    return ids, offsets, mask


def context(kernel: int = 7, d_model: int = 16, base_blocks: int = 0) -> BaseContext:
    torch.manual_seed(0)
    config = EncoderConfig(d_model=d_model, dropout=0.0, local_radius=3)
    module = BaseContext(d_model, kernel, [LocalBlock(config) for _ in range(base_blocks)])
    if base_blocks:
        with torch.no_grad():  # leave the zero-initialised residual branches
            for parameter in module.blocks.parameters():
                parameter.add_(0.1 * torch.randn_like(parameter))
    return module.double().eval()


def reference(module: BaseContext, sequence: str, offsets: np.ndarray) -> torch.Tensor:
    """Conv over the one-hot string itself, max over each token's bases, output layer."""
    one_hot = torch.zeros(1, 5, len(sequence), dtype=torch.float64)
    for i, base in enumerate(sequence):
        one_hot[0, ONE_HOT[base], i] = 1
    features = module.act(module.conv(one_hot))[0].T  # (L, D)
    pooled = torch.stack([features[start:end].amax(dim=0) for start, end in offsets])
    return module.out(module.norm(pooled))


@pytest.mark.parametrize("tokenizer", [CharTokenizer(), KmerTokenizer(k=4)], ids=["char", "4mer"])
def test_matches_a_convolution_over_the_sequence_itself(tokenizer, sequences):
    module = context()
    ids, offsets, mask = batch(tokenizer, sequences)
    composition = TokenEmbedding(tokenizer.tokens, 8, 12).composition
    out = module(composition, ids, offsets, mask)
    for row, sequence in enumerate(sequences):
        n = int(mask[row].sum())
        expected = reference(module, sequence, offsets[row, :n].numpy())
        torch.testing.assert_close(out[row, :n], expected)
        assert (out[row, n:] == 0).all()


@pytest.mark.parametrize("base_blocks", [0, 2], ids=["detectors", "base-attention"])
def test_base_features_do_not_depend_on_the_segmentation(sequences, base_blocks):
    """The strongest response of each detector over a whole sequence is the same whatever the
    tokenizer: the motif detectors (and the attention blocks over bases) see bases, not cuts."""
    module = context(base_blocks=base_blocks)
    bpe = BpeTokenizer(vocab_size=40).fit(sequences * 3)
    totals = []
    for tokenizer in (CharTokenizer(), KmerTokenizer(k=3), bpe):
        ids, offsets, mask = batch(tokenizer, sequences)
        composition = TokenEmbedding(tokenizer.tokens, 8, 12).composition
        pooled = module.pooled(composition, ids, offsets, mask)
        floor = torch.finfo(pooled.dtype).min
        totals.append(pooled.masked_fill(~mask.unsqueeze(-1), floor).amax(dim=1))
    for other in totals[1:]:
        torch.testing.assert_close(other, totals[0])


@pytest.mark.parametrize("kmer_head", [0, 6], ids=["no-kmer-head", "kmer-head"])
@pytest.mark.parametrize("base_blocks", [0, 2])
def test_classifier_with_base_context_is_padding_and_batch_invariant(
    sequences, base_blocks, kmer_head
):
    tokenizer = KmerTokenizer(k=3)
    torch.manual_seed(0)
    config = EncoderConfig(dropout=0.0, base_kernel=9, base_blocks=base_blocks, kmer_head=kmer_head)
    net = SequenceClassifier(config, tokenizer.tokens).eval()
    with torch.no_grad():
        for parameter in net.parameters():  # leave the zero-initialised branches
            parameter.add_(0.05 * torch.randn_like(parameter))
        together = net(*batch(tokenizer, sequences))
        alone = torch.cat([net(*batch(tokenizer, [s])) for s in sequences])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kernel", [-1, 4, 2.0])
def test_invalid_base_kernel_is_a_config_error(kernel):
    from mxdna.errors import ConfigError

    with pytest.raises(ConfigError, match="base_kernel"):
        EncoderConfig(base_kernel=kernel)


def test_base_blocks_change_what_each_token_receives(sequences):
    """Attention over the bases gives a token context beyond the detector's reach: the output
    differs from the detectors-only module that shares every other weight."""
    tokenizer = KmerTokenizer(k=3)
    ids, offsets, mask = batch(tokenizer, sequences)
    composition = TokenEmbedding(tokenizer.tokens, 8, 12).composition
    plain, attended = context(), context(base_blocks=1)
    attended.conv.load_state_dict(plain.conv.state_dict())
    attended.norm.load_state_dict(plain.norm.state_dict())
    attended.out.load_state_dict(plain.out.state_dict())
    with torch.no_grad():
        difference = (
            attended(composition, ids, offsets, mask) - plain(composition, ids, offsets, mask)
        ).abs()
    assert float(difference[mask].mean()) > 1e-3
    assert (difference[~mask] == 0).all()


@pytest.mark.parametrize(
    ("settings", "message"),
    [({"base_blocks": -1}, "base_blocks"), ({"base_blocks": 1.5}, "base_blocks"),
     ({"base_blocks": 2, "base_kernel": 0}, "needs base_kernel")],
)  # fmt: skip
def test_invalid_base_blocks_is_a_config_error(settings, message):
    from mxdna.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        EncoderConfig(**settings)
