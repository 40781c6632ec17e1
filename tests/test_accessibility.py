"""axe-core (npm, pinned in package-lock.json) in Debian's Chromium on every page
type, light and dark: zero violations at WCAG 2.2 AA.

The site is the repository's content/ plus the hostile fixture's worst titles,
built once; one browser serves the whole module. axe is evaluated through the
DevTools protocol, which the page's CSP does not govern, so the CSP stays on.
"""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import sync_playwright

from conftest import ROOT, THEME
from generator.build import Paths, build
from served import launch, serve

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
HOSTILE = """---
title: "<script>alert(1)</script> A briefing whose title is long enough to wrap over several lines on a phone"
date: 2022-02-24
source: "<b>Wire</b>"
summary: "<img src=x onerror=alert(2)> summary"
topics: ["<svg onload=alert(3)>", "Diplomacy"]
people: ["Jens Stoltenberg"]
review: ["<i>check</i> the date"]
---

Body with a [link](https://example.org/), a [dropped one](javascript:alert(4)), ![an image](data:x),
`code`, and a table:

| a | b |
|---|---|
| 1 | 2 |

> A quote.[^1]

[^1]: A footnote.
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("a11y")
    shutil.copytree(ROOT / "content", root / "content")
    (root / "content/briefings/2022").mkdir(parents=True, exist_ok=True)
    (root / "content/briefings/2022/2022-02-24-hostile.md").write_text(HOSTILE, encoding="utf-8")
    result = build(Paths(content=root / "content", theme=THEME, output=root / "output"))
    assert result.ok, [d.format() for d in result.diagnostics.errors]
    return root / "output", result.site


def page_types(output, site) -> dict[str, str]:
    """One URL of every kind of page the theme renders."""
    b = site.briefings[0]
    tax = site.taxonomies["topics"]
    term = max(tax.terms, key=lambda t: t.count)
    urls = {"home": "/", "archive": "/briefings/", "briefing": b.url, "hostile briefing": "/briefings/2022/02/hostile/",
            "taxonomy": tax.url, "taxonomy by count": tax.url + "by-count/", "term": term.url,
            "stories": "/stories/", "search": "/search/", "404": "/404.html", "people": "/people/"}
    if site.timeline is not None and site.timeline.years:
        year = site.timeline.years[0]
        urls |= {"timeline": site.timeline.url, "timeline year": year.url, "timeline month": year.months[0].url}
    for name, url in urls.items():
        path = output / (url.strip("/") + ("/index.html" if url.endswith("/") and url != "/" else ""))
        assert (output / "index.html").is_file() if url == "/" else path.is_file(), (name, url)
    return urls


@pytest.fixture(scope="module")
def axe_results(site):
    assert AXE.is_file(), "axe-core is missing: run `make test` (npm ci installs it into node_modules/)"
    output, model = site
    urls = page_types(output, model)
    source = AXE.read_text(encoding="utf-8")
    results = {}
    with serve(output) as base, sync_playwright() as p:
        browser = launch(p)
        for scheme in ("light", "dark"):
            for width in (1280, 390):
                context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
                page = context.new_page()
                for name, url in urls.items():
                    page.goto(base + url, wait_until="load")
                    page.evaluate(source)
                    found = page.evaluate("""async (tags) => {
                        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                           resultTypes: ['violations']});
                        return {violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)})),
                                passes: r.passes.length};
                    }""", TAGS)
                    dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
                    assert dark == (scheme == "dark")
                    results[(scheme, width, name)] = found
                context.close()
        browser.close()
    return results


def test_every_page_type_has_no_wcag22_aa_violation_light_and_dark(axe_results):
    failures = {f"{scheme} {width}px {name}": r["violations"] for (scheme, width, name), r in axe_results.items()
                if r["violations"]}
    assert failures == {}
    assert len(axe_results) >= 4 * 12


def test_axe_really_checked_something(axe_results):
    assert all(r["passes"] > 5 for r in axe_results.values())


def test_axe_finds_a_real_violation(tmp_path):
    """The harness is not a rubber stamp: a low-contrast, unlabelled page fails."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>x</title></head><body><main>'
        '<p style="color:#aaa;background:#fff">faint</p><img src="a.png"><input type="text"></main></body></html>')
    with serve(tmp_path) as base, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        page.goto(base + "/")
        page.evaluate(AXE.read_text(encoding="utf-8"))
        ids = page.evaluate("async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
                            ".violations.map(v => v.id)", TAGS)
        browser.close()
    assert {"color-contrast", "image-alt", "label"} <= set(ids)


def test_every_section_of_the_navigation_is_in_sight_on_a_phone(site):
    """On a narrow screen the site's sections wrap to a second line: none is scrolled out of view
    (a navigation row scrolled sideways, its scroll bar hidden, hid Places and Stories at 390 px)."""
    output, _ = site
    with serve(output) as base, sync_playwright() as p:
        browser = launch(p)
        for width in (320, 390):
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.goto(base + "/topics/", wait_until="load")
            boxes = page.eval_on_selector_all(".site-nav a", """links => links.map(a => {
                const r = a.getBoundingClientRect();
                return [a.textContent.trim(), r.left, r.right, document.documentElement.clientWidth];
            })""")
            assert len(boxes) == 7, boxes
            assert all(0 <= left and right <= view for _, left, right, view in boxes), (width, boxes)
            page.close()
        browser.close()
