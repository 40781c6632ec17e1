"""Sitemap, robots.txt, Open Graph / Twitter cards and schema.org JSON-LD.

The sitemap is checked by an independent validator (xmlschema) against the
sitemaps.org schema shipped in tests/schemas/; JSON-LD by parsing it back out
of the HTML the way a crawler does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xmlschema
from bs4 import BeautifulSoup

from conftest import ROOT, briefing
from generator import publish
from generator.build import Paths, build

SCHEMAS = Path(__file__).parent / "schemas"
NS = {"sm": publish.SITEMAP_NS}


@pytest.fixture(scope="module")
def sitemap_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMAS / "sitemap.xsd")


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _entries(path: Path) -> dict[str, str | None]:
    import xml.etree.ElementTree as ET
    root = ET.parse(path).getroot()
    return {u.findtext("sm:loc", namespaces=NS): u.findtext("sm:lastmod", namespaces=NS)
            for u in root.findall("sm:url", NS)}


def test_sitemap_is_valid_and_lists_every_page_with_content_dates(sample, sitemap_schema):
    assert sample.build().ok
    out = sample.output
    sitemap_schema.validate(str(out / "sitemap.xml"))
    entries = _entries(out / "sitemap.xml")
    base = "https://example.org/archive/"
    pages = {base + p.relative_to(out).as_posix().removesuffix("index.html")
             for p in out.rglob("index.html")}
    assert set(entries) == pages  # every page, nothing else (not 404.html)
    assert entries[base + "briefings/2022/01/ministers-meet/"] == "2022-01-07"
    assert entries[base + "briefings/2021/11/riga/"] == "2021-11-30"
    assert entries[base + "briefings/undated/an-undated-note/"] is None
    assert entries[base] == "2022-01-26"  # the newest briefing it lists
    assert entries[base + "topics/deterrence/"] == "2021-11-30"
    assert entries[base + "topics/diplomacy/"] == "2022-01-07"  # the undated one does not count
    assert entries[base + "places/"] == "2022-01-26"
    assert list(entries) == sorted(entries)


def test_real_content_sitemap_validates(tmp_path, sitemap_schema):
    result = build(Paths(content=ROOT / "content", theme=ROOT / "themes/default", output=tmp_path / "out"))
    assert result.ok, [d.format() for d in result.diagnostics.errors]
    sitemap_schema.validate(str(tmp_path / "out/sitemap.xml"))
    assert len(_entries(tmp_path / "out/sitemap.xml")) >= 10


def test_large_sites_get_a_valid_sitemap_index(sample, tmp_path, sitemap_schema):
    result = sample.build(write=False)
    pages = [f for f in result.files if f.path.endswith("index.html")]
    files = publish.sitemap_files(result.site, pages, max_urls=5)
    index_schema = xmlschema.XMLSchema(SCHEMAS / "siteindex.xsd")
    names = [f.path for f in files]
    assert names[0] == "sitemap.xml" and len(names) == 1 + -(-len(pages) // 5)
    seen = {}
    for f in files:
        (tmp_path / f.path).write_bytes(f.data)
    index_schema.validate(str(tmp_path / "sitemap.xml"))
    for name in names[1:]:
        sitemap_schema.validate(str(tmp_path / name))
        seen.update(_entries(tmp_path / name))
    assert len(seen) == len(pages)
    assert "https://example.org/archive/sitemap-1.xml" in (tmp_path / "sitemap.xml").read_text()


def test_sitemap_rejects_what_the_schema_rejects(sitemap_schema, tmp_path):
    """The shipped schema is a real check, not a rubber stamp."""
    bad = tmp_path / "bad.xml"
    bad.write_text(f'<urlset xmlns="{publish.SITEMAP_NS}"><url><loc>https://example.org/</loc>'
                   "<lastmod>7 January 2022</lastmod></url></urlset>")
    assert not sitemap_schema.is_valid(str(bad))


def test_robots_txt_points_at_the_sitemap(sample):
    sample.build()
    text = (sample.output / "robots.txt").read_text()
    assert "User-agent: *" in text
    assert "Sitemap: https://example.org/archive/sitemap.xml" in text.splitlines()


def meta(doc: BeautifulSoup) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for m in doc.find_all("meta"):
        key = m.get("property") or m.get("name")
        if key:
            found.setdefault(key, []).append(m.get("content"))
    return found


def json_ld(doc: BeautifulSoup) -> list[dict]:
    return [json.loads(s.string) for s in doc.find_all("script", type="application/ld+json")]


def test_briefing_has_open_graph_twitter_and_news_article(sample):
    sample.build()
    url = "https://example.org/archive/briefings/2022/01/ministers-meet/"
    doc = soup(sample.output / "briefings/2022/01/ministers-meet/index.html")
    m = meta(doc)
    assert m["og:type"] == ["article"]
    assert m["og:title"] == ["Ministers meet on Ukraine"] == m["twitter:title"]
    assert m["og:description"] == ["Ministers met."] == m["twitter:description"]
    assert m["og:url"] == [url] == [doc.find("link", rel="canonical")["href"]]
    assert m["og:site_name"] == ["Test Archive"]
    assert m["article:published_time"] == ["2022-01-07"]
    assert m["article:tag"] == ["Diplomacy", "Arms control"]
    assert m["twitter:card"] == ["summary"]
    [ld] = json_ld(doc)
    assert ld["@context"] == "https://schema.org" and ld["@type"] == "NewsArticle"
    assert ld["headline"] == "Ministers meet on Ukraine"
    assert ld["datePublished"] == "2022-01-07"
    assert ld["url"] == url and ld["inLanguage"] == "en"
    assert ld["publisher"] == {"@type": "Organization", "name": "Test Desk", "url": "https://example.org/archive/"}
    assert ld["isBasedOn"]["publisher"]["name"] == "Example Wire"
    about = {(a["@type"], a["name"]): a["url"] for a in ld["about"]}
    assert about[("Thing", "Arms control")] == "https://example.org/archive/topics/arms-control/"
    assert about[("Person", "Jens Stoltenberg")] == "https://example.org/archive/people/jens-stoltenberg/"
    assert about[("Organization", "NATO")] == "https://example.org/archive/organizations/nato/"
    assert ("Place", "Ukraine") in about and len(about) == 6


def test_every_about_url_is_a_page_of_the_site(sample):
    sample.build()
    for path in (sample.output / "briefings").rglob("index.html"):
        for ld in json_ld(soup(path)):
            for a in ld.get("about", []):
                rel = a["url"].removeprefix("https://example.org/archive/")
                assert (sample.output / rel / "index.html").is_file(), a


def test_undated_briefing_has_no_date_claims(sample):
    sample.build()
    doc = soup(sample.output / "briefings/undated/an-undated-note/index.html")
    assert "article:published_time" not in meta(doc)
    [ld] = json_ld(doc)
    assert "datePublished" not in ld and ld["headline"] == "An undated note"


def test_other_pages_are_websites_and_404_is_not_indexed(sample):
    sample.build()
    out = sample.output
    home = meta(soup(out / "index.html"))
    assert home["og:type"] == ["website"] and home["og:title"] == ["Test Archive"]
    assert home["og:url"] == ["https://example.org/archive/"]
    term = meta(soup(out / "topics/arms-control/index.html"))
    assert term["og:title"] == ["Arms control"]
    assert not json_ld(soup(out / "index.html"))
    missing = meta(soup(out / "404.html"))
    assert missing["robots"] == ["noindex"] and "og:url" not in missing


@pytest.mark.parametrize("title", [
    "</script><script>alert(1)</script>",
    "<!-- <script> x",
    "a & b > c \u2028 d \u2029 e",
    "Quote \" and ' and \\ backslash",
])
def test_json_ld_cannot_break_out_of_its_script_element(site, title):
    site.add("2022/x.md", briefing(json.dumps(title), "2022-01-07", summary=json.dumps(title)))
    assert site.build().ok
    raw = (site.output / "briefings/2022/01/x/index.html").read_text()
    block = raw.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block
    data = json.loads(block)
    assert data["headline"] == title and data["description"] == title
    doc = soup(site.output / "briefings/2022/01/x/index.html")
    assert len(doc.find_all("script")) == 1
    assert meta(doc)["og:title"] == [title]


def test_jsonld_filter_escapes_markup_characters():
    text = str(publish.jsonld({"a": "</script><b>&amp;"}))
    assert text == '{"a":"\\u003c/script\\u003e\\u003cb\\u003e\\u0026amp;"}'
    assert json.loads(text) == {"a": "</script><b>&amp;"}
