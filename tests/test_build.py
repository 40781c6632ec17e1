"""Functional tests: build fixture sites and read the HTML with a real parser."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import FailsOnCall, briefing, tree_digest
from generator import write as write_module


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page(output: Path, url: str) -> BeautifulSoup:
    return soup(output / url.strip("/") / "index.html" if url.strip("/") else output / "index.html")


def test_sample_site_builds_every_page(sample):
    result = sample.build()
    assert result.ok, sample.messages(result)
    out = sample.output
    for rel in ["index.html", "404.html", "briefings/index.html",
                "briefings/2022/01/ministers-meet/index.html", "briefings/2022/01/written-answers/index.html",
                "briefings/2021/11/riga/index.html", "briefings/undated/an-undated-note/index.html",
                "topics/index.html", "topics/arms-control/index.html", "people/jens-stoltenberg/index.html",
                "organizations/nato/index.html", "places/ukraine/index.html", "static/style.css"]:
        assert (out / rel).is_file(), rel


def test_home_lists_briefings_newest_first_with_date_source_summary(sample):
    sample.build()
    home = page(sample.output, "/")
    cards = home.select("main .card")
    titles = [c.select_one(".card__title").get_text(strip=True) for c in cards]
    assert titles == ["Written answers sent to Moscow", "Ministers meet on Ukraine", "Ministers gather in Riga",
                      "An undated note"]
    second = cards[1]
    assert second.select_one("time")["datetime"] == "2022-01-07"
    assert second.select_one("time").get_text() == "7 January 2022"
    assert second.select_one(".meta__source").get_text() == "Example Wire"
    assert second.select_one(".card__summary").get_text() == "Ministers met."
    assert home.title.get_text() == "Test Archive"


def test_briefing_page_links_its_terms_and_shows_provenance(sample):
    sample.build()
    url = "/briefings/2022/01/ministers-meet/"
    doc = page(sample.output, url)
    assert doc.h1.get_text() == "Ministers meet on Ukraine"
    assert [p.get_text() for p in doc.select(".briefing__body p")] == ["NATO foreign ministers met.",
                                                                       "A second paragraph."]
    hrefs = {a.get_text(): a["href"] for a in doc.select(".tags a")}
    assert hrefs["Arms control"] == "../../../../topics/arms-control/"
    assert hrefs["Jens Stoltenberg"] == "../../../../people/jens-stoltenberg/"
    assert hrefs["NATO"] == "../../../../organizations/nato/"
    assert doc.select_one('link[rel="canonical"]')["href"] == "https://example.org/archive" + url
    assert "Written directly for this archive" in doc.select_one(".provenance").get_text()


def test_term_page_lists_its_briefings_newest_first(sample):
    sample.build()
    doc = page(sample.output, "/topics/arms-control/")
    assert doc.h1.get_text() == "Arms control"
    assert [a.get_text() for a in doc.select(".card__title a")] == ["Written answers sent to Moscow",
                                                                    "Ministers meet on Ukraine"]
    index = page(sample.output, "/topics/")
    names = [a.select_one(".term-index__name").get_text() for a in index.select(".term-index a")]
    assert names == ["Arms control", "Deterrence", "Diplomacy"]
    counts = [a.select_one(".term-index__count").get_text(" ", strip=True) for a in index.select(".term-index a")]
    assert counts == ["2 briefings", "1 briefing", "2 briefings"]


def test_undated_briefing_is_listed_not_dropped(sample):
    result = sample.build()
    assert any("has no date" in m for m in sample.messages(result))
    archive = page(sample.output, "/briefings/")
    assert [h.get_text() for h in archive.select("main h2.section-title")] == ["2022", "2021", "Undated"]


def all_pages(out: Path):
    return sorted(p for p in out.rglob("*.html"))


def test_every_internal_link_resolves(sample):
    sample.build()
    out = sample.output
    checked = 0
    for path in all_pages(out):
        if path.name == "404.html":
            continue  # links from the base path; checked below
        base = "http://site/" + path.relative_to(out).as_posix()
        for tag, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
            for el in soup(path).find_all(tag):
                ref = el.get(attr)
                if not ref or ref.startswith(("https://", "mailto:")):
                    continue
                target = urlsplit(urljoin(base, ref))
                assert target.netloc == "site", (path, ref)
                local = out / unquote(target.path).lstrip("/")
                if target.path.endswith("/"):
                    local = local / "index.html"
                assert local.is_file(), f"{path.relative_to(out)}: broken link {ref}"
                if target.fragment:
                    assert soup(local).find(id=target.fragment), f"{path}: missing anchor {ref}"
                checked += 1
    assert checked > 50
    for a in soup(out / "404.html").find_all("a"):
        if a["href"] == "#main":
            continue
        assert a["href"].startswith("/archive/")
        assert (out / a["href"].removeprefix("/archive/") / "index.html").is_file()


def test_html_has_landmarks_and_no_inline_script_or_style(sample):
    sample.build()
    for path in all_pages(sample.output):
        doc = soup(path)
        assert doc.html["lang"] == "en"
        assert doc.find("main", id="main") and doc.find("header") and doc.find("footer") and doc.find("nav")
        assert doc.select_one("a.skip-link")["href"] == "#main"
        assert not doc.find("style") and not doc.find(style=True)
        # data blocks (JSON-LD) are not script: CSP does not run them
        assert all(s.get("src") or s.get("type") == "application/ld+json" for s in doc.find_all("script"))
        assert not any(attr.startswith("on") for el in doc.find_all(True) for attr in el.attrs)
        assert len(doc.find_all("h1")) == 1, path


def test_builds_are_byte_identical(sample, tmp_path):
    assert sample.build(tmp_path / "one").ok
    assert sample.build(tmp_path / "two").ok
    one, two = tree_digest(tmp_path / "one"), tree_digest(tmp_path / "two")
    assert one == two and len(one) > 10


def test_output_does_not_depend_on_machine_time_zone(sample, tmp_path):
    import subprocess
    import sys
    digests = []
    for i, tz in enumerate(["Pacific/Kiritimati", "America/Adak"]):
        out = tmp_path / f"tz{i}"
        subprocess.run([sys.executable, "-m", "generator", "build", "--content", str(sample.content),
                        "--theme", str(Path(__file__).parent.parent / "themes/default"), "--output", str(out)],
                       check=True, env={**os.environ, "TZ": tz}, capture_output=True)
        digests.append(tree_digest(out))
    assert digests[0] == digests[1]


def test_unchanged_files_keep_their_modification_time(sample):
    sample.build()
    home = sample.output / "index.html"
    riga = sample.output / "briefings/2021/11/riga/index.html"
    os.utime(home, (1_000_000, 1_000_000))
    os.utime(riga, (1_000_000, 1_000_000))
    sample.add("2021/2021-11-30-riga.md", briefing("Ministers gather in Riga, Latvia", "2021-11-30", "In Riga.",
                                                   topics="[Deterrence]", places="[Latvia]"))
    result = sample.build()
    assert result.report.written > 0 and result.report.unchanged > 0
    assert riga.stat().st_mtime != 1_000_000  # its title changed
    unchanged = sample.output / "briefings/2022/01/written-answers/index.html"
    os.utime(unchanged, (2_000_000, 2_000_000))
    sample.build()
    assert unchanged.stat().st_mtime == 2_000_000


def test_duplicate_permalinks_name_both_files(site):
    site.add("2022/a.md", briefing("One", "2022-01-07", slug="same"))
    site.add("2022/b.md", briefing("Two", "2022-01-20", slug="same"))
    result = site.build()
    assert not result.ok
    assert site.messages(result) == [
        "content/briefings/2022/b.md: error: has the same URL /briefings/2022/01/same/ as "
        "content/briefings/2022/a.md (give one of them another 'slug:' or rename the file)"]


def test_failed_build_leaves_previous_output_untouched(sample):
    assert sample.build().ok
    before = tree_digest(sample.output)
    sample.add("2022/broken.md", "---\ntitle: [unclosed\n---\n")
    result = sample.build()
    assert not result.ok
    assert tree_digest(sample.output) == before
    assert not list(sample.root.glob("output.tmp-*"))


def test_template_error_names_template_and_line(sample, tmp_path):
    import shutil
    theme = tmp_path / "theme"
    shutil.copytree(Path(__file__).parent.parent / "themes/default", theme)
    (theme / "templates/term.html").write_text("{% extends 'base.html' %}\n{% block main %}\n{{ term.nope.x }}\n"
                                               "{% endblock %}\n")
    from generator.build import Paths, build
    assert sample.build().ok
    before = tree_digest(sample.output)
    result = build(Paths(content=sample.content, theme=theme, output=sample.output))
    [msg] = [d.format() for d in result.diagnostics.errors]
    assert "term.html:3: error: template error while rendering" in msg
    assert tree_digest(sample.output) == before


def test_interrupted_write_leaves_previous_output_untouched(sample, monkeypatch):
    assert sample.build().ok
    before = tree_digest(sample.output)
    calls = {"n": 0}
    real = Path.write_bytes
    real_new = write_module._write_new  # how files are written into a new folder

    def fail_third():
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")

    def failing(self, data):
        fail_third()
        return real(self, data)

    def failing_new(path, data):
        fail_third()
        return real_new(path, data)

    sample.add("2022/2022-01-30-new.md", briefing("A new one", "2022-01-30"))
    monkeypatch.setattr(Path, "write_bytes", failing)
    monkeypatch.setattr(write_module, "_write_new", failing_new)
    with pytest.raises(OSError):
        sample.build()
    monkeypatch.undo()
    assert tree_digest(sample.output) == before
    assert not list(sample.root.glob("output.tmp-*")) and not list(sample.root.glob("output.old-*"))


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A content folder of 60 generated briefings: about 130 pages, enough for render workers."""
    import sys

    from conftest import ROOT
    sys.path.insert(0, str(ROOT))
    from bench.linking import generate_archive
    return generate_archive(60, tmp_path / "archive" / "content", seed=2)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_new_site_is_written_by_the_render_workers_as_write_site_would(archive, tmp_path, monkeypatch, jobs):
    """Into a new output folder, each render worker writes the pages it renders (a Staging
    folder, published whole at the end): the same files as when write_site writes them all,
    the same report, and nothing left beside the output folder."""
    from generator.build import Paths, build
    from generator.write import StagedFile

    monkeypatch.setenv("BRIEFINGS_JOBS", jobs)
    theme = Path(__file__).resolve().parent.parent / "themes" / "default"
    staged = build(Paths(content=archive, theme=theme, output=tmp_path / "staged" / "output"), search=False)
    assert staged.ok
    pages = [f for f in staged.files if type(f) is StagedFile]
    assert len(pages) > 100 and all(f.path.endswith((".html", ".xml")) for f in pages)
    assert {f.path: f.data for f in pages} == {
        f.path: (tmp_path / "staged" / "output" / f.path).read_bytes() for f in pages}  # read from output/
    monkeypatch.setattr("generator.build.stage", lambda *args: None)  # write_site writes everything
    plain = build(Paths(content=archive, theme=theme, output=tmp_path / "plain" / "output"), search=False)
    assert not any(type(f) is StagedFile for f in plain.files)
    assert tree_digest(tmp_path / "staged" / "output") == tree_digest(tmp_path / "plain" / "output")
    assert staged.report == plain.report and staged.report.written == len(staged.files)
    assert sorted(p.name for p in (tmp_path / "staged").iterdir()) == ["output"]
    # Built again (no kept previous site yet, so a new folder): the workers link the unchanged
    # pages from output/, which keep their inode and modification time.
    out = tmp_path / "staged" / "output"
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    monkeypatch.undo()
    monkeypatch.setenv("BRIEFINGS_JOBS", jobs)
    again = build(Paths(content=archive, theme=theme, output=out), search=False)
    assert any(type(f) is StagedFile for f in again.files)
    assert again.report.written == 0 and again.report.unchanged == len(again.files)
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError])
def test_a_new_site_interrupted_while_its_pages_are_written_leaves_nothing(archive, tmp_path, monkeypatch,
                                                                           failure):
    from generator.build import Paths, build

    monkeypatch.setenv("BRIEFINGS_JOBS", "1")  # the failure is raised in this process
    theme = Path(__file__).resolve().parent.parent / "themes" / "default"
    dies = FailsOnCall(write_module._write_new, 20, failure)
    monkeypatch.setattr(write_module, "_write_new", dies)
    with pytest.raises(failure):
        build(Paths(content=archive, theme=theme, output=tmp_path / "out" / "output"), search=False)
    assert dies.calls == 20
    assert list((tmp_path / "out").iterdir()) == []  # no output/, no half-written folder beside it


