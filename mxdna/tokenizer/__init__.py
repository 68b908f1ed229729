"""The learnable motif tokenizer and baseline tokenizers behind one interface."""

from mxdna.tokenizer.base import BaseTokenizer
from mxdna.tokenizer.baselines import CharTokenizer, KmerTokenizer
from mxdna.tokenizer.bpe import BpeTokenizer
from mxdna.tokenizer.encoding import BatchEncoding, Encoding
from mxdna.tokenizer.files import load_tokenizer
from mxdna.tokenizer.tokenizer import Tokenizer

#: kind (as written in saved files) -> class; baselines register here too
TOKENIZER_KINDS: dict[str, type[BaseTokenizer]] = {
    cls.kind: cls for cls in (Tokenizer, CharTokenizer, KmerTokenizer, BpeTokenizer)
}

__all__ = [
    "TOKENIZER_KINDS",
    "BaseTokenizer",
    "BatchEncoding",
    "BpeTokenizer",
    "CharTokenizer",
    "Encoding",
    "KmerTokenizer",
    "Tokenizer",
    "load_tokenizer",
]
