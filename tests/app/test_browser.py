"""The explorer in a real browser, used the way a person uses it.

The app is started on a free local port (``opinionsim app --port 0``) and driven
with Playwright in headless Chromium, the browser of Debian's ``chromium``
package (no browser is downloaded at test time). The test sets the
temperature, steps, plays, applies an intervention in the do-panel, and checks
that the charts' pixels changed, that the browser console shows no error, and
that every request stayed on the local server (no CDN: the page works
offline). A screenshot is kept under the test's temporary directory and in
``results/app/``.

Needs ``pip install 'opinionsim[app]' playwright`` and ``apt-get install chromium``;
without them the test fails and says so (it never skips).
"""

import importlib.util
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180  # seconds: importing Solara, Mesa's visualisation and Altair is slow


def _check_requirements():
    missing = [name for name in ("playwright", "solara", "solara_assets")
               if importlib.util.find_spec(name) is None]
    problems = []
    if missing:
        problems.append(f"missing Python packages {', '.join(missing)} "
                        "(pip install 'opinionsim[app]' playwright)")
    if not os.access(CHROMIUM, os.X_OK):
        problems.append(f"no browser at {CHROMIUM} (apt-get install -y chromium)")
    if problems:
        pytest.fail("the browser test cannot run: " + "; ".join(problems), pytrace=False)


@pytest.fixture
def app_url():
    _check_requirements()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "opinionsim.cli", "app", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, cwd=ROOT)
    lines = queue.Queue()
    output = []

    def read():
        for line in proc.stdout:
            output.append(line)
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    url = None
    deadline = time.monotonic() + START_TIMEOUT
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        try:
            line = lines.get(timeout=1.0)
        except queue.Empty:
            continue
        found = re.search(r"opinionsim app: (http://127\.0\.0\.1:\d+/)", line)
        url = found.group(1) if found else None
    try:
        if url is None:
            pytest.fail("the app did not print its address:\n" + "".join(output), pytrace=False)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _step(page):
    return int(page.locator("text=/^Step: \\d+$/").first.inner_text().split()[1])


def _wait_for_step(page, at_least, timeout=60):
    deadline = time.monotonic() + timeout
    while _step(page) < at_least:
        if time.monotonic() > deadline:
            raise AssertionError(f"the model did not reach step {at_least} (at {_step(page)})")
        time.sleep(0.1)
    return _step(page)


def _slide(box, key, value, label, *, most=100):
    """Press ``key`` on the slider in ``box`` until the slider itself is at ``value``, then
    wait for the server to show ``label``. The slider's own position is read, not the label,
    which follows each press a round trip later; and each press waits for that round trip
    (the label to change) before the next: on a loaded machine, presses that outran the
    server were undone by its late echoes and pressed again, overshooting to the end."""
    from playwright.sync_api import expect

    thumb = box.get_by_role("slider")
    shown = box.locator("label").first
    for _ in range(most):
        if abs(float(thumb.get_attribute("aria-valuenow")) - value) < 1e-6:
            break
        before = shown.text_content()
        thumb.press(key)
        try:
            expect(shown).not_to_have_text(before, timeout=10_000)
        except AssertionError:
            pass  # a press that changed nothing the label shows; the position decides
    expect(shown).to_have_text(label)


def _pixels(page, name):
    """What a chart or a picture shows, as a PNG data URL of its pixels."""
    picture = page.locator(f"img.{name}")
    if picture.count():
        return picture.first.evaluate(
            "async i => { await i.decode().catch(() => null);"
            " const c = document.createElement('canvas');"
            " c.width = i.naturalWidth; c.height = i.naturalHeight;"
            " c.getContext('2d').drawImage(i, 0, 0); return c.toDataURL(); }")
    return page.locator(f'[data-chart="{name}"] canvas').first.evaluate("c => c.toDataURL()")


@pytest.mark.slow
def test_the_explorer_in_a_real_browser(app_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)
    origin = app_url.rstrip("/")
    problems, foreign = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            # A picture's blob: URL is revoked when the next frame's picture replaces it, which
            # aborts a load still in flight: that never leaves the browser and is not an error.
            page.on("requestfailed", lambda r: None if r.url.startswith("blob:")
                    else problems.append(f"request failed: {r.url} ({r.failure})"))
            page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
                    if r.status >= 400 else None)
            page.on("request", lambda r: None if r.url.startswith((origin, "data:", "blob:"))
                    else foreign.append(r.url))
            page.set_default_timeout(60_000)

            page.goto(app_url + "?n_agents=500&seed=3")
            expect(page.get_by_text("Step: 0", exact=True)).to_be_visible()
            page.wait_for_function("() => window.opinionsimFrames"
                                   " && window.opinionsimFrames['polarisation'] > 0")
            expect(page.locator("img.opinions-control")).to_be_visible()

            # Lower the temperature tenfold on its log slider (log10 T, 0.05 a key press).
            _slide(page.locator(".v-slider", has_text="temperature T ="), "ArrowLeft", -2.0,
                   "temperature T = 0.01")

            page.get_by_role("button", name="Step").click()
            expect(page.get_by_text("Step: 1", exact=True)).to_be_visible()
            time.sleep(0.5)
            opinions_before = _pixels(page, "opinions-control")
            metrics_before = _pixels(page, "polarisation")

            page.get_by_role("button", name="▶").click()
            _wait_for_step(page, 15)
            page.get_by_role("button", name="❚❚").click()
            expect(page.get_by_role("button", name="▶")).to_be_enabled()

            # The do-panel: the temperature back up to 10, now, beside the untreated twin.
            knob = page.locator(".v-slider", has_text="T = ").filter(has_not_text="temperature")
            _slide(knob, "End", 1.0, "T = 10")
            paired_before = _pixels(page, "paired")
            page.get_by_role("button", name="Apply do()").click()
            applied = page.get_by_text(re.compile(r"set temperature \(T 10\): applied at step \d+"))
            expect(applied).to_be_visible()
            at = int(applied.inner_text().rsplit(" ", 1)[1].rstrip("."))
            page.get_by_role("button", name="▶").click()
            _wait_for_step(page, at + 10)
            page.get_by_role("button", name="❚❚").click()
            expect(page.locator("img.opinions-treated")).to_be_visible()
            time.sleep(0.5)

            assert _pixels(page, "opinions-control") != opinions_before
            assert _pixels(page, "polarisation") != metrics_before
            assert _pixels(page, "paired") != paired_before
            shot = page.screenshot(path=str(tmp_path / "app.png"), full_page=True)
            kept = ROOT / "results" / "app"
            kept.mkdir(parents=True, exist_ok=True)
            (kept / "browser_test.png").write_bytes(shot)
        finally:
            browser.close()
    assert not foreign, f"requests left the local server: {foreign}"
    assert not problems, "\n".join(problems)
