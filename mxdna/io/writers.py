"""Writing outputs atomically: a file appears complete or not at all, and never half-written.

Every output goes to a temporary file in the destination directory and is moved into place with
`os.replace` only after everything was written; on any error the temporary files are removed and
files that were already there stay as they were.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from mxdna.errors import OutputError
from mxdna.io.sequence_set import SequenceSet


def check_writable(path: str | os.PathLike[str], *, directory: bool = False) -> Path:
    """Fail early (before any computation) if `path` cannot be written.

    For `directory=True` the path is a directory that may not exist yet; its nearest existing
    ancestor must be a writable directory.
    """
    p = Path(path)
    if directory:
        if p.exists() and not p.is_dir():
            raise OutputError("exists and is not a directory", path=p)
        parent = p
        while not parent.exists():
            parent = parent.parent
    else:
        if p.is_dir():
            raise OutputError("is a directory, expected a file name", path=p)
        parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise OutputError(f"directory {parent} does not exist", path=p)
    if not parent.is_dir():
        raise OutputError(f"{parent} is not a directory", path=p)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"directory {parent} is not writable", path=p)
    return p


class AtomicFiles:
    """Open several outputs; all are moved into place together on success, none on failure.

    >>> with AtomicFiles() as out:                      # doctest: +SKIP
    ...     out.open("a.txt").write("x")
    ...     out.open("b.txt").write("y")
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path, TextIO]] = []
        self._created_dirs: list[Path] = []  # removed again if the block fails

    def open(self, path: str | os.PathLike[str], *, binary: bool = False) -> TextIO:
        """A handle (text, or bytes with `binary`) whose content becomes `path` when the block
        ends without error."""
        target = Path(path)
        check_writable(target.parent, directory=True)
        missing = [d for d in (target.parent, *target.parent.parents) if not d.exists()]
        target.parent.mkdir(parents=True, exist_ok=True)
        self._created_dirs.extend(missing)  # deepest first
        check_writable(target)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        except OSError as exc:
            raise OutputError(f"cannot create a file here ({exc.strerror})", path=target) from None
        handle = (
            os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        )
        self._pending.append((Path(tmp), target, handle))
        return handle

    def __enter__(self) -> AtomicFiles:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            for _, _, handle in self._pending:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
            if exc_type is None:
                for tmp, target, _ in self._pending:
                    os.chmod(tmp, 0o644)
                    os.replace(tmp, target)
        except OSError as error:
            raise OutputError(
                f"writing failed ({error.strerror})", path=self._pending[0][1]
            ) from None
        finally:
            for tmp, _, handle in self._pending:
                handle.close()
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
            if exc_type is not None:
                for directory in self._created_dirs:
                    with contextlib.suppress(OSError):
                        directory.rmdir()  # only if still empty


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str]) -> Iterator[TextIO]:
    """Context manager for one atomically written text file."""
    with AtomicFiles() as files:
        yield files.open(path)


def format_fasta(data: SequenceSet, *, line_width: int | None = None, extra: dict | None = None):
    """Yield FASTA text for a SequenceSet: ``>id label=CLASS [key=value ...]`` then the sequence.

    `extra` maps header keys to per-record value tuples (e.g. ``{"chrom": data.chroms}``).
    `line_width=None` writes each sequence on one line.
    """
    extra = {k: v for k, v in (extra or {}).items() if v is not None}
    for i, (rid, seq) in enumerate(zip(data.ids, data.sequences, strict=True)):
        fields = [rid]
        if data.labels is not None:
            fields.append(f"label={data.labels[i]}")
        fields.extend(f"{key}={values[i]}" for key, values in extra.items())
        yield ">" + " ".join(fields) + "\n"
        step = line_width or len(seq)
        for start in range(0, len(seq), step):
            yield seq[start : start + step] + "\n"


def write_fasta(
    path: str | os.PathLike[str], data: SequenceSet, *, line_width: int | None = None
) -> None:
    """Write a SequenceSet as FASTA (labels and chromosomes in the header), atomically."""
    with atomic_open(path) as fh:
        fh.writelines(format_fasta(data, line_width=line_width, extra=genomic_fields(data)))


def genomic_fields(data: SequenceSet) -> dict[str, tuple[str, ...] | None]:
    """Header fields that keep where records were cut from a genome (`mxdna data extract`)."""
    return {"chrom": data.chroms, "interval": data.intervals}


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside `path` for writers that need a file name (safetensors,
    torch.save); it replaces `path` only if the block succeeds, and is removed otherwise."""
    target = check_writable(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
