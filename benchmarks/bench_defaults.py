"""What a user runs by default, against the floors and the fastest peer (issue 14's targets).

Prints, in one run (not part of the unit tests), each figure beside its baseline:

1. **Default reporters vs the bare step**: ``model.step()`` with the default
   reporters and ``record_every=1`` against one engine tick alone
   (``opinionsim.dynamics.advance``, each tick's output the next one's input,
   as in a run), on an Erdős–Rényi graph (k = 10, dim 3, T = 0.5, no
   self-attention) at N = 1e4 and 1e6, and on the complete graph at N = 1e4
   (dim 2). Target: ratio ≤ 1.25. Printed beside it: ``model.step()`` with
   ``reporters=[]`` (the issue's own baseline) and the tick re-reading one fixed
   state. That last one is cheaper than any run on several threads: measured at
   N = 1e4 on 2 threads, 660 µs against 723 µs for the tick that advances its
   state (rows another core just wrote are read across cores); on one thread
   the two are equal (1107 and 1105 µs).
2. **Constructing a complete-graph model of 1e5 agents** (default reporters),
   imports excluded. Target: < 1 s.
3. **Ahead of Seldon**: DeGroot (T = inf), ``rule="uniform"`` and weighted
   DeGroot as ``run(100) / 100`` on one thread (``OPINIONSIM_NUM_THREADS=1``,
   ``reporters=[]``, as Seldon records nothing) at N = 1e3, 1e4, 1e5 (k = 10
   others plus oneself, ``include_self=True``), beside pyseldonlib's
   ``DeGroot_Model`` on its own random network of the same size and out-degree
   (``connections_per_agent = 10``, plus a self-loop; its random weights), dim 1
   both, timed in its own environment as the difference between 1 + k and 1
   iterations (``convergence_tol=0``; the iterations it reports are checked, so
   an early stop cannot shorten the run). Its process gets the hard stack
   limit: with the default 8 MiB, Seldon's network check segfaults at 1e5.
   Deffuant per N pairs (μ = 0.5, threshold 0.2) on the complete graph at
   N = 1e4 likewise. Targets: at least as fast at 1e4 and 1e5, within
   3× at 1e3.
4. **Start-up**: ``opinionsim --help`` and ``import opinionsim.metrics`` in a
   fresh process (best of 5). Target: < 0.3 s.
5. **The attention step per edge** at N = 1e5 and 1e6 (k = 10, dim 3), beside
   the cost of one ``exp`` per edge measured in the same run.

pyseldonlib is never a dependency: ``--setup-seldon`` makes a venv for it (the
same one ``bench_activity.py`` uses). Without it the Seldon rows say why.

Usage::

    python benchmarks/bench_defaults.py --setup-seldon   # once
    python benchmarks/bench_defaults.py                  # ~3 minutes on 2 cores
    python benchmarks/bench_defaults.py --quick          # no N = 1e6, no Seldon at 1e5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_activity import DEFAULT_VENV, setup_seldon  # noqa: E402
from bench_step import random_graph  # noqa: E402

SELDON_DEGROOT = textwrap.dedent("""
    import contextlib, io, json, os, sys, tempfile, time
    spec = json.loads(sys.argv[1])
    from pyseldonlib import DeGroot_Model, Deffuant_Model, Other_Settings

    def once(iterations):
        other = Other_Settings(number_of_agents=spec["n"], connections_per_agent=10,
                               n_output_agents=None, n_output_network=None,
                               output_initial=False, print_progress=False)
        if spec["model"] == "degroot":
            m = DeGroot_Model(max_iterations=iterations, convergence_tol=0.0, rng_seed=1,
                              other_settings=other)
        else:
            m = Deffuant_Model(max_iterations=iterations, rng_seed=1, other_settings=other,
                               homophily_threshold=0.2, mu=0.5, use_network=False)
        out = os.path.join(tempfile.mkdtemp(), "out")
        with contextlib.redirect_stdout(io.StringIO()):
            start = time.perf_counter()
            m.run(out)
            return time.perf_counter() - start

    extra = spec["extra"]
    # Building Seldon's network is slow at 1e5 (over a minute each), so one of each there.
    repeat = spec.get("repeat", 3)
    base = min(once(1) for _ in range(repeat))
    long = min(once(1 + extra) for _ in range(repeat))
    sys.stdout.flush()
    print("\\n" + json.dumps({"per_iteration": (long - base) / extra, "iterations": extra}),
          flush=True)
