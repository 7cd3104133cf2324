"""Shared plumbing for the scenario scripts in ``scenarios/``: arguments, output, findings.

Every scenario is ``python scenarios/NAME.py [--out DIR] [--full] [--seed S]``
(and ``opinionsim run NAME``). ``--tiny`` (hidden) shrinks it to a few seconds
for the smoke tests. Figures are PNG, tables Parquet and CSV, all under ``--out``.

A scenario's printed interpretation is never fixed prose: :func:`verdict` decides
it from the numbers (an interval that excludes 0, a metric beyond its null model
*and* above a stated size, a value that no longer moves when the run is made
longer), and the scenario prints the sentence that :meth:`Verdict.choose` picks.
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = ["parse_args", "output_dir", "save_table", "save_figure", "print_finding", "size",
           "Verdict", "verdict", "pool_nulls", "mean_interval", "progress",
           "SIGNIFICANT", "NOT_SIGNIFICANT", "STILL_CHANGING", "Z_MIN"]

#: The three answers a finding can have.
SIGNIFICANT = "significant"
NOT_SIGNIFICANT = "not significant"
STILL_CHANGING = "still changing"

#: A metric counts as beyond its null model only when its z-score exceeds this.
Z_MIN = 3.0


def parse_args(name, doc, argv=None):
    """Parse the common scenario options; ``doc`` (the module docstring) is the help text."""
    from .cli._common import OneLineParser, int_arg

    summary = (doc or "").strip().split("\n\n")[0]
    parser = OneLineParser(
        prog=f"opinionsim run {name}", description=summary,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", default=str(Path("results") / name),
                        help="directory for figures (PNG) and data (Parquet/CSV) "
                             f"(default: results/{name})")
    parser.add_argument("--full", action="store_true",
                        help="paper-sized run (more agents, seeds and grid points; minutes)")
    parser.add_argument("--seed", type=int_arg(0), default=0, help="base seed (default: 0)")
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


def save_figure(fig_or_ax, out, stem, *, dpi=110):
    """Save a Figure (or the Figure of an Axes) as ``out/stem.png``, close it, return the path."""
    import matplotlib.pyplot as plt

    from matplotlib.figure import Figure

    fig = fig_or_ax if isinstance(fig_or_ax, Figure) else fig_or_ax.figure
    path = output_dir(out) / f"{stem}.png"
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def save_table(df, out, stem):
    """Write ``df`` as ``out/stem.parquet`` and ``out/stem.csv``; return both paths."""
    out = output_dir(out)
    path = out / f"{stem}.parquet"
    df.to_parquet(path, index=False)
    csv = out / f"{stem}.csv"
    df.to_csv(csv, index=False)
    return [path, csv]


def print_finding(name, text, files=()):
    """Print the scenario's one-paragraph finding (wrapped) and every file it wrote.

    ``files`` may mix paths and lists of paths (as :func:`save_table` returns).
    """
    print(f"== {name} ==")
    for paragraph in text.strip().split("\n\n"):
        print(textwrap.fill(" ".join(paragraph.split()), width=88))
    for f in _flatten(files):
        print(f"  wrote {f}")


def _flatten(files):
    for f in files:
        if isinstance(f, (list, tuple)):
            yield from _flatten(f)
        else:
            yield f


def progress(message):
    """One line of progress on stderr (a long scenario says what it is doing)."""
    print(message, file=sys.stderr, flush=True)


# ---- findings chosen by the data -------------------------------------------------------
class Verdict(NamedTuple):
    """What the numbers say about one finding.

    Attributes
    ----------
    status : str
        :data:`SIGNIFICANT` (every criterion holds), :data:`NOT_SIGNIFICANT`
        or :data:`STILL_CHANGING` (the value moved when the run was made
        longer, so no claim about its end state is made).
    sign : int
        For an interval: +1 if it lies above 0, -1 below, 0 if it contains 0.
        Otherwise +1 when significant, else 0.
    reason : str
        The numbers that decided it, e.g. ``"z = 1.4 <= 3"``.
    """

    status: str
    sign: int
    reason: str

    @property
    def holds(self):
        """Whether the finding holds (status :data:`SIGNIFICANT`)."""
        return self.status == SIGNIFICANT

    def choose(self, significant, not_significant, still_changing=None):
        """The text for this status (``still_changing`` defaults to ``not_significant``)."""
        if self.status == SIGNIFICANT:
            return significant
        if self.status == STILL_CHANGING and still_changing is not None:
            return still_changing
        return not_significant

    def __str__(self):
        return f"{self.status} ({self.reason})"


def verdict(*, ci=None, null=None, threshold=None, value=None, z_min=Z_MIN, horizons=None,
            rtol=0.05, atol=0.0, label="value"):
    """Decide a finding from its numbers; every criterion given must hold.

    Criteria (give any combination):

    * ``ci=(low, high)``: an effect is significant when its interval excludes
      0; ``sign`` says on which side.
    * ``null=NullResult`` with ``threshold``: a metric is beyond its null
      model when ``z > z_min`` **and** the observed value exceeds
      ``threshold``. Both: a tiny residual that follows the network can have
      a huge z, and a large value can be chance.
    * ``value`` with ``threshold`` (no null): the value exceeds the threshold.
    * ``horizons``: the values of the same quantity at increasing run lengths
      (e.g. 1x, 4x, 16x the horizon). If the last two differ by more than
      ``atol + rtol * max(|a|, |b|)`` the verdict is :data:`STILL_CHANGING`,
      whatever the other criteria say.

    Parameters
    ----------
    ci : tuple of float, optional
    null : opinionsim.metrics.NullResult, optional
    threshold : float, optional
    value : float, optional
    z_min : float, default :data:`Z_MIN`
    horizons : sequence of float, optional
    rtol, atol : float
        Tolerance of the horizon check.
    label : str
        Name of the quantity in ``reason``.

    Returns
    -------
    Verdict

    Examples
    --------
    >>> verdict(ci=(0.1, 0.3)).sign, verdict(ci=(-0.1, 0.3)).status
    (1, 'not significant')
    >>> from opinionsim.metrics import NullResult
    >>> str(verdict(null=NullResult(2e-8, 0.0, 1e-9, 20.0, 0.01), threshold=0.05))
    'not significant (value = 2e-08 <= threshold 0.05; z = 20)'
    >>> verdict(horizons=[0.3, 0.2, 0.1]).status
    'still changing'
    """
    if ci is None and null is None and threshold is None and horizons is None:
        raise ValueError("verdict needs at least one criterion (ci, null, threshold, horizons).")
    if null is not None and threshold is None:
        raise ValueError("verdict(null=...) needs a threshold: z says chance, not size.")
    holds, sign, reasons = True, 1, []
    if ci is not None:
        low, high = (float(v) for v in ci)
        sign = 1 if low > 0 else -1 if high < 0 else 0
        holds &= sign != 0
        reasons.append(f"95% CI [{_g(low)}, {_g(high)}] "
                       + ("excludes 0" if sign else "includes 0"))
    if threshold is not None:
        observed = null.observed if null is not None else value
        if observed is None:
            raise ValueError("verdict(threshold=...) needs null= or value=.")
        big = bool(observed > threshold)
        holds &= big
        reasons.append(f"{label} = {_g(observed)} {'>' if big else '<='} threshold "
                       f"{_g(threshold)}")
        if null is not None:
            beyond = bool(null.z > z_min)
            holds &= beyond
            reasons.append(f"z = {_g(null.z, 2)}" + ("" if beyond else f" <= {_g(z_min)}"))
    if horizons is not None:
        values = [float(v) for v in horizons]
        if len(values) < 2:
            raise ValueError("verdict(horizons=...) needs the value at two run lengths or more.")
        a, b = values[-2], values[-1]
        moved = abs(b - a) > atol + rtol * max(abs(a), abs(b))
        trail = " → ".join(_g(v) for v in values)
        if moved:
            return Verdict(STILL_CHANGING, 0, f"{label} {trail} as the run grows")
        reasons.append(f"stable as the run grows ({trail})")
    if not holds:
        sign = 0
    return Verdict(SIGNIFICANT if holds else NOT_SIGNIFICANT, sign, "; ".join(reasons))


def _g(x, digits=3):
    x = float(x)
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{digits}g}"


def pool_nulls(results):
    """One :class:`~opinionsim.metrics.NullResult` for the mean of a metric over seeds.

    Each seed has its own observed value and null distribution; the mean over
    ``k`` seeds is compared with the mean of the null means, with null spread
    ``sqrt(sum sd_s^2) / k`` (independent nulls). ``p`` is the two-sided
    normal p-value of that z.
    """
    from opinionsim.metrics import NullResult

    results = list(results)
    k = len(results)
    obs = float(np.mean([r.observed for r in results]))
    mean = float(np.mean([r.null_mean for r in results]))
    sd = math.sqrt(sum(r.null_sd ** 2 for r in results)) / k
    if sd > 0:
        z = (obs - mean) / sd
    else:
        z = 0.0 if obs == mean else math.copysign(math.inf, obs - mean)
    p = math.erfc(abs(z) / math.sqrt(2.0))
    return NullResult(obs, mean, sd, float(z), float(p))


def mean_interval(values, level=0.95):
    """``(mean, (low, high))``: the Student-t interval of the mean of ``values`` over seeds."""
    from opinionsim.experiments.stats import mean_ci

    mean, half = mean_ci(values, level)
    return mean, (mean - half, mean + half)
