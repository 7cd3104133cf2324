"""``opinionsim sweep``: the temperature sweep (and any other parameter) over seeds.

Settings come from :data:`SWEEP_DEFAULTS`, then a ``--config`` TOML file, then
the flags (:func:`_sweep_settings`); :func:`_build_sweep` turns them into the
arguments of :func:`opinionsim.sweep.sweep`, which runs, stores and resumes;
the curve is then drawn as by ``opinionsim plot``.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from .._errors import OpinionSimError
from ._common import Command, UsageError, int_arg, key_value, parse_values
from .plot import PLOT_NAME, save_curve

__all__ = ["COMMAND", "SWEEP_DEFAULTS"]

#: ``opinionsim sweep`` with no arguments: 24 log-spaced temperatures from 0.001
#: to 1 on a Watts-Strogatz network of 1000 agents (k = 10, p = 0.1), 2-D
#: opinions, 8 seeds, 200 steps; about 12 s on two free cores.
#:
#: Why these. With "distance" affinity (-|x_i - x_j|^2) the temperature alone
#: sets how far an agent listens: at low T only to the neighbours that already
#: agree with it, at high T to all of them alike (DeGroot consensus). With
#: "dot", low T also rewards large opinions and drives everyone outwards.
#: Agents do not count themselves among whom they listen to (include_self
#: False): with self-attention, distance affinity at low T makes every agent
#: listen only to itself, so nothing moves, whereas without it low T forms
#: local opinion clusters, the echo chambers the sweep is about. The
#: transition (variance from 0.57 to 0, echo-chamber modularity peaking just
#: before it) lies between T = 0.02 and 0.15, in the middle of the range.
SWEEP_DEFAULTS = {
    "graph": "watts_strogatz:n=1000,k=10,p=0.1",
    "dim": 2,
    "affinity": "distance",
    "include_self": False,
    "temperature": "0.001:1:24:log",
    "seeds": "8",
    "steps": 200,
    "record_every": None,
    "metrics": None,
    "seed": 0,
    "out": os.path.join("results", "sweep"),
    "n_jobs": None,
    "scheduler": None,
    "overwrite": False,
    "quiet": False,
    "plot": True,
}


def _positive_temperatures(values):
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
            raise UsageError(f"temperature {v!r} must be a number > 0 (inf for uniform "
                             "attention).")
    return values


def _parse_seeds(value):
    if isinstance(value, bool):
        raise UsageError(f"seeds == {value!r}, must be a count or a list of integers.")
    if isinstance(value, int):
        return value
    if isinstance(value, list):
        return value
    text = str(value).strip()
    try:
        if "," in text:
            return [int(t) for t in text.split(",") if t.strip()]
        return int(text)
    except ValueError:
        raise UsageError(f"seeds == {text!r}, must be a count (e.g. 8) or a comma-separated "
                         "list of integers (e.g. 0,1,2).") from None


def _graph_arg(text):
    from ..graphs import parse_graph_spec

    try:
        parse_graph_spec(text)
    except OpinionSimError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _sweep_arguments(p):
    d = SWEEP_DEFAULTS
    g = p.add_argument_group("what to sweep")
    g.add_argument("--temperature", metavar="VALUES",
                   help=f"temperatures: start:stop:num[:log|lin] or a comma list "
                        f"(default {d['temperature']})")
    g.add_argument("--vary", action="append", metavar="NAME=VALUES",
                   help="also vary another OpinionModel argument, e.g. noise=0,0.01,0.1 or "
                        "graph.p=0.01:0.5:5:log (repeatable)")
    g.add_argument("--seeds", metavar="N|LIST",
                   help=f"replicates per point, or their ids as 0,1,2 (default {d['seeds']})")
    g.add_argument("--steps", type=int_arg(0), metavar="N",
                   help=f"steps per run (default {d['steps']})")
    g.add_argument("--record-every", type=int_arg(1), metavar="N",
                   help="also record every N steps (time series); default: final state only")
    g.add_argument("--metrics", metavar="LIST",
                   help="comma-separated reporter names (default: the model's defaults plus "
                        "the polarisation and echo-chamber reporters registered, see "
                        "opinionsim.sweep.SWEEP_METRICS)")
    g.add_argument("--seed", type=int_arg(0), metavar="N",
                   help=f"sweep seed; every run's seed derives from it (default {d['seed']})")
    m = p.add_argument_group("the model")
    m.add_argument("--graph", type=_graph_arg, metavar="SPEC",
                   help=f"graph spec kind:key=value,... (default {d['graph']}); kinds: "
                        "complete:n=, erdos_renyi:n=,p=, watts_strogatz:n=,k=,p=, "
                        "barabasi_albert:n=,m=, stochastic_block:sizes=[..],p_in=,p_out=, "
                        "file:path=")
    m.add_argument("--dim", type=int_arg(1), metavar="D",
                   help=f"opinion dimensions (default {d['dim']})")
    m.add_argument("--affinity", choices=("dot", "cosine", "distance"),
                   help=f"attention affinity (default {d['affinity']}: with it temperature "
                        "alone sets how widely agents listen)")
    m.add_argument("--include-self", action=argparse.BooleanOptionalAction, default=None,
                   help="whether agents also listen to themselves (default: no; with distance "
                        "affinity, self-attention freezes everyone at low temperature)")
    m.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="fix another OpinionModel argument, e.g. noise=0.01 (repeatable)")
    r = p.add_argument_group("where and how")
    r.add_argument("--out", metavar="DIR", help=f"results directory (default {d['out']})")
    r.add_argument("--overwrite", action="store_true", default=None,
                   help="replace a different sweep stored in --out")
    r.add_argument("--n-jobs", type=int_arg(1), metavar="N",
                   help="local worker processes (default: all cores)")
    r.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster, e.g. tcp://host:8786 "
                        "(pip install 'opinionsim[dask]')")
    r.add_argument("--config", metavar="FILE",
                   help="TOML file with any of these settings (flags override it)")
    r.add_argument("--no-plot", dest="plot", action="store_false", default=None,
                   help=f"do not write {PLOT_NAME.format(x='temperature')}")
    r.add_argument("--quiet", "-q", action="store_true", default=None,
                   help="no progress bar or summary")


_CONFIG_KEYS = set(SWEEP_DEFAULTS) | {"params", "grid", "set", "vary"}


def _read_config(path):
    import tomllib

    try:
        with open(path, "rb") as fh:
            config = tomllib.load(fh)
    except OSError as exc:
        raise UsageError(f"cannot read --config {path!r}: {exc.strerror}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--config {path!r} is not valid TOML: {exc}.") from None
    if isinstance(config.get("sweep"), dict):  # a [sweep] table is also fine
        config = {**{k: v for k, v in config.items() if k != "sweep"}, **config["sweep"]}
    out = {}
    for key, value in config.items():
        norm = key.replace("-", "_")
        if norm not in _CONFIG_KEYS:
            raise UsageError(f"--config {path!r}: unknown setting {key!r}; known: "
                             f"{', '.join(sorted(_CONFIG_KEYS))}.")
        if norm in ("params", "set", "grid", "vary") and not isinstance(value, dict):
            raise UsageError(f"--config {path!r}: [{key}] must be a table of NAME = VALUE.")
        out[{"set": "params", "vary": "grid"}.get(norm, norm)] = value
    return out


def _sweep_settings(args):
    """Defaults, then the config file, then the flags."""
    settings = dict(SWEEP_DEFAULTS)
    params, grid = {}, {}
    if args.config:
        config = _read_config(args.config)
        params.update(config.pop("params", {}))
        grid.update(config.pop("grid", {}))
        settings.update(config)
    for key in SWEEP_DEFAULTS:
        value = getattr(args, key, None)
        if value is not None:
            settings[key] = value
    for item in args.set or []:
        key, value = key_value(item, "--set")
        params[key] = value
    for item in args.vary or []:
        key, value = key_value(item, "--vary")
        grid[key] = value
    return settings, params, grid


def _build_sweep(settings, params, grid):
    """The arguments of :func:`opinionsim.sweep.sweep` from the merged settings."""
    from ..graphs import check_graph_spec

    graph = settings["graph"]
    try:
        graph = check_graph_spec(graph)
    except OpinionSimError as exc:
        raise UsageError(f"graph: {exc}") from None
    if settings["affinity"] not in ("dot", "cosine", "distance"):
        raise UsageError(f"affinity == {settings['affinity']!r}, must be dot, cosine or "
                         "distance.")
    if not isinstance(settings["include_self"], bool):
        raise UsageError(f"include_self == {settings['include_self']!r}, must be true or false.")
    model = {"graph": graph, "dim": settings["dim"], "affinity": settings["affinity"],
             "include_self": settings["include_self"]}
    for key in ("dim", "steps", "seed"):
        value = settings[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise UsageError(f"{key} == {value!r}, must be a non-negative integer.")
    model.update(params)
    if "temperature" in model:
        raise UsageError("temperature is set with --set or [params]; use --temperature.")
    full_grid = {"temperature": _positive_temperatures(
        parse_values(settings["temperature"], "temperature"))}
    for key, values in grid.items():
        full_grid[key] = parse_values(values, key)
        model.pop(key, None)  # a varied value overrides a fixed one
    metrics = settings["metrics"]
    if isinstance(metrics, str):
        metrics = [m.strip() for m in metrics.split(",") if m.strip()]
    return {
        "params": model,
        "grid": full_grid,
        "seeds": _parse_seeds(settings["seeds"]),
        "steps": settings["steps"],
        "record_every": settings["record_every"],
        "metrics": metrics,
        "seed": settings["seed"],
        "out": settings["out"],
        "overwrite": bool(settings["overwrite"]),
        "progress": not settings["quiet"],
    }


def _dask_executor(address):
    try:
        from dask.distributed import Client
    except ImportError:
        raise UsageError("--scheduler needs Dask: pip install 'opinionsim[dask]'.") from None
    _probe_tcp(address)
    try:
        client = Client(address, timeout="30s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot connect to the Dask scheduler at {address!r}: {exc}") from None
    return client


def _probe_tcp(address):
    """Fail at once, rather than after Dask's connect timeout, when nothing listens."""
    import socket
    from urllib.parse import urlsplit

    if not address.startswith("tcp://"):
        return
    try:
        parts = urlsplit(address)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise UsageError(f"--scheduler {address!r} is not an address like "
                         "tcp://host:8786.") from None
    if not host or not port:
        raise UsageError(f"--scheduler {address!r} is not an address like tcp://host:8786.")
    try:
        socket.create_connection((host, port), timeout=10).close()
    except OSError as exc:
        raise UsageError(f"cannot connect to the Dask scheduler at {address!r}: "
                         f"{exc.strerror or exc}.") from None


