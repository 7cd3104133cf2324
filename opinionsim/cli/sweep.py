"""``opinionsim sweep``: the temperature sweep (and any other parameter) over seeds.

Settings come from :data:`SWEEP_DEFAULTS`, then a ``--config`` TOML file, then
the flags (:func:`_sweep_settings`); :func:`_build_sweep` turns them into the
arguments of :func:`opinionsim.sweep.sweep`, which checks everything, runs,
stores and resumes; the curve is then drawn as by ``opinionsim plot``.

A config file's keys are the long flag names, and each value goes through the
same parser as the flag (:func:`_config_flags`), so a value the flag would
refuse is refused in the file too, and a switch must be a TOML boolean.
SIGTERM (what batch schedulers send at the time limit) stops a sweep as
Ctrl-C does: the finished runs are kept, it says how to resume, exit 143.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import warnings

from .._errors import OpinionSimError
from ._common import (
    Command,
    OneLineParser,
    UsageError,
    int_arg,
    key_value,
    parse_values,
    split_items,
)
from .plot import PLOT_NAME, horizon_finding, save_curve

__all__ = ["COMMAND", "SWEEP_DEFAULTS"]

#: ``opinionsim sweep`` with no arguments: 24 log-spaced temperatures from 0.001
#: to 1 on a Watts-Strogatz network of 1000 agents (k = 10, p = 0.1), 2-D
#: opinions, 8 seeds, 200 steps; about 5 s on two free cores once the kernels are compiled.
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
    "model": "opinion",
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

# Settings of OpinionModel alone: defaults only for it; given with another model, refused.
_OPINION_SETTINGS = {"graph": "--graph", "dim": "--dim", "affinity": "--affinity",
                     "include_self": "--include-self", "temperature": "--temperature"}


def _positive_temperatures(values):
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
            raise UsageError(f"temperature {v!r} must be a number > 0 (inf for uniform "
                             "attention).")
    return values


def _parse_seeds(value):
    if isinstance(value, bool):
        raise UsageError(f"seeds == {value!r}, must be a count or a list of integers.")
    if isinstance(value, (int, list)):
        return value
    text = str(value).strip()
    try:
        if "," in text:
            return [int(t) for t in split_items(text, "seeds")]
        return int(text)
    except ValueError:
        raise UsageError(f"seeds == {text!r}, must be a count (e.g. 8) or a comma-separated "
                         "list of integers (e.g. 0,1,2).") from None


def _steps_arg(text):
    """``--steps``: a number of steps, or ``converge:tol=...,max=...``."""
    from ..experiments.spec import parse_steps

    try:
        return parse_steps(text)[0]
    except OpinionSimError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_steps_arg.toml_types = (int, str)


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
    g.add_argument("--steps", type=_steps_arg, metavar="N|converge:tol=T,max=M",
                   help=f"steps per run (default {d['steps']}), or run each to a steady "
                        "state: converge:tol=1e-6,max=5000 stops a run once no opinion moves "
                        "more than tol × the initial spread in a step (at most max steps; "
                        "adds the columns converged and converged_step; not with noise)")
    g.add_argument("--record-every", type=int_arg(1), metavar="N",
                   help="also record every N steps (time series); default: final state only")
    g.add_argument("--metrics", metavar="LIST",
                   help="comma-separated reporter names (default: the model's defaults plus "
                        "the polarisation and echo-chamber reporters registered, see "
                        "opinionsim.sweep.SWEEP_METRICS)")
    g.add_argument("--seed", type=int_arg(0), metavar="N",
                   help=f"sweep seed; every run's seed derives from it (default {d['seed']})")
    m = p.add_argument_group("the model")
    m.add_argument("--model", choices=("opinion", "activity_driven"),
                   help="opinion: OpinionModel (default); activity_driven: ActivityDrivenModel "
                        "(Baumann et al. 2020; no graph, no temperature: give --set n_agents=N "
                        "and --vary its parameters, e.g. homophily=0:3:4)")
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


# Tables of a --config file: fixed and varied OpinionModel arguments (like --set, --vary).
_CONFIG_TABLES = {"set": "params", "params": "params", "vary": "grid", "grid": "grid"}

# What a --config file may give for a flag whose parser does not say (toml_types):
# a list or a number where the flag takes a comma list.
_CONFIG_TYPES = {"temperature": (str, int, float, list), "seeds": (int, str, list),
                 "metrics": (str, list), "graph": (str, dict)}


def _read_config(path):
    """A ``--config`` file as (the flags' namespace, fixed parameters, varied parameters)."""
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
    tables = {"params": {}, "grid": {}}
    flags = {}
    for key, value in config.items():
        table = _CONFIG_TABLES.get(key)
        if table is None:
            flags[key] = value
        elif not isinstance(value, dict):
            raise UsageError(f"--config {path!r}: [{key}] must be a table of NAME = VALUE.")
        else:
            tables[table].update(value)
    parser = _ConfigParser(path)
    return parser.parse_args(_config_flags(parser, flags, path)), tables["params"], tables["grid"]


class _ConfigParser(OneLineParser):
    """The sweep's own flags, parsing what a --config file stands for; errors name the file."""

    def __init__(self, path):
        super().__init__(prog="opinionsim sweep", add_help=False)
        self.path = path
        _sweep_arguments(self)

    def error(self, message):
        raise UsageError(f"--config {self.path!r}: {message}.")


def _config_flags(parser, config, path):
    """The command line a config file's ``key = value`` pairs stand for, type-checked.

    Keys are the long flag names (``n-jobs``, ``no-plot``, ``include-self``)
    or the settings' names (``n_jobs``, ``plot``); a switch takes a TOML
    boolean, a number flag a TOML number.
    """
    flags = {}
    for action in parser._actions:  # argparse lists its actions nowhere public
        if action.dest in ("config", "help"):
            continue
        for option in action.option_strings:
            if option.startswith("--"):
                flags[option[2:]] = (action, option)
        flags.setdefault(action.dest.replace("_", "-"), (action, None))
    argv = []
    for key, value in config.items():
        name = key.replace("_", "-")
        if name not in flags:
            known = sorted(set(flags) | set(_CONFIG_TABLES))
            raise UsageError(f"--config {path!r}: unknown setting {key!r}; known: "
                             f"{', '.join(known)}.")
        action, option = flags[name]
        argv += _as_flags(action, option, key, value, path)
    return argv


def _as_flags(action, option, key, value, path):
    where = f"--config {path!r}: {key} = {value!r}"
    if action.nargs == 0:  # a switch
        if not isinstance(value, bool):
            raise UsageError(f"{where} must be true or false (a TOML boolean, unquoted).")
        wanted = value if option is None else value == _switch_value(action, option)
        return [o for o in action.option_strings
                if o.startswith("--") and _switch_value(action, o) == wanted][:1]
    types = getattr(action.type, "toml_types", _CONFIG_TYPES.get(action.dest, (str,)))
    if isinstance(value, bool) or not isinstance(value, types):
        kinds = " or ".join(_TOML_NAMES[t] for t in types)
        raise UsageError(f"{where} must be {kinds}.")
    if isinstance(value, dict):  # a graph spec as a table
        from ..graphs import format_graph_spec

        try:
            value = format_graph_spec(value)
        except OpinionSimError as exc:
            raise UsageError(f"{where}: {exc}") from None
    if isinstance(value, list):
        if not value or any(isinstance(v, (bool, list, dict)) for v in value):
            raise UsageError(f"{where} must be a non-empty list of numbers or names.")
        value = ",".join(map(_toml_text, value))
    option = option or next(o for o in action.option_strings if o.startswith("--"))
    return [f"{option}={_toml_text(value)}"]


_TOML_NAMES = {str: "a string", int: "an integer", float: "a number", list: "a list",
               dict: "a table"}


def _switch_value(action, option):
    """What a switch sets its setting to when given as ``option``."""
    if isinstance(action, argparse.BooleanOptionalAction):
        return not option.startswith("--no-")
    return action.const


def _toml_text(value):
    return repr(value) if isinstance(value, float) else str(value)


def _sweep_settings(args):
    """Defaults, then the config file, then the flags."""
    settings = dict(SWEEP_DEFAULTS)
    params, grid = {}, {}
    layers = [args]
    if args.config:
        config, params, grid = _read_config(args.config)
        layers.insert(0, config)
    given = set()
    for layer in layers:
        for key in SWEEP_DEFAULTS:
            value = getattr(layer, key, None)
            if value is not None:
                settings[key] = value
                given.add(key)
    settings["_given"] = given  # which settings were chosen, not defaulted
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

    if settings.get("model", "opinion") != "opinion":
        return _build_other_sweep(settings, params, grid)
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
    model.update(params)
    if "temperature" in model:
        raise UsageError("temperature is set with --set or [params]; use --temperature.")
    full_grid = {"temperature": _positive_temperatures(
        parse_values(settings["temperature"], "temperature"))}
    for key, values in grid.items():
        full_grid[key] = parse_values(values, key)
        model.pop(key, None)  # a varied value overrides a fixed one
    return _sweep_kwargs(settings, model, full_grid)


def _build_other_sweep(settings, params, grid):
    """The sweep's arguments for a model other than OpinionModel: no graph, no temperature,
    nothing fixed or varied but what --set and --vary give."""
    name = settings["model"]
    for key in settings.get("_given", ()):
        if key in _OPINION_SETTINGS:
            what = ("fixed graph (its contacts are drawn anew every step); give "
                    "--set n_agents=N" if key == "graph" else f"{key} parameter")
            raise UsageError(f"{_OPINION_SETTINGS[key]} is an OpinionModel setting, and "
                             f"--model {name} has no {what}.")
    model = dict(params)
    full_grid = {}
    for key, values in grid.items():
        full_grid[key] = parse_values(values, key)
        model.pop(key, None)  # a varied value overrides a fixed one
    return _sweep_kwargs(settings, model, full_grid)


def _sweep_kwargs(settings, model, full_grid):
    metrics = settings["metrics"]
    if isinstance(metrics, str):
        metrics = split_items(metrics, "metrics")
    return {
        "model": settings.get("model", "opinion"),
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
        with _sigterm_as_interrupt(), warnings.catch_warnings():
            # Failures are summarised below, also with --quiet.
            warnings.simplefilter("ignore", RuntimeWarning)
            table = sweep(**kwargs)
    except _Terminated:
        return 143
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
        _plot(table, kwargs)
    return 1 if failures else 0


def _plot(table, kwargs):
    """Draw the sweep's curve as ``opinionsim plot`` would, or say why there is none."""
    varied = [k for k, v in kwargs["grid"].items() if len(v) > 1]
    if len(varied) > 2:
        print(f"opinionsim: no plot: the sweep varies {len(varied)} parameters; use "
              f"opinionsim plot {kwargs['out']} --x NAME --hue NAME", file=sys.stderr)
    elif not varied:
        if kwargs["progress"]:
            point = ", ".join(f"{k}={v[0]}" for k, v in kwargs["grid"].items())
            print(f"opinionsim: no plot: the sweep has a single point ({point}), so there is no "
                  f"curve to draw; its numbers are in {kwargs['out']} "
                  "(opinionsim.load_results).", file=sys.stderr)
    else:
        x = "temperature" if "temperature" in varied else varied[0]
        hue = next((k for k in varied if k != x), None)
        path = os.path.join(kwargs["out"], PLOT_NAME.format(x=x.replace(".", "_")))
        save_curve(table, path, x=x, hue=hue)
        if kwargs["progress"]:
            print(f"plot: {path}", file=sys.stderr)
            finding = horizon_finding(table, x)
            if finding:
                print(f"opinionsim: {finding}", file=sys.stderr)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be, so that the sweep stops the same way."""


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """Within the block, SIGTERM raises :class:`_Terminated` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: let the cleanup finish
        raise _Terminated("SIGTERM")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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
    description="Run OpinionModel (or, with --model activity_driven, ActivityDrivenModel) "
                "over a parameter grid and several seeds, in parallel, "
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
  opinionsim sweep --steps converge:tol=1e-6,max=5000   run each to a steady state
  opinionsim sweep --model activity_driven --set n_agents=1000 --vary homophily=0:3:4
  opinionsim sweep --set rewiring=unfollow:rate=0.01,threshold=0.5   coevolving network
  opinionsim sweep --scheduler tcp://host:8786     on a Dask cluster
  opinionsim plot results/sweep --y variance,attention_entropy

--config FILE (TOML): top-level keys are the long flag names (steps = 300,
n-jobs = 2, temperature = "0.01:10:24:log" or a list, graph = "...",
no-plot = true, steps = "converge:tol=1e-6,max=5000"), each checked as the
flag is (switches take true/false), plus a [params] (or [set]) table of fixed
and a [grid] (or [vary]) table of varied OpinionModel arguments (like --set
and --vary). Flags override the file.

Everything is checked (one stand-in model per point, and the memory the runs
need) before anything is written. SIGTERM, like Ctrl-C, keeps the finished
runs and says how to resume (exit 143).

Results: DIR/sweep.json (the spec), DIR/runs/<run>.parquet (one file per
finished run; pandas.read_parquet(DIR + "/runs") reads them all, and
opinionsim.load_results(DIR) gives the tidy table), DIR/failed/<run>.json,
DIR/networks/<run>.npz (a run's final network where rewiring changed it;
opinionsim.sweep.load_network(DIR, row) reads it).""",
)
