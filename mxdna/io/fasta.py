"""Streaming FASTA reader for plain, gzip and bgzip files.

Records come out as `FastaRecord(id, sequence, description, line)`. The file is read in
large blocks and split into records with C-level `bytes` operations, which is what makes the
reader several times faster than line-by-line parsers (see docs/benchmarks.md).

Format policy (documented in docs/data.md):

* blank lines anywhere, CRLF line ends, wrapped sequence lines, spaces and tabs inside sequence
  lines are accepted (whitespace is removed);
* the id is the first whitespace-delimited word of the header; `description` is the rest;
* case: ``"keep"`` (default; soft-masked lower case survives) or ``"upper"`` (folded);
* ambiguity codes (N and the other IUPAC codes): ``"keep"`` (default), ``"to_n"`` (every
  ambiguity code becomes N, case kept) or ``"reject"`` (any non-ACGT base is an error);
* any other character, a header without sequence, sequence before the first header, a binary
  file or a truncated gzip stream is an error naming the file and line.
"""

from __future__ import annotations

import functools
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Literal, NamedTuple

from mxdna.alphabet import ACGT_BYTES, IUPAC_BYTES, TO_N_TABLE
from mxdna.errors import EmptyInputError, FastaFormatError, InputReadError, UnknownCharacterError
from mxdna.io.compression import check_input_file, open_binary

CaseMode = Literal["keep", "upper"]
AmbiguousMode = Literal["keep", "to_n", "reject"]

_CHUNK_BYTES = 1 << 23  # 8 MiB: large enough to amortise per-block work, small enough for memory
_WHITESPACE = b" \t\r\n\v\f"
_EMPTY_HEADER_MARKERS = ("\n>\n", "\n> ", "\n>\t")
_TO_N_STR = str.maketrans({c: "N" for c in "RYSWKMBDHV"} | {c: "n" for c in "ryswkmbdhv"})


class FastaRecord(NamedTuple):
    """One FASTA record. `line` is the 1-based line number of its header in the file."""

    id: str
    sequence: str
    description: str
    line: int


# tuple.__new__ bound to FastaRecord: builds records from 4-tuples without a Python-level call
_RECORD_FROM_TUPLE = functools.partial(tuple.__new__, FastaRecord)


@dataclass(frozen=True)
class SequencePolicy:
    """How to treat case and ambiguity codes while reading sequences."""

    case: CaseMode = "keep"
    ambiguous: AmbiguousMode = "keep"

    def __post_init__(self) -> None:
        if self.case not in ("keep", "upper"):
            raise ValueError(f"case must be 'keep' or 'upper', got {self.case!r}")
        if self.ambiguous not in ("keep", "to_n", "reject"):
            raise ValueError(
                f"ambiguous must be 'keep', 'to_n' or 'reject', got {self.ambiguous!r}"
            )

    @property
    def allowed(self) -> bytes:
        return ACGT_BYTES if self.ambiguous == "reject" else IUPAC_BYTES

    def apply(self, seq: bytes) -> bytes:
        """Apply case folding and ambiguity replacement to an already validated sequence."""
        if self.case == "upper":
            seq = seq.upper()
        if self.ambiguous == "to_n":
            seq = seq.translate(TO_N_TABLE)
        return seq


def read_fasta(
    path: str | os.PathLike[str],
    *,
    case: CaseMode = "keep",
    ambiguous: AmbiguousMode = "keep",
    chunk_bytes: int = _CHUNK_BYTES,
) -> Iterator[FastaRecord]:
    """Stream the records of a plain, gzip or bgzip FASTA file.

    Raises `InputNotFoundError`, `FastaFormatError` (and its subclass `UnknownCharacterError`),
    `EmptyInputError` or `InputReadError`, each naming the file and line. The file is checked
    for existence when this function is called, not at the first iteration.
    """
    policy = SequencePolicy(case=case, ambiguous=ambiguous)
    p = check_input_file(path)
    return _iter_records(p, policy, chunk_bytes)


def _iter_records(path: os.PathLike[str], policy: SequencePolicy, chunk_bytes: int):
    with open_binary(path) as fh:
        n_records = 0
        for block, line in _blocks(fh, path, chunk_bytes):
            if b"\r" in block:  # CRLF: carriage returns are whitespace everywhere
                block = block.replace(b"\r", b"")
            records = _parse_single_line_block(block, line, policy)
            if records is None:
                records = _parse_block(block, line, path, policy)
            for record in records:
                n_records += 1
                yield record
        if n_records == 0:
            raise EmptyInputError("no FASTA records (the file is empty)", path=path)


def _read(fh: BinaryIO, n: int, path: os.PathLike[str]) -> bytes:
    try:
        return fh.read(n)
    except (EOFError, zlib.error, OSError) as exc:
        raise InputReadError(f"corrupt or truncated gzip data ({exc})", path=path) from None


