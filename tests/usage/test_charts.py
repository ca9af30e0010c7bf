"""The server-side SVG usage chart."""

from datetime import date, timedelta
from xml.etree import ElementTree

from usage.charts import ChartDay, usage_chart

SVG = "{http://www.w3.org/2000/svg}"
START, END = date(2024, 6, 9), date(2024, 7, 8)


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_bars_per_day_overage_in_its_own_colour_and_a_commitment_line():
    days = [ChartDay(START + timedelta(days=i), used, 10) for i, used in enumerate([5, 10, 14])]
    root = parse(usage_chart(days, start=START, end=END, title="Standard", chart_id="c1"))
    assert root.get("role") == "img" and root.get("id") == "c1"
    assert root.find(f"{SVG}title").text == "Standard"
    assert "3 of 30 days computed" in root.find(f"{SVG}desc").text
    assert "1 days above commitment" in root.find(f"{SVG}desc").text
    rects = root.findall(f"{SVG}rect")
    assert len(rects) == 4  # three bars within commitment, one overage part
    assert len([r for r in rects if r.get("class") == "over"]) == 1
    assert root.find(f"{SVG}polyline").get("class") == "commitment"


def test_empty_cycle_and_hostile_title_render_safely():
    svg = usage_chart([], start=START, end=END, title='<script>"x"</script>', chart_id="a&b")
    root = parse(svg)
    assert "<script>" not in svg
    assert root.find(f"{SVG}title").text == '<script>"x"</script>'
    assert root.findall(f"{SVG}rect") == []


def test_days_outside_the_cycle_are_not_drawn():
    days = [ChartDay(START - timedelta(days=1), 50, 10), ChartDay(START, 0, 10)]
    root = parse(usage_chart(days, start=START, end=END, title="t"))
    assert root.findall(f"{SVG}rect") == []
    assert "1 of 30 days computed" in root.find(f"{SVG}desc").text
