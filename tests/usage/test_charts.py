"""The server-side SVG usage chart: legible, with a legend, each day's figures on hover
and in a table for screen readers."""

from datetime import date, timedelta
from xml.etree import ElementTree

from usage.charts import FONT, WIDTH, ChartDay, usage_chart

SVG = "{http://www.w3.org/2000/svg}"
START, END = date(2024, 6, 9), date(2024, 7, 8)


def parse(html: str) -> ElementTree.Element:
    """The chart's figure (SVG, legend, figures table) as XML."""
    return ElementTree.fromstring(html)


def svg_of(figure: ElementTree.Element) -> ElementTree.Element:
    return figure.find(f"{SVG}svg")


def test_bars_per_day_overage_in_its_own_colour_and_a_commitment_line():
    days = [ChartDay(START + timedelta(days=i), used, 10) for i, used in enumerate([5, 10, 14])]
    figure = parse(usage_chart(days, start=START, end=END, title="Standard", chart_id="c1"))
    root = svg_of(figure)
    assert root.get("role") == "img" and root.get("id") == "c1"
    assert root.find(f"{SVG}title").text == "Standard"
    assert "3 of 30 days computed" in root.find(f"{SVG}desc").text
    assert "1 days above commitment" in root.find(f"{SVG}desc").text
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") != "hit"]
    assert len(bars) == 4  # three bars within commitment, one overage part
    assert len([r for r in bars if r.get("class") == "over"]) == 1
    assert root.find(f"{SVG}polyline").get("class") == "commitment"


def test_each_day_tells_its_figures_on_hover_and_in_a_table():
    days = [ChartDay(START, 14, 10), ChartDay(START + timedelta(days=1), 7, 10)]
    figure = parse(usage_chart(days, start=START, end=END, title="Standard", chart_id="c1"))
    tips = [g.find(f"{SVG}title").text for g in svg_of(figure).iter(f"{SVG}g")]
    assert tips == ["2024-06-09: 14 used, 10 committed, 4 above",
                    "2024-06-10: 7 used, 10 committed, 0 above"]
    rows = [[td.text for td in tr] for tr in figure.iter("tr")][1:]
    assert rows == [["2024-06-09", "14", "10", "4"], ["2024-06-10", "7", "10", "0"]]


def test_labels_are_legible_and_the_legend_names_the_colours():
    days = [ChartDay(START, 14, 10)]
    html = usage_chart(days, start=START, end=END, title="t", chart_id="c1")
    figure = parse(html)
    sizes = {float(t.get("font-size")) for t in svg_of(figure).iter(f"{SVG}text")}
    # The chart is drawn at most ~1.15 user units per pixel in its card: ≥ 9.5 px text.
    assert min(sizes) >= 11 and FONT / (WIDTH / 280) >= 9.5
    legend = [li.itertext() for li in figure.iter("li")]
    assert ["".join(t) for t in legend] == [
        "Used within commitment", "Above commitment", "Commitment"
    ]
    # Full dates on the axis, not "09 Jun".
    assert "2024-06-09" in html and "2024-07-08" in html


def test_empty_cycle_and_hostile_title_render_safely():
    html = usage_chart([], start=START, end=END, title='<script>"x"</script>', chart_id="a&b")
    root = svg_of(parse(html))
    assert "<script>" not in html
    assert root.find(f"{SVG}title").text == '<script>"x"</script>'
    assert root.findall(f".//{SVG}rect") == []


def test_days_outside_the_cycle_are_not_drawn():
    days = [ChartDay(START - timedelta(days=1), 50, 10), ChartDay(START, 0, 10)]
    root = svg_of(parse(usage_chart(days, start=START, end=END, title="t")))
    assert [r for r in root.iter(f"{SVG}rect") if r.get("class") != "hit"] == []
    assert "1 of 30 days computed" in root.find(f"{SVG}desc").text
