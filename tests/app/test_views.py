"""What the views send: data that round-trips, bands that stack from their low edge, bounded
frames, and a heatmap image of the block's shape."""

import io
import json

import numpy as np
import pytest

from opinionsim.app import views


def _by_id(option):
    return {s["id"]: s for s in option["series"]}


def test_a_band_is_drawn_from_its_low_edge_whatever_the_signs():
    steps = np.arange(5)
    low, high = np.full(5, -0.02), np.full(5, 0.01)
    base, update = views.metric_chart("t", {"m": (steps, np.zeros(5))}, {"m": (steps, low, high)})
    b = _by_id(base)
    # ECharts stacks only same-sign values unless told otherwise; the band crosses zero
    assert b["m:low"]["stackStrategy"] == b["m:width"]["stackStrategy"] == "all"
    assert b["m:low"]["stack"] == b["m:width"]["stack"]
    # and it stacks the first dimension of a point, which must therefore be y, not x
    assert b["m:low"]["encode"] == b["m:width"]["encode"] == {"x": 1, "y": 0}
    u = _by_id(update)
    assert u["m:low"]["data"] == [[-0.02, x] for x in range(5)]
    assert u["m:width"]["data"] == [[0.03, x] for x in range(5)]
    # the update lists the series in the base's order (ECharts merges by id and position)
    assert [s["id"] for s in update["series"]] == [s["id"] for s in base["series"]]


def test_long_series_are_thinned_and_rounded_to_what_a_chart_shows():
    steps = np.arange(10_000)
    values = np.sin(steps / 100.0) + 1e-9
    _, update = views.metric_chart("t", {"m": (steps, values)})
    data = update["series"][0]["data"]
    assert len(data) <= views.MAX_POINTS and data[-1][0] == 9999
    for x, y in data:
        assert y == pytest.approx(values[x], rel=1e-3, abs=1e-12)
        assert len(repr(y)) <= 12
    assert len(json.dumps(update)) < 12_000


def _image(png):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_the_histogram_image_puts_high_opinions_on_top_and_more_agents_darker():
    shares = np.array([[0.0, 0.1, 0.9], [0.9, 0.1, 0.0]])  # two steps, three bins
    image = _image(views.histogram_png(shares))
    assert image.shape == (3, 2, 3)  # rows: bins, columns: steps
    darkness = 765 - image.sum(axis=2)
    assert darkness[0, 0] > darkness[1, 0] > darkness[2, 0]  # step 0: top bin fullest
    assert darkness[2, 1] > darkness[0, 1]  # step 1: bottom bin fullest
    assert tuple(image[2, 0]) == (247, 251, 255)  # an empty bin: the lightest colour


def test_the_network_picture_holds_the_ties_and_a_frame_one_byte_per_agent():
    import base64
    import json

    layout = np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    canvas = views.NetworkCanvas(layout, np.array([[0, 1]]), size=(100, 50), dot=2)
    (x0, y0), (x1, y1), (x2, y2) = canvas.xy
    assert y0 == y1 and x0 < x2 < x1 and y2 < y0  # +y is up on the page
    assert tuple(canvas.base[y0, (x0 + x1) // 2]) != (255, 255, 255)  # the tie 0-1
    assert tuple(canvas.base[(y0 + y2) // 2, (x0 + x2) // 2]) == (255, 255, 255)  # no tie 0-2
    static = canvas.static()
    assert json.loads(static["positions"]) == canvas.xy.tolist()
    palette = json.loads(static["palette"])
    assert palette[0] == views.OPINION_COLOURS[0] and palette[-1] == views.OPINION_COLOURS[-1]
    assert base64.b64decode(canvas.colours(np.array([-1.0, 0.0, 7.0]))) == bytes([0, 128, 255])
    assert _image(base64.b64decode(static["ties"].split(",", 1)[1])).shape == (50, 100, 3)


def test_scatter_colours_the_first_clusters_and_greys_the_rest():
    xy = np.column_stack([np.linspace(-1, 1, 12), np.zeros(12)])
    ranks = np.arange(12)
    base, update = views.scatter_chart("s", xy, ranks)
    colours = [s["color"] for s in base["series"]]
    assert colours == views.CLUSTER_COLOURS + [views.OTHER_COLOUR]
    sizes = [len(s["data"]) for s in update["series"]]
    assert sizes == [1] * 9 + [3]
    assert update["series"][9]["data"] == xy[9:].round(3).tolist()
    assert update["title"]["subtext"] == "12 opinion clusters (the largest 9 in colour)"
    # every series stays in the update, empty or not, so a merge never leaves old points
    _, later = views.scatter_chart("s", xy[:2], np.zeros(2, dtype=int))
    assert [len(s["data"]) for s in later["series"]] == [2] + [0] * 9


def test_the_attention_image_has_the_blocks_shape_and_marks_clusters():
    M = np.zeros((10, 10))
    M[:6, :6] = 1 / 6
    M[6:, 6:] = 1 / 4
    image = _image(views.attention_png(M, [6, 4], pixels=2))
    assert image.shape == (20, 20, 3)
    assert tuple(image[11, 0]) == (31, 119, 180)  # the boundary after cluster 1
    assert tuple(image[0, 19]) == (255, 255, 255)  # no attention: white


def test_the_paired_chart_marks_the_intervention_only_once_there_is_one():
    _, update = views.paired_chart("d", [3, 4], [0.0, 0.5], at=3, label="v")
    assert update["series"][0]["markLine"]["data"] == [{"xAxis": 3}]
    assert update["series"][0]["data"] == [[3, 0.0], [4, 0.5]]
    _, none = views.paired_chart("d", [], [], at=None, label="v")
    assert none["series"][0]["markLine"]["data"] == []
