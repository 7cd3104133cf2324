"""How fast the explorer (``opinionsim app``) redraws, and whether it stays responsive.

Two parts (not part of the unit tests):

1. **Server, per frame** (in-process, no browser): what one frame of the page
   costs at N = 1e3 and N = 1e5 (k = 10): the explorer's step (both arms, the
   every-step metrics and the opinion history) against the bare
   ``OpinionModel.step`` measured in the same run (the baseline: kernel speed),
   building each view's data and its JSON size, and the costs that are
   budgeted rather than paid per frame (echo-chamber metrics with their null
   band, the attention heatmap), with the cadence the budget gives them.
2. **Browser** (Playwright driving Debian's headless Chromium against
   ``opinionsim app --port 0``): while playing, the redraws per second of each
   chart, counted in the page (ECharts ``rendered`` events; for the pictures,
   new images), the steps per second, and the CPU time one frame costs the
   server and the browser; then how long a click on pause and a slider change take to show,
   while playing. The target: at N = 1000, k = 10, at least 10 redraws per
   second; at N = 1e5, answers within a fraction of a second.

The load average is printed first: the machine is shared, and every figure
moves with it.

Usage::

    python benchmarks/bench_app.py                 # both parts, ~2 minutes
    python benchmarks/bench_app.py --no-browser    # part 1 only
    python benchmarks/bench_app.py --seconds 20    # longer browser measurements
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import statistics
import subprocess
import sys
import threading
import time

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TARGET_FPS = 10.0
CHARTS = ("opinions-control", "network", "polarisation", "echo", "paired")
# The histogram is an image: count the changes of its source, as the page receives them
# (the network view counts its own paintings).
_COUNT_IMAGES = """
window.opinionsimImages = {};
new MutationObserver((changes) => {
  for (const change of changes) {
    for (const name of ["opinions-control"]) {
      if (change.target.tagName === "IMG" && change.target.classList.contains(name)) {
        window.opinionsimImages[name] = (window.opinionsimImages[name] || 0) + 1;
      }
    }
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["src"]});
"""


def _best_median(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def server_part(n, repeat, warm_steps):
    from opinionsim import OpinionModel
    from opinionsim.app import views
    from opinionsim.app.explorer import (
        ATTENTION_EVERY,
        ATTENTION_SPACING,
        ExplorerModel,
    )
    from opinionsim.app.tracking import NETWORK_METRICS, snapshot
    from opinionsim.app.widgets import as_json

    m = ExplorerModel(n_agents=n, k=10, temperature=0.05, noise=0.01, seed=1,
                      background=False)
    bare = OpinionModel(**m._model_kwargs)
    for model in (m, bare):  # compile, warm up, and give the charts a history to draw
        for _ in range(warm_steps):
            model.step()
    m.tracker.share = 1e-9  # time the per-frame work alone; the budgeted work is timed below
    m.tracker._next_due = float("inf")
    base_best, base_med = _best_median(bare.step, repeat)
    step_best, step_med = _best_median(m.step, repeat)
    m.treat("set_temperature", {"temperature": 1.0}, at=m.steps)
    pair_best, pair_med = _best_median(m.step, repeat)

    rows = []

    def view(name, build):
        best, med = _best_median(build, repeat)
        data = build()[1]
        rows.append((name, best, med, len(data if isinstance(data, (bytes, str))
                                          else as_json(data))))

    if m.dim == 1:
        h = m.histories["control"]
        view("opinions (histogram image)", lambda: (None, views.histogram_png(h.shares)))
    if m.layout is not None:
        canvas = views.NetworkCanvas(m.layout, m.edges)
        view("network (colours)", lambda: (None, canvas.colours(m.control.opinions[:, 0])))
    tr = m.tracker
    view("polarisation", lambda: views.metric_chart(
        "p", {k: tr.series(k) for k in ("variance", "morales_index")}))
    view("echo chambers", lambda: views.metric_chart(
        "e", {k: tr.series(k) for k in NETWORK_METRICS}, {k: tr.band(k) for k in NETWORK_METRICS}))
    view("paired difference", lambda: views.paired_chart(
        "d", *tr.paired("variance"), at=m.treatment["at"], label="v"))
    frame = step_med + sum(r[2] for r in rows)

    snap = snapshot(m.steps, m.arms())
    eval_best, _ = _best_median(lambda: tr.evaluate(snap, budget=False), max(1, repeat // 5))
    m._attention = None
    attn_best, _ = _best_median(lambda: (setattr(m, "_attention_due", -1),
                                         m.attention_block()), max(1, repeat // 5))
    m.close()

    print(f"\n## Server, per frame: N = {n:.0e}, k = 10, dim = 1, after {warm_steps} steps "
          f"(best / median of {repeat})\n")
    print("| part | best ms | median ms | sent kB (JSON or PNG) |")
    print("|---|---|---|---|")
    print(f"| bare OpinionModel.step (baseline) | {base_best * 1e3:.2f} | {base_med * 1e3:.2f} | |")
    print(f"| explorer step, one arm | {step_best * 1e3:.2f} | {step_med * 1e3:.2f} | |")
    print(f"| explorer step, with the treated twin | {pair_best * 1e3:.2f} | "
          f"{pair_med * 1e3:.2f} | |")
    for name, best, med, size in rows:
        print(f"| view: {name} | {best * 1e3:.2f} | {med * 1e3:.2f} | {size / 1e3:.1f} |")
    print(f"\nexplorer step / bare step: {step_med / base_med:.2f}x (one arm), "
          f"{pair_med / base_med:.2f}x (two arms)")
    print(f"one frame (step + views, medians): {frame * 1e3:.1f} ms, at most "
          f"{1 / frame:.0f} frames/s before Solara and the browser")
    share = 0.3
    print(f"budgeted, not per frame: echo-chamber metrics + null bands (both arms) "
          f"{eval_best * 1e3:.0f} ms, evaluated at most every "
          f"{eval_best / share:.2f} s (share {share}); attention heatmap "
          f"{attn_best * 1e3:.0f} ms, redrawn at most every "
          f"{max(ATTENTION_SPACING * attn_best, ATTENTION_EVERY) + attn_best:.2f} s")


class App:
    """``opinionsim app --port 0`` in a subprocess; its address once it prints it."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "opinionsim.cli", "app", "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in self.proc.stdout],
                         daemon=True).start()
        deadline = time.monotonic() + 180
        self.url = None
        while self.url is None and time.monotonic() < deadline:
            try:
                found = re.search(r"(http://\S+)", lines.get(timeout=1))
                self.url = found.group(1) if found else None
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
        if self.url is None:
            self.close()
            raise RuntimeError("the app did not start")

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _cpu(pid):
    """CPU seconds used so far by a process and its descendants (None without psutil)."""
    try:
        import psutil
    except ImportError:
        return None
    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def _step(page):
    return int(page.locator("text=/^Step: \\d+$/").first.inner_text().split()[1])