def test_a_new_site_whose_template_fails_leaves_nothing(archive, tmp_path):
    import shutil

    from generator.build import Paths, build

    theme = tmp_path / "theme"
    shutil.copytree(Path(__file__).resolve().parent.parent / "themes" / "default", theme)
    (theme / "templates/term.html").write_text("{% extends 'base.html' %}\n{% block main %}\n{{ term.nope.x }}\n"
                                               "{% endblock %}\n")
    result = build(Paths(content=archive, theme=theme, output=tmp_path / "out" / "output"), search=False)
    assert not result.ok and "term.html:3" in result.diagnostics.errors[0].format()
    assert list((tmp_path / "out").iterdir()) == []


def test_output_that_contains_content_is_refused(sample):
    from generator.build import Paths, build
    from generator.write import UnsafeOutput
    with pytest.raises(UnsafeOutput):
        build(Paths(content=sample.content, theme=sample.paths().theme, output=sample.root))
    assert (sample.content / "site.toml").is_file()


def test_symlink_outside_content_is_refused(sample, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text(briefing("Secret", "2022-01-01"))
    (sample.content / "briefings" / "link.md").symlink_to(outside)
    result = sample.build(write=False)
    assert any("link.md: error: is a link to a file outside the content folder" in m
               for m in sample.messages(result))


def test_check_mode_reports_all_problems_and_writes_nothing(site):
    site.add("a.md", "---\ntitle: 1\n---\n")
    site.add("b.md", "---\ndate: 2022-13-01\ntitle: T\n---\n")
    site.add("c.md", "no frontmatter\n")
    result = site.build(write=False)
    assert len(result.diagnostics.errors) == 3
    assert not site.output.exists()


def test_write_refuses_unsafe_paths(tmp_path):
    from generator.model import OutputFile
    for bad in ["../escape.html", "/abs.html", "a/../../b.html", "a\x00b"]:
        with pytest.raises(ValueError):
            write_module.write_site([OutputFile(bad, b"x")], tmp_path / "out")
    assert not (tmp_path / "escape.html").exists()
    assert not list(tmp_path.glob("out.tmp-*"))


def test_a_cache_that_fails_to_save_fails_the_build_call_as_before(sample, monkeypatch):
    """The cache is saved in a thread while the site is written; what saving raises reaches
    build()'s caller (as when it was saved after writing), not a thread's stray traceback."""
    import threading

    from generator.build import build
    from generator.cache import BuildCache

    def broken(self, prune=True):
        raise RuntimeError("cannot pickle the cache")

    monkeypatch.setattr(BuildCache, "save", broken)
    seen = []
    monkeypatch.setattr(threading, "excepthook", lambda args: seen.append(args))
    with pytest.raises(RuntimeError, match="cannot pickle"):
        build(sample.paths(), cache=BuildCache.for_content(sample.content), search=False)
    assert seen == [] and (sample.output / "index.html").is_file()  # the site itself was written
