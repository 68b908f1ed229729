"""Reading tokenizer JSON files safely (plain JSON, never code) and dispatching on their kind."""

from __future__ import annotations

import json
import os
from typing import Any

from mxdna.errors import TokenizerFileError
from mxdna.io.compression import check_input_file

FORMAT = "mxdna.tokenizer"
SCHEMA_VERSION = 1


def read_tokenizer_json(
    path: str | os.PathLike[str], expected_kind: str | None = None
) -> dict[str, Any]:
    """The parsed content of a tokenizer file, after checking its format, schema and kind."""
    p = check_input_file(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TokenizerFileError(f"not a tokenizer JSON file ({error})", path=p) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TokenizerFileError(
            f'not an mxdna tokenizer file (expected "format": "{FORMAT}"; a Hugging Face '
            "tokenizer.json is an export, load it with tokenizers.Tokenizer.from_file)",
            path=p,
        )
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise TokenizerFileError(
            f"schema version {version!r} is not supported by this mxdna (reads {SCHEMA_VERSION})",
            path=p,
        )
    if expected_kind is not None and data.get("kind") != expected_kind:
        raise TokenizerFileError(
            f"holds a {data.get('kind')!r} tokenizer, expected {expected_kind!r}", path=p
        )
    return data


def load_tokenizer(path: str | os.PathLike[str]):
    """Load any mxdna tokenizer file (learned or baseline), whichever kind it holds."""
    from mxdna.tokenizer import TOKENIZER_KINDS

    data = read_tokenizer_json(path)
    kind = data.get("kind")
    if kind not in TOKENIZER_KINDS:
        raise TokenizerFileError(f"unknown tokenizer kind {kind!r}", path=path)
    return TOKENIZER_KINDS[kind].from_dict(data)
