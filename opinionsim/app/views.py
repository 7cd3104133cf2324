"""What each view draws: ECharts options for charts with axes, PNG images for dense pictures.

A chart is a pair ``(base, update)`` for :class:`~opinionsim.app.widgets.EChart`:
``base`` holds what changes rarely (axes, legends) and ``update`` the data of
one frame, merged into the base by series id. Numbers are rounded to what a
chart can show (four significant digits, or three decimals on the opinion
scale) and a time series is thinned to :data:`MAX_POINTS`, which keeps a
frame to a few kB however long the run.

The dense pictures (the opinion distribution over time, the network, the
attention block) are images made with numpy: one picture costs the browser
one image decode, where thousands of chart elements (a cell or a dot each)
cost it tens of milliseconds per frame.

Examples
--------
>>> base, update = metric_chart("Polarisation", {"variance": ([0, 1], [0.3, 0.2])})
>>> update["series"][0]["data"]
[[0, 0.3], [1, 0.2]]
"""

from __future__ import annotations

import io

import numpy as np

__all__ = ["metric_chart", "scatter_chart", "paired_chart", "histogram_png", "NetworkCanvas",
           "attention_png", "thin", "OPINION_COLOURS", "CLUSTER_COLOURS", "SHARE_COLOURS"]

#: Diverging colours for an opinion from -1 to +1 (matplotlib's coolwarm ends and middle).
OPINION_COLOURS = ["#3b4cc0", "#dddddd", "#b40426"]
#: One colour per opinion cluster, largest first (tab10), then grey for the rest.
CLUSTER_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                   "#e377c2", "#bcbd22", "#17becf"]
#: Light to dark, for the share of agents in an opinion bin.
SHARE_COLOURS = ["#f7fbff", "#6baed6", "#08306b"]
OTHER_COLOUR = "#9e9e9e"
#: Cluster boundaries are drawn in the heatmap up to this many clusters.
MAX_BOUNDARIES = 20
BAND_COLOUR = "#9e9e9e"
_LINE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"]


#: A time series is drawn with at most this many points (evenly thinned, the last kept).
MAX_POINTS = 400


def _round(values):
    """Four significant digits, as a (nested) list of floats."""
    a = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(a == 0, 1.0, 10.0 ** (np.floor(np.log10(np.abs(a))) - 3))
    return (np.round(a / scale) * scale).round(15).tolist()


def thin(n, max_points=MAX_POINTS):
    """Indices of at most ``max_points`` of ``n`` points, evenly spaced, the last included.

    Examples
    --------
    >>> thin(10, 4).tolist()
    [0, 3, 6, 9]
    """
    if n <= max_points:
        return np.arange(n)
    idx = np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))
    return idx


def _pairs(x, y, *, swap=False):
    x, y = np.asarray(x), np.asarray(y)
    keep = thin(len(x))
    if swap:
        return [[b, a] for a, b in zip(x[keep].tolist(), _round(y[keep]))]
    return [[a, b] for a, b in zip(x[keep].tolist(), _round(y[keep]))]


def _axes(x_name, y_name, *, y_scale=True):
    return {
        "animation": False,
        "grid": {"left": 56, "right": 16, "top": 36, "bottom": 40},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "value", "name": x_name, "nameLocation": "middle", "nameGap": 24,
                  "minInterval": 1},
        "yAxis": {"type": "value", "name": y_name, "scale": y_scale},
    }


