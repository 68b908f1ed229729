"""Opening input files: existence checks and compression detected from magic bytes.

Plain and gzip (including bgzip, which is valid multi-member gzip) are read; other
compressions are recognised and rejected with a message that says what to do.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path
from typing import BinaryIO

from mxdna.errors import InputNotFoundError, InputReadError, MxdnaError

GZIP_MAGIC = b"\x1f\x8b"
# BGZF = gzip member with the 'BC' extra subfield (SAM/BAM specification, section 4.1).
_BGZF_HEADER = b"\x1f\x8b\x08\x04"
_OTHER_COMPRESSIONS = {
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"PK\x03\x04": "zip",
}


def check_input_file(path: str | os.PathLike[str]) -> Path:
    """Return `path` as a Path if it is a readable regular file, else raise a clear error."""
    p = Path(path)
    if not p.exists():
        raise InputNotFoundError("no such file", path=p)
    if p.is_dir():
        raise InputReadError("is a directory, expected a file", path=p)
    if not os.access(p, os.R_OK):
        raise InputReadError("permission denied", path=p)
    return p


def sniff(path: str | os.PathLike[str]) -> str:
    """'plain', 'gzip' or 'bgzip' from the first bytes of the file."""
    with open(path, "rb") as fh:
        head = fh.read(18)
    for magic, name in _OTHER_COMPRESSIONS.items():
        if head.startswith(magic):
            raise InputReadError(
                f"{name}-compressed files are not supported; decompress it or recompress with "
                "gzip/bgzip",
                path=path,
            )
    if head.startswith(_BGZF_HEADER) and head[12:14] == b"BC":
        return "bgzip"
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    return "plain"


def open_binary(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a plain or (b)gzip file for binary reading, decompressing transparently."""
    p = check_input_file(path)
    kind = sniff(p)
    if kind == "plain":
        return open(p, "rb")
    # A buffered reader over GzipFile reads large blocks; gzip.open alone is slower for big reads.
    return io.BufferedReader(gzip.GzipFile(p, "rb"), buffer_size=1 << 20)  # type: ignore[return-value]


def read_text(
    path: str | os.PathLike[str], *, invalid_text: type[MxdnaError], what: str, encoding="utf-8"
) -> str:
    """Whole (possibly gzip-compressed) text file as str.

    Decompression failures raise `InputReadError`; bytes that are not valid `encoding` raise
    `invalid_text` naming the line, with `what` saying what the file was expected to be.
    """
    with open_binary(path) as fh:
        try:
            raw = fh.read()
        except (EOFError, zlib.error, OSError) as exc:
            raise InputReadError(f"corrupt or truncated gzip data ({exc})", path=path) from None
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise invalid_text(f"{what} is not valid UTF-8 text", path=path, line=line) from None
