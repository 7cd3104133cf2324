"""The ``opinionsim`` command line.

``opinionsim sweep`` runs the project's main job, a temperature sweep (see
:data:`SWEEP_DEFAULTS`), and ``opinionsim plot DIR`` re-plots stored results;
``opinionsim scenarios`` and ``opinionsim run NAME`` list and run the
ready-made scenarios; ``opinionsim app`` serves the interactive explorer.

Each subcommand is a module of this package holding a :class:`Command`: a
function that adds its arguments to an ``argparse`` parser and a function
that runs it and returns the exit status. :data:`COMMANDS` maps the names
to them; adding one is adding a module and an entry. A command module
imports nothing heavy until it runs, so ``opinionsim --help`` stays quick.

Exit status: 0 on success; 1 when some runs of a sweep failed (they are
recorded and retried on resume); 2 for bad input (one line on stderr,
``opinionsim: error: ...``, never a traceback); 130 when interrupted (Ctrl-C),
143 when terminated (SIGTERM, as batch schedulers send at the time limit).
"""

from __future__ import annotations

import argparse
import sys
import textwrap

from .._errors import OpinionSimError
from . import app, plot, precompile, scenarios
from . import sweep as _sweep_command
from ._common import Command, OneLineParser, UsageError, parse_values
from .sweep import SWEEP_DEFAULTS, _build_sweep, _sweep_settings  # noqa: F401 - re-exported

__all__ = ["main", "build_parser", "COMMANDS", "Command", "SWEEP_DEFAULTS", "UsageError",
           "parse_values"]

#: Subcommands by name. Add one with ``COMMANDS["name"] = Command(help, add_arguments, run)``.
COMMANDS: dict[str, Command] = {
    "sweep": _sweep_command.COMMAND,
    "plot": plot.COMMAND,
    "scenarios": scenarios.SCENARIOS_COMMAND,
    "run": scenarios.RUN_COMMAND,
    "app": app.COMMAND,
    "precompile": precompile.COMMAND,
}


def build_parser():
    """The ``opinionsim`` argument parser, one subparser per entry of :data:`COMMANDS`."""
    from .._version import __version__

    parser = OneLineParser(prog="opinionsim",
                           description="Opinion dynamics via attention: sweeps, plots, "
                                       "scenarios, an explorer in the browser.",
                           epilog="Exit status: 0 ok, 1 some runs failed, 2 bad input, "
                                  "130 interrupted, 143 terminated (SIGTERM).")
    parser.add_argument("--version", action="version", version=f"opinionsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=OneLineParser)
    for name, command in COMMANDS.items():
        description = textwrap.fill(command.description, 79) if command.description else None
        p = sub.add_parser(name, help=command.help, description=description,
                           epilog=command.epilog or None,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        command.add_arguments(p)
    return parser


def main(argv=None):
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except (UsageError, OpinionSimError) as exc:
        return _fail(exc)
    except OSError as exc:
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        return _fail(f"{exc.strerror or exc}{':' if where else ''}{where}")
    except KeyboardInterrupt:
        print("opinionsim: interrupted.", file=sys.stderr)
        return 130


def _fail(message):
    text = " ".join(str(message).split())  # one line
    print(f"opinionsim: error: {text}", file=sys.stderr)
    return 2
