"""The search indexes (generator/search.py): what Pagefind indexes, one index per year,
and how they join the build.

The browser side (the /search/ page driving Pagefind's JS) is tested in
test_search_browser.py; re-indexing only the years that changed, in
test_search_incremental.py.
"""

from __future__ import annotations

import gzip
import json

from bs4 import BeautifulSoup
from hypothesis import example, given, settings, strategies as st

from conftest import briefing, tree_digest


def entry(output, group):
    return json.loads((output / f"pagefind/{group}/pagefind-entry.json").read_text())


def index_list(output):
    return json.loads((output / "pagefind/indexes.json").read_text())["indexes"]


def bundles(output):
    """{group: {path in the bundle: bytes}} for every index folder of the site."""
    root = output / "pagefind"
    return {d.name: {p.relative_to(d).as_posix(): p.read_bytes() for p in d.rglob("*") if p.is_file()}
            for d in sorted(root.iterdir()) if d.is_dir()}


def soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_build_writes_one_index_per_year_of_the_briefings_only(sample):
    result = sample.build()
    assert result.ok, sample.messages(result)
    out = sample.output
    # Two briefings of 2022, one of 2021, one undated: newest year first, undated last.
    assert index_list(out) == [{"path": "2022/", "year": "2022", "pages": 2},
                               {"path": "2021/", "year": "2021", "pages": 1},
                               {"path": "undated/", "year": None, "pages": 1}]
    assert sorted(p.name for p in (out / "pagefind").iterdir()) == ["2021", "2022", "indexes.json", "undated"]
    for group, count in (("2022", 2), ("2021", 1), ("undated", 1)):
        folder = out / "pagefind" / group
        assert (folder / "pagefind.js").is_file()
        assert list(folder.glob("wasm.*.pagefind"))
        assert len(list((folder / "fragment").glob("*.pf_fragment"))) == count
        # Home, archive, taxonomy, term, search and 404 pages are not results.
        assert sum(lang["page_count"] for lang in entry(out, group)["languages"].values()) == count
        # Pagefind's own UI bundles are not shipped: the theme draws its own results.
        assert not list(folder.glob("pagefind-*ui*"))
        assert not (folder / "playground").exists()


def test_dated_pages_have_their_date_in_their_id(sample):
    """Pagefind re-sorts merged results by score: the search page sorts by the date in the id."""
    from generator.search import _unpack
    sample.build()
    out = sample.output / "pagefind"
    assert sorted(p.name.split("_")[0] for p in (out / "2022/fragment").iterdir()) == ["2022-01-07", "2022-01-26"]
    assert [p.name.split("_")[0] for p in (out / "2021/fragment").iterdir()] == ["2021-11-30"]
    [undated] = (out / "undated/fragment").iterdir()
    assert undated.name.startswith("en_")  # no date, no prefix
    # The meta file lists the same ids: the fragments are found by them.
    meta = _unpack(next((out / "2022").glob("pagefind.*.pf_meta")).read_bytes())
    assert sorted(f"{page}.pf_fragment" for page, _ in meta[1]) == sorted(p.name for p in (out / "2022/fragment").iterdir())


def test_index_carries_filters_sort_and_metadata(sample):
    sample.build()
    meta = gzip.decompress(next((sample.output / "pagefind/2022").glob("pagefind.*.pf_meta")).read_bytes())
    for name in (b"topic", b"person", b"organization", b"place", b"source", b"year", b"date", b"summary"):
        assert name in meta, name
    filters = {group: b"".join(gzip.decompress(p.read_bytes()) for p in (sample.output / f"pagefind/{group}/filter").iterdir())
               for group in ("2022", "2021", "undated")}
    for value in ("Arms control", "Jens Stoltenberg", "NATO", "Example Wire", "2022"):
        assert value.encode() in filters["2022"], value
    for value in ("Deterrence", "Latvia", "2021"):
        assert value.encode() in filters["2021"] and value.encode() not in filters["2022"], value
    assert b"Diplomacy" in filters["undated"] and b"2021" not in filters["undated"]


def test_only_the_article_is_marked_for_indexing(sample):
    sample.build()
    page = soup(sample.output / "briefings/2022/01/ministers-meet/index.html")
    bodies = page.select("[data-pagefind-body]")
    assert [b.name for b in bodies] == ["article"]
    # The article's footer (tags, provenance) is left out of the text but still gives filters.
    foot = page.select_one("article footer")
    assert foot.has_attr("data-pagefind-ignore")
    assert {a["data-pagefind-filter"] for a in foot.select("a.chip")} == {"topic", "person", "organization", "place"}
    assert page.select_one("time")["data-pagefind-sort"] == "date[datetime]"
    assert page.select_one("time")["data-pagefind-filter"] == "year:2022"
    # Nothing outside the article is searchable, and briefing pages load no script.
    assert not page.select("header.site-header [data-pagefind-body], footer.site-footer [data-pagefind-body]")
    assert not page.find_all("script", src=True)


