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


def test_the_histogram_sends_per_mille_shares_of_nonempty_bins():
    shares = np.array([[0.5, 0.5, 0.0], [0.0, 0.25, 0.75]])
    base, update = views.histogram_chart("h", [0, 10], [-0.5, 0.0, 0.5], shares)
    assert update["series"][0]["data"] == [[0, 0, 500], [0, 1, 500], [1, 1, 250], [1, 2, 750]]
    assert update["xAxis"]["data"] == ["0", "10"]
    assert base["yAxis"]["data"] == ["-0.50", "0.00", "0.50"]


def test_the_network_base_holds_every_tie_and_a_frame_only_the_agents():
    layout = np.array([[-1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    edges = np.array([[0, 1], [1, 2]])
    base, update = views.network_chart("n", layout, edges, np.array([-2.0, 0.1234, 0.5]))
    ties = _by_id(base)["ties"]["data"]
    assert [t["coords"] for t in ties] == [[[-1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]]
    assert update == {"series": [{"id": "agents",
                                  "data": [[-1.0, 0.0, -1.0], [0.0, 1.0, 0.123],
                                           [1.0, 0.0, 0.5]]}]}


def test_scatter_colours_the_first_clusters_and_greys_the_rest():
    xy = np.zeros((12, 2))
    ranks = np.arange(12)
    base, update = views.scatter_chart("s", xy, ranks)
    colours = [p.get("color") for p in base["visualMap"]["pieces"]]
    assert colours[:-1] == views.CLUSTER_COLOURS and colours[-1] == views.OTHER_COLOUR
    assert [d[2] for d in update["series"][0]["data"]] == list(range(9)) + [9, 9, 9]


def test_the_attention_image_has_the_blocks_shape_and_marks_clusters():
    from PIL import Image

    M = np.zeros((10, 10))
    M[:6, :6] = 1 / 6
    M[6:, 6:] = 1 / 4
    png = views.attention_png(M, [6, 4], pixels=2)
    image = np.asarray(Image.open(io.BytesIO(png)))
    assert image.shape == (20, 20, 3)
    assert tuple(image[11, 0]) == (31, 119, 180)  # the boundary after cluster 1
    assert tuple(image[0, 19]) == (255, 255, 255)  # no attention: white
