"""The fixed Python cost of one ``model.step()`` over the bare engine tick, at small N.

The default sweep's model (Watts–Strogatz k = 10, dim 2, distance affinity,
``include_self=False``, one thread) with ``reporters=[]``: ``model.step()`` and
``model.run(n)`` per step against one engine tick
(:func:`opinionsim.dynamics.advance`) and against the compiled call alone
(``kernels.sparse.lean`` with the arguments one tick packed), alternated in
blocks, medians reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--blocks", type=int, default=15)
    parser.add_argument("--per-block", type=int, default=50)
    args = parser.parse_args(argv)

    import networkx as nx

    from opinionsim import OpinionModel, kernels
    from opinionsim.dynamics import advance

    kernels.limit_threads(1)
    print(f"# bench_overhead: {time.strftime('%Y-%m-%d %H:%M')}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| N | model.step µs | run(n)/n µs | engine tick µs | kernel µs | step − kernel µs | "
          "step / kernel |")
    print("|---|---|---|---|---|---|---|")
    for n in args.n:
        G = nx.watts_strogatz_graph(n, 10, 0.1, seed=1)
        m = OpinionModel(graph=G, dim=2, affinity="distance", include_self=False,
                         temperature=0.3, reporters=[], seed=1)
        m.run(3)
        adj = m.structure()

        def tick(m=m, adj=adj):
            advance("synchronous", m.opinions, m.initial_opinions, adj, m.rule)

        # The compiled call alone, with the arguments one tick packed (caught on the way).
        caught = []
        inner = kernels.lean
        kernels.lean = lambda *a, caught=caught, inner=inner: (caught.append(a), inner(*a))
        try:
            tick()
        finally:
            kernels.lean = inner

        def kernel(inner=inner, args=caught[0]):
            inner(*args)

        def run(m=m):
            m.run(args.per_block)

        times = {"step": [], "run": [], "tick": [], "kernel": []}
        fns = {"step": m.step, "run": None, "tick": tick, "kernel": kernel}
        for b in range(args.blocks):
            order = ["step", "run", "tick", "kernel"]
            order = order if b % 2 == 0 else order[::-1]
            for k in order:
                if k == "run":
                    t = time.perf_counter()
                    run()
                    times[k].append((time.perf_counter() - t) / args.per_block)
                    continue
                fn = fns[k]
                fn()
                block = []
                for _ in range(args.per_block):
                    t = time.perf_counter()
                    fn()
                    block.append(time.perf_counter() - t)
                times[k].append(statistics.median(block))
        s, r, t, k = (statistics.median(times[x]) * 1e6 for x in ("step", "run", "tick", "kernel"))
        print(f"| {n} | {s:.1f} | {r:.1f} | {t:.1f} | {k:.1f} | {s - k:.1f} | {s / k:.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
