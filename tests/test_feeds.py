"""Atom feeds, read back with feedparser."""

from __future__ import annotations

import feedparser
import pytest
from bs4 import BeautifulSoup

from conftest import briefing, tree_digest


def parse(path):
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_site_feed_lists_dated_briefings_newest_first(sample):
    result = sample.build()
    assert result.ok, sample.messages(result)
    feed = parse(sample.output / "feed.xml")
    assert feed.feed.title == "Test Archive"
    assert feed.feed.id == "https://example.org/archive/feed.xml"
    assert feed.feed.updated == "2022-01-26T00:00:00+01:00"  # newest entry, site time zone: no build time
    assert {link.rel: link.href for link in feed.feed.links} == {
        "self": "https://example.org/archive/feed.xml", "alternate": "https://example.org/archive/"}
    assert [e.title for e in feed.entries] == ["Written answers sent to Moscow", "Ministers meet on Ukraine",
                                               "Ministers gather in Riga"]  # the undated note is left out
    first = feed.entries[1]
    assert first.link == "https://example.org/archive/briefings/2022/01/ministers-meet/"
    assert first.id == first.link
    assert first.published == "2022-01-07T00:00:00+01:00"
    assert first.author == "Example Wire"
    assert first.summary == "Ministers met."
    assert "<p>NATO foreign ministers met.</p>" in first.content[0].value
    assert [(t.term, t.label) for t in first.tags] == [
        ("diplomacy", "Diplomacy"), ("arms-control", "Arms control"), ("jens-stoltenberg", "Jens Stoltenberg"),
        ("nato", "NATO"), ("ukraine", "Ukraine"), ("russia", "Russia")]
    assert first.tags[0].scheme == "https://example.org/archive/topics/"


def test_each_term_has_its_own_feed_linked_from_its_page(sample):
    sample.build()
    feed = parse(sample.output / "topics/arms-control/feed.xml")
    assert feed.feed.title == "Arms control · Topics · Test Archive"
    assert feed.feed.id == "https://example.org/archive/topics/arms-control/feed.xml"
    assert [e.title for e in feed.entries] == ["Written answers sent to Moscow", "Ministers meet on Ukraine"]
    assert "content" not in feed.entries[0] and not feed.entries[0].get("tags")
    page = BeautifulSoup((sample.output / "topics/arms-control/index.html").read_text(encoding="utf-8"),
                         "html.parser")
    alternates = [link["href"] for link in page.find_all("link", rel="alternate")]
    assert "feed.xml" in alternates and "../../feed.xml" in alternates
    assert page.select_one("a.feed-link")["href"] == "feed.xml"
    for tax in ("topics", "people", "organizations", "places"):
        for term_dir in (sample.output / tax).iterdir():
            if term_dir.is_dir() and term_dir.name != "by-count":
                parse(term_dir / "feed.xml")


def test_a_term_with_only_undated_briefings_has_a_valid_empty_feed(site):
    site.add("u.md", briefing("Undated", None, topics="[Lonely]"))
    assert site.build().ok
    feed = parse(site.output / "topics/lonely/feed.xml")
    assert feed.entries == [] and feed.feed.updated == "1970-01-01T00:00:00Z"


def test_feeds_escape_hostile_text_and_are_deterministic(site, tmp_path):
    site.add("x.md", briefing("<script>alert(1)</script> & “quotes”", "2022-01-01", "Body with <b>tags</b> & more.",
                              summary="'A & B < C'", source="'Wire & Co'", topics="[R&D]"))
    assert site.build(tmp_path / "one").ok and site.build(tmp_path / "two").ok
    feed = parse(tmp_path / "one" / "feed.xml")
    assert feed.entries[0].title == "<script>alert(1)</script> & “quotes”"
    assert feed.entries[0].summary == "A & B < C"
    assert feed.entries[0].author == "Wire & Co"
    one, two = tree_digest(tmp_path / "one"), tree_digest(tmp_path / "two")
    assert one["feed.xml"] == two["feed.xml"] and one["topics/r-d/feed.xml"] == two["topics/r-d/feed.xml"]


