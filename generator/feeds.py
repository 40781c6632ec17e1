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
import io
import xml.etree.ElementTree as ET

from generator.config import Config
from generator.link import term_slug
from generator.model import Briefing, OutputFile, Site, Taxonomy, Term

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 20
_EPOCH = "1970-01-01T00:00:00Z"
ET.register_namespace("", ATOM)


def _stamp(d: dt.date, config: Config) -> str:
    return dt.datetime.combine(d, dt.time(0), tzinfo=config.tz).isoformat()


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def atom_feed(site: Site, *, title: str, feed_url: str, page_url: str, briefings: list[Briefing],
              full: bool, content: bool = True) -> bytes:
    """One Atom document; ``briefings`` newest first (undated ones are skipped)."""
    config = site.config
    entries = []
    for b in briefings:  # only as far as the feed goes: what is read is what a cached feed depends on
        if b.date is not None:
            entries.append(b)
            if len(entries) == FEED_ENTRIES:
                break
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": config.language})
    _sub(feed, "title", title)
    if config.description:
        _sub(feed, "subtitle", config.description)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=config.absolute(feed_url))
    _sub(feed, "link", rel="alternate", type="text/html", href=config.absolute(page_url))
    _sub(feed, "id", config.absolute(feed_url))
    _sub(feed, "updated", _stamp(entries[0].date, config) if entries else _EPOCH)
    author = _sub(feed, "author")
    _sub(author, "name", config.publisher or config.title)
    _sub(feed, "generator", "Briefing Archive")
    slugs: dict[str, dict[str, Term]] = (
        {key: {t.slug: t for t in tax.terms} for key, tax in site.taxonomies.items()} if full else {})
    for b in entries:
        entry = _sub(feed, "entry")
        _sub(entry, "title", b.title)
        _sub(entry, "link", rel="alternate", type="text/html", href=config.absolute(b.url))
        _sub(entry, "id", config.absolute(b.url))
        stamp = _stamp(b.date, config)
        _sub(entry, "published", stamp)
        _sub(entry, "updated", stamp)
        if b.source:
            _sub(_sub(entry, "author"), "name", b.source)
        if full:  # categories in the site feed; a term's feed is about its term
            for key, tax in site.taxonomies.items():
                for name in b.terms(key):
                    term = slugs[key].get(term_slug(name))
                    if term is not None:
                        _sub(entry, "category", term=term.slug, label=term.name, scheme=config.absolute(tax.url))
        if b.summary:
            _sub(entry, "summary", b.summary)
        if full and content and b.html:
            _sub(entry, "content", b.html, type="html")
    ET.indent(feed)
    buf = io.BytesIO()
    ET.ElementTree(feed).write(buf, encoding="utf-8", xml_declaration=True)
    return buf.getvalue() + b"\n"


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
