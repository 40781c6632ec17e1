"""The Atom feeds, read by an independent parser (feedparser) the way feed readers do."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from conftest import ROOT, briefing
from generator.build import Paths, build

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(path: Path) -> feedparser.FeedParserDict:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, f"{path}: {feed.get('bozo_exception')}"
    assert feed.version == "atom10"
    return feed


def test_site_feed_has_the_dated_briefings_newest_first_with_full_content(sample):
    assert sample.build().ok
    feed = parse(sample.output / "feed.xml")
    assert feed.feed.title == "Test Archive"
    assert [e.title for e in feed.entries] == ["Written answers sent to Moscow", "Ministers meet on Ukraine",
                                               "Ministers gather in Riga"]  # the undated one has no date to give
    first = feed.entries[1]
    assert first.link == "https://example.org/archive/briefings/2022/01/ministers-meet/"
    assert first.published_parsed[:3] == (2022, 1, 6)  # midnight in Brussels, in UTC
    assert "NATO foreign ministers met." in first.content[0].value
    assert first.summary == "Ministers met."
    assert {t.term for t in first.tags} >= {"arms-control", "ukraine", "nato"}


def test_every_feed_of_the_site_parses_cleanly(sample):
    assert sample.build().ok
    feeds = sorted(sample.output.rglob("*.xml"))
    feeds = [f for f in feeds if not f.name.startswith("sitemap")]
    assert len(feeds) == 1 + 8  # the site feed and one per term
    for path in feeds:
        parse(path)
    term = parse(sample.output / "topics/arms-control/feed.xml")
    assert [e.title for e in term.entries] == ["Written answers sent to Moscow", "Ministers meet on Ukraine"]


def test_pages_announce_their_feeds(sample):
    from bs4 import BeautifulSoup
    sample.build()
    doc = BeautifulSoup((sample.output / "topics/arms-control/index.html").read_text(), "html.parser")
    hrefs = [link["href"] for link in doc.find_all("link", rel="alternate", type="application/atom+xml")]
    assert hrefs == ["../../feed.xml", "feed.xml"]
    home = BeautifulSoup((sample.output / "index.html").read_text(), "html.parser")
    assert [link["href"] for link in home.find_all("link", rel="alternate")] == ["feed.xml"]


def test_feed_content_summary_leaves_bodies_out(sample):
    toml = sample.content / "site.toml"
    toml.write_text(toml.read_text() + 'feed_content = "summary"\n')
    assert sample.build().ok
    feed = parse(sample.output / "feed.xml")
    assert len(feed.entries) == 3
    assert all("content" not in e for e in feed.entries)
    assert feed.entries[1].summary == "Ministers met."


def test_feed_content_must_be_full_or_summary(sample):
    toml = sample.content / "site.toml"
    toml.write_text(toml.read_text() + 'feed_content = "partial"\n')
    result = sample.build(write=False)
    assert [d.format() for d in result.diagnostics.errors] == [
        "content/site.toml: error: configuration key 'feed_content' must be \"full\" (whole briefings in the "
        "feed) or \"summary\" (summaries only)"]


@pytest.mark.parametrize("title", ["</title><script>alert(1)</script>", "]]> & <![CDATA[ x", "A \"quoted\" 'title'"])
def test_markup_in_titles_stays_text_in_feeds(site, title):
    import json
    site.add("2022/x.md", briefing(json.dumps(title), "2022-01-07", "Body <b>bold</b> [x](javascript:alert(1))",
                                   source=json.dumps("<i>Wire</i>"), topics=json.dumps([title])))
    assert site.build().ok
    root = ET.parse(site.output / "feed.xml").getroot()
    [entry] = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == title
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "<i>Wire</i>"
    content = entry.findtext(f"{ATOM}content")  # escaped HTML: what a reader renders
    assert "<b>" not in content and "&lt;b&gt;" in content and "javascript:" not in content.split("<a")[0]
    assert "href=\"javascript" not in content
    parse(site.output / "feed.xml")
    for path in site.output.glob("topics/*/feed.xml"):
        parse(path)


def test_real_content_feeds_parse(tmp_path):
    result = build(Paths(content=ROOT / "content", theme=ROOT / "themes/default", output=tmp_path / "out"))
    assert result.ok, [d.format() for d in result.diagnostics.errors]
    feeds = [p for p in (tmp_path / "out").rglob("feed.xml")]
    assert len(feeds) > 5
    for path in feeds:
        parse(path)
    assert len(parse(tmp_path / "out/feed.xml").entries) >= 5
