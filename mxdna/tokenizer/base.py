"""`BaseTokenizer`: what every mxdna tokenizer (learned or baseline) offers the encoder.

A subclass provides `tokens` (id -> string, sharing the fixed ids of `vocabulary`) and
`segment` (many sequences -> `Segmentation`); encoding, batching and decoding live here.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from mxdna.tokenizer.encoding import BatchEncoding, Encoding, apply_residuals, make_encoding, pad
from mxdna.tokenizer.lattice import Segmentation
from mxdna.tokenizer.vocabulary import SPECIAL_TOKENS


class BaseTokenizer(ABC):
    """Common interface: fit, segment, encode, encode_batch, decode, save."""

    #: name written into saved files, used by `mxdna.tokenizer.load_tokenizer`
    kind: ClassVar[str]

    @property
    @abstractmethod
    def tokens(self) -> tuple[str, ...]:
        """Token strings by id."""

    @abstractmethod
    def fit(self, sequences: Sequence[str], labels: Sequence | None = None) -> BaseTokenizer:
        """Learn from sequences (and labels, if the tokenizer uses them); returns self."""

    @abstractmethod
    def segment(self, sequences: Sequence[str]) -> Segmentation:
        """Tokens of many sequences at once (the fast path for datasets)."""

    @abstractmethod
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write everything needed to reload this tokenizer to one JSON file."""

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def token_to_id(self, token: str) -> int:
        try:
            return self._index[token]
        except AttributeError:
            self._index = {t: i for i, t in enumerate(self.tokens)}
            return self._index[token]

    def id_to_token(self, token_id: int) -> str:
        return self.tokens[token_id]

    def encode(self, sequence: str) -> Encoding:
        """One sequence -> `Encoding` (ids, base offsets, and what exact decoding needs)."""
        segmentation = self.segment([sequence])
        ids, starts = segmentation.tokens_of(0)
        return make_encoding(ids, starts, len(sequence), sequence)

    def encode_batch(self, sequences: Sequence[str]) -> BatchEncoding:
        """Many sequences -> padded arrays (B, T) plus per-row encodings."""
        segmentation = self.segment(sequences)
        encodings = [
            make_encoding(*segmentation.tokens_of(i), len(seq), seq)
            for i, seq in enumerate(sequences)
        ]
        return pad(encodings)

    def decode(self, tokens: Encoding | Sequence[int] | np.ndarray) -> str:
        """Ids -> sequence. From an `Encoding` the original is restored exactly (case and IUPAC
        letters); from bare ids, the upper-case A/C/G/T/N sequence. Special tokens are skipped."""
        ids = tokens.ids if isinstance(tokens, Encoding) else tokens
        vocabulary = self.tokens
        text = "".join(
            vocabulary[i]
            for i in np.asarray(ids, dtype=np.int64).tolist()
            if i >= len(SPECIAL_TOKENS)
        )
        return apply_residuals(text, tokens) if isinstance(tokens, Encoding) else text