def _etree_feed(site, *, title, feed_url, page_url, briefings, full, content=True) -> bytes:
    """The feed as xml.etree.ElementTree wrote it before generator/feeds.py wrote text: the oracle."""
    import io
    import xml.etree.ElementTree as ET

    from generator.feeds import _EPOCH, ATOM, FEED_ENTRIES, _stamp
    from generator.link import term_slug

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    ET.register_namespace("", ATOM)
    config = site.config
    entries = [b for b in briefings if b.date is not None][:FEED_ENTRIES]
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": config.language})
    sub(feed, "title", title)
    if config.description:
        sub(feed, "subtitle", config.description)
    sub(feed, "link", rel="self", type="application/atom+xml", href=config.absolute(feed_url))
    sub(feed, "link", rel="alternate", type="text/html", href=config.absolute(page_url))
    sub(feed, "id", config.absolute(feed_url))
    sub(feed, "updated", _stamp(entries[0].date, config) if entries else _EPOCH)
    sub(sub(feed, "author"), "name", config.publisher or config.title)
    sub(feed, "generator", "Briefing Archive")
    slugs = {key: {t.slug: t for t in tax.terms} for key, tax in site.taxonomies.items()}
    for b in entries:
        entry = sub(feed, "entry")
        sub(entry, "title", b.title)
        sub(entry, "link", rel="alternate", type="text/html", href=config.absolute(b.url))
        sub(entry, "id", config.absolute(b.url))
        sub(entry, "published", _stamp(b.date, config))
        sub(entry, "updated", _stamp(b.date, config))
        if b.source:
            sub(sub(entry, "author"), "name", b.source)
        if full:
            for key, tax in site.taxonomies.items():
                for name in b.terms(key):
                    term = slugs[key].get(term_slug(name))
                    if term is not None:
                        sub(entry, "category", term=term.slug, label=term.name, scheme=config.absolute(tax.url))
        if b.summary:
            sub(entry, "summary", b.summary)
        if full and content and b.html:
            sub(entry, "content", b.html, type="html")
    ET.indent(feed)
    buf = io.BytesIO()
    ET.ElementTree(feed).write(buf, encoding="utf-8", xml_declaration=True)
    return buf.getvalue() + b"\n"


@pytest.mark.parametrize("settings", [{"description": "", "publisher": ""},
                                      {"description": 'Notes & <news> "quoted"\\ttab', "publisher": "A & B"}])
def test_feeds_are_the_bytes_elementtree_writes(site, settings):
    from generator.build import load_briefings
    from generator.config import load_config
    from generator.diagnostics import Diagnostics
    from generator.feeds import atom_feed
    from generator.link import link

    toml = [line for line in (site.content / "site.toml").read_text().splitlines()
            if line.split(" ")[0] not in settings]
    toml += [f'{key} = "{value.replace(chr(34), chr(92) + chr(34))}"' for key, value in settings.items()]
    (site.content / "site.toml").write_text("\n".join(toml) + "\n", encoding="utf-8")
    site.add("x.md", briefing("<script>alert(1)</script> & “quotes” ]]> '\"", "2022-01-01",
                              "Body with <b>tags</b> & more.\n\n# A heading\n\n<![CDATA[x]]>",
                              summary="'A & B < C > D'", source='"\\"Wire & Co\\" O\'Neil"',
                              topics='[R&D, "Say \\"hi\\"", "a <b> c", "tab\\there"]', people="[O'Brien]"))
    site.add("y.md", briefing("Plain", "2022-01-02", "Text.", topics="[R&D]"))
    site.add("z.md", briefing("Undated", None, "Text.", topics="[R&D]"))
    site.add("e.md", briefing("No summary or source", "2021-05-01", "", topics="[Empty body]"))
    for n in range(25):  # more than one feed holds
        site.add(f"many/{n}.md", briefing(f"Item {n}", f"2020-01-{n + 1:02d}", "Some text.", topics="[Many]",
                                          summary=f"Summary {n}"))
    diags = Diagnostics()
    config = load_config(site.content, diags)
    s = link(config, load_briefings(site.content, diags), diags)
    assert not diags.errors, diags.items
    feeds = [dict(title=config.title, feed_url="/feed.xml", page_url="/", briefings=s.briefings, full=True),
             dict(title="Summaries", feed_url="/feed.xml", page_url="/", briefings=s.briefings, full=True,
                  content=False)]
    for tax in s.taxonomies.values():
        for term in tax.terms:
            feeds.append(dict(title=f"{term.name} · {tax.plural}", feed_url=term.feed_url, page_url=term.url,
                              briefings=term.briefings, full=False))
    assert len(feeds) > 8
    for kwargs in feeds:
        assert atom_feed(s, **kwargs) == _etree_feed(s, **kwargs), kwargs["feed_url"]
