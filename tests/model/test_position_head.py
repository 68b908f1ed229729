"""PositionalBaseHead: a linear read-out of the one-hot base at each position, whatever the cut."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mxdna.errors import ConfigError
from mxdna.interpret.attribution import integrated_gradients
from mxdna.model.base_context import base_codes, one_hot_bases
from mxdna.model.config import EncoderConfig
from mxdna.model.embedding import TokenEmbedding
from mxdna.model.encoder import SequenceClassifier
from mxdna.model.position_head import PositionalBaseHead
from mxdna.tokenizer import BpeTokenizer, CharTokenizer, KmerTokenizer
from mxdna.training.batches import collate, encode_split
from mxdna.training.config import TrainConfig

G = 2  # channel of G in the one-hot (A C G T N)


def batch(tokenizer, sequences):
    split = encode_split(tokenizer, sequences, np.zeros(len(sequences)), both_strands=False)
    ids, offsets, mask, _ = collate(split, np.arange(len(sequences)))
    return ids, offsets, mask


def one_hot_of(tokenizer, sequences) -> torch.Tensor:
    ids, offsets, mask = batch(tokenizer, sequences)
    composition = TokenEmbedding(tokenizer.tokens, 8, 12).composition
    return one_hot_bases(base_codes(composition, ids, offsets, mask))


def test_starts_at_zero_and_reads_the_base_at_each_position():
    head = PositionalBaseHead(6, 2)
    bases = one_hot_of(CharTokenizer(), ["AAAGAA", "AAAAGA"])
    assert head(bases).abs().sum().item() == 0  # zero-initialised: adds nothing at first
    with torch.no_grad():
        head.linear.weight[1, 3 * 4 + G] = 2.0  # class 1 <- "G at position 3" (0-based)
    logits = head(bases)
    assert logits[0, 1].item() == 2.0 and logits[1, 1].item() == 0.0  # same bases, moved by one


def test_reads_only_its_length_and_pads_shorter_sequences():
    head = PositionalBaseHead(4, 2)
    with torch.no_grad():
        head.linear.weight.fill_(1.0)
    bases = one_hot_of(CharTokenizer(), ["ACGTACGT", "ACG", "ANNA"])
    # 4 bases read of the long one, all 3 of the short one; N is read as nothing
    assert head(bases)[:, 0].tolist() == [4.0, 3.0, 2.0]


@pytest.mark.parametrize("tokenizer", [KmerTokenizer(k=4), "bpe"], ids=["4mer", "bpe"])
def test_the_same_bases_whatever_the_tokenizer(tokenizer):
    """Variable-length and k-mer cuts give the head exactly what single bases give it."""
    rng = np.random.default_rng(5)
    sequences = ["".join(rng.choice(list("ACGT"), size=n)) for n in (30, 23, 30)]
    if tokenizer == "bpe":
        tokenizer = BpeTokenizer(vocab_size=40).fit(sequences * 3)
    head = PositionalBaseHead(30, 3)
    with torch.no_grad():
        head.linear.weight.normal_(0, 1.0)
    expected = head(one_hot_of(CharTokenizer(), sequences))
    assert torch.equal(head(one_hot_of(tokenizer, sequences)), expected)


def test_integrated_gradients_stay_complete_with_the_head():
    tokenizer = KmerTokenizer(k=3)
    torch.manual_seed(0)
    config = EncoderConfig(
        d_model=16, n_heads=2, dropout=0.0, base_kernel=0, kmer_head=0, position_head=40
    )
    model = SequenceClassifier(config, tokenizer.tokens).double().eval()
    with torch.no_grad():
        model.position_head.linear.weight.normal_(0, 1.0)
    rng = np.random.default_rng(2)
    sequences = ["".join(rng.choice(list("ACGT"), size=n)) for n in (40, 33, 52)]
    result = integrated_gradients(model, tokenizer, sequences, steps=32)
    assert len(model.attribution_inputs(*batch(tokenizer, sequences[:1]))) == 2
    assert float(np.max(result.completeness_gap)) < 0.02
    totals = [float(values.sum()) for values in result.token]  # = logit(x) - logit(baseline)
    assert max(abs(t) for t in totals) > 0.5  # the head (weights sd 1) moves them


def test_off_by_default_and_validated():
    tokenizer = CharTokenizer()
    net = SequenceClassifier(EncoderConfig(kmer_head=0, base_kernel=0), tokenizer.tokens)
    assert net.position_head is None and len(net.attribution_inputs(*batch(tokenizer, ["AC"]))) == 1
    with pytest.raises(ConfigError, match="position_head"):
        EncoderConfig(position_head=-1)


def test_aligned_training_trains_on_one_strand():
    assert TrainConfig().augment_reverse_complement
    assert not TrainConfig(aligned=True).augment_reverse_complement
    assert not TrainConfig(rc_augment=False).augment_reverse_complement
    with pytest.raises(ConfigError, match="aligned must be true or false"):
        TrainConfig(aligned="yes")
