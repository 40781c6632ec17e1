"""What search engines and link previews read: sitemap, robots.txt, metadata.

``publish_files`` adds ``sitemap.xml`` and ``robots.txt`` to the rendered
pages; ``install`` gives the theme the ``jsonld`` filter and the
``news_article`` global that the ``<head>`` partial uses.

``lastmod`` in the sitemap comes from the content, never from the build clock,
so it is stable across builds and honest: a briefing's page is dated by the
briefing, a listing page (a term, a taxonomy index, the home page) by the
newest briefing it lists. Pages without any dated briefing get no ``lastmod``.
A site of more than 50,000 pages (the sitemaps.org limit) gets a sitemap index
pointing at numbered sitemaps.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from xml.sax.saxutils import escape

from markupsafe import Markup

from generator.link import term_slug
from generator.model import TAXONOMIES, Briefing, OutputFile, PageFacts, Site
from generator.search import indexed_part

#: sitemaps.org allows at most this many URLs in one sitemap file.
MAX_URLS = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

#: schema.org type of a term of each taxonomy, for ``about``.
SCHEMA_TYPES = {"topics": "Thing", "people": "Person", "organizations": "Organization", "places": "Place"}
assert set(SCHEMA_TYPES) == set(TAXONOMIES)

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def jsonld(data: object) -> Markup:
    """JSON safe to put inside ``<script type="application/ld+json">``.

    ``<``, ``>`` and ``&`` become ``\\u003c``-style escapes (the same string to
    a JSON parser), so a title containing ``</script>`` or ``<!--`` cannot end
    the element or change how the HTML parser reads it.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _JSON_ESCAPES.items():
        text = text.replace(char, escaped)
    return Markup(text)


def news_article(b: Briefing, site: Site) -> dict:
    """schema.org ``NewsArticle`` data for one briefing."""
    config = site.config
    url = config.absolute(b.url)
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": b.title,
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": config.language,
    }
    if b.date is not None:
        data["datePublished"] = b.date.isoformat()
    if b.summary:
        data["description"] = b.summary
    data["publisher"] = {"@type": "Organization", "name": config.publisher or config.title,
                         "url": config.base_url}
    if b.source:
        data["isBasedOn"] = {"@type": "CreativeWork", "publisher": {"@type": "Organization", "name": b.source}}
    about = [{"@type": SCHEMA_TYPES[key], "name": name,
              "url": config.absolute(f"/{key}/{term_slug(name)}/")}
             for key in TAXONOMIES for name in b.terms(key)]
    if about:
        data["about"] = about
    return data


def _page_url(path: str) -> str | None:
    """The site URL of an output file that is a page, else None."""
    if path == "index.html":
        return "/"
    if path.endswith("/index.html"):
        return "/" + path.removesuffix("index.html")
    return None


def _newest(briefings) -> dt.date | None:
    dates = [b.date for b in briefings if b.date is not None]
    return max(dates) if dates else None


def last_modified(site: Site) -> tuple[dict[str, dt.date | None], dt.date | None]:
    """Known pages -> the newest date they show; plus the site's newest date for all other pages."""
    dates: dict[str, dt.date | None] = {b.url: b.date for b in site.briefings}
    for tax in site.taxonomies.values():
        for term in tax.terms:
            dates[term.url] = _newest(term.briefings)
        dates[tax.url] = _newest(b for term in tax.terms for b in term.briefings)
    return dates, _newest(site.briefings)


def _noindex(data: bytes) -> bool:
    head = data[: data.find(b"</head>")]
    return b'name="robots" content="noindex' in head


def page_facts(data: bytes, sha256: bytes) -> PageFacts:
    """What the sitemap and the search index need of a page whose bytes are ``data`` (their
    SHA-256 is ``sha256``): found where the page is rendered, and kept in the build cache with
    it, so that a page reused from the last output is not read for them."""
    part = indexed_part(data)
    return PageFacts(_noindex(data), sha256 if part is data else hashlib.sha256(part).digest())


def sitemap_urls(site: Site, pages: list[OutputFile]) -> list[tuple[str, dt.date | None]]:
    """(absolute URL, lastmod) for every indexable page, sorted by URL."""
    dates, newest = last_modified(site)
    urls = []
    for f in pages:
        url = _page_url(f.path)
        if url is None or (f.facts.noindex if f.facts is not None else _noindex(f.data)):
            continue
        urls.append((site.config.absolute(url), dates.get(url, newest)))
    return sorted(urls)


def _urlset(entries: list[tuple[str, dt.date | None]]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    for loc, lastmod in entries:
        line = f"<url><loc>{escape(loc)}</loc>"
        if lastmod is not None:
            line += f"<lastmod>{lastmod.isoformat()}</lastmod>"
        lines.append(line + "</url>")
    lines.append("</urlset>\n")
    return "\n".join(lines).encode("utf-8")


def sitemap_files(site: Site, pages: list[OutputFile], max_urls: int = MAX_URLS) -> list[OutputFile]:
    entries = sitemap_urls(site, pages)
    if len(entries) <= max_urls:
        return [OutputFile("sitemap.xml", _urlset(entries))]
    files = []
    index = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{SITEMAP_NS}">']
    for n, start in enumerate(range(0, len(entries), max_urls), 1):
        chunk = entries[start:start + max_urls]
        name = f"sitemap-{n}.xml"
        files.append(OutputFile(name, _urlset(chunk)))
        newest = max((d for _, d in chunk if d is not None), default=None)
        entry = f"<sitemap><loc>{escape(site.config.absolute('/' + name))}</loc>"
        if newest is not None:
            entry += f"<lastmod>{newest.isoformat()}</lastmod>"
        index.append(entry + "</sitemap>")
    index.append("</sitemapindex>\n")
    return [OutputFile("sitemap.xml", "\n".join(index).encode("utf-8")), *files]


def robots_txt(site: Site) -> OutputFile:
    text = ("# Crawlers are welcome everywhere; the sitemap lists every page.\n"
            "User-agent: *\nAllow: /\n\n"
            f"Sitemap: {site.config.absolute('/sitemap.xml')}\n")
    return OutputFile("robots.txt", text.encode("utf-8"))


def publish_files(site: Site, pages: list[OutputFile]) -> list[OutputFile]:
    """The files made from the rendered pages: sitemap(s) and robots.txt."""
    return [*sitemap_files(site, pages), robots_txt(site)]


def install(env) -> None:  # noqa: ANN001 - a jinja2.Environment
    env.filters["jsonld"] = jsonld
    env.globals["news_article"] = news_article
