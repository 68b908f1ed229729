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
Engine = Literal["auto", "c", "python"]

try:  # the compiled twin of _parse_block, built at install time when a C compiler is present
    from mxdna.io import _fastaparse
except ImportError:  # pragma: no cover - exercised only on installs without a compiler
    _fastaparse = None

# 256 KiB: small blocks keep the records of one block in cache and let the allocator reuse its
# arenas; 8 MiB blocks were ~1.8x slower on 200-bp records (measured, docs/benchmarks.md).
_CHUNK_BYTES = 1 << 18
_WHITESPACE = b" \t\r\n\v\f"


class FastaRecord(NamedTuple):
    """One FASTA record. `line` is the 1-based line number of its header in the file."""

    id: str
    sequence: str
    description: str
    line: int


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

    def action_table(self) -> bytes:
        """Per-byte actions for the C parser: 0 invalid, 1 skip, 2 newline, else the output byte."""
        table = bytearray(256)
        for byte in self.allowed:
            table[byte] = self.apply(bytes([byte]))[0]
        for byte in b" \t\r\v\f":
            table[byte] = 1
        table[ord("\n")] = 2
        return bytes(table)

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
    engine: Engine = "auto",
    chunk_bytes: int = _CHUNK_BYTES,
) -> Iterator[FastaRecord]:
    """Stream the records of a plain, gzip or bgzip FASTA file.

    Raises `InputNotFoundError`, `FastaFormatError` (and its subclass `UnknownCharacterError`),
    `EmptyInputError` or `InputReadError`, each naming the file and line. The file is checked
    for existence when this function is called, not at the first iteration.

    `engine`: "auto" (the compiled parser when it was built, else pure Python), "c" or "python".
    Both engines give identical records and errors; "python" exists to cross-check.
    """
    policy = SequencePolicy(case=case, ambiguous=ambiguous)
    if engine not in ("auto", "c", "python"):
        raise ValueError(f"engine must be 'auto', 'c' or 'python', got {engine!r}")
    if engine == "c" and _fastaparse is None:
        raise ImportError("the compiled FASTA parser mxdna.io._fastaparse was not built")
    p = check_input_file(path)
    return _iter_records(p, policy, engine, chunk_bytes)


def _iter_records(path: os.PathLike[str], policy: SequencePolicy, engine: str, chunk_bytes: int):
    use_c = engine == "c" or (engine == "auto" and _fastaparse is not None)
    table = policy.action_table()
    n_records = 0
    with open_binary(path) as fh:
        line = 0
        for block, first_line in _blocks(fh, path, chunk_bytes):
            line = line or first_line
            parsed = _fastaparse.parse_block(block, line, table, FastaRecord) if use_c else None
            if parsed is not None:
                records, line = parsed
            else:  # pure-Python twin: engine="python", or the C parser left this block to us
                data = bytes(block)
                records = list(_parse_block(data, line, path, policy))
                line += data.count(b"\n")
            n_records += len(records)
            yield from records
    if n_records == 0:
        raise EmptyInputError("no FASTA records (the file is empty)", path=path)


def _readinto(fh: BinaryIO, view: memoryview, path: os.PathLike[str]) -> int:
    try:
        return fh.readinto(view)
    except (EOFError, zlib.error, OSError) as exc:
        raise InputReadError(f"corrupt or truncated gzip data ({exc})", path=path) from None


def _blocks(
    fh: BinaryIO, path: os.PathLike[str], chunk_bytes: int
) -> Iterator[tuple[memoryview, int]]:
    """Yield (block, line of the first header): each block holds whole records, starts with '>'.

    Blocks are views into one reused buffer, valid until the next block is requested; the
    unfinished record at the end of a read is moved to the front of the buffer (no re-joining).
    The line is only meaningful for the first block; later ones continue where parsing ended.
    """
    buf = bytearray(chunk_bytes)
    view = memoryview(buf)
    start = _check_start(fh, buf, view, path)
    if start is None:
        return
    kept, line = start  # kept: bytes of an unfinished record at the front of buf
    while True:
        if len(buf) - kept < chunk_bytes // 2:  # a record longer than the buffer: grow it
            bigger = bytearray(2 * len(buf))
            bigger[:kept] = buf[:kept]
            buf, view = bigger, memoryview(bigger)
        n = _readinto(fh, view[kept:], path)
        end = kept + n
        if n == 0:
            if buf[:end].strip(_WHITESPACE):
                yield view[:end], line
            return
        cut = buf.rfind(b"\n>", max(kept - 1, 0), end) + 1  # only the new bytes can hold one
        if cut == 0:
            kept = end
            continue
        yield view[:cut], line
        buf[: end - cut] = buf[cut:end]
        kept = end - cut


def _check_start(
    fh: BinaryIO, buf: bytearray, view: memoryview, path: os.PathLike[str]
) -> tuple[int, int] | None:
    """Read the first bytes into buf; reject binary and header-less files; drop leading blanks.

    Returns (bytes kept at the front of buf, line of the first header), or None for an empty file.
    """
    end = 0
    while end < min(len(buf), 65536):  # short reads happen on pipes
        n = _readinto(fh, view[end:], path)
        if n == 0:
            break
        end += n
    head = bytes(buf[: min(end, 65536)])
    if b"\x00" in head:
        raise FastaFormatError("binary file, not FASTA", path=path, line=1)
    stripped = head.lstrip(_WHITESPACE)
    if not stripped:
        if end > len(head):
            raise FastaFormatError("no '>' header in the first 64 KiB", path=path, line=1)
        return None
    skipped = len(head) - len(stripped)
    line = 1 + head.count(b"\n", 0, skipped)
    if not stripped.startswith(b">"):
        _raise_no_header(stripped, path, line)
    buf[: end - skipped] = buf[skipped:end]
    return end - skipped, line


def _raise_no_header(text: bytes, path: os.PathLike[str], line: int) -> None:
    first_line = text.split(b"\n", 1)[0].strip()
    if first_line and not first_line.translate(None, IUPAC_BYTES + _WHITESPACE):
        raise FastaFormatError("sequence before the first '>' header", path=path, line=line)
    shown = first_line[:40].decode("utf-8", "replace")
    raise FastaFormatError(
        f"not a FASTA file: expected a '>' header, found {shown!r}", path=path, line=line
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
        description = _decode_text(fields[1].strip(), path, line) if len(fields) > 1 else ""
        yield FastaRecord(
            _decode_text(fields[0], path, line), seq.decode("ascii"), description, line
        )
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
