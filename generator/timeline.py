"""The timeline: briefings by year, month and day, and the activity chart.

:func:`build_timeline` groups dated briefings oldest first (a year holds its months with
briefings, a month its days) and links each period to its neighbours with briefings.
Undated briefings are kept apart in ``Timeline.undated``: listed, never dropped.

:func:`activity_chart` draws briefings per month as inline SVG when the site is built, so
no JavaScript is needed to see it. Bars are stacked by the most used topics
(``Timeline.series``). The SVG is an image with a ``<title>`` and a ``<desc>`` that says what
it shows in words; :func:`chart_rows` gives the same numbers for a data table. Colours come
from CSS classes (``chart__s0`` …), never ``style`` attributes, which the CSP forbids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from markupsafe import Markup, escape

from generator.model import Briefing, Day, Month, Taxonomy, Timeline, Year

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
#: How many of the most used topics the chart stacks (the rest is "Other").
SERIES_TOPICS = 3


def month_url(year: int, month: int) -> str:
    return f"/timeline/{year:04d}/{month:02d}/"


def build_timeline(briefings: list[Briefing], topics: Taxonomy | None = None) -> Timeline:
    dated = sorted((b for b in briefings if b.date is not None), key=lambda b: (b.date, b.url))
    undated = [b for b in briefings if b.date is None]
    # A topic every dated briefing names would colour every bar alike: it is no series.
    candidates = [t for t in (topics.terms if topics else [])
                  if sum(1 for b in t.briefings if b.date is not None) < len(dated)]
    top = sorted(candidates, key=lambda t: (-t.count, t.name.casefold(), t.slug))[:SERIES_TOPICS]
    series = tuple(t.name for t in top) + (("Other",) if top else ())
    top_sets = [{id(b) for b in t.briefings} for t in top]

    def series_of(b: Briefing) -> int:
        return next((k for k, members in enumerate(top_sets) if id(b) in members), len(top_sets))

    years: list[Year] = []
    for year, in_year in groupby(dated, key=lambda b: b.date.year):
        months = []
        for month, in_month in groupby(in_year, key=lambda b: b.date.month):
            in_month = list(in_month)
            days = [Day(date=d, briefings=list(bs)) for d, bs in groupby(in_month, key=lambda b: b.date)]
            counts = [0] * max(len(series), 1)
            for b in in_month:
                counts[series_of(b) if series else 0] += 1
            months.append(Month(year=year, month=month, url=month_url(year, month), days=days,
                                series_counts=tuple(counts)))
        years.append(Year(year=year, url=f"/timeline/{year:04d}/", months=months))
    for periods in (years, [m for y in years for m in y.months]):
        for before, after in zip(periods, periods[1:]):
            before.next, after.previous = after, before
    return Timeline(url="/timeline/", years=years, undated=undated, series=series)


@dataclass(frozen=True)
class ChartRow:
    year: int
    month: int
    url: str | None  # None for a month without briefings
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def label(self) -> str:
        return f"{MONTHS[self.month - 1]} {self.year}"


def chart_rows(timeline: Timeline, year: int | None = None) -> list[ChartRow]:
    """One row per month, empty months included: from the first month with briefings to the
    last, or January to December of ``year``."""
    width = max(len(timeline.series), 1)
    by_month = {(m.year, m.month): m for m in timeline.months}
    if year is not None:
        span = [(year, m) for m in range(1, 13)]
    elif by_month:
        (y0, m0), (y1, m1) = min(by_month), max(by_month)
        span = [(y, m) for y in range(y0, y1 + 1) for m in range(1, 13) if (y0, m0) <= (y, m) <= (y1, m1)]
    else:
        span = []
    rows = []
    for y, m in span:
        month = by_month.get((y, m))
        rows.append(ChartRow(y, m, month.url if month else None,
                             month.series_counts if month else (0,) * width))
    return rows


def _num(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def describe(rows: list[ChartRow]) -> str:
    """The chart in words, for its ``<desc>``."""
    if not rows:
        return "No dated briefings yet."
    total = sum(r.total for r in rows)
    busiest = max(rows, key=lambda r: (r.total, -r.year, -r.month))
    noun = "briefing" if total == 1 else "briefings"
    text = f"{total} {noun} from {rows[0].label} to {rows[-1].label}."
    if busiest.total:
        text += f" The busiest month was {busiest.label}, with {busiest.total}."
    return text


def activity_chart(timeline: Timeline, year: int | None = None, compact: bool = False,
                   chart_id: str = "activity") -> Markup:
    """Briefings per month as an accessible inline SVG (bars stacked by top topics)."""
    rows = chart_rows(timeline, year)
    title = "Briefings per month" + (f" in {year}" if year is not None else "")
    desc = describe(rows)
    n = max(len(rows), 1)
    top_pad, bottom_pad = (4, 4) if compact else (12, 26)
    left, right = (2, 2) if compact else (34, 8)
    plot_h = 56 if compact else 160
    step = max(4.0, min(40.0, (300 if compact else 640) / n))
    width = left + n * step + right
    height = top_pad + plot_h + bottom_pad
    peak = max((r.total for r in rows), default=0) or 1
    base_y = top_pad + plot_h
    out = [f'<svg class="chart{" chart--compact" if compact else ""}" role="img" '
           f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {_num(width)} {height}" '
           f'width="{_num(width)}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
           f'<title id="{chart_id}-title">{escape(title)}</title>',
           f'<desc id="{chart_id}-desc">{escape(desc)}</desc>']
    if not compact:
        out.append(f'<line class="chart__grid" x1="{left}" x2="{_num(width - right)}" y1="{top_pad}" y2="{top_pad}"/>')
        out.append(f'<text class="chart__label" x="{left - 6}" y="{top_pad + 4}" text-anchor="end">{peak}</text>')
        out.append(f'<text class="chart__label" x="{left - 6}" y="{base_y}" text-anchor="end">0</text>')
    bar_w = max(step * 0.78, 2.0)
    for k, row in enumerate(rows):
        x = left + k * step + (step - bar_w) / 2
        if row.total:
            segments = []
            y = float(base_y)
            for s, c in enumerate(row.counts):
                if not c:
                    continue
                h = plot_h * c / peak
                y -= h
                segments.append(f'<rect class="chart__bar chart__s{s}" x="{_num(x)}" y="{_num(y)}" '
                                f'width="{_num(bar_w)}" height="{_num(h)}"/>')
            noun = "briefing" if row.total == 1 else "briefings"
            out.append(f'<g><title>{row.label}: {row.total} {noun}</title>{"".join(segments)}</g>')
        if compact:
            continue
        if year is None and (row.month == 1 or (k == 0 and row.month <= 10)):
            label = str(row.year)
        elif year is not None and row.month in (1, 4, 7, 10):
            label = MONTHS[row.month - 1][:3]
        else:
            continue
        out.append(f'<text class="chart__label" x="{_num(left + k * step)}" y="{base_y + 18}">{label}</text>')
    out.append(f'<line class="chart__axis" x1="{left}" x2="{_num(width - right)}" y1="{base_y}" y2="{base_y}"/>')
    out.append("</svg>")
    return Markup("".join(out))


def long_month(d: dt.date | Month) -> str:
    return f"{MONTHS[d.month - 1]} {d.year}"
