"""The learnable motif tokenizer and baseline tokenizers behind one interface."""

from mxdna.tokenizer.base import BaseTokenizer
from mxdna.tokenizer.encoding import BatchEncoding, Encoding
from mxdna.tokenizer.files import load_tokenizer
from mxdna.tokenizer.tokenizer import Tokenizer

#: kind (as written in saved files) -> class; baselines register here too
TOKENIZER_KINDS: dict[str, type[BaseTokenizer]] = {Tokenizer.kind: Tokenizer}

__all__ = [
    "TOKENIZER_KINDS",
    "BaseTokenizer",
    "BatchEncoding",
    "Encoding",
    "Tokenizer",
    "load_tokenizer",
]
