"""Shared plumbing for the scenario scripts in ``scenarios/``: arguments, output, findings.

Every scenario is ``python scenarios/NAME.py [--out DIR] [--full] [--seed S]``
(and ``opinionsim run NAME``). ``--tiny`` (hidden) shrinks it to a few seconds
for the smoke tests. Figures are PNG, tables Parquet and CSV, all under ``--out``.
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

__all__ = ["parse_args", "output_dir", "save_table", "save_figure", "print_finding", "size"]


def parse_args(name, doc, argv=None):
    """Parse the common scenario options; ``doc`` (the module docstring) is the help text."""
    summary = (doc or "").strip().split("\n\n")[0]
    parser = argparse.ArgumentParser(
        prog=f"opinionsim run {name}", description=summary,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", default=str(Path("results") / name),
                        help="directory for figures (PNG) and data (Parquet/CSV) "
                             f"(default: results/{name})")
    parser.add_argument("--full", action="store_true",
                        help="paper-sized run (more agents, seeds and grid points; minutes)")
    parser.add_argument("--seed", type=int, default=0, help="base seed (default: 0)")
    # Smoke-test size: a few seconds; its numbers are noisy but keep the finding's direction.
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.full and args.tiny:
        parser.error("--full and --tiny exclude each other")
    return args


def size(args, *, tiny, default, full):
    """Pick the parameter set for ``--tiny``, the default, or ``--full``."""
    if args.tiny:
        return tiny
    return full if args.full else default


def output_dir(path):
    """Create (if needed) and return the output directory as a :class:`~pathlib.Path`."""
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def save_table(df, out, stem):
    """Write ``df`` as ``out/stem.parquet`` and ``out/stem.csv``; return the Parquet path."""
    out = output_dir(out)
    path = out / f"{stem}.parquet"
    df.to_parquet(path, index=False)
    df.to_csv(out / f"{stem}.csv", index=False)
    return path


def save_figure(fig_or_ax, out, stem, *, dpi=110):
    """Save a Figure (or the Figure of an Axes) as ``out/stem.png``, close it, return the path."""
    import matplotlib.pyplot as plt

    from matplotlib.figure import Figure

    fig = fig_or_ax if isinstance(fig_or_ax, Figure) else fig_or_ax.figure
    path = output_dir(out) / f"{stem}.png"
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def print_finding(name, text, files=()):
    """Print the scenario's one-paragraph finding (wrapped) and the files it wrote."""
    print(f"== {name} ==")
    print(textwrap.fill(" ".join(text.split()), width=88))
    for f in files:
        print(f"  wrote {f}")