""")


def run_seldon(python, spec, timeout):
    """Seconds per iteration from the Seldon interpreter, or (None, the reason it failed)."""
    if not Path(python).exists():
        return None, (f"no Python at {python} (run with --setup-seldon, or pass "
                      "--seldon-venv DIR of a venv with pyseldonlib)")
    try:
        out = subprocess.run([str(python), "-c", SELDON_DEGROOT, json.dumps(spec)],
                             capture_output=True, text=True, timeout=timeout,
                             preexec_fn=_big_stack)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s"
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["(no output)"])[-1]
        return None, f"exited {out.returncode}: {tail}"
    result = next(json.loads(line) for line in reversed(out.stdout.splitlines())
                  if line.startswith("{"))
    # Seldon prints "Finished after N iterations" per run (its own stdout, not Python's):
    # the longest run must have done all 1 + extra iterations, else it stopped early
    # (convergence) and the per-iteration figure would be wrong.
    done = [int(x) for x in re.findall(r"Finished after (\d+) iterations", out.stdout)]
    result["iterations_done"] = max(done) if done else None
    if done and max(done) != 1 + spec["extra"]:
        return None, f"stopped after {max(done)} of {1 + spec['extra']} iterations"
    return result, None


def _big_stack():
    """Seldon checks the network's strongly connected components recursively at
    construction: at N = 1e5 that overflows the default 8 MiB stack (SIGSEGV in
    ``DeGroot_Model.__init__``). Lift the limit in its process."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    resource.setrlimit(resource.RLIMIT_STACK, (hard, hard))


def best_of(fn, repeat):
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


# ---- 1, 2: default reporters -----------------------------------------------------------

def reporters_table(args):
    from opinionsim import OpinionModel
    from opinionsim.dynamics import advance

    print("\n## 1. model.step() with the default reporters vs the bare engine tick\n")
    print("Medians, side by side. *engine tick*: `dynamics.advance` on its own state, each "
          "tick's output the next one's input, as in any run; *fixed input*: the same tick "
          "re-reading one state and discarding its output (cheaper on several threads: no "
          "core then reads rows another core just wrote). *bare step*: `model.step()` with "
          "`reporters=[]`, the issue's own baseline.\n")
    print("| graph | N | default step s | bare step s | engine tick s | fixed-input tick s | "
          "default / engine tick (target <= 1.25) | default / bare step | "
          "default / fixed-input tick |")
    print("|---|---|---|---|---|---|---|---|---|")
    cases = [("Erdős–Rényi k=10", 10_000), ("complete", 10_000)]
    if not args.quick:
        cases.insert(1, ("Erdős–Rényi k=10", 1_000_000))
    for kind, n in cases:
        rng = np.random.default_rng(0)
        if kind == "complete":
            make = lambda **kw: OpinionModel(n_agents=n, dim=2, temperature=0.5,  # noqa: E731
                                             include_self=False, seed=1, **kw)
        else:
            graph = random_graph(n, 10, rng)
            make = lambda **kw: OpinionModel(graph=graph, dim=3, temperature=0.5,  # noqa: E731
                                             include_self=False, seed=1, **kw)
        m, bare = make(), make(reporters=[])
        m.step()
        bare.step()
        adj = m.structure()
        fixed = lambda: advance("synchronous", m.opinions, m.initial_opinions,  # noqa: E731
                                adj, m.rule)
        state = [m.opinions.copy()]

        def tick():
            state[0] = advance("synchronous", state[0], m.initial_opinions, adj, m.rule)

        # Alternate the four in short blocks and compare the medians: the best of separate
        # runs swung by ±30 % with the load of a shared machine. The first call of a block
        # is not timed: at 1e6 whichever call follows another kind pays ~20 ms more (its
        # fresh output array is paged in anew), which a run of steps does not.
        repeat = max(args.repeat, 5) if n >= 1e6 or kind == "complete" else 5 * args.repeat
        fns = (m.step, bare.step, tick, fixed)
        times = [[] for _ in fns]
        for r in range(repeat):
            for fn, into in list(zip(fns, times))[::(-1) ** r]:
                fn()
                for _ in range(2):
                    t = time.perf_counter()
                    fn()
                    into.append(time.perf_counter() - t)
        step, bare_s, tick_s, fixed_s = (float(np.median(t)) for t in times)
        print(f"| {kind} | {n:.0e} | {step:.5f} | {bare_s:.5f} | {tick_s:.5f} | {fixed_s:.5f} | "
              f"**{step / tick_s:.2f}** | {step / bare_s:.2f} | {step / fixed_s:.2f} |",
              flush=True)
    code = ("import time, opinionsim as o; o.OpinionModel(n_agents=10, seed=0); "
            "t = time.perf_counter(); o.OpinionModel(n_agents=100_000, dim=2, seed=1); "
            "print(time.perf_counter() - t)")
    secs = min(float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, check=True).stdout) for _ in range(3))
    print(f"\n## 2. Constructing OpinionModel(n_agents=100_000, dim=2) with the default "
          f"reporters: {secs:.3f} s (imports excluded; target < 1 s)")


