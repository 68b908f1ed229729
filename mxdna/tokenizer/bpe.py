"""`BpeTokenizer`: byte-pair encoding learned with Hugging Face `tokenizers`, behind mxdna's
tokenizer interface (the BPE arm of the tokenizer ablation)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mxdna.errors import ConfigError
from mxdna.tokenizer.baselines import _UPPER, _assemble, _Baseline, _checked_codes, _runs
from mxdna.tokenizer.lattice import Segmentation, to_codes
from mxdna.tokenizer.vocabulary import FIRST_MOTIF_ID, FIXED_TOKENS, N_ID

if TYPE_CHECKING:
    import tokenizers


def _huggingface():
    """The `tokenizers` module (an optional dependency, needed by `BpeTokenizer` only)."""
    try:
        import tokenizers
    except ImportError:
        raise ConfigError(
            "the bpe tokenizer needs the Hugging Face 'tokenizers' package (pip install tokenizers)"
        ) from None
    return tokenizers


class BpeTokenizer(_Baseline):
    """Byte-pair encoding learned with Hugging Face `tokenizers` on the A/C/G/T runs.

    vocab_size: total ids, including the 9 fixed ones. Training and encoding both split the
    sequences at ambiguous bases (each becomes the N token), so no merge ever contains N and every
    A/C/G/T run is one BPE "word" (no pre-tokenizer, no normalizer: sequences are upper-cased by
    mxdna first). Ids: the fixed ones, then BPE's multi-base tokens in BPE's (merge) order.
    """

    kind = "bpe"

    def __init__(self, vocab_size: int = 4096) -> None:
        self.vocab_size_param = vocab_size

    def get_params(self) -> dict[str, Any]:
        return {"vocab_size": self.vocab_size_param}

    def fit(self, sequences: Sequence[str], labels: Sequence | None = None) -> BpeTokenizer:
        """Train BPE on the sequences' A/C/G/T runs; returns self (labels are ignored)."""
        if not isinstance(self.vocab_size_param, int) or self.vocab_size_param <= FIRST_MOTIF_ID:
            raise ConfigError(
                f"vocab_size must be an integer above {FIRST_MOTIF_ID} (the 4 special tokens, "
                f"4 bases and N come first), got {self.vocab_size_param!r}"
            )
        codes, seq_starts = _checked_codes(sequences)
        hf_module = _huggingface()
        hf = hf_module.Tokenizer(hf_module.models.BPE())
        trainer = hf_module.trainers.BpeTrainer(
            vocab_size=self.vocab_size_param - FIRST_MOTIF_ID + 4,  # BPE has its own A C G T
            initial_alphabet=["A", "C", "G", "T"],
            special_tokens=[],
            show_progress=False,
        )
        hf.train_from_iterator(self._words(codes, seq_starts), trainer=trainer)
        self._set_model(hf)
        return self

    @staticmethod
    def _words(codes: np.ndarray, seq_starts: np.ndarray) -> Iterator[str]:
        """The upper-case A/C/G/T runs, in order."""
        text = _UPPER[codes].tobytes().decode("ascii")
        run_starts, run_ends = _runs(codes, seq_starts)
        return (text[a:b] for a, b in zip(run_starts.tolist(), run_ends.tolist(), strict=True))

    def _set_model(self, hf: tokenizers.Tokenizer) -> None:
        by_id = sorted(hf.get_vocab().items(), key=lambda item: item[1])
        if any(base not in dict(by_id) for base in "ACGT"):
            raise ValueError("the BPE model lacks one of the single bases A, C, G, T")
        multi = [t for t, _ in by_id if len(t) > 1]
        self.tokens_: tuple[str, ...] = (*FIXED_TOKENS, *multi)
        ours = {t: i for i, t in enumerate(self.tokens_)}
        self.hf_: tokenizers.Tokenizer = hf
        self._hf_to_ours = np.array([ours[t] for t, _ in by_id], dtype=np.int64)
        self._lengths = None
        self._index = ours

    def _check_fitted(self) -> None:
        if not hasattr(self, "hf_"):
            raise ConfigError("this BpeTokenizer is not fitted yet: call fit() or load()")

    @property
    def tokens(self) -> tuple[str, ...]:
        self._check_fitted()
        return self.tokens_

    def segment(self, sequences: Sequence[str]) -> Segmentation:
        self._check_fitted()
        codes, seq_starts = to_codes(sequences)
        run_starts, _ = _runs(codes, seq_starts)
        encodings = self.hf_.encode_batch_fast(list(self._words(codes, seq_starts)))
        per_run = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        hf_ids = np.fromiter(
            itertools.chain.from_iterable(e.ids for e in encodings), dtype=np.int64
        )
        ids = self._hf_to_ours[hf_ids]
        lengths = self._token_lengths()[ids]
        before = np.cumsum(lengths) - lengths  # bases before each token, over all runs
        first = np.cumsum(per_run) - per_run  # index of each run's first token
        run_of = np.repeat(np.arange(len(per_run)), per_run)
        positions = run_starts[run_of] + before - before[first][run_of]
        n_positions = np.flatnonzero(codes > 3)
        all_positions = np.concatenate([positions, n_positions])
        order = np.argsort(all_positions, kind="stable")
        all_ids = np.concatenate([ids, np.full(len(n_positions), N_ID, dtype=np.int64)])
        return _assemble(all_positions[order], all_ids[order], seq_starts)

    def _state(self) -> dict[str, Any]:
        self._check_fitted()
        return {"tokens": list(self.tokens_), "huggingface": self.hf_.to_str()}

    def _restore(self, data: Mapping[str, Any]) -> None:
        try:
            hf = _huggingface().Tokenizer.from_str(data["huggingface"])
        except Exception as error:  # the Rust side raises plain Exception
            raise ValueError(f"unreadable Hugging Face model: {error}") from None
        self._set_model(hf)
        if list(self.tokens_) != list(data["tokens"]):
            raise ValueError("the token list does not match the Hugging Face model")
