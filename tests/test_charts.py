"""Server-side SVG charts: coordinates worked by hand, gaps, escaping, accessibility.

Layout constants of a line chart (supportops.charts): plot from x = LEFT 56 to width − 16,
from y = TOP 12 (34 with a legend row of 22) to height − 28.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from supportops.charts import bar_chart, line_chart, nice_ticks, percent, sparkline, stacked_bars

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    """Every chart is well-formed XML (so its escaping is complete)."""
    return ET.fromstring(svg)


def polylines(svg: str) -> list[str]:
    return [p.get("points", "") for p in parse(svg).iter(f"{{{NS['svg']}}}polyline")]


def circles(svg: str) -> list[tuple[str, str]]:
    return [(c.get("cx", ""), c.get("cy", "")) for c in parse(svg).iter(f"{{{NS['svg']}}}circle")]


def test_line_points_by_hand() -> None:
    svg = line_chart(
        {"a": [0, 5, 10]}, labels=["x", "y", "z"], title="T", y_range=(0, 10), width=200, height=100
    )
    # plot x 56..184 (200 − 16), y 12..72 (100 − 28); 3 points: x = 56 + i·128/2;
    # y = 72 − v/10·60 → (56,72) (120,42) (184,12)
    assert polylines(svg) == ["56,72 120,42 184,12"]
    assert circles(svg) == [("56", "72"), ("120", "42"), ("184", "12")]


def test_gap_for_missing_values() -> None:
    svg = line_chart(
        {"a": [1, None, 3, 4]},
        labels=["1", "2", "3", "4"],
        title="gaps",
        y_range=(0, 4),
        width=200,
        height=100,
    )
    # x step 128/3 = 42.67: x = 56, (98.7), 141.3, 184; y = 72 − v/4·60: 57, –, 27, 12.
    # The lone first point is a dot with no line; points 3 and 4 are joined.
    assert polylines(svg) == ["141.3,27 184,12"]
    assert circles(svg) == [("56", "57"), ("141.3", "27"), ("184", "12")]


def test_one_point_sits_in_the_middle() -> None:
    svg = line_chart(
        {"a": [0.5]}, labels=["w1"], title="one", y_range=(0, 1), width=200, height=100
    )
    # n = 1: x = (56 + 184)/2 = 120; y = 72 − 0.5·60 = 42
    assert polylines(svg) == []
    assert circles(svg) == [("120", "42")]


@pytest.mark.parametrize("series", [{"a": [None, None]}, {}])
def test_no_data(series: dict[str, list[float | None]]) -> None:
    svg = line_chart(series, labels=["a", "b"], title="empty")
    root = parse(svg)
    assert root.get("role") == "img"
    assert "no data" in svg
    assert polylines(svg) == []
    assert circles(svg) == []
    assert "no data" in line_chart({}, labels=[], title="none")


def test_target_warning_and_legend() -> None:
    svg = line_chart(
        {"a": [0, 10], "b": [10, 0]},
        labels=["p", "q"],
        title="two",
        target=5,
        warning=8,
        y_range=(0, 10),
        width=200,
        height=100,
    )
    # a legend row moves the plot top to 12 + 22 = 34: y = 72 − v/10·38
    assert polylines(svg) == ["56,72 184,34", "56,34 184,72"]
    root = parse(svg)
    lines = {ln.get("class"): ln for ln in root.iter(f"{{{NS['svg']}}}line") if ln.get("class")}
    assert lines["target"].get("y1") == "53"  # 72 − 5/10·38
    assert lines["warning"].get("y1") == "41.6"  # 72 − 8/10·38 = 41.6
    assert ">a</text>" in svg
    assert ">b</text>" in svg


def test_band_and_automatic_axis() -> None:
    svg = line_chart({"rate": [0.12, 0.18]}, labels=["w1", "w2"], title="band", band=(0.10, 0.20))
    ticks = [t.text for t in parse(svg).iter(f"{{{NS['svg']}}}text")]
    # the axis covers the data and the band: nice ticks 0.10 … 0.20 in steps of 0.025
    assert ticks[:5] == ["0.1", "0.125", "0.15", "0.175", "0.2"]
    assert 'class="band"' in svg


def test_escaping_of_labels_titles_and_names() -> None:
    evil = '<script>alert(1)</script> & "quotes"'
    svgs = [
        line_chart({evil: [1, 2]}, labels=[evil, "b"], title=evil),
        sparkline([1, 2], title=evil),
        bar_chart([evil], [3], title=evil),
        stacked_bars([evil], {evil: [1]}, title=evil),
    ]
    for svg in svgs:
        assert "<script" not in svg
        assert "&lt;script&gt;" in svg
        root = parse(svg)
        assert root.get("aria-label") == evil  # escaped in the attribute, intact when read
        assert root.find("svg:title", NS) is not None
        assert root.find("svg:title", NS).text == evil  # type: ignore[union-attr]


def test_sparkline_by_hand() -> None:
    svg = sparkline([0, 5, 10], title="s", width=120, height=40)
    # pad 4: x = 4 + i·112/2 → 4, 60, 116; y = 40 − 4 − v/10·32 → 36, 20, 4
    assert polylines(svg) == ["4,36 60,20 116,4"]
    assert circles(svg) == [("116", "4")]  # the last value is marked


def test_sparkline_flat_single_and_empty() -> None:
    assert polylines(sparkline([3, 3], title="flat", width=120, height=40)) == ["4,20 116,20"]
    lone = sparkline([None, 2, None], title="lone", width=120, height=40)
    assert polylines(lone) == []
    assert circles(lone) == [("60", "20")]
    assert "no data" in sparkline([None], title="nothing")


def test_bar_chart_by_hand() -> None:
    svg = bar_chart(
        ["a", "a label much too long to fit"],
        [10, 5],
        title="bars",
        width=400,
        label_width=100,
        bar_height=20,
        gap=10,
    )
    rects = [(r.get("y"), r.get("width")) for r in parse(svg).iter(f"{{{NS['svg']}}}rect")]
    # bar span 400 − 100 − 64 = 236: 10 → 236, 5 → 118; y = 10 + i·(20 + 10)
    assert rects == [("10", "236"), ("40", "118")]
    assert parse(svg).get("height") == "70"  # 10 + 2·30
    # 90 px of label room at 7 px a character: 12 characters, the last an ellipsis
    assert ">a label muc…</text>" in svg
    assert "<title>a label much too long to fit: 5</title>" in svg


def test_bar_chart_missing_value_and_mismatch() -> None:
    svg = bar_chart(["x", "y"], [None, 4], title="t", value_format=str)
    widths = [r.get("width") for r in parse(svg).iter(f"{{{NS['svg']}}}rect")]
    assert widths[0] == "0"
    assert ">–</text>" in svg
    with pytest.raises(ValueError, match="2 labels for 1 values"):
        bar_chart(["x", "y"], [1], title="t")


def test_stacked_bars_by_hand() -> None:
    svg = stacked_bars(
        ["w1", "w2"], {"esc": [2, 1], "elev": [1, None]}, title="st", width=200, height=100
    )
    rects = [
        (r.get("x"), r.get("y"), r.get("height"))
        for r in parse(svg).iter(f"{{{NS['svg']}}}rect")
        if r.find("svg:title", NS) is not None
    ]
    # totals 3 and 1 → ticks 0..3; plot y 34..72 so y(v) = 72 − v/3·38; slot 128/2 = 64,
    # bar 44.8 wide at 56 + 9.6 = 65.6 and 129.6. w1: esc 0..2 → y 46.7, height 25.3;
    # elev 2..3 → y 34, height 12.7. w2: esc 0..1 → y 59.3, height 12.7.
    assert rects == [
        ("65.6", "46.7", "25.3"),
        ("65.6", "34", "12.7"),
        ("129.6", "59.3", "12.7"),
    ]


def test_nice_ticks() -> None:
    # (0.97 − 0.91)/4 = 0.015 → step 0.02, from 0.90 (⌊0.91/0.02⌋·0.02) to 0.98
    assert nice_ticks(0.91, 0.97) == [0.9, 0.92, 0.94, 0.96, 0.98]
    assert nice_ticks(0, 10) == [0, 2.5, 5, 7.5, 10]
    assert nice_ticks(3, 3) == [2.6, 2.8, 3.0, 3.2, 3.4]  # ±10% around a flat value
    with pytest.raises(ValueError, match="finite"):
        nice_ticks(0, float("nan"))


def test_percent_and_mismatched_series() -> None:
    assert (percent(0.953), percent(0.9), percent(1.0)) == ("95.3%", "90%", "100%")
    with pytest.raises(ValueError, match="3 values for 2 labels"):
        line_chart({"a": [1, 2, 3]}, labels=["x", "y"], title="t")
    assert re.search(r'viewBox="0 0 640 240"', line_chart({"a": [1]}, labels=["x"], title="t"))
