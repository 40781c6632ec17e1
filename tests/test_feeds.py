"""Atom feeds, read back with feedparser."""

from __future__ import annotations

import feedparser
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
