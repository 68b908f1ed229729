"""`mxdna` entry point: the command group, logging set-up and the one-line error contract.

User errors (an `MxdnaError`, a click usage error, an unreadable or unwritable path) print one
line ``mxdna: error: ...`` on stderr and exit with status 2; there is no traceback. Anything else
is a bug in mxdna and keeps its traceback.
"""

from __future__ import annotations

import logging
import sys

import click
from mxdna_cli.attribute import attribute
from mxdna_cli.data import data
from mxdna_cli.report import report
from mxdna_cli.tokenizer import tokenize
from mxdna_cli.train import evaluate, predict, train

from mxdna import __version__
from mxdna.errors import MxdnaError

USER_ERROR = 2


class _OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"mxdna: {record.levelname.lower()}: {record.getMessage()}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


cli.add_command(data)
cli.add_command(train)
cli.add_command(predict)
cli.add_command(evaluate)
cli.add_command(tokenize)
cli.add_command(report)
cli.add_command(attribute)


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