# ---- 3: Seldon -------------------------------------------------------------------------

_OURS_LINEAR = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    sys.path.insert(0, sys.argv[2])
    from bench_step import random_graph
    from opinionsim import OpinionModel
    spec = json.loads(sys.argv[1])
    n = spec["n"]
    rng = np.random.default_rng(0)
    A = random_graph(n, 10, rng)
    kw = {"degroot": dict(temperature=float("inf")), "uniform": dict(rule="uniform"),
          "weighted": dict(temperature=float("inf"), weight=True)}[spec["kind"]]
    if spec["kind"] == "weighted":
        A = A.copy(); A.data = rng.uniform(0.1, 1.0, A.nnz)
    # Each agent hears itself and 10 others, as in Seldon's generated network.
    m = OpinionModel(graph=A, include_self=True, reporters=[], seed=1, **kw)
    m.run(2)
    best = min((lambda t: (m.run(100), time.perf_counter() - t)[1])(time.perf_counter())
               for _ in range(5))
    print(json.dumps({"per_step": best / 100}))
""")

_OURS_DEFFUANT = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    from opinionsim import OpinionModel
    n = json.loads(sys.argv[1])["n"]
    x0 = np.random.default_rng(0).uniform(0, 1, n)
    m = OpinionModel(n_agents=n, rule="deffuant", confidence=0.2, step_size=0.5,
                     include_self=False, initial_opinions=x0, reporters=[], seed=1)
    m.run(2)
    best = min((lambda t: (m.run(20), time.perf_counter() - t)[1])(time.perf_counter())
               for _ in range(3))
    print(json.dumps({"per_step": best / 20}))
""")


