"""The timeline: grouping across year boundaries, undated briefings kept, the SVG chart."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from conftest import briefing
from generator.config import Config
from generator.diagnostics import Diagnostics
from generator.link import link
from generator.model import Briefing
from generator.timeline import activity_chart, chart_rows

SVG = "{http://www.w3.org/2000/svg}"


def make(slug: str, date: str | None, topics=()) -> Briefing:
    return Briefing(path=f"{slug}.md", title=slug, date=dt.date.fromisoformat(date) if date else None, slug=slug,
                    body="", topics=tuple(topics))


def timeline_of(*briefings: Briefing):
    return link(Config(), list(briefings), Diagnostics()).timeline


def test_grouping_by_year_month_and_day_across_a_year_boundary():
    t = timeline_of(make("nye", "2021-12-31"), make("ny-b", "2022-01-01"), make("ny-a", "2022-01-01"),
                    make("feb", "2022-02-15"), make("undated", None), make("march", "2020-03-03"))
    assert [y.year for y in t.years] == [2020, 2021, 2022]
    assert [(m.year, m.month, m.count) for m in t.months] == [(2020, 3, 1), (2021, 12, 1), (2022, 1, 2), (2022, 2, 1)]
    jan = t.years[2].months[0]
    assert jan.url == "/timeline/2022/01/" and t.years[2].url == "/timeline/2022/"
    assert [(d.date.isoformat(), [b.slug for b in d.briefings]) for d in jan.days] == \
        [("2022-01-01", ["ny-a", "ny-b"])]  # one day, ties by URL
    # neighbours skip empty periods and cross the year boundary
    dec = t.years[1].months[0]
    assert dec.next is jan and jan.previous is dec and dec.previous is t.years[0].months[0]
    assert t.months[-1].next is None and t.months[0].previous is None
    assert t.years[1].previous is t.years[0] and t.years[1].next is t.years[2] and t.years[2].next is None
    # the undated briefing is listed apart, not dropped
    assert [b.slug for b in t.undated] == ["undated"]


def test_briefing_previous_and_next_follow_time_not_the_list():
    site = link(Config(), [make("b", "2022-01-02"), make("a", "2022-01-01"), make("a2", "2022-01-01"),
                           make("u", None)], Diagnostics())
    by = {b.slug: b for b in site.briefings}
    assert by["a"].previous is None and by["a"].next is by["a2"]
    assert by["a2"].next is by["b"] and by["b"].previous is by["a2"] and by["b"].next is None
    assert by["u"].previous is None and by["u"].next is None


def test_chart_rows_fill_empty_months_and_a_year_has_twelve():
    t = timeline_of(make("a", "2021-11-05"), make("b", "2022-02-01"), make("c", "2022-02-20"))
    rows = chart_rows(t)
    assert [(r.label, r.total, r.url) for r in rows] == [
        ("November 2021", 1, "/timeline/2021/11/"), ("December 2021", 0, None),
        ("January 2022", 0, None), ("February 2022", 2, "/timeline/2022/02/")]
    assert [r.total for r in chart_rows(t, 2022)] == [0, 2] + [0] * 10
    assert chart_rows(timeline_of(make("u", None))) == []


def test_series_are_the_most_used_topics_but_not_one_every_briefing_names():
    t = timeline_of(make("a", "2022-01-01", ["NATO", "Arms control"]), make("b", "2022-01-02", ["NATO", "Arms control"]),
                    make("c", "2022-02-01", ["NATO", "Energy"]), make("d", "2022-02-02", ["NATO"]))
    assert t.series == ("Arms control", "Energy", "Other")
    assert [m.series_counts for m in t.months] == [(2, 0, 0), (0, 1, 1)]


def test_chart_is_an_accessible_svg_without_style_attributes():
    t = timeline_of(make("a", "2021-12-01", ["X"]), make("b", "2022-01-01", ["Y"]), make("c", "2022-01-03", ["Y"]))
    svg = ET.fromstring(str(activity_chart(t, chart_id="c1")))
    assert svg.tag == SVG + "svg" and svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(SVG + "title").get("id") == "c1-title"
    assert svg.find(SVG + "title").text == "Briefings per month"
    desc = svg.find(SVG + "desc")
    assert desc.get("id") == "c1-desc"
    assert desc.text == ("3 briefings from December 2021 to January 2022. "
                         "The busiest month was January 2022, with 2.")
    assert not [el for el in svg.iter() if "style" in el.attrib]
    bars = svg.findall(f".//{SVG}rect")
    assert sorted(b.get("class") for b in bars) == ["chart__bar chart__s0", "chart__bar chart__s1"]
    tips = [g.find(SVG + "title").text for g in svg.findall(SVG + "g")]
    assert tips == ["December 2021: 1 briefing", "January 2022: 2 briefings"]
    # series: Y (2 briefings) first, then X; the January bar (Y, 2) is twice as tall as December's (X, 1)
    heights = {b.get("class"): float(b.get("height")) for b in bars}
    assert heights["chart__bar chart__s0"] == 2 * heights["chart__bar chart__s1"] == 160
    compact = ET.fromstring(str(activity_chart(t, compact=True, chart_id="c2")))
    assert compact.get("class") == "chart chart--compact" and not compact.findall(SVG + "text")
    assert str(activity_chart(t)) == str(activity_chart(t))  # deterministic


def test_timeline_pages_are_built(site):
    site.add("a.md", briefing("Eve", "2021-12-31", topics="[Arms control]"))
    site.add("b.md", briefing("New year", "2022-01-01", topics="[Arms control]"))
    site.add("c.md", briefing("Also new year", "2022-01-01"))
    site.add("d.md", briefing("No date", None))
    result = site.build()
    assert result.ok, site.messages(result)
    from bs4 import BeautifulSoup

    def page(rel):
        return BeautifulSoup((site.output / rel / "index.html").read_text(encoding="utf-8"), "html.parser")

    top = page("timeline")
    assert top.h1.get_text() == "Timeline"
    assert [h.get_text(" ", strip=True) for h in top.select(".timeline-year h2")] == \
        ["2022 2 briefings", "2021 1 briefing"]
    assert top.select_one("svg.chart[role=img]") is not None
    assert [a.get_text() for a in top.select(".timeline-undated .card__title a")] == ["No date"]
    assert [tr.th.get_text() for tr in top.select(".chart-data tbody tr")] == ["December 2021", "January 2022"]
    jan = page("timeline/2022/01")
    assert jan.h1.get_text() == "January 2022"
    assert [h.get_text() for h in jan.select(".timeline-day h2")] == ["1 January 2022"]
    assert [a.get_text() for a in jan.select(".timeline-day .card__title a")] == ["New year", "Also new year"]  # by URL
    assert jan.select_one(".period-nav a[rel=prev]")["href"] == "../../2021/12/"
    assert jan.select_one(".period-nav a[rel=next]") is None
    year = page("timeline/2021")
    assert year.select_one(".period-nav a[rel=next]")["href"] == "../2022/"
    assert [a.get_text() for a in year.select(".day-list a")] == ["Eve"]
    home = BeautifulSoup((site.output / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.select_one("svg.chart--compact[role=img]") is not None