def _frames(page):
    return page.evaluate("() => Object.assign({}, window.opinionsimFrames || {},"
                         " window.opinionsimImages || {})")


def browser_part(app, n, seconds):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=180_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1400})
        page.add_init_script(_COUNT_IMAGES)
        page.set_default_timeout(180_000)
        t = time.perf_counter()
        page.goto(f"{app.url}?n_agents={n}&k=10&temperature=0.05")
        expect(page.get_by_text("Step: 0", exact=True)).to_be_visible()
        page.wait_for_function("() => window.opinionsimFrames"
                               " && window.opinionsimFrames['polarisation'] > 0")
        loaded = time.perf_counter() - t
        page.get_by_role("button", name="▶").click()
        time.sleep(3)  # warm up: the first frames compile and fill the caches
        cpu0 = _cpu(app.proc.pid), _cpu(os.getpid())
        f0, s0, t0 = _frames(page), _step(page), time.perf_counter()
        time.sleep(seconds)
        f1, s1, t1 = _frames(page), _step(page), time.perf_counter()
        cpu1 = _cpu(app.proc.pid), _cpu(os.getpid())
        rates = {c: (f1.get(c, 0) - f0.get(c, 0)) / (t1 - t0) for c in CHARTS if c in f1}
        painted = f1.get("polarisation", 0) - f0.get("polarisation", 0)
        steps = (s1 - s0) / (t1 - t0)
        server_fps = page.locator("text=/frames\\/s/").first.inner_text()

        # Responsiveness while playing: a live slider change, then pause.
        box = page.locator(".v-slider", has_text="temperature T =")
        before = box.inner_text()
        t = time.perf_counter()
        box.get_by_role("slider").press("ArrowLeft")
        expect(box).not_to_have_text(before)
        slider_s = time.perf_counter() - t
        t = time.perf_counter()
        page.get_by_role("button", name="❚❚").click()
        expect(page.get_by_role("button", name="▶")).to_be_enabled()
        pause_s = time.perf_counter() - t
        t = time.perf_counter()
        page.get_by_role("button", name="Step").click()
        expect(page.get_by_text(f"Step: {_step(page) + 1}", exact=True)).to_be_visible()
        step_s = time.perf_counter() - t
        browser.close()

    # The charts every frame changes (the echo-chamber chart changes when its budgeted
    # evaluation lands, the paired one only with a twin).
    drawn = [rates[c] for c in ("opinions-control", "network", "polarisation") if c in rates]
    print(f"\n## Browser: N = {n:.0e}, k = 10, playing for {seconds:.0f} s\n")
    print(f"page loaded and first drawn in {loaded:.1f} s")
    print("redraws/s per chart: " + ", ".join(f"{c} {r:.1f}" for c, r in rates.items()))
    print(f"steps/s: {steps:.1f}; the page's own counter: {server_fps}")
    if None not in cpu0 + cpu1 and painted:
        server_ms = 1e3 * (cpu1[0] - cpu0[0]) / painted
        browser_ms = 1e3 * ((cpu1[1] - cpu0[1]) - (cpu1[0] - cpu0[0])) / painted
        print(f"CPU per frame: server {server_ms:.0f} ms (model, metrics worker, Solara), "
              f"browser {browser_ms:.0f} ms (Chromium and Playwright's driver); with a free "
              f"core each that is {1e3 / max(server_ms, browser_ms):.0f} frames/s, on one "
              f"core {1e3 / (server_ms + browser_ms):.0f}")
    print(f"while playing: a slider change showed in {slider_s:.2f} s, pause in {pause_s:.2f} s; "
          f"a Step (paused) in {step_s:.2f} s")
    return min(drawn) if drawn else 0.0, max(slider_s, pause_s, step_s)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores")
    server_part(1000, args.repeat, warm_steps=300)
    server_part(100_000, max(3, args.repeat // 4), warm_steps=60)
    if args.no_browser:
        return 0
    from opinionsim.app.server import configure

    configure()
    missing = [m for m in ("playwright", "solara") if not _importable(m)]
    if missing or not os.access(CHROMIUM, os.X_OK):
        print(f"\nbrowser part skipped: needs {', '.join(missing) or CHROMIUM} "
              "(pip install 'opinionsim[app]' playwright; apt-get install chromium)")
        return 0
    app = App()
    try:
        fps, _ = browser_part(app, 1000, args.seconds)
        _, slowest = browser_part(app, 100_000, args.seconds)
    finally:
        app.close()
    print(f"\nN = 1000: slowest chart redraws {fps:.1f} times/s "
          f"({'meets' if fps >= TARGET_FPS else 'misses'} the target of {TARGET_FPS:.0f}/s)")
    print(f"N = 1e5: the slowest answer to a click or a slider took {slowest:.2f} s")
    return 0


def _importable(name):
    import importlib.util

    return importlib.util.find_spec(name) is not None


if __name__ == "__main__":
    sys.exit(main())
