"""The render stage's share of the cross-links: the timeline, stories and by-count pages,
the Atom feeds, and the template helpers they need. Kept apart so render.py stays short.
"""

from __future__ import annotations

from typing import Callable

import jinja2

from generator.feeds import feed_files, site_feed, term_feed
from generator.model import OutputFile, Site
from generator.timeline import activity_chart, chart_rows, long_month

Page = tuple[str, "str | None", str, dict]  # (output path, page url, template, context)


def register(env: jinja2.Environment) -> None:
    env.globals["activity_chart"] = activity_chart
    env.globals["chart_rows"] = chart_rows
    env.filters["long_month"] = long_month


def by_count_url(taxonomy_url: str) -> str:
    return taxonomy_url + "by-count/"


def pages(site: Site, out_path: Callable[[str], str]) -> list[Page]:
    """Pages for taxonomies by count, the timeline (all, per year, per month) and stories."""
    found: list[Page] = []
    for tax in site.taxonomies.values():
        url = by_count_url(tax.url)
        terms = sorted(tax.terms, key=lambda t: (-t.count, t.name.casefold(), t.slug))
        found.append((out_path(url), url, "taxonomy.html", {"taxonomy": tax, "terms": terms, "order": "count"}))
    timeline = site.timeline
    if timeline is not None:
        found.append((out_path(timeline.url), timeline.url, "timeline.html", {"timeline": timeline}))
        for year in timeline.years:
            found.append((out_path(year.url), year.url, "timeline_year.html", {"timeline": timeline, "year": year}))
            for month in year.months:
                found.append((out_path(month.url), month.url, "timeline_month.html",
                              {"timeline": timeline, "year": year, "month": month}))
    found.append(("stories/index.html", "/stories/", "stories.html", {"stories": site.stories}))
    return found


#: Pages written by Python rather than a template: template name -> renderer of the page's context.
#: They go through the page cache like templates (generator/pages.py), read through the same tracing.
RENDERERS = {
    "py:feed.xml": lambda ctx: site_feed(ctx["site"]),
    "py:term-feed.xml": lambda ctx: term_feed(ctx["site"], ctx["taxonomy"], ctx["term"]),
}


def feed_pages(site: Site) -> list[Page]:
    """The Atom feeds (generator/feeds.py): the site's and one per term."""
    found: list[Page] = [("feed.xml", "/feed.xml", "py:feed.xml", {})]
    for tax in site.taxonomies.values():
        for term in tax.terms:
            found.append((term.feed_url.strip("/"), term.feed_url, "py:term-feed.xml", {"taxonomy": tax, "term": term}))
    return found


def feeds(site: Site) -> list[OutputFile]:
    return feed_files(site)
