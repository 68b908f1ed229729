"""`mxdna` entry point: the command group, logging set-up and the one-line error contract.

User errors (an `MxdnaError`, a click usage error, an unreadable or unwritable path) print one
line ``mxdna: error: ...`` on stderr and exit with status 2; there is no traceback. Anything else
is a bug in mxdna and keeps its traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from mxdna import __version__
from mxdna.errors import MxdnaError

USER_ERROR = 2

# command name -> "module:attribute"; imported only when that command runs, so `mxdna data ...`
# does not pay for importing PyTorch (seconds per call in pipelines that run thousands of jobs)
COMMANDS = {
    "attribute": "mxdna_cli.attribute:attribute",
    "data": "mxdna_cli.data:data",
    "evaluate": "mxdna_cli.train:evaluate",
    "predict": "mxdna_cli.train:predict",
    "report": "mxdna_cli.report:report",
    "tokenize": "mxdna_cli.tokenizer:tokenize",
    "train": "mxdna_cli.train:train",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attribute)


class _OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"mxdna: {record.levelname.lower()}: {record.getMessage()}"


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mxdna")
@click.option("-v", "--verbose", count=True, help="More log messages (-v info, -vv debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
def cli(verbose: int, quiet: bool) -> None:
    """mxdna: classify regulatory DNA and see which motifs drove each call."""
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter())
    root = logging.getLogger("mxdna")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _fail(message: str) -> int:
    click.echo(f"mxdna: error: {message}", err=True)
    return USER_ERROR


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (used by the console script and by tests)."""
    try:
        result = cli.main(args=argv, prog_name="mxdna", standalone_mode=False)
    except MxdnaError as error:
        return _fail(str(error))
    except click.UsageError as error:
        hint = f" (see '{error.ctx.command_path} --help')" if error.ctx else ""
        return _fail(error.format_message().replace("\n", " ") + hint)
    except click.ClickException as error:
        return _fail(error.format_message().replace("\n", " "))
    except click.Abort:
        return _fail("aborted")
    except KeyboardInterrupt:
        click.echo("mxdna: interrupted", err=True)
        return 130
    except OSError as error:  # paths the library did not wrap: still the user's environment
        where = f": {error.filename}" if error.filename else ""
        return _fail(f"{error.strerror or error}{where}")
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
