"""What the ``opinionsim`` subcommands share: the command record, bad-input errors, value parsing."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Callable

__all__ = ["UsageError", "Command", "parse_values", "key_value", "int_arg"]


class UsageError(Exception):
    """Bad command-line input: reported on one line, exit status 2."""


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
        if num < 1 or not (math.isfinite(start) and math.isfinite(stop)):
            raise UsageError(f"{name} range {text!r}: num must be >= 1 and start, stop finite.")
        if spacing == "log":
            if start <= 0 or stop <= 0:
                raise UsageError(f"{name} range {text!r}: a log range needs start, stop > 0.")
            values = np.logspace(math.log10(start), math.log10(stop), num)
        elif spacing in ("lin", "linear"):
            values = np.linspace(start, stop, num)
        else:
            raise UsageError(f"{name} range {text!r}: spacing {parts[3]!r} must be log or lin.")
        return [float(f"{v:.12g}") for v in values]
    values = [parse_value(t) for t in text.split(",") if t.strip()]
    if not values:
        raise UsageError(f"{name} == {text!r} lists no values.")
    return values


def key_value(text, flag):
    from ..graphs import parse_value

    key, eq, value = text.partition("=")
    if not eq or not key.strip():
        raise UsageError(f"{flag} {text!r} must be NAME=VALUE.")
    return key.strip(), value if flag == "--vary" else parse_value(value)


def int_arg(low):
    def convert(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} must be >= {low}")
        return value

    return convert
