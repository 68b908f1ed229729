"""Errors raised by mxdna.

Every error a user can cause by their input is an `MxdnaError`. Each specific error also
subclasses the matching builtin (`ValueError`, `FileNotFoundError`, ...) so callers that
already catch builtins keep working. Errors about a file carry its path and, where known,
the 1-based line number, and render as ``path:line: message`` — the one line the CLI prints.
"""

from __future__ import annotations

import os


class MxdnaError(Exception):
    """Base class of every error caused by user input or configuration."""

    def __init__(
        self, message: str, *, path: str | os.PathLike[str] | None = None, line: int | None = None
    ) -> None:
        self.message = message
        self.path = None if path is None else os.fspath(path)
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        if self.path is None:
            return self.message
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"

    def __str__(self) -> str:
        return self._render()


class InputNotFoundError(MxdnaError, FileNotFoundError):
    """An input file does not exist or is not a regular file."""


class InputReadError(MxdnaError, OSError):
    """An input file exists but cannot be read (permissions, truncated compression, ...)."""


class OutputError(MxdnaError, OSError):
    """An output location cannot be written."""


class FastaFormatError(MxdnaError, ValueError):
    """A FASTA file is malformed (not FASTA, empty, header without sequence, ...)."""


class UnknownCharacterError(FastaFormatError):
    """A sequence holds a character that is not an IUPAC code (or that the policy rejects)."""


class EmptyInputError(MxdnaError, ValueError):
    """An input holds no records at all."""


class LabelError(MxdnaError, ValueError):
    """Labels are missing, unexpected, malformed or inconsistent with the records."""


class MissingLabelError(LabelError):
    """Some records have no label."""


class ExtraLabelError(LabelError):
    """A label table names ids that no record has."""


class DuplicateIdError(LabelError):
    """The same record id occurs more than once."""


class SingleClassError(LabelError):
    """A classification dataset has fewer than two classes."""


class BedFormatError(MxdnaError, ValueError):
    """A BED file is malformed."""


class IntervalError(MxdnaError, ValueError):
    """An interval cannot be cut from the genome (from a BED line or a direct `fetch`)."""


class UnknownChromosomeError(IntervalError):
    """An interval names a chromosome the genome does not have."""


class IntervalOutOfBoundsError(IntervalError):
    """An interval (possibly after re-centring) starts before 0 or ends past its chromosome."""


class GenomeIndexError(MxdnaError, ValueError):
    """A genome FASTA cannot be indexed for random access."""


class ConfigError(MxdnaError, ValueError):
    """A parameter or configuration value is invalid."""


class TokenizerFileError(MxdnaError, ValueError):
    """A tokenizer file is unreadable, of another format or of an unknown schema version."""


class MotifFileError(MxdnaError, ValueError):
    """A motif database file (MEME minimal format) that cannot be parsed."""