def _sweep_main(args):
    from ..sweep import sweep

    settings, params, grid = _sweep_settings(args)
    kwargs = _build_sweep(settings, params, grid)
    client = None
    if settings["scheduler"]:
        if settings["n_jobs"] is not None:
            raise UsageError("--n-jobs and --scheduler exclude each other.")
        client = _dask_executor(settings["scheduler"])
        kwargs["executor"] = client.get_executor()
    else:
        kwargs["n_jobs"] = settings["n_jobs"]
    _check_writable(kwargs["out"])
    try:
        with warnings.catch_warnings():
            # Failures are summarised below, also with --quiet.
            warnings.simplefilter("ignore", RuntimeWarning)
            table = sweep(**kwargs)
    except KeyboardInterrupt:
        return 130
    finally:
        if client is not None:
            client.close()
    failures = table.attrs.get("failures", [])
    if failures and not kwargs["progress"]:
        print(f"opinionsim: {len(failures)} of {len(failures) + _n_runs(table)} runs failed; "
              f"see {os.path.join(kwargs['out'], 'failed')} (they are retried when the same "
              "sweep runs again).", file=sys.stderr)
    if settings["plot"]:
        varied = [k for k, v in kwargs["grid"].items() if len(v) > 1]
        if len(varied) > 2:
            print(f"opinionsim: no plot: the sweep varies {len(varied)} parameters; use "
                  f"opinionsim plot {kwargs['out']} --x NAME --hue NAME", file=sys.stderr)
        elif varied:
            x = "temperature" if "temperature" in varied else varied[0]
            hue = next((k for k in varied if k != x), None)
            path = os.path.join(kwargs["out"], PLOT_NAME.format(x=x.replace(".", "_")))
            save_curve(table, path, x=x, hue=hue)
            if kwargs["progress"]:
                print(f"plot: {path}", file=sys.stderr)
    return 1 if failures else 0


