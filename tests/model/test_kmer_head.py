"""KmerSpectrumHead: k-mer counts from the bases the tokens hold, and their linear read-out."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from mxdna.errors import ConfigError
from mxdna.interpret.attribution import integrated_gradients
from mxdna.model.base_context import base_codes, one_hot_bases
from mxdna.model.config import EncoderConfig
from mxdna.model.embedding import TokenEmbedding
from mxdna.model.encoder import SequenceClassifier
from mxdna.model.kmer_head import KmerSpectrumHead, n_features
from mxdna.tokenizer import BpeTokenizer, CharTokenizer, KmerTokenizer
from mxdna.training.batches import collate, encode_split

INDEX = {"A": 0, "C": 1, "G": 2, "T": 3}


@pytest.fixture(scope="module")
def sequences() -> list[str]:
    rng = np.random.default_rng(3)
    seqs = ["".join(rng.choice(list("ACGTN"), p=[0.24] * 4 + [0.04], size=n)) for n in (41, 7, 66)]
    return [*seqs, "AC", "acgtNNacgt"]


def batch(tokenizer, sequences):
    split = encode_split(tokenizer, sequences, np.zeros(len(sequences)), both_strands=False)
    ids, offsets, mask, _ = collate(split, np.arange(len(sequences)))
    return ids, offsets, mask


def brute_force_counts(sequence: str, max_k: int) -> np.ndarray:
    """Count every overlapping A/C/G/T k-mer with a Counter; index as the module documents."""
    counts = np.zeros(n_features(max_k))
    offset = 0
    for k in range(1, max_k + 1):
        seen = Counter(sequence[p : p + k].upper() for p in range(len(sequence) - k + 1))
        for kmer, n in seen.items():
            if all(base in INDEX for base in kmer):
                index = sum(INDEX[b] * 4 ** (k - 1 - j) for j, b in enumerate(kmer))
                counts[offset + index] = n
        offset += 4**k
    return counts


@pytest.mark.parametrize(
    "tokenizer", [CharTokenizer(), KmerTokenizer(k=4), "bpe"], ids=["char", "4mer", "bpe"]
)
def test_counts_match_counting_the_sequence_itself(tokenizer, sequences):
    """Whatever the cut, the counts are those of the sequence: N breaks k-mers, case is ignored."""
    if tokenizer == "bpe":
        tokenizer = BpeTokenizer(vocab_size=40).fit(sequences * 3)
    head = KmerSpectrumHead(4, 2)
    ids, offsets, mask = batch(tokenizer, sequences)
    codes = base_codes(TokenEmbedding(tokenizer.tokens, 8, 12).composition, ids, offsets, mask)
    hard = head.hard_counts(codes).numpy()
    soft = head.soft_counts(one_hot_bases(codes, torch.float64)).numpy()
    for row, sequence in enumerate(sequences):
        expected = brute_force_counts(sequence, 4)
        np.testing.assert_array_equal(hard[row], expected)
        np.testing.assert_allclose(soft[row], expected)


def test_a_k_longer_than_the_sequence_counts_nothing_for_that_k():
    head = KmerSpectrumHead(3, 2)
    codes = torch.tensor([[1, 2, 0, 0]])  # "AC" padded
    counts = head.hard_counts(codes)
    assert counts[0, :4].tolist() == [1, 1, 0, 0]
    assert counts[0, 4 + 1].item() == 1  # AC
    assert counts.sum().item() == 3
    torch.testing.assert_close(head.soft_counts(one_hot_bases(codes)), counts)


def test_starts_at_zero_and_scales_present_kmers_to_unit_size(sequences):
    head = KmerSpectrumHead(3, 2)
    codes = torch.tensor([[1, 1, 1, 1]])  # AAAA: A x4, AA x3, AAA x2
    assert head(codes).abs().sum().item() == 0  # zero-initialised: the encoder starts alone
    with torch.no_grad():
        head.linear.weight[0, 0] = 1.0  # read out the count of A
    rms = float(np.sqrt((16 + 9 + 4) / 3))
    assert head(codes)[0, 0].item() == pytest.approx(4 / rms)


def test_integrated_gradients_stay_complete_with_the_head(sequences):
    """The head is attributed through the one-hot bases: token values still sum to the logit
    difference from the all-zero input, and the head moves it."""
    tokenizer = KmerTokenizer(k=3)
    torch.manual_seed(0)
    config = EncoderConfig(d_model=16, n_heads=2, dropout=0.0, base_kernel=0, kmer_head=3)
    model = SequenceClassifier(config, tokenizer.tokens).double().eval()
    with torch.no_grad():
        model.kmer_head.linear.weight.normal_(0, 1.0)
    clean = [s.replace("N", "A") for s in sequences[:3]]
    result = integrated_gradients(model, tokenizer, clean, steps=64)
    assert len(model.attribution_inputs(*batch(tokenizer, clean[:1]))) == 2
    assert float(np.max(result.completeness_gap)) < 0.02
    ids, offsets, mask = batch(tokenizer, clean)
    with torch.no_grad():
        head_logits = model.kmer_head(
            base_codes(model.encoder.embedding.composition, ids, offsets, mask)
        )
    assert float(head_logits.abs().max()) > 0.5


@pytest.mark.parametrize("value", [-1, 9, 2.0])
def test_invalid_kmer_head_is_a_config_error(value):
    with pytest.raises(ConfigError, match="kmer_head"):
        EncoderConfig(kmer_head=value)


def test_off_means_no_head_and_no_extra_input(sequences):
    tokenizer = CharTokenizer()
    net = SequenceClassifier(EncoderConfig(kmer_head=0, base_kernel=0), tokenizer.tokens)
    assert net.kmer_head is None
    assert len(net.attribution_inputs(*batch(tokenizer, sequences))) == 1


def test_runs_written_before_the_head_load_without_it(tmp_path):
    """A config.yaml from before `kmer_head` existed describes a model without the head (its
    weights have none); a new run records the setting explicitly."""
    from mxdna.run import RunDirectory
    from mxdna.training.config import TrainConfig

    run = RunDirectory(tmp_path)
    run.write_config(TrainConfig(), EncoderConfig(), ("a", "b"), {})
    assert run.read_config()[1].kmer_head == 6
    text = (tmp_path / "config.yaml").read_text().replace("  kmer_head: 6\n", "")
    (tmp_path / "config.yaml").write_text(text)
    assert run.read_config()[1].kmer_head == 0
