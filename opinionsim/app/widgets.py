"""The browser side: an ECharts canvas widget served from the local assets, never a CDN.

Solara's ``FigureEcharts`` re-sends the whole option every frame and fails
(a console error) when an option arrives before ECharts has loaded. This
widget splits a chart in two: ``base`` (axes, legends, static series such as
the network's ties; sent when it changes, which is rarely) and ``update``
(the data of one frame, merged into it by series id), and keeps an update
that arrives early until the library is there. ECharts and RequireJS come
from solara-assets through Solara's asset server.

Both travel as JSON text, not as nested lists: the renderer (reacton) walks
every list and dict given to an element looking for child elements, which
for a thousand points per frame cost more than everything else together.

Each chart counts the renders it has done in ``window.opinionsimFrames[name]``
(the benchmark reads it), carries the number of the frame it shows as
``data-frame`` on its element, and sends back ``drawn``, the last frame it has
painted, which the page uses to keep the model from running ahead of the
browser.
"""

from __future__ import annotations

import json
import os

import ipyvuetify
import solara
import traitlets

__all__ = ["EChart", "Chart", "as_json", "NetworkPicture", "Network"]


class EChart(ipyvuetify.VuetifyTemplate):
    """An ECharts chart: ``base`` option, merged ``update``, and a name for the frame counter."""

    template_file = (__file__, os.path.join("static", "echart.vue"))
    base = traitlets.Unicode("{}").tag(sync=True)
    update = traitlets.Unicode("{}").tag(sync=True)
    name = traitlets.Unicode("").tag(sync=True)
    frame = traitlets.Int(0).tag(sync=True)
    drawn = traitlets.Int(-1).tag(sync=True)
    attributes = traitlets.Dict({}).tag(sync=True)
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    @traitlets.default("cdn")
    def _cdn(self):
        import solara.settings

        if not solara.settings.assets.proxy:
            return solara.settings.assets.cdn
        return None


def as_json(option):
    """An option as compact JSON text (a string is taken to be JSON already)."""
    if isinstance(option, str):
        return option
    return json.dumps(option, separators=(",", ":"), allow_nan=False)


@solara.component
def Chart(name, base, update, frame=0, height=300, on_drawn=None):
    """An :class:`EChart` element, ``height`` pixels tall; options as dicts or JSON text.

    ``on_drawn`` is called with each frame number the browser has painted.
    """
    extra = {} if on_drawn is None else {"on_drawn": on_drawn}
    return EChart.element(name=name, base=as_json(base), update=as_json(update),
                          frame=int(frame), **extra,
                          attributes={"style": f"height: {int(height)}px;",
                                      "data-chart": name})


class NetworkPicture(ipyvuetify.VuetifyTemplate):
    """The network: ties as a picture (``ties``, a data URL) and agents as dots painted in the
    browser from one palette index per agent and frame (``colours``, base64)."""

    template_file = (__file__, os.path.join("static", "network.vue"))
    name = traitlets.Unicode("network").tag(sync=True)
    width = traitlets.Int(640).tag(sync=True)
    height = traitlets.Int(360).tag(sync=True)
    dot = traitlets.Float(2.5).tag(sync=True)
    ties = traitlets.Unicode("").tag(sync=True)
    positions = traitlets.Unicode("[]").tag(sync=True)
    palette = traitlets.Unicode("[]").tag(sync=True)
    colours = traitlets.Unicode("").tag(sync=True)
    frame = traitlets.Int(0).tag(sync=True)


@solara.component
def Network(canvas, values, frame=0, name="network"):
    """A :class:`NetworkPicture` of a :class:`~opinionsim.app.views.NetworkCanvas`, agents
    coloured by ``values`` in [-1, 1]."""
    static = solara.use_memo(canvas.static, [canvas])
    return NetworkPicture.element(name=name, width=static["width"], height=static["height"],
                                  dot=static["dot"], ties=static["ties"],
                                  positions=static["positions"], palette=static["palette"],
                                  colours=canvas.colours(values), frame=int(frame))
