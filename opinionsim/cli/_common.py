"""What the ``opinionsim`` subcommands share: the command record, bad-input errors, value parsing."""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from typing import Callable

__all__ = ["UsageError", "OneLineParser", "Command", "parse_values", "split_items", "key_value",
           "int_arg"]


#: The most values a start:stop:num range may give.
MAX_RANGE = 100_000


class UsageError(Exception):
    """Bad command-line input: reported on one line, exit status 2."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2), never the usage."""

    def error(self, message):
        hint = " ".join(self.prog.split()[1:])
        sys.stderr.write(f"{self.prog}: error: {' '.join(message.split())} "
                         f"(see 'opinionsim {hint + ' ' if hint else ''}--help')\n")
        sys.exit(2)


@dataclass(frozen=True)
class Command:
    """A subcommand: its one-line help, how to add its arguments, how to run it."""

    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str = ""
    epilog: str = ""


def parse_values(text, name="values"):
    """A list of values from ``"start:stop:num[:log|lin]"`` or ``"v1,v2,..."`` (or one value).

    Range values are rounded to 12 significant digits so that they print
    as written (0.01, not 0.010000000000000002).

    Examples
    --------
    >>> parse_values("0.01:10:4:log")
    [0.01, 0.1, 1.0, 10.0]
    >>> parse_values("0:1:3")
    [0.0, 0.5, 1.0]
    >>> parse_values("0.1,0.2,dot")
    [0.1, 0.2, 'dot']
    """
    import numpy as np

    from ..graphs import parse_value

    if isinstance(text, (list, tuple)):
        return list(text)
    if not isinstance(text, str):
        return [text]
    text = text.strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) not in (3, 4):
            raise UsageError(f"{name} range {text!r} must be start:stop:num[:log|lin], e.g. "
                             "0.01:10:24:log")
        spacing = parts[3].strip().lower() if len(parts) == 4 else "lin"
        try:
            start, stop = float(parts[0]), float(parts[1])
            num = int(parts[2])
        except ValueError:
            raise UsageError(f"{name} range {text!r} must be start:stop:num[:log|lin] with "
                             "numbers start, stop and an integer num, e.g. 0.01:10:24:log"
                             ) from None
        if not 1 <= num <= MAX_RANGE or not (math.isfinite(start) and math.isfinite(stop)):
            raise UsageError(f"{name} range {text!r}: num must be in [1, {MAX_RANGE}] and "
                             "start, stop finite.")
        if spacing == "log":
            if start <= 0 or stop <= 0:
                raise UsageError(f"{name} range {text!r}: a log range needs start, stop > 0.")
            values = np.logspace(math.log10(start), math.log10(stop), num)
        elif spacing in ("lin", "linear"):
            values = np.linspace(start, stop, num)
        else:
            raise UsageError(f"{name} range {text!r}: spacing {parts[3]!r} must be log or lin.")
        return [float(f"{v:.12g}") for v in values]
    return [parse_value(t) for t in split_items(text, name)]


def split_items(text, name):
    """The comma-separated items of ``text``; an empty one (``"a,,b"``, ``"a,"``) is refused.

    Examples
    --------
    >>> split_items(" 0.1, 0.2 ", "temperature")
    ['0.1', '0.2']
    """
    items = [t.strip() for t in str(text).split(",")]
    if not any(items):
        raise UsageError(f"{name} == {text!r} lists no values.")
    if not all(items):
        raise UsageError(f"{name} == {text!r} has an empty item (item {items.index('') + 1}); "
                         "separate the values by single commas.")
    return items


def key_value(text, flag):
    from ..graphs import parse_value

    key, eq, value = text.partition("=")
    if not eq or not key.strip():
        raise UsageError(f"{flag} {text!r} must be NAME=VALUE.")
    return key.strip(), value if flag == "--vary" else parse_value(value)


def int_arg(low):
    """An argparse ``type``: an integer ``>= low``."""
    def convert(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} must be >= {low}")
        return value

    convert.toml_types = (int,)  # what a --config file may give for it
    return convert