def _n_runs(table):
    if len(table) == 0:
        return 0
    params = list(table.columns[:list(table.columns).index("replicate")])
    return int(table.groupby(params + ["replicate"], sort=False).ngroups)


def _check_writable(out):
    probe = out
    while probe and not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    probe = probe or "."
    if os.path.exists(probe) and not os.path.isdir(probe):
        raise UsageError(f"--out {out!r}: {probe!r} is a file, not a directory.")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out!r} is not writable ({probe!r}: permission denied).")


COMMAND = Command(
    help="sweep the temperature (and any other parameter) over seeds; the main job",
    description="Run OpinionModel over a parameter grid and several seeds, in parallel, "
                "writing each finished run to DIR/runs/*.parquet (run the same command "
                "again to resume) and the curve to DIR/" + PLOT_NAME.format(x="temperature")
                + ". With no arguments: 24 log-spaced temperatures from 0.001 to 1, a "
                  "Watts-Strogatz network of 1000 agents (k=10, p=0.1), 2-D opinions, "
                  "distance affinity without self-attention, 8 seeds, 200 steps (well "
                  "under a minute on two cores).",
    add_arguments=_sweep_arguments,
    run=_sweep_main,
    epilog="""examples:
  opinionsim sweep                                 the default sweep
  opinionsim sweep --temperature 0.01:10:24:log --seeds 16 --out results/big
  opinionsim sweep --vary noise=0,0.01,0.05 --set step_size=0.3
  opinionsim sweep --graph stochastic_block:sizes=[500,500],p_in=0.02,p_out=0.001
  opinionsim sweep --scheduler tcp://host:8786     on a Dask cluster
  opinionsim plot results/sweep --y variance,attention_entropy

--config FILE (TOML): top-level keys are the long flag names (steps = 300,
n-jobs = 2, temperature = "0.01:10:24:log" or a list, graph = "..."), plus a
[params] table of fixed and a [grid] table of varied OpinionModel arguments
(like --set and --vary). Flags override the file.

Results: DIR/sweep.json (the spec), DIR/runs/<run>.parquet (one file per
finished run; pandas.read_parquet(DIR + "/runs") reads them all, and
opinionsim.load_results(DIR) gives the tidy table), DIR/failed/<run>.json.""",
)
