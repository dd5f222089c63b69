r"""The ``forecast`` command line: a thin layer over the library.

Exit codes (the same for every command):

\b
  0   success
  1   an error forecast reports on purpose (bad input, failed source, bad scenario);
      the message names the file or series, the rows and the checks
  2   usage error (unknown option, missing argument)
  75  the store is locked by another forecast process; try again later

Heavy modules are imported inside the commands, so ``forecast --help`` is instant.

One module per command group: :mod:`forecast.cli.data`, :mod:`forecast.cli.run` (run and
report), :mod:`forecast.cli.scenarios`, :mod:`forecast.cli.refresh` and
:mod:`forecast.cli.backtest`. What they share (exit codes, the error guard, ``--store``)
lives in :mod:`forecast.cli._common`, which imports none of them; this module holds the root
group and adds theirs.
"""

from __future__ import annotations

import click

from forecast._version import __version__
from forecast.cli._common import (
    EXIT_ERROR,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_USAGE,
    LockedError,
    end_without_teardown,
    guard,
    store_option,
    teardown_skipped,
)
from forecast.cli.backtest import backtest as _backtest
from forecast.cli.data import data as _data
from forecast.cli.grid import grid as _grid
from forecast.cli.refresh import refresh as _refresh
from forecast.cli.run import report_command as _report
from forecast.cli.run import run_command as _run
from forecast.cli.scenarios import scenarios as _scenarios

__all__ = [
    "EXIT_ERROR",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_USAGE",
    "LockedError",
    "cli",
    "guard",
    "main",
    "store_option",
]


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: 0 ok; 1 error (message says what and where); 2 usage; 75 store locked.",
)
@click.version_option(__version__, prog_name="forecast")
def cli() -> None:
    """Forecast what a halt of Venezuela's crude exports does to oil prices and Cuba."""


for _command in (_data, _run, _report, _scenarios, _refresh, _backtest, _grid):
    cli.add_command(_command)


def main() -> None:
    """Run the CLI (console-script entry point).

    A command that succeeded with every file closed (``run``, ``report``:
    :func:`~forecast.cli._common.skip_teardown`) ends the process without Python's teardown.
    """
    try:
        cli.main(prog_name="forecast", standalone_mode=True)  # ends with SystemExit
    except SystemExit as done:
        if done.code in (None, EXIT_OK) and teardown_skipped():
            end_without_teardown(EXIT_OK)
        raise
