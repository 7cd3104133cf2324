"""The explorer's page: Mesa's run controls, the control panel, the live views and the do-panel.

Built on Mesa's visualisation stack where it serves: Mesa's ``ModelController``
(play, pause, step, reset, with ``ExplorerModel(**settings)`` on reset),
``ShowSteps`` and the ``update_counter`` / ``force_update`` pair every Mesa
view listens to. Solara directly where Mesa's ``SolaraViz`` falls short: a
log slider, controls that act on the running model, a control shown disabled
with a note, two columns instead of its sidebar (which Solara 1.58 draws over
the page), and views that redraw ten times a second or more (Mesa's Altair
plots re-embed Vega-Lite behind a 100 ms debounce, and its Matplotlib plots
render a PNG on the server per frame): ECharts for the charts with axes and
pictures for the dense views (:mod:`opinionsim.app.views`,
:mod:`opinionsim.app.widgets`), with :class:`FrameGate` keeping Mesa's play
loop in step with what the browser has painted.

Initial settings may be given in the address: ``/?n_agents=100000&dim=2``.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections import deque
from urllib.parse import parse_qsl

import numpy as np
import solara

with warnings.catch_warnings():
    # Importing Mesa's visualisation module trips Solara's rules-of-hooks check on Mesa's
    # own ComponentsView (which this page does not use).
    warnings.filterwarnings("ignore", message=".*found despite early return", category=UserWarning)
    from mesa.visualization.solara_viz import ModelController, ShowSteps
    from mesa.visualization.utils import force_update, update_counter

from .._errors import OpinionSimError
from ..graphs import parse_value
from .controls import CONTROLS, check_settings
from .explorer import MAX_NETWORK_VIEW, ExplorerModel
from .tracking import BAND_SD, EVERY_STEP, METRIC_LABELS, NETWORK_METRICS, NULL_SAMPLES
from .treatments import TREATMENTS
from .views import (
    NetworkCanvas,
    attention_png,
    histogram_png,
    metric_chart,
    paired_chart,
    scatter_chart,
)
from .widgets import Chart, Network

__all__ = ["Page", "settings_from_query", "PLAY_INTERVAL_MS"]

#: Mesa's ModelController sleeps this long between frames while playing.
PLAY_INTERVAL_MS = 5

_CSS = """
.opinionsim-note { font-size: 12px; color: #666; margin-top: -8px; }
.opinionsim-caption { font-size: 12px; color: #444; }
.opinionsim-title { font-size: 13px; font-weight: bold; color: #333; text-align: center; }
.opinionsim-axis { font-size: 11px; color: #666; }
.opinionsim-histogram { width: 100%; height: 240px; image-rendering: pixelated;
                        border: 1px solid #ccc; }
"""


def settings_from_query(search):
    """Settings from an address's query string (``n_agents=2000&dim=2``), defaults for the rest.

    Examples
    --------
    >>> s = settings_from_query("n_agents=2000&temperature=0.01")
    >>> s["n_agents"], s["temperature"], s["dim"]
    (2000, 0.01, 1)
    """
    given = {k: parse_value(v) for k, v in parse_qsl(search or "")}
    return check_settings(given)


def _sig(x):
    return float(f"{x:.3g}")


class FrameGate:
    """Backpressure between Mesa's play loop and the browser.

    Mesa's ``ModelController`` steps and calls ``force_update`` from its play
    thread as fast as its interval allows. Frames the browser cannot paint in
    time are wasted work on a shared CPU, and when a render pass runs in
    another thread at the same time (a click), every new frame invalidates that
    pass until Solara gives up ("Too many renders triggered"). The model's
    :attr:`~opinionsim.app.explorer.ExplorerModel.pace` waits here until the
    browser reports the frame before the last as painted (the polarisation
    chart, which every frame changes, sends it back): the server prepares a
    frame while the browser paints the one before, and never runs further
    ahead. Without an answer (a hidden tab) it goes on after ``timeout``
    seconds.
    """

    def __init__(self, timeout=2.0):
        self.timeout = timeout
        self._drawn = -1
        self._cond = threading.Condition()

    def drawn(self, frame):
        with self._cond:
            self._drawn = max(self._drawn, frame)
            self._cond.notify_all()

    def wait(self):
        frame = update_counter.peek() - 1
        with self._cond:
            self._cond.wait_for(lambda: self._drawn >= frame, timeout=self.timeout)


# ---- the control panel -------------------------------------------------------------------

@solara.component
def ControlWidget(control, settings, model):
    value = settings.value[control.name]
    error = solara.use_reactive(None)

    def on_value(new):
        try:
            new = control.check(new)
            check_settings({**settings.value, control.name: new})  # combinations too
            if control.live:
                model.value.set_live(control.name, new)
            settings.value = {**settings.value, control.name: new}
            error.value = None
        except OpinionSimError as exc:
            error.value = str(exc)

    with solara.Tooltip(control.help() or control.label):
        if control.widget == "select":
            solara.Select(control.label, values=list(control.values()), value=value,
                          on_value=on_value, dense=True)
        elif control.widget == "switch":
            solara.Switch(label=control.label, value=value, on_value=on_value,
                          disabled=not control.enabled)
        elif control.widget == "log":
            solara.SliderFloat(f"{control.label} = {value:.3g}", value=math.log10(value),
                               min=control.low, max=control.high, step=control.step,
                               on_value=lambda v: on_value(_sig(10.0 ** v)), thumb_label=False)
        elif control.name == "seed":
            solara.InputInt(control.label, value=value, on_value=on_value, dense=True)
        elif control.widget == "int":
            solara.SliderInt(f"{control.label} = {value}", value=value, min=int(control.low),
                             max=int(control.high), step=int(control.step), on_value=on_value,
                             disabled=not control.enabled, thumb_label=False)
        else:
            solara.SliderFloat(f"{control.label} = {value:.3g}", value=value, min=control.low,
                               max=control.high, step=control.step,
                               on_value=lambda v: on_value(_sig(v)),
                               disabled=not control.enabled, thumb_label=False)
    if control.note:
        solara.Text(control.note, classes=["opinionsim-note"])
    if error.value:
        solara.Error(error.value, dense=True)


@solara.component
def ControlPanel(model, settings):
    with solara.Card("Dynamics", subtitle="live: from the next step, in both arms"):
        for control in CONTROLS:
            if control.live:
                ControlWidget(control, settings, model)
    with solara.Card("Population", subtitle="applies on Reset"):
        for control in CONTROLS:
            if not control.live:
                ControlWidget(control, settings, model)
        running = model.value.config
        waiting = [c.label for c in CONTROLS
                   if not c.live and settings.value[c.name] != running[c.name]]
        if waiting:
            solara.Warning(f"Reset to apply: {', '.join(waiting)}", dense=True)


@solara.component
def FrameRate(model):
    """Frames drawn per second (over the last two seconds) and the cost of one step."""
    update_counter.get()
    times = solara.use_ref(deque(maxlen=200))
    now = time.perf_counter()
    times.current.append(now)
    recent = [t for t in times.current if now - t <= 2.0]
    rate = (len(recent) - 1) / (recent[-1] - recent[0]) if len(recent) > 2 else 0.0
    solara.Text(f"{rate:.1f} frames/s · step {1e3 * model.step_seconds:.1f} ms · "
                f"N = {model.n_agents}", classes=["opinionsim-caption"])


# ---- views --------------------------------------------------------------------------------

@solara.component
def OpinionView(model, arm="control", height=300):
    """The opinions of one arm: a histogram over time (dim 1) or a scatter by cluster."""
    update_counter.get()
    if arm == "treated" and model.treated is None:
        return solara.Text("No treated twin yet.", classes=["opinionsim-caption"])
    title = "Opinions" if arm == "control" else "Opinions, treated twin"
    if model.dim == 1:
        with model.lock:
            h = model.histories[arm]
            steps, shares = h.steps, h.shares
        return HistogramView(title, steps, shares, f"opinions-{arm}", height - 60)
    xy, clusters = model.scatter(arm)
    base, update = scatter_chart(title, xy, clusters)
    return Chart(f"opinions-{arm}", base, update, frame=update_counter.value, height=height)


@solara.component
def HistogramView(title, steps, shares, name, height):
    png = histogram_png(shares)
    with solara.Column(gap="2px") as main:
        solara.Text(title, classes=["opinionsim-title"])
        with solara.Row(gap="4px", style={"align-items": "stretch"}):
            with solara.Column(gap="0px", style={"justify-content": "space-between",
                                                 "height": f"{height}px"}):
                for tick in ("+1", "0", "−1"):
                    solara.Text(tick, classes=["opinionsim-axis"])
            with solara.Column(style={"flex": "1"}):
                solara.Image(png, width="100%", classes=["opinionsim-histogram", name])
        first, last = (int(steps[0]), int(steps[-1])) if len(steps) else (0, 0)
        solara.Text(f"opinion (rows) over steps {first} … {last} (columns); darker = more "
                    "agents", classes=["opinionsim-axis"], style={"text-align": "center"})
    return main


@solara.component
def NetworkView(model):
    if model.layout is None:
        return solara.Text(f"Network view: up to {MAX_NETWORK_VIEW} agents "
                           f"(this run has {model.n_agents}).", classes=["opinionsim-caption"])
    return NetworkImage(model)


@solara.component
def NetworkImage(model):
    """The network's ties are drawn once per model; a frame sends the agents' colours."""
    update_counter.get()
    # Drawn once per model, and again only when rewiring moved the ties.
    canvas = solara.use_memo(lambda: NetworkCanvas(model.layout, model.edges),
                             [model, id(model.edges)])
    with model.lock:
        values = np.array(model.control.opinions[:, 0])
    title = "Network, coloured by opinion" + (" (dimension 1)" if model.dim > 1 else "")
    solara.Text(title, classes=["opinionsim-title"])
    Network(canvas, values, frame=update_counter.value)
    n_ties = len(model.edges)
    if model.control.network.complete:
        note = "complete graph: ties not drawn"
    else:
        note = f"{n_ties} ties drawn" + (" (a sample)" if n_ties >= 3000 else "")
    solara.Text(f"blue −1 … red +1; {note}", classes=["opinionsim-caption"])


@solara.component
def MetricsView(model, names, title, name, on_drawn=None):
    update_counter.get()
    tracker = model.tracker
    series = {n: tracker.series(n) for n in names}
    bands = {n: tracker.band(n) for n in names if n in NETWORK_METRICS}
    labels = {n: METRIC_LABELS[n] for n in names}
    base, update = metric_chart(title, series, bands, labels=labels)
    Chart(name, base, update, frame=update_counter.value, height=260, on_drawn=on_drawn)
    if bands:
        failed = [f"{METRIC_LABELS[n]}: not evaluated ({tracker.failure(n)})" for n in names
                  if tracker.failure(n)]
        solara.Text(f"Shaded: null mean ± {BAND_SD:g} SD over {NULL_SAMPLES} shuffles of the "
                    "opinions over the network; evaluated when the time budget allows.",
                    classes=["opinionsim-caption"])
        for line in failed:
            solara.Text(line, classes=["opinionsim-caption"])


@solara.component
def AttentionView(model):
    update_counter.get()
    block = model.attention_block()
    png = solara.use_memo(lambda: None if block is None else attention_png(*block[:2]),
                          [model, None if block is None else block[2]])
    if block is None:
        return solara.Text("Attention heatmap: not drawn for a complete graph this large "
                           "(it is N × N).", classes=["opinionsim-caption"])
    M, sizes, step, _ = block
    solara.Text(f"Attention among {len(M)} neighbouring agents at step {step}, sorted by "
                f"opinion cluster ({len(sizes)}); rows listen, columns speak; darker = more.",
                classes=["opinionsim-caption"])
    solara.Image(png, width="100%")


# ---- the do-panel ---------------------------------------------------------------------------

@solara.component
def DoPanel(model):
    m = model.value
    name = solara.use_reactive("set_temperature")
    values = solara.use_reactive(TREATMENTS["set_temperature"].defaults())
    at = solara.use_reactive(None)
    metric = solara.use_reactive("variance")
    error = solara.use_reactive(None)
    treatment = TREATMENTS[name.value]
    by_label = {t.label: t.name for t in TREATMENTS.values()}

    def choose(label):
        name.value = by_label[label]
        values.value = TREATMENTS[by_label[label]].defaults()

    def apply():
        try:
            step = m.steps if at.value is None else int(at.value)
            m.treat(name.value, values.value, at=step)
            error.value = None
        except OpinionSimError as exc:
            error.value = str(exc)
        force_update()

    def clear():
        m.clear_treatment()
        force_update()

    with solara.Card("do(): an intervention and its untreated twin",
                     subtitle="same seed, same random draws: the difference is the effect"):
        with solara.Columns([1, 2]):
            with solara.Column():
                solara.Select("intervention", values=list(by_label), value=treatment.label,
                              on_value=choose, dense=True)
                for knob in treatment.knobs:
                    KnobWidget(knob, values)
                solara.InputInt("at step (empty: now; earlier: replayed from the seed)",
                                value=at, optional=True, dense=True)
                with solara.Row():
                    solara.Button("Apply do()", on_click=apply, color="primary")
                    solara.Button("Clear", on_click=clear, outlined=True)
                if error.value:
                    solara.Error(error.value, dense=True)
                solara.Select("paired difference of", dense=True,
                              values=[METRIC_LABELS[n] for n in EVERY_STEP + NETWORK_METRICS],
                              value=METRIC_LABELS[metric.value],
                              on_value=lambda v: metric.set(
                                  {lab: n for n, lab in METRIC_LABELS.items()}[v]))
                TreatmentStatus(m)
            with solara.Column():
                PairedView(m, metric.value)
                OpinionView(m, "treated", height=220)


@solara.component
def KnobWidget(knob, values):
    value = values.value[knob.name]

    def set_value(v):
        values.value = {**values.value, knob.name: _sig(v)}

    if knob.log:
        solara.SliderFloat(f"{knob.label} = {value:.3g}", value=math.log10(value),
                           min=math.log10(knob.low), max=math.log10(knob.high), step=knob.step,
                           on_value=lambda v: set_value(10.0 ** v), thumb_label=False)
    else:
        solara.SliderFloat(f"{knob.label} = {value:.3g}", value=value, min=knob.low,
                           max=knob.high, step=knob.step, on_value=set_value, thumb_label=False)


@solara.component
def TreatmentStatus(model):
    update_counter.get()
    t = model.treatment
    if t is None:
        return solara.Text("No intervention yet: the twin starts when you apply one.",
                           classes=["opinionsim-caption"])
    when = "waits for" if t["pending"] else "applied at"
    return solara.Text(f"{t['label']}: {when} step {t['at']}.", classes=["opinionsim-caption"])


@solara.component
def PairedView(model, metric):
    update_counter.get()
    t = model.treatment
    steps, diff = model.tracker.paired(metric)
    label = METRIC_LABELS[metric]
    base, update = paired_chart(f"Paired difference, treated − untreated: {label}", steps,
                                diff, at=t["at"] if t else None, label=label)
    Chart("paired", base, update, frame=update_counter.value, height=220)


# ---- the page -------------------------------------------------------------------------------

@solara.component
def Page():
    router = solara.use_router()
    initial = solara.use_memo(lambda: settings_from_query(router.search), [])
    settings = solara.use_reactive(initial)
    first = solara.use_memo(lambda: ExplorerModel(**initial), [])
    model = solara.use_reactive(first)
    gate = solara.use_memo(FrameGate, [])
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(1)
    # Mesa 3.3's ModelController reads .value of these even though its defaults are plain
    # values: pass them all as reactive variables.
    use_threads = solara.use_reactive(False)
    m = model.value
    m.pace = gate.wait  # a model made by Reset gets it here, before it first steps

    solara.Style(_CSS)
    solara.Title("opinionsim explorer")
    with solara.AppBar():
        solara.AppBarTitle("opinionsim: opinion dynamics via attention")
    # Two columns rather than solara.Sidebar: with Solara 1.58's Vuetify 3 layout the
    # sidebar drawer gets a NaN width and covers the page.
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "nowrap"}):
        with solara.Column(style={"width": "330px", "min-width": "330px"}):
            with solara.Card("Run"):
                ModelController(model, model_parameters=settings, play_interval=play_interval,
                                render_interval=render_interval, use_threads=use_threads)
                with solara.Column(gap="0px"):
                    ShowSteps(m)
                    FrameRate(m)
                solara.SliderInt("steps per frame", value=render_interval, min=1, max=20)
            ControlPanel(model, settings)
        with solara.Column(style={"flex": "1", "min-width": "0"}):
            with solara.Columns([1, 1]):
                OpinionView(m)
                NetworkView(m)
            with solara.Columns([1, 1]):
                MetricsView(m, list(EVERY_STEP), "Polarisation", "polarisation",
                            on_drawn=gate.drawn)
                MetricsView(m, list(NETWORK_METRICS),
                            "Echo chambers, against shuffled opinions", "echo")
            with solara.Columns([1, 2]):
                with solara.Card("Attention, sorted by cluster"):
                    AttentionView(m)
                DoPanel(model)