def test_every_page_has_a_labelled_header_search_form_leading_to_the_search_page(sample):
    sample.build()
    home = soup(sample.output / "index.html")
    form = home.select_one("header form[role=search]")
    assert form["method"] == "get" and form["action"] == "search/"
    box = form.select_one("input[name=q]")
    assert home.select_one(f"label[for={box['id']}]").get_text(strip=True)
    term = soup(sample.output / "topics/arms-control/index.html").select_one("header form[role=search]")
    assert term["action"] == "../../search/"
    search = soup(sample.output / "search/index.html")
    assert not search.select("header form[role=search]")  # the page has its own, bigger form
    assert "Search needs JavaScript" in search.select_one("#search-nojs").get_text()
    assert [s["src"] for s in search.find_all("script")] == ["../static/search.js"]
    csp = search.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "script-src 'self' 'wasm-unsafe-eval';" in csp and "unsafe-inline" not in csp


def test_search_index_is_byte_identical_across_builds(sample, tmp_path):
    # Pagefind alone writes filter values in hash-map order (Pagefind/pagefind#638);
    # canonical_bundle sorts them. Three builds make a reordering all but certain to show.
    digests = []
    for name in ("one", "two", "three"):
        assert sample.build(tmp_path / name).ok
        digests.append(tree_digest(tmp_path / name))
    assert any(p.startswith("pagefind/2022/filter/") for p in digests[0])
    assert digests[0] == digests[1] == digests[2]


def test_canonical_bundle_understands_pagefinds_files(sample, tmp_path):
    """The reordering must not silently fall back to Pagefind's own output."""
    from generator.search import _canonical_bundle, _unpack
    sample.build()
    for group, bundle in bundles(sample.output).items():
        assert _canonical_bundle(bundle) == bundle, group  # already canonical, and decodable
        meta = _unpack(next(v for k, v in bundle.items() if k.endswith(".pf_meta")))
        names = [name for name, _ in meta[3]]
        assert names == sorted(names) and "topic" in names
        for name, chunk in meta[3]:
            _, values = _unpack(bundle[f"filter/{chunk}.pf_filter"])
            assert [v for v, _ in values] == sorted(v for v, _ in values)


def test_check_mode_does_not_index(sample):
    result = sample.build(write=False)
    assert result.ok
    assert not any(f.path.startswith("pagefind/") for f in result.files)
    assert not sample.output.exists()


def test_missing_pagefind_binary_is_one_clear_error_and_keeps_the_old_site(sample, monkeypatch, tmp_path):
    assert sample.build().ok
    before = tree_digest(sample.output)
    sample.add("2022/2022-02-01-new.md", briefing("A new one", "2022-02-01"))
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    result = sample.build()
    assert not result.ok
    [message] = [d.format() for d in result.diagnostics.errors]
    assert message.startswith("pagefind: error: cannot build the search index: the Pagefind binary was not found")
    assert "pip install" in message
    assert tree_digest(sample.output) == before


def test_unchanged_index_files_keep_their_modification_time(sample):
    import os
    sample.build()
    wasm = next((sample.output / "pagefind/2021").glob("wasm.*.pagefind"))
    os.utime(wasm, (1_000_000, 1_000_000))
    sample.build()
    assert wasm.stat().st_mtime == 1_000_000


def test_an_unknown_pagefind_layout_is_shipped_as_is_with_a_warning():
    from generator.search import canonical_bundle
    bundle = {"pagefind-entry.json": b'{"languages": {"en": {"hash": "en_1"}}}', "pagefind.en_1.pf_meta": b"not gzip"}
    warnings = []
    assert canonical_bundle(bundle, warnings.append) == bundle
    assert len(warnings) == 1 and "not reproducible" in warnings[0]


def test_a_site_without_briefings_gets_an_empty_list_of_indexes(site):
    result = site.build()
    assert result.ok, site.messages(result)
    assert (site.output / "search/index.html").is_file()
    assert index_list(site.output) == []  # the search page says there is nothing to search
    assert [p.name for p in (site.output / "pagefind").iterdir()] == ["indexes.json"]


