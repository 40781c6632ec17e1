"""Atom feeds (RFC 4287): the site's latest briefings, and one per term.

``/feed.xml`` carries the ``FEED_ENTRIES`` newest briefings with their full bodies (or
only their summaries, with ``feed_content = "summary"`` in site.toml);
``/<taxonomy>/<term>/feed.xml`` the newest of that term, with summaries only (an archive
has thousands of terms). Feeds are deterministic: every timestamp is a briefing's date at
midnight in the site's time zone, never the build time, and a feed's ``updated`` is its
newest entry's. Undated briefings have no place in a feed (Atom requires a date) and are
left out of feeds only.
"""

from __future__ import annotations

import datetime as dt

from generator.config import Config
from generator.link import term_slug
from generator.model import Briefing, OutputFile, Site, Taxonomy, Term

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 20
_EPOCH = "1970-01-01T00:00:00Z"


def _stamp(d: dt.date, config: Config) -> str:
    return dt.datetime.combine(d, dt.time(0), tzinfo=config.tz).isoformat()


_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTR_ESCAPES = (*_TEXT_ESCAPES, ('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _escape(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for char, entity in escapes:
        if char in text:
            text = text.replace(char, entity)
    return text


def _element(out: list[str], depth: int, tag: str, text: str | None = None, **attrs: str) -> None:
    """One line: an element without children, indented two spaces a level."""
    attributes = "".join(f' {name}="{_escape(value, _ATTR_ESCAPES)}"' for name, value in attrs.items())
    if text:
        out.append(f"{'  ' * depth}<{tag}{attributes}>{_escape(text, _TEXT_ESCAPES)}</{tag}>\n")
    else:
        out.append(f"{'  ' * depth}<{tag}{attributes} />\n")


def atom_feed(site: Site, *, title: str, feed_url: str, page_url: str, briefings: list[Briefing],
              full: bool, content: bool = True) -> bytes:
    """One Atom document; ``briefings`` newest first (undated ones are skipped).

    Written as text, in the form xml.etree.ElementTree gives an indented tree (one element
    a line, two spaces a level, ``<tag />`` when empty): in less than half the time, and the same
    bytes whatever Python's version (tests/test_feeds.py compares the two)."""
    config = site.config
    entries = []
    for b in briefings:  # only as far as the feed goes: what is read is what a cached feed depends on
        if b.date is not None:
            entries.append(b)
            if len(entries) == FEED_ENTRIES:
                break
    out = ["<?xml version='1.0' encoding='utf-8'?>\n",
           f'<feed xmlns="{ATOM}" xml:lang="{_escape(config.language, _ATTR_ESCAPES)}">\n']
    _element(out, 1, "title", title)
    if config.description:
        _element(out, 1, "subtitle", config.description)
    _element(out, 1, "link", rel="self", type="application/atom+xml", href=config.absolute(feed_url))
    _element(out, 1, "link", rel="alternate", type="text/html", href=config.absolute(page_url))
    _element(out, 1, "id", config.absolute(feed_url))
    _element(out, 1, "updated", _stamp(entries[0].date, config) if entries else _EPOCH)
    out.append("  <author>\n")
    _element(out, 2, "name", config.publisher or config.title)
    out.append("  </author>\n")
    _element(out, 1, "generator", "Briefing Archive")
    slugs: dict[str, dict[str, Term]] = (
        {key: {t.slug: t for t in tax.terms} for key, tax in site.taxonomies.items()} if full else {})
    for b in entries:
        out.append("  <entry>\n")
        _element(out, 2, "title", b.title)
        _element(out, 2, "link", rel="alternate", type="text/html", href=config.absolute(b.url))
        _element(out, 2, "id", config.absolute(b.url))
        stamp = _stamp(b.date, config)
        _element(out, 2, "published", stamp)
        _element(out, 2, "updated", stamp)
        if b.source:
            out.append("    <author>\n")
            _element(out, 3, "name", b.source)
            out.append("    </author>\n")
        if full:  # categories in the site feed; a term's feed is about its term
            for key, tax in site.taxonomies.items():
                for name in b.terms(key):
                    term = slugs[key].get(term_slug(name))
                    if term is not None:
                        _element(out, 2, "category", term=term.slug, label=term.name, scheme=config.absolute(tax.url))
        if b.summary:
            _element(out, 2, "summary", b.summary)
        if full and content and b.html:
            _element(out, 2, "content", b.html, type="html")
        out.append("  </entry>\n")
    out.append("</feed>\n")
    return "".join(out).encode("utf-8")


def site_feed(site: Site) -> bytes:
    return atom_feed(site, title=site.config.title, feed_url="/feed.xml", page_url="/", briefings=site.briefings,
                     full=True, content=site.config.feed_content == "full")


def term_feed(site: Site, tax: Taxonomy, term: Term) -> bytes:
    return atom_feed(site, title=f"{term.name} · {tax.plural} · {site.config.title}", feed_url=term.feed_url,
                     page_url=term.url, briefings=term.briefings, full=False)


def feed_files(site: Site) -> list[OutputFile]:
    """The site feed and every term's feed."""
    files = [OutputFile("feed.xml", site_feed(site))]
    for tax in site.taxonomies.values():
        for term in tax.terms:
            files.append(OutputFile(term.feed_url.strip("/"), term_feed(site, tax, term)))
    return files
