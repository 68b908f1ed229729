"""Export the learned tokenizer as a Hugging Face ``tokenizer.json`` (a Unigram model).

The exported file segments DNA exactly like `Tokenizer.encode` (same ids, same offsets): both
take the Viterbi path under the same log-probabilities and break ties toward the longest last
token, and a normalizer maps lower case to upper case and every ambiguity code to N (one
character to one character, so offsets into the original string are kept). Case and ambiguity
letters are not restored by a Hugging Face decoder; decode with mxdna for that.

Identical segmentations need bit-identical scores, because exact ties between segmentations
(``T`` + ``TTTTT`` vs ``TTTTT`` + ``T`` in a homopolymer) are decided by floating-point rounding.
Hugging Face reads JSON with serde_json's fast float parser, which returns the neighbouring
float for about one in eight 17-digit literals; `json_float` therefore writes, for each score, a
literal that this parser reads back exactly. About one float in a thousand has no such literal;
those are written as Python's shortest literal (1 ulp off in Hugging Face).

>>> export_huggingface(tok, "hf/tokenizer.json")                      # doctest: +SKIP
>>> tokenizers.Tokenizer.from_file("hf/tokenizer.json").encode("ACGTN").ids  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Any

from mxdna.alphabet import AMBIGUOUS, BASES
from mxdna.io.writers import atomic_open
from mxdna.tokenizer.tokenizer import Tokenizer
from mxdna.tokenizer.vocabulary import SPECIAL_TOKENS, UNK_ID

#: score written for a non-special token whose score is not finite (never chosen by mxdna): far
#: below any path through single bases, so Hugging Face never chooses it either
UNUSABLE_SCORE = -1e30


_LITERAL = re.compile(r"(-?)(\d+)(?:\.(\d*))?(?:[eE]([-+]?\d+))?")


def serde_float(text: str) -> float:
    """The float serde_json's default (not round-trip exact) parser reads from a JSON number
    literal: the decimal digits as an integer m < 2^64, rounded to float, then multiplied or
    divided by the float 10^|e| (assumes |e| <= 308)."""
    match = _LITERAL.fullmatch(text)
    if match is None:
        raise ValueError(f"not a JSON number: {text!r}")
    sign, whole, fraction, exponent = match.groups()
    fraction = fraction or ""
    m, e = int(whole + fraction), int(exponent or 0) - len(fraction)
    if m >= 2**64:
        raise ValueError(f"more significant digits than serde_json keeps: {text!r}")
    value = float(m) * float(10**e) if e >= 0 else float(m) / float(10**-e)
    return -value if sign else value


def json_float(x: float) -> str:
    """A JSON literal that serde_json reads back as exactly `x` (Python's shortest literal when
    that one already works, else the integer-valued float F near x * 10^e with F / 10^e == x);
    Python's literal when none exists."""
    text = repr(float(x))
    if not math.isfinite(x) or x == 0 or serde_float(text) == x:
        return text
    magnitude = abs(x)
    for e in range(1, 309):
        power = float(10**e)
        centre = magnitude * power
        if centre < 2.0**52:  # below 2^52 not every float is an integer m
            continue
        if centre >= 2.0**64:
            break
        below = above = centre
        for _ in range(8):
            for candidate in (below, above):
                if 2.0**52 <= candidate < 2.0**64 and candidate / power == magnitude:
                    digits = str(int(candidate)).rjust(e + 1, "0")
                    return f"{'-' if x < 0 else ''}{digits[:-e]}.{digits[-e:]}"
            below, above = math.nextafter(below, 0.0), math.nextafter(above, math.inf)
    return text


def _replace(pattern: str, content: str) -> dict[str, Any]:
    return {"type": "Replace", "pattern": {"String": pattern}, "content": content}


def normalizer() -> dict[str, Any]:
    """Replace normalizers: a c g t -> A C G T, every ambiguity code (both cases, n too) -> N."""
    steps = [_replace(b.lower(), b) for b in BASES]
    ambiguous = [c for c in AMBIGUOUS + AMBIGUOUS.lower() if c != "N"]
    steps += [_replace(c, "N") for c in ambiguous]
    return {"type": "Sequence", "normalizers": steps}


def huggingface_dict(tokenizer: Tokenizer) -> dict[str, Any]:
    """The ``tokenizer.json`` content for a fitted `Tokenizer` (plain JSON types)."""
    tokens = tokenizer.tokens  # raises ConfigError when not fitted
    scores = tokenizer.vocabulary_.scores.tolist()
    vocab = []
    for i, (token, score) in enumerate(zip(tokens, scores, strict=True)):
        if i < len(SPECIAL_TOKENS):
            score = 0.0
        elif not math.isfinite(score):
            score = UNUSABLE_SCORE
        vocab.append([token, score])
    added = [
        {
            "id": i,
            "content": token,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for i, token in enumerate(SPECIAL_TOKENS)
    ]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": normalizer(),
        "pre_tokenizer": None,
        "post_processor": None,
        "decoder": None,
        "model": {"type": "Unigram", "unk_id": UNK_ID, "vocab": vocab, "byte_fallback": False},
    }


def export_huggingface(tokenizer: Tokenizer, path: str | os.PathLike[str]) -> None:
    """Write `tokenizer` as a Hugging Face ``tokenizer.json`` (atomically); load it with
    ``tokenizers.Tokenizer.from_file(path)``."""
    content = huggingface_dict(tokenizer)
    vocab = content["model"]["vocab"]
    content["model"]["vocab"] = "@VOCAB@"
    rows = ",\n".join(f"      [{json.dumps(t)}, {json_float(score)}]" for t, score in vocab)
    text = json.dumps(content, indent=2, allow_nan=False)
    text = text.replace('"@VOCAB@"', f"[\n{rows}\n    ]", 1)
    with atomic_open(path) as fh:
        fh.write(text + "\n")