def metric_chart(title, series, bands=None, *, labels=None):
    """Metrics over steps, each with its null band where one is given.

    Parameters
    ----------
    title : str
    series : dict ``{name: (steps, values)}``
    bands : dict ``{name: (steps, low, high)}``, optional
        Drawn as a grey area (the null mean ± 2 SD).
    labels : dict ``{name: label}``, optional

    Returns
    -------
    (dict, dict)
        ``base`` and ``update`` options.
    """
    labels = labels or {}
    bands = bands or {}
    names = list(series)
    base = _axes("step", "")
    base["title"] = {"text": title, "left": "center", "textStyle": {"fontSize": 13}}
    base["legend"] = {"top": 18, "textStyle": {"fontSize": 11},
                      "data": [labels.get(n, n) for n in names]}
    base["grid"]["top"] = 56
    base["series"] = []
    update = {"series": []}
    for i, name in enumerate(names):
        colour = _LINE_COLOURS[i % len(_LINE_COLOURS)]
        if name in bands:
            # A band is an invisible line at its low edge with its width stacked on top.
            # ECharts stacks the first numeric dimension of a series: with a value x axis
            # that is x, so the band's points are (y, x), encoded back.
            for part in ("low", "width"):
                base["series"].append({
                    "id": f"{name}:{part}", "type": "line", "stack": f"band:{name}",
                    "stackStrategy": "all", "encode": {"x": 1, "y": 0},
                    "symbol": "none", "silent": True, "lineStyle": {"opacity": 0},
                    "areaStyle": {"color": colour, "opacity": 0.15} if part == "width"
                    else {"opacity": 0},
                    "tooltip": {"show": False}})
        base["series"].append({"id": name, "name": labels.get(name, name), "type": "line",
                               "symbol": "none", "color": colour, "lineStyle": {"width": 1.6}})
    # Updates list the series in the base's order, so merging by id keeps them aligned.
    for name in names:
        if name in bands:
            s, low, high = (np.asarray(a, dtype=np.float64) for a in bands[name])
            update["series"].append({"id": f"{name}:low", "data": _pairs(s, low, swap=True)})
            update["series"].append({"id": f"{name}:width",
                                     "data": _pairs(s, high - low, swap=True)})
        steps, values = series[name]
        update["series"].append({"id": name, "data": _pairs(steps, values)})
    return base, update


def scatter_chart(title, xy, clusters, *, labels=("opinion 1", "opinion 2")):
    """Opinions in two dimensions, coloured by cluster (largest first, the rest grey).

    One series per colour, drawn in ECharts' large mode (a single path per
    series): a thousand points then cost the browser about a millisecond,
    where points drawn one by one cost tens.
    """
    xy = np.round(np.asarray(xy), 3)
    clusters = np.asarray(clusters)
    groups = np.minimum(clusters, len(CLUSTER_COLOURS))
    colours = [*CLUSTER_COLOURS, OTHER_COLOUR]
    base = {
        "animation": False,
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 13}},
        "grid": {"left": 48, "right": 16, "top": 36, "bottom": 40},
        "xAxis": {"type": "value", "name": labels[0], "nameLocation": "middle", "nameGap": 24,
                  "min": -1, "max": 1},
        "yAxis": {"type": "value", "name": labels[1], "nameLocation": "middle", "nameGap": 30,
                  "min": -1, "max": 1},
        "series": [{"id": f"cluster{i}", "type": "scatter", "symbolSize": 4, "large": True,
                    "largeThreshold": 1, "progressive": 0, "color": colour,
                    "itemStyle": {"opacity": 0.8}} for i, colour in enumerate(colours)],
    }
    n_clusters = int(clusters.max()) + 1 if clusters.size else 0
    update = {"series": [{"id": f"cluster{i}", "data": xy[groups == i].tolist()}
                         for i in range(len(colours))],
              "title": {"subtext": f"{n_clusters} opinion cluster{'s' if n_clusters != 1 else ''}"
                                   + (" (the largest 9 in colour)"
                                      if n_clusters > len(CLUSTER_COLOURS) else ""),
                        "subtextStyle": {"fontSize": 10}}}
    return base, update


def paired_chart(title, steps, diff, *, at, label):
    """The paired difference treated − control of one metric, with the intervention's step
    marked (``at``; None: no intervention yet)."""
    base = _axes("step", "", y_scale=False)
    base["title"] = {"text": title, "left": "center", "textStyle": {"fontSize": 13}}
    base["series"] = [{"id": "diff", "type": "line", "symbol": "none", "color": "#d62728",
                       "areaStyle": {"opacity": 0.1}}]
    marks = [] if at is None else [{"xAxis": int(at)}]
    update = {"series": [{"id": "diff", "data": _pairs(steps, diff),
                          "markLine": {"silent": True, "symbol": "none",
                                       "label": {"formatter": "do()"},
                                       "lineStyle": {"color": "#555555", "type": "dashed"},
                                       "data": marks}}]}
    return base, update