def _ours(code, spec):
    env = {**os.environ, "OPINIONSIM_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code, json.dumps(spec), str(HERE)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["per_step"]


def seldon_table(args):
    print("\n## 3. Linear updates and Deffuant, one thread each: seconds per step\n")
    print("| model | N | opinionsim | Seldon | Seldon / ours (target >= 1 at 1e4, 1e5; "
          ">= 1/3 at 1e3) |")
    print("|---|---|---|---|---|")
    python = Path(args.seldon_venv) / "bin" / "python"
    sizes = [1_000, 10_000] + ([] if args.quick else [100_000])
    for n in sizes:
        seldon, why = run_seldon(python, {"n": n, "model": "degroot",
                                          "extra": max(100, int(2e6 / n)),
                                          "repeat": 3 if n <= 10_000 else 1}, 900)
        per = seldon["per_iteration"] if seldon else None
        for kind in ("degroot", "uniform", "weighted"):
            ours = _ours(_OURS_LINEAR, {"n": n, "kind": kind})
            ratio = f"{per / ours:.2f}" if per else f"(Seldon: {why})"
            seldon_txt = f"{per:.2e} ({seldon['iterations_done']} it. done)" if per else "—"
            print(f"| {kind} | {n:.0e} | {ours:.2e} | {seldon_txt} | {ratio} |", flush=True)
    n = 10_000
    seldon, why = run_seldon(python, {"n": n, "model": "deffuant", "extra": 10}, 600)
    ours = _ours(_OURS_DEFFUANT, {"n": n})
    per = seldon["per_iteration"] if seldon else None
    ratio = f"{per / ours:.2f}" if per else f"(Seldon: {why})"
    print(f"| Deffuant, complete graph (N pairs) | {n:.0e} | {ours:.2e} | "
          f"{per:.2e} | {ratio} |" if per else
          f"| Deffuant, complete graph | {n:.0e} | {ours:.2e} | — | {ratio} |")


# ---- 4, 5 ------------------------------------------------------------------------------

def startup_table():
    print("\n## 4. Start-up, fresh process (best of 5; target < 0.3 s)\n")
    script = Path(sys.executable).parent / "opinionsim"  # the console script beside python
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "opinionsim"]
    for label, cmd in (("opinionsim --help", cli + ["--help"]),
                       ("import opinionsim.metrics",
                        [sys.executable, "-c", "import opinionsim.metrics"])):
        t = best_of(lambda: subprocess.run(cmd, capture_output=True, check=True), 5)
        print(f"- {label}: {t:.3f} s")


def per_edge_table(args):
    from opinionsim.dynamics import advance
    from opinionsim.kernels.intrinsics import exp_le0, jit
    from opinionsim import OpinionModel

    @jit()
    def exp_pass(x, out):
        for i in range(x.shape[0]):
            out[i] = exp_le0(x[i])

    print("\n## 5. The attention step per edge (k = 10, dim 3, T = 0.5, 2 threads)\n")
    print("| N | ns per edge | one exp per edge, ns | ratio |")
    print("|---|---|---|---|")
    for n in ([100_000] if args.quick else [100_000, 1_000_000]):
        A = random_graph(n, 10, np.random.default_rng(0))
        m = OpinionModel(graph=A, dim=3, temperature=0.5, include_self=False, seed=1,
                         reporters=[])
        adj = m.structure()
        tick = best_of(lambda: advance("synchronous", m.opinions, m.initial_opinions, adj,
                                       m.rule), args.repeat)
        x = -np.random.default_rng(1).uniform(0, 30, adj.nnz)
        out = np.empty_like(x)
        exp_pass(x, out)
        e = best_of(lambda: exp_pass(x, out), args.repeat)
        print(f"| {n:.0e} | {tick / adj.nnz * 1e9:.2f} | {e / adj.nnz * 1e9:.2f} | "
              f"{tick / e:.1f} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seldon-venv", default=str(DEFAULT_VENV))
    parser.add_argument("--setup-seldon", action="store_true")
    parser.add_argument("--no-seldon", action="store_true")
    parser.add_argument("--sections", nargs="+", type=int, default=[1, 2, 3, 4, 5],
                        help="which sections to run (1/2 go together)")
    args = parser.parse_args(argv)
    if args.setup_seldon:
        setup_seldon(args.seldon_venv)
    print(f"# bench_defaults: {platform.node()}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.2f}")
    if 1 in args.sections or 2 in args.sections:
        reporters_table(args)
    if 3 in args.sections and not args.no_seldon:
        seldon_table(args)
    if 4 in args.sections:
        startup_table()
    if 5 in args.sections:
        per_edge_table(args)


if __name__ == "__main__":
    main()