def _blocks(fh: BinaryIO, path: os.PathLike[str], chunk_bytes: int) -> Iterator[tuple[bytes, int]]:
    """Yield (block, line of its first byte); every block holds whole records and starts with '>'."""
    first = _read(fh, chunk_bytes, path)
    if b"\x00" in first[:65536]:
        raise FastaFormatError("binary file, not FASTA", path=path, line=1)
    stripped = first.lstrip(_WHITESPACE)
    line = 1 + first.count(b"\n", 0, len(first) - len(stripped))
    if stripped and not stripped.startswith(b">"):
        _raise_no_header(stripped, path, line)
    pieces: list[bytes] = [stripped]
    chunk = stripped
    while chunk:
        chunk = _read(fh, chunk_bytes, path)
        cut = chunk.rfind(b"\n>") + 1
        if cut == 0 and not (chunk.startswith(b">") and pieces[-1].endswith(b"\n")):
            if chunk:
                pieces.append(chunk)  # no record boundary in this chunk: one long record
            continue
        pieces.append(chunk[:cut])
        block = b"".join(pieces)
        if block:
            yield block, line
            line += block.count(b"\n")
        pieces = [chunk[cut:]]
    block = b"".join(pieces)
    if block.strip(_WHITESPACE):
        yield block, line


def _raise_no_header(text: bytes, path: os.PathLike[str], line: int) -> None:
    first_line = text.split(b"\n", 1)[0].strip()
    if first_line and not first_line.translate(None, IUPAC_BYTES + _WHITESPACE):
        raise FastaFormatError("sequence before the first '>' header", path=path, line=line)
    shown = first_line[:40].decode("utf-8", "replace")
    raise FastaFormatError(
        f"not a FASTA file: expected a '>' header, found {shown!r}", path=path, line=line
    )


def _parse_single_line_block(block: bytes, line: int, policy: SequencePolicy):
    """Fast path for the common layout: every record is one header line + one sequence line.

    Works on the whole block with a handful of C-level calls. Returns None whenever the block is
    not in that layout or holds anything unusual (blank lines, wrapped lines, bad characters,
    non-UTF-8, empty headers), so that `_parse_block` handles it and reports errors precisely.
    """
    if b"\n\n" in block:
        return None
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    n_records = text.count("\n>") + 1
    if len(lines) != 2 * n_records:
        return None
    headers = lines[0::2]
    seqs = lines[1::2]
    # every even line is a header iff the joined headers hold all n_records line-initial '>'
    if "\n".join(headers).count("\n>") != n_records - 1:
        return None
    if any(marker in text for marker in _EMPTY_HEADER_MARKERS) or text[:2] in (">\n", "> ", ">\t"):
        return None
    try:
        if "".join(seqs).encode("ascii").translate(None, policy.allowed):
            return None
    except UnicodeEncodeError:
        return None
    if policy.case == "upper":
        seqs = [s.upper() for s in seqs]
    if policy.ambiguous == "to_n":
        seqs = [s.translate(_TO_N_STR) for s in seqs]
    fields = [h[1:].split(None, 1) for h in headers]
    descriptions = [f[1].rstrip() if len(f) > 1 else "" for f in fields]
    return map(
        _RECORD_FROM_TUPLE,
        zip([f[0] for f in fields], seqs, descriptions, range(line, line + 2 * n_records, 2)),
    )


def _parse_block(
    block: bytes, line: int, path: os.PathLike[str], policy: SequencePolicy
) -> Iterator[FastaRecord]:
    """General path: wrapped lines, blank lines, whitespace; raises precise errors."""
    allowed = policy.allowed
    plain = policy.case == "keep" and policy.ambiguous != "to_n"
    n = len(block)
    pos = 1  # just after the '>' of the first header
    while pos < n:
        end = block.find(b"\n>", pos)
        if end < 0:
            end = n
        nl = block.find(b"\n", pos, end)
        if nl < 0:
            header, body = block[pos:end], b""
        else:
            header, body = block[pos:nl], block[nl + 1 : end]
        fields = header.split(None, 1)
        if not fields:
            raise FastaFormatError("empty header line ('>' without an id)", path=path, line=line)
        seq = body.replace(b"\n", b"")
        body_newlines = len(body) - len(seq)
        if seq.translate(None, allowed):
            seq = seq.translate(None, _WHITESPACE)  # spaces/tabs inside lines are allowed
            if seq.translate(None, allowed):
                _raise_bad_character(seq, body, fields[0], allowed, path, line, policy)
        if not seq:
            raise FastaFormatError(
                f"header without sequence (record {_decode_text(fields[0], path, line)!r})",
                path=path,
                line=line,
            )
        if not plain:
            seq = policy.apply(seq)
        description = _decode_text(fields[1], path, line).strip() if len(fields) > 1 else ""
        yield FastaRecord(_decode_text(fields[0], path, line), seq.decode("ascii"), description, line)
        line += (nl >= 0) + body_newlines + 1
        pos = end + 2


def _decode_text(raw: bytes, path: os.PathLike[str], line: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FastaFormatError("header is not valid UTF-8 text", path=path, line=line) from None


def _raise_bad_character(
    seq: bytes,
    body: bytes,
    raw_id: bytes,
    allowed: bytes,
    path: os.PathLike[str],
    header_line: int,
    policy: SequencePolicy,
) -> None:
    bad = seq.translate(None, allowed)[0]
    index = body.find(bytes([bad]))
    line = header_line + 1 + body.count(b"\n", 0, index)
    column = index - body.rfind(b"\n", 0, index)
    shown = repr(chr(bad)) if 32 <= bad < 127 else f"byte 0x{bad:02x}"
    record = raw_id.decode("utf-8", "replace")
    if policy.ambiguous == "reject" and bytes([bad]) in IUPAC_BYTES:
        why = "ambiguous base rejected (ambiguous='reject'; use 'keep' or 'to_n' to accept it)"
    else:
        why = "not an IUPAC nucleotide code"
    raise UnknownCharacterError(
        f"record {record!r}: invalid character {shown} at column {column}: {why}",
        path=path,
        line=line,
    )
