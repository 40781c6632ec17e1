"""Script injection through content and frontmatter (tests/hostile.py): the built
site holds none of it as markup. Proven twice, independently: by parsing every
page, and in Chromium with the Content-Security-Policy switched OFF (so only our
escaping stands between the payloads and execution) where no payload may run.
Policy for raw HTML in Markdown (README, "Security"): shown as text, never passed through.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import sync_playwright

from hostile import BODY, PAYLOADS, make_hostile_site
from served import launch, serve, site_pages

SAFE_SCHEMES = ("http:", "https:", "mailto:")
THEME_SCRIPTS = {"search.js", "pagefind-ui.js", "pagefind.js"}  # the only scripts a page may load


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    site = make_hostile_site(tmp_path_factory.mktemp("hostile"))
    result = site.build()
    assert result.ok, site.messages(result)
    return site


def scheme_ok(url: str) -> bool:
    """Independent of generator.markup: the scheme as a browser would read it."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(url)).lower()
    m = re.match(r"^([a-z][a-z0-9+.-]*):", cleaned)
    return m is None or m.group(0) in SAFE_SCHEMES


def test_no_page_contains_injected_markup(hostile):
    pages = sorted(hostile.output.rglob("*.html"))
    assert len(pages) > 40
    for path in pages:
        doc = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        where = path.relative_to(hostile.output)
        for el in doc.find_all(True):
            assert not [a for a in el.attrs if a.lower().startswith("on")], (where, el)
            for attr in ("href", "xlink:href", "src", "action", "formaction", "srcdoc", "data"):
                if el.get(attr) is not None:
                    assert attr not in ("srcdoc", "data"), (where, el)
                    assert scheme_ok(el[attr]), (where, el)
        assert not doc.find(["iframe", "object", "embed", "style", "base", "frame", "math", "foreignobject"]), where
        for svg in doc.find_all("svg"):  # the theme's charts only
            assert "chart" in svg.get("class", []), (where, svg)
        for s in doc.find_all("script"):
            if s.get("type") == "application/ld+json":
                json.loads(s.string)  # data, and well-formed
            else:
                assert s.get("src") and not s.string, (where, s)
                assert s["src"].rsplit("/", 1)[-1] in THEME_SCRIPTS, (where, s)
        assert not doc.find("img", src=re.compile("^x$")), where


def test_payloads_are_shown_as_the_text_that_was_written(hostile):
    doc = BeautifulSoup((hostile.output / "briefings/2022/02/hostile-0/index.html").read_text(), "html.parser")
    assert doc.h1.get_text() == f"Title {PAYLOADS[0]}"
    assert doc.select_one(".standfirst").get_text() == f"Summary {PAYLOADS[0]}"
    assert doc.select_one(".meta__source").get_text() == f"Source {PAYLOADS[0]}"
    body = doc.select_one(".briefing__body").get_text()
    assert "<script>window.__pwned=10</script>" in body and '<div onmouseover="alert(12)">' in body
    chips = [a.get_text() for a in doc.select(".tags a")]
    assert f"Person {PAYLOADS[0]}" in chips and PAYLOADS[0] in chips
    links = {a.get_text(): a.get("href") for a in doc.select(".briefing__body a")}
    for text in ("a javascript link", "an encoded one", "a spaced one", "a data link", "a vbscript link",
                 "a tabbed one", "ref link"):
        assert links[text] is None, text  # the link text stays, the target is dropped
    titles = BeautifulSoup((hostile.output / "index.html").read_text(), "html.parser").title
    assert "<script>" not in str(titles).replace("&lt;script&gt;", "")


def test_template_syntax_in_content_is_not_evaluated(hostile):
    text = (hostile.output / "briefings/2022/02/hostile-9/index.html").read_text()
    assert "{{ 7*7 }}{% raw %}" in html.unescape(text) and "Title 49" not in text


def test_no_payload_runs_in_chromium_even_without_csp(hostile):
    with serve(hostile.output) as base, sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(bypass_csp=True, java_script_enabled=True)
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(f"{page.url}: {d.message}"), d.dismiss()))
        urls = site_pages(hostile.output)
        assert "/briefings/2022/02/hostile-0/" in urls and "/404.html" in urls
        for url in urls:
            page.goto(base + url, wait_until="load")
            page.mouse.move(5, 5)
            page.mouse.move(400, 300)  # would fire any injected onmouseover
            found = page.evaluate("""() => ({
                pwned: window.__pwned ?? null,
                handlers: [...document.querySelectorAll('*')].filter(
                    el => [...el.attributes].some(a => a.name.toLowerCase().startsWith('on'))).length,
                schemes: [...document.querySelectorAll('a[href], area[href]')].map(a => a.protocol),
                frames: document.querySelectorAll('iframe, object, embed').length,
                inlineScripts: [...document.scripts].filter(
                    s => !s.src && s.type !== 'application/ld+json').length,
            })""")
            assert found["pwned"] is None, url
            assert found["handlers"] == 0 and found["frames"] == 0 and found["inlineScripts"] == 0, (url, found)
            assert set(found["schemes"]) <= {"http:", "https:", "mailto:"}, (url, found["schemes"])
        # a briefing's body links, clicked: none navigates to a script
        page.goto(base + "/briefings/2022/02/hostile-0/")
        for link in page.locator(".briefing__body a:not([href])").all():
            link.click()
        assert page.evaluate("window.__pwned ?? null") is None
        assert dialogs == []
        context.close()
        browser.close()


def test_body_payload_list_is_what_the_site_was_built_from():
    """Guard against the fixture silently losing its teeth."""
    assert BODY.count("javascript:") >= 6 and "data:text/html" in BODY and "onerror" in BODY
