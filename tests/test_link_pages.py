"""The cross-linking pages, read with a real HTML parser: taxonomy orders, term pages,
the briefing page's related/also-reported/previous-next, the stories page, the shipped site."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from conftest import THEME, FixtureSite, briefing

ROOT = Path(__file__).resolve().parent.parent

STORY = ("Foreign ministers met in Vilnius on Tuesday to discuss air defence for the Baltic states. "
         "The ministers agreed to station additional Patriot batteries along the eastern flank. "
         "Lithuanian officials welcomed the decision and promised host nation support.")


def page(out: Path, url: str) -> BeautifulSoup:
    path = out / url.strip("/") / "index.html" if url.strip("/") else out / "index.html"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_taxonomy_index_by_name_and_by_count(sample):
    sample.add("2022/2022-01-08-more.md", briefing("More diplomacy", "2022-01-08", topics="[Diplomacy]"))
    assert sample.build().ok
    by_name = page(sample.output, "/topics/")
    names = [a.select_one(".term-index__name").get_text() for a in by_name.select(".term-index a")]
    assert names == ["Arms control", "Deterrence", "Diplomacy"]
    by_count = page(sample.output, "/topics/by-count/")
    names = [a.select_one(".term-index__name").get_text() for a in by_count.select(".term-index a")]
    assert names == ["Diplomacy", "Arms control", "Deterrence"]  # 3, 2, 1
    assert by_count.title.get_text() == "Topics by number of briefings · Test Archive"
    for doc, current in ((by_name, "A to Z"), (by_count, "Most briefings")):
        switch = doc.select_one("nav.sort-switch")
        assert switch["aria-label"] == "Order of the topics"
        assert [a.get_text() for a in switch.select("a[aria-current=page]")] == [current]
    assert by_name.select_one("nav.sort-switch a[aria-current]")["href"] == "./"
    assert by_count.select_one("nav.sort-switch a:not([aria-current])")["href"] == "../"


def test_a_term_named_like_a_page_of_its_taxonomy_does_not_collide(site):
    site.add("a.md", briefing("A", topics="[By count]"))
    assert site.build().ok
    assert page(site.output, "/topics/by-count-term/").h1.get_text() == "By count"
    assert page(site.output, "/topics/by-count/").h1.get_text() == "Topics"


def test_term_page_shows_the_terms_named_alongside(sample):
    assert sample.build().ok
    doc = page(sample.output, "/people/jens-stoltenberg/")
    related = [(a.contents[0], a.select_one(".chip__count").get_text(" ", strip=True))
               for a in doc.select(".related-terms a")]
    # both of his briefings name Arms control, NATO and Russia; one names Diplomacy and Ukraine
    assert related == [("Arms control", ", topic, together in 2 briefings"), ("NATO", ", organization, together in 2 briefings"),
                       ("Russia", ", place, together in 2 briefings"), ("Diplomacy", ", topic, together in 1 briefing"),
                       ("Ukraine", ", place, together in 1 briefing")]
    assert doc.select_one(".related-terms a")["href"] == "../../topics/arms-control/"


def test_briefing_page_links_related_previous_next_and_other_outlets(sample):
    sample.add("2022/2022-01-09-vilnius-wire.md", briefing("Vilnius, by the wire", "2022-01-09", STORY,
                                                           source="Wire", places="[Lithuania]"))
    sample.add("2022/2022-01-10-vilnius-paper.md", briefing("Vilnius, by the paper", "2022-01-10", STORY,
                                                            source="Paper", places="[Lithuania]"))
    result = sample.build()
    assert result.ok, sample.messages(result)
    doc = page(sample.output, "/briefings/2022/01/ministers-meet/")
    foot = doc.select_one(".briefing__links")
    assert foot.find_parent("article") is None  # outside what the search indexes
    related = foot.select(".related .xlinks > li")
    # written-answers shares Arms control, Jens Stoltenberg, NATO, Russia (ln 6/2 each) with it
    assert related[0].a.get_text() == "Written answers sent to Moscow"
    assert related[0].a["href"] == "../written-answers/"
    assert related[0].select_one(".xlinks__reason").get_text() == "Shared: Arms control, Jens Stoltenberg, NATO"
    nav = foot.select_one("nav.briefing-nav")
    assert nav["aria-label"] == "Previous and next briefing in time"
    assert nav.select_one("a[rel=prev]")["href"] == "../../../2021/11/riga/"
    assert nav.select_one("a[rel=next]")["href"] == "../vilnius-wire/"
    assert nav.select_one("a[rel=next] .briefing-nav__title").get_text() == "Vilnius, by the wire"
    assert foot.select_one(".also-reported") is None

    wire = page(sample.output, "/briefings/2022/01/vilnius-wire/")
    also = wire.select_one(".also-reported")
    assert also.h2.get_text() == "Also reported by"
    assert [(li.select_one(".xlinks__kicker").get_text(), li.a.get_text()) for li in also.select("li")] == \
        [("Paper", "Vilnius, by the paper")]
    assert also.select_one(".xlinks__more a")["href"] == "../../../../stories/#2022-01-09-vilnius-wire"
    # the other telling is not also listed as related
    assert "Vilnius, by the paper" not in [a.get_text() for a in wire.select(".related a")]

    stories = page(sample.output, "/stories/")
    [story] = stories.select(".story")
    assert story["id"] == "2022-01-09-vilnius-wire"
    assert story.h2.get_text() == "Vilnius, by the wire"
    assert [a.get_text() for a in story.select(".story__members a")] == ["Vilnius, by the wire", "Vilnius, by the paper"]
    assert [s.get_text() for s in story.select(".meta__source")] == ["Wire", "Paper"]


def test_nav_links_the_timeline_and_stories(sample):
    assert sample.build().ok
    nav = page(sample.output, "/timeline/2022/").select_one("nav.site-nav")
    links = {a.get_text(): (a["href"], a.get("aria-current")) for a in nav.select("a")}
    assert links["Timeline"] == ("../", "true")
    assert links["Stories"] == ("../../stories/", None)


def test_shipped_site_shows_seeds_002_and_003_as_one_story(tmp_path):
    """The real content/ and theme: every link resolves, and the two reports of 7 January are a story."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    fixture = FixtureSite.__new__(FixtureSite)
    fixture.root, fixture.content, fixture.output = tmp_path, tmp_path / "content", tmp_path / "output"
    result = fixture.build()
    assert result.ok, fixture.messages(result)
    [story] = result.site.stories
    seeds = sorted(b.provenance.seed[:3] for b in story.briefings)
    assert seeds == ["002", "003"]
    for b in story.briefings:
        doc = page(fixture.output, b.url)
        [other] = story.others(b)
        assert [a.get_text() for a in doc.select(".also-reported .xlinks__title")] == [other.title]
        assert len(doc.select(".related .xlinks > li")) <= 5
    out = fixture.output
    checked = 0
    for html in sorted(out.rglob("*.html")):
        if html.name == "404.html" or "search" in html.relative_to(out).parts:
            continue
        base = "http://site/" + html.relative_to(out).as_posix()
        doc = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        for el in doc.find_all(["a", "link"], href=True):
            ref = el["href"]
            if ref.startswith(("https://", "mailto:")) or ref.startswith("#"):
                continue
            target = urlsplit(urljoin(base, ref))
            local = out / target.path.lstrip("/")
            if target.path.endswith("/"):
                local = local / "index.html"
            assert local.is_file(), f"{html.relative_to(out)}: broken link {ref}"
            checked += 1
    assert checked > 500
    assert THEME.is_dir()