def attention_png(M, sizes, *, pixels=2):
    """The attention block as a PNG: listener rows, speaker columns, log colour scale,
    with a line between opinion clusters (when there are at most :data:`MAX_BOUNDARIES`).

    Parameters
    ----------
    M : (n, n) array of attention weights (0 = not listening)
    sizes : cluster sizes in row order
    pixels : int
        Pixels per cell.

    Returns
    -------
    bytes
        A PNG image.
    """
    M = np.asarray(M, dtype=np.float64)
    positive = M[M > 0]
    rgb = np.full(M.shape + (3,), 255, dtype=np.uint8)
    if positive.size:
        hi = positive.max()
        lo = max(positive.min(), hi * 1e-4)
        level = np.log(np.clip(M, lo, hi) / lo) / max(np.log(hi / lo), 1e-12)
        idx = np.clip((level * 255).astype(int), 0, 255)
        rgb[M > 0] = _ATTENTION[idx[M > 0]]
    rgb = np.repeat(np.repeat(rgb, pixels, axis=0), pixels, axis=1)
    if len(sizes) <= MAX_BOUNDARIES:
        for edge in np.cumsum(sizes)[:-1] * pixels:
            rgb[edge - 1, :] = rgb[:, edge - 1] = (31, 119, 180)
    return _png(rgb)


def _palette(colours, n=256):
    """An ``(n, 3)`` uint8 palette through the given hex colours, evenly spaced."""
    anchors = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in colours], float)
    t = np.linspace(0.0, 1.0, n)
    where = np.linspace(0.0, 1.0, len(colours))
    return np.column_stack([np.interp(t, where, anchors[:, k]) for k in range(3)]).astype(np.uint8)


_SHARES = _palette(SHARE_COLOURS)
_OPINIONS = _palette(OPINION_COLOURS)
# matplotlib's magma_r, light (little attention) to dark (much)
_ATTENTION = _palette(["#fcfdbf", "#fc8961", "#b73779", "#51127c", "#000004"])


def _png(rgb):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def histogram_png(shares):
    """The opinion distribution over time as a PNG, one pixel per (step, bin).

    Columns are the recorded steps, rows the opinion bins with the highest at
    the top; darker means a larger share of agents (the darkest at 60 % of the
    largest share, so that a spread-out population is still visible). The
    page scales it up without smoothing.

    Examples
    --------
    >>> png = histogram_png(np.array([[0.5, 0.5], [0.0, 1.0]]))
    >>> png[:4]
    b'\\x89PNG'
    """
    shares = np.asarray(shares, dtype=np.float64)
    if shares.size == 0:
        shares = np.zeros((1, 1))
    top = max(0.6 * shares.max(), 1e-12)
    level = np.clip(shares / top, 0.0, 1.0).T[::-1]  # rows: bins, highest first
    return _png(_SHARES[(level * 255).astype(np.int64)])


class NetworkCanvas:
    """The network at fixed positions: a picture of the ties, drawn once, and the agents' colours.

    The page paints the agents as dots over the picture in the browser, from one
    palette index per agent and frame (:meth:`colours`), so a frame costs a
    byte per agent.

    Parameters
    ----------
    layout : (N, 2) positions in [-1, 1]
    edges : (E, 2) agent rows of the ties to draw
    size : (width, height) in pixels
    dot : float
        Radius of an agent's dot, in pixels.
    """

    def __init__(self, layout, edges, *, size=(640, 360), dot=2.5):
        from PIL import Image, ImageDraw

        self.size, self.dot = size, float(dot)
        w, h = size
        margin = dot + 2
        layout = np.asarray(layout, dtype=np.float64)
        scale = np.array([(w - 2 * margin) / 2, (h - 2 * margin) / 2])
        self.xy = np.rint((layout * [1, -1] + 1) * scale + margin).astype(np.int64)
        image = Image.new("RGB", (w, h), (255, 255, 255))
        draw = ImageDraw.Draw(image)
        for a, b in np.asarray(edges, dtype=np.int64).tolist():
            draw.line([tuple(self.xy[a]), tuple(self.xy[b])], fill=(226, 226, 226), width=1)
        self.base = np.asarray(image)

    def static(self):
        """What the browser gets once: size, the ties' picture, positions, palette."""
        import base64
        import json

        return {"width": self.size[0], "height": self.size[1], "dot": self.dot,
                "ties": "data:image/png;base64," + base64.b64encode(_png(self.base)).decode(),
                "positions": json.dumps(self.xy.tolist(), separators=(",", ":")),
                "palette": json.dumps([f"#{r:02x}{g:02x}{b:02x}" for r, g, b in
                                       _OPINIONS.tolist()], separators=(",", ":"))}

    def codes(self, values):
        """One palette index per agent: ``values`` in [-1, 1] from blue (0) to red (255)."""
        return np.rint((np.clip(values, -1, 1) + 1) * 127.5).astype(np.uint8)

    def colours(self, values):
        """The frame's colours as base64 text, one byte per agent."""
        import base64

        return base64.b64encode(self.codes(values).tobytes()).decode()