def test_pagefind_environment_variables_do_not_change_the_index(sample, monkeypatch, tmp_path):
    """The index must be a function of the pages alone, or the cache would serve stale ones."""
    assert sample.build(tmp_path / "plain").ok
    monkeypatch.setenv("PAGEFIND_ROOT_SELECTOR", "footer")
    monkeypatch.setenv("PAGEFIND_EXCLUDE_SELECTORS", "h1")
    (tmp_path / "pagefind.yml").write_text("root_selector: footer\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # a configuration file in the working directory is not read either
    assert sample.build(tmp_path / "env").ok
    assert tree_digest(tmp_path / "env") == tree_digest(tmp_path / "plain")


def test_each_year_is_indexed_by_its_own_process(sample):
    from generator.build import Paths, build
    from generator.diagnostics import Diagnostics
    from generator.search import SearchStats, search_files
    result = build(Paths(content=sample.content, theme=sample.paths().theme, output=sample.output), write=False)
    stats, diags = SearchStats(), Diagnostics()
    files = search_files(result.site, result.files, diags, stats=stats)
    assert not diags.errors and files
    assert stats.groups == stats.indexed == ["2022", "2021", "undated"] and stats.reused == []
    assert stats.processes == 3
    assert 0 < stats.peak_rss <= stats.peak_rss_sum < 1024 ** 3


def test_the_indexer_gets_only_the_indexed_part_and_it_gives_the_same_index(sample, tmp_path, monkeypatch):
    """Pagefind is handed each briefing page cut down to its <html> tag and the
    data-pagefind-body element: the bundle is byte for byte what the whole pages give."""
    import generator.search as search_module
    from generator.model import OutputFile
    from generator.search import index_pages, indexed_part
    # Pagefind numbers pages in the order its folder lists them: the build's and these work
    # on the same disk (not in memory, see the next test)
    monkeypatch.setattr(search_module, "MEMORY_DIR", tmp_path / "no-memory")
    assert sample.build().ok
    pages = [OutputFile(p.relative_to(sample.output).as_posix(), p.read_bytes())
             for p in sorted((sample.output / "briefings/2022").rglob("index.html"))]
    parts = [OutputFile(p.path, indexed_part(p.data)) for p in pages]
    assert all(len(part.data) < len(page.data) / 2 for part, page in zip(parts, pages))
    assert all(b"Related briefings" not in part.data and b"data-pagefind-body" in part.data for part in parts)
    (tmp_path / "whole").mkdir()
    (tmp_path / "part").mkdir()
    part, _ = index_pages(pages, tmp_path / "part", "pagefind/2022")  # cut down as it writes them
    monkeypatch.setattr(search_module, "indexed_part", lambda page: page)  # now whole pages
    whole, _ = index_pages(pages, tmp_path / "whole", "pagefind/2022")
    assert [(f.path, f.data) for f in part] == [(f.path, f.data) for f in whole]
    # and what the build published for 2022 is that bundle
    assert {f.path.removeprefix("pagefind/2022/"): f.data for f in whole} == bundles(sample.output)["2022"]


_HTML_PIECES = st.sampled_from([
    b"<html lang=de>", b"<HTML>", b"<head>", b"<meta name=x>", b"<title>T</title>", b"<body>", b"<p>", b"</p>",
    b"<article", b"<ARTICLE", b"</article>", b"<div", b"</div>", b" class=x", b" data-pagefind-body",
    b"\tdata-pagefind-body", b"data-pagefind-body", b" data-pagefind-body=\"\"", b" data-pagefind-bodyx",
    b" data-pagefind-ignore", b" data-pagefind-filter=\"y\"", b"data-pagefind-", b">", b"/>", b"<", b" ", b"text",
    b"<a <b", b"<x-y", b"\n",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(_HTML_PIECES, max_size=40).map(b"".join))
@example(b'<html lang=de><head><meta name=x></head><body><article class="a long attribute" data-pagefind-body>'
         b'<p>T</p></article><aside>x</aside></body></html>')
@example(b"<html><body><a <b data-pagefind-body>T</b></a></body></html>")  # the match starts at the first "<"
@example(b"<p>data-pagefind-body</p><article data-pagefind-body>T</article>")  # the first one is text
def test_the_indexed_element_is_what_searching_from_the_start_finds(page):
    from generator.search import _BODY_TAG, _body_element
    found, expected = _body_element(page), _BODY_TAG.search(page)
    assert (found and (found.span(), found.group(1))) == (expected and (expected.span(), expected.group(1)))


def test_indexed_part_falls_back_to_the_whole_page_when_it_cannot_tell():
    from generator.search import indexed_part
    page = (b'<!doctype html><html lang="de"><head><title>T</title></head><body><nav>menu</nav>'
            b'<article class="x" data-pagefind-body><p>Text</p><article>nested</article>'
            b'<footer data-pagefind-ignore><a data-pagefind-filter="topic">NATO</a></footer></article>'
            b'<aside>Related</aside></body></html>')
    assert indexed_part(page) == (b'<!doctype html><html lang="de"><body><article class="x" data-pagefind-body>'
                                  b'<p>Text</p><article>nested</article><footer data-pagefind-ignore>'
                                  b'<a data-pagefind-filter="topic">NATO</a></footer></article></body></html>\n')
    for whole in (
        b"<html><body><p>no body element</p></body></html>",
        b'<html><body><div data-pagefind-meta="x:y"></div><article data-pagefind-body>T</article></body></html>',
        b'<html><body><article data-pagefind-body>A</article><article data-pagefind-body>B</article></body></html>',
        b"<html><body><article data-pagefind-body>never closed</body></html>",
    ):
        assert indexed_part(whole) == whole


def test_pagefind_works_in_memory_where_there_is_room_and_beside_the_output_otherwise(sample, tmp_path, monkeypatch):
    """Pagefind's working files go to the system's folder in memory (generator.search.MEMORY_DIR)
    when it has room, else beside output/; the index is the same, and nothing is left behind.
    A folder a killed build of the same output left there is removed; another output's is not."""
    from pathlib import Path

    from generator import search as search_module

    memory = tmp_path / "memory"
    memory.mkdir()
    monkeypatch.setattr(search_module, "MEMORY_DIR", memory)
    places = []
    real = search_module.index_pages

    def spy(pages, scratch, *args, **kwargs):
        places.append(Path(scratch).parent.parent)  # <place>/<working folder>/<group>
        return real(pages, scratch, *args, **kwargs)

    monkeypatch.setattr(search_module, "index_pages", spy)
    out = tmp_path / "in-memory"
    prefix = search_module._working_place(search_module.scratch_prefix(out), 0)["prefix"]
    (memory / f"{prefix}killed").mkdir()  # left by a killed build of the same output
    (memory / "briefings-search-0123456789abcdef-other").mkdir()  # another output's
    assert sample.build(out).ok
    assert places and set(places) == {memory}
    assert sorted(p.name for p in memory.iterdir()) == ["briefings-search-0123456789abcdef-other"]

    places.clear()
    monkeypatch.setattr(search_module, "MEMORY_MARGIN", 1 << 60)  # no room: beside output/
    on_disk = tmp_path / "on-disk"
    assert sample.build(on_disk).ok
    assert places and set(places) == {tmp_path}
    assert not [p for p in tmp_path.iterdir() if ".search-" in p.name]
    # The same pages, each indexed alike; Pagefind numbers them in the order its folder lists
    # them, which differs between a folder in memory and one on disk (hence the place in the key).
    fragments = {group: sorted(path for path in files if path.startswith("fragment/"))
                 for group, files in bundles(out).items()}
    assert fragments == {group: sorted(path for path in files if path.startswith("fragment/"))
                         for group, files in bundles(on_disk).items()} and fragments["2022"]
    assert [entry(out, g)["languages"]["en"]["page_count"] for g in fragments] == \
        [entry(on_disk, g)["languages"]["en"]["page_count"] for g in fragments]


def test_where_pagefind_works_is_part_of_each_index_key(sample, tmp_path, monkeypatch):
    """An index made in memory is not reused by a build that would index on disk, and back:
    the two list the pages in another order, so a reused index would not be what a clean build makes."""
    from pathlib import Path

    from generator import search as search_module
    from generator.build import build
    from generator.cache import BuildCache

    indexed = []
    real = search_module.index_pages
    monkeypatch.setattr(search_module, "index_pages",
                        lambda pages, scratch, *a, **k: indexed.append(Path(scratch).name) or real(pages, scratch, *a, **k))
    memory = tmp_path / "memory"
    memory.mkdir()
    for place, expected in ((memory, 3), (memory, 0), (tmp_path / "none", 3), (tmp_path / "none", 0), (memory, 3)):
        monkeypatch.setattr(search_module, "MEMORY_DIR", place)
        indexed.clear()
        assert build(sample.paths(), cache=BuildCache.for_content(sample.content)).ok
        assert len(indexed) == expected, (place, indexed)
