"""The /search/ page in a real browser: Debian's Chromium driven by Playwright.

One build, one local server and one browser serve the whole module. The site is
the repository's own content/ plus one hostile briefing (its title is an <img>
tag with an onerror handler), an undated one and two years apart that share a
word and a topic, built into a temporary folder. There is one Pagefind index per
year, merged in the browser. Queries are chosen from the built site's data, so
the tests hold whatever briefings content/ has.
Every page a test opens must log no console error, CSP violation or uncaught
exception.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from conftest import ROOT, THEME
from generator.build import Paths, build

# Debian's package (`make system-deps` installs it); Playwright never downloads a browser here.
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

HOSTILE_TITLE = "<img src=x onerror=window.__xss=1>"
HOSTILE = f"""---
title: "{HOSTILE_TITLE}"
date: 2019-05-05
source: "<b>Bold Wire</b>"
summary: "<script>window.__xss=2</script> summary"
topics: ["<svg onload=window.__xss=3>"]
---

The word quuxplosion appears only here, with zorbulent, next to <img src=y onerror=window.__xss=4> and Tom & Jerry.
"""
HOSTILE_WORD = "quuxplosion"
UNDATED = """---
title: An undated note on zorbulent matters
---

Zorbulent, again: this note has no date.
"""
SHARED_WORD = "zorbulent"  # in the hostile briefing (dated) and the undated one
CROSS_WORD, CROSS_TOPIC = "vexillant", "Glacier diplomacy"  # in three briefings of 2016 and 2018
CROSS_YEAR = {
    "2016/2016-03-04-glacier-a.md": ("2016-03-04", "Cross-year note on the northern glacier talks"),
    "2018/2018-09-10-glacier-b.md": ("2018-09-10", "Cross-year note on the glacier accord"),
    "2018/2018-02-01-glacier-c.md": ("2018-02-01", "Cross-year note on a glacier survey"),
}


class Served:
    def __init__(self, base: str, site):
        self.base = base
        self.site = site

    def url(self, path: str) -> str:
        return self.base + path

    def briefings(self):
        """The briefings of content/, without this module's fixtures."""
        return [b for b in self.site.briefings
                if b.title != HOSTILE_TITLE and SHARED_WORD not in b.title and not b.title.startswith("Cross-year")]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("search-site")
    content = root / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "briefings" / "2019").mkdir(parents=True, exist_ok=True)
    (content / "briefings" / "2019" / "2019-05-05-hostile.md").write_text(HOSTILE, encoding="utf-8")
    (content / "briefings" / "undated-note.md").write_text(UNDATED, encoding="utf-8")
    for path, (date, title) in CROSS_YEAR.items():
        (content / "briefings" / path).parent.mkdir(parents=True, exist_ok=True)
        (content / "briefings" / path).write_text(
            f"---\ntitle: {title}\ndate: {date}\ntopics: [{CROSS_TOPIC}]\n---\n\n"
            f"The {CROSS_WORD} delegations met again on {date}.\n", encoding="utf-8")
    result = build(Paths(content=content, theme=THEME, output=root / "output"))
    assert result.ok, [d.format() for d in result.diagnostics.errors]

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(root / "output")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(f"http://127.0.0.1:{server.server_port}", result.site)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM, "chromium is not installed: run `make system-deps` (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, served):
    """A fresh page; after the test, asserts the console stayed clean."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("request", lambda r: None if r.url.startswith(served.base) or r.url.startswith("data:")
            else problems.append(f"request to another host: {r.url}"))
    yield page
    context.close()
    assert problems == []


def results(page: Page):
    return page.locator("#search-results > li")


def result_hrefs(page: Page) -> list[str]:
    return results(page).locator("h3 a").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def open_search(page: Page, served: Served, query: str = "") -> None:
    page.goto(served.url("/search/" + (f"?q={query}" if query else "")))
    expect(page.locator("#search-app")).to_be_visible()


def unique_word(served: Served):
    """A word of exactly one briefing, with no other briefing sharing its first letters."""
    texts = {b.url: words(f"{b.title} {b.body}") for b in served.site.briefings}
    for url, ws in texts.items():
        if url not in {b.url for b in served.briefings()}:
            continue
        for w in sorted(set(ws), key=lambda w: (-len(w), w)):
            if len(w) >= 7 and not any(o.startswith(w[:5]) for u, other in texts.items() if u != url for o in other):
                return w, url
    pytest.fail("no briefing has a word of its own")


def common_word(served: Served) -> str:
    """The longest word present in the most briefings."""
    counts = Counter(w for b in served.briefings() for w in set(words(f"{b.title} {b.body}")) if len(w) >= 5)
    best = max(counts.values())
    assert best >= 3, "the seed archive needs a word shared by three briefings"
    return sorted((w for w, n in counts.items() if n == best), key=lambda w: (-len(w), w))[0]


def test_a_word_of_one_briefing_finds_it_first(page, served):
    word, url = unique_word(served)
    open_search(page, served, word)
    expect(page.locator("#search-q")).to_have_value(word)
    expect(results(page).first).to_be_visible()
    assert result_hrefs(page)[0] == served.url(url)
    assert word in results(page).first.locator("mark").first.inner_text().lower()
    expect(page.locator("#search-status")).to_contain_text(f"“{word}”")


def test_header_form_on_every_page_leads_to_the_search(page, served):
    word, url = unique_word(served)
    page.goto(served.url("/"))
    page.get_by_role("search", name="Site").get_by_label("Search the briefings").fill(word)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=" + word + "$"))
    expect(results(page).first).to_be_visible()
    assert result_hrefs(page)[0] == served.url(url)


def test_typing_searches_and_keeps_the_query_in_the_address(page, served):
    word, url = unique_word(served)
    open_search(page, served)
    expect(page.locator("#search-status")).to_contain_text("Type a word")
    page.locator("#search-q").press_sequentially(word)
    expect(page).to_have_url(re.compile(r"/search/\?q=" + word + "$"))
    expect(results(page).first.locator("h3 a")).to_have_attribute("href", served.url(url))


def test_a_topic_filter_narrows_the_results(page, served):
    word = common_word(served)
    open_search(page, served, word)
    expect(results(page).first).to_be_visible()
    before = results(page).count()
    assert before >= 3
    topics = page.locator("fieldset", has=page.locator("legend", has_text="Topics"))
    options = topics.locator("label.facet__option")
    counts = [int(options.nth(i).locator(".facet__count").inner_text().strip("() briefings"))
              for i in range(options.count())]
    pick = next(i for i, n in enumerate(counts) if 0 < n < before)
    topic = options.nth(pick).locator(".facet__name").inner_text()
    # With the keyboard: focus the checkbox, press Space; focus stays on it.
    box = options.nth(pick).locator("input")
    box.focus()
    page.keyboard.press("Space")
    expect(results(page)).to_have_count(counts[pick])
    expect(page.locator("#search-status")).to_contain_text(f"{counts[pick]} briefing")
    assert page.evaluate("document.activeElement.name") == "topic"
    assert page.evaluate("document.activeElement.value") == topic
    tagged = {served.url(b.url) for b in served.briefings() if topic in b.topics}
    assert set(result_hrefs(page)) <= tagged
    # The filter is in the address: reloading it (a bookmark) gives the same results.
    assert "topic=" in page.url
    page.goto(page.url)
    expect(results(page)).to_have_count(counts[pick])
    expect(page.locator(f"input[name=topic][value='{topic}']")).to_be_checked()


def test_sorting_by_date(page, served):
    word = common_word(served)
    open_search(page, served, word)
    expect(results(page).first).to_be_visible()
    n = results(page).count()
    dates = lambda: results(page).locator("time").evaluate_all("ts => ts.map(t => t.getAttribute('datetime'))")
    page.get_by_label("Sort by").select_option("newest")
    expect(page).to_have_url(re.compile(r"sort=newest"))
    expect(results(page)).to_have_count(n)
    newest = dates()
    assert newest == sorted(newest, reverse=True) and len(set(newest)) > 1
    page.get_by_label("Sort by").select_option("oldest")
    expect(results(page).first.locator("time")).to_have_attribute("datetime", min(newest))
    assert dates() == sorted(newest)


def test_sorting_by_date_keeps_undated_briefings_last(page, served):
    open_search(page, served, SHARED_WORD)
    expect(results(page)).to_have_count(2)
    for order in ("newest", "oldest"):
        page.get_by_label("Sort by").select_option(order)
        expect(page).to_have_url(re.compile(f"sort={order}"))
        expect(results(page)).to_have_count(2)
        expect(results(page).first.locator("time")).to_have_attribute("datetime", "2019-05-05")
        expect(results(page).nth(1).locator(".meta")).to_have_text("Undated")


def test_opening_a_result(page, served):
    word, url = unique_word(served)
    open_search(page, served, word)
    link = results(page).first.locator("h3 a")
    title = link.inner_text()
    link.click()
    page.wait_for_url(served.url(url))
    expect(page.locator("h1")).to_have_text(title)
    # Briefing pages load no search script (JSON-LD data blocks are not scripts that run).
    assert page.locator("script:not([type='application/ld+json'])").count() == 0


def test_a_query_matching_nothing_shows_a_clear_empty_state(page, served):
    open_search(page, served, "zzxqvnomatchword")
    empty = page.locator("#search-empty")
    expect(empty).to_be_visible()
    expect(empty).to_contain_text("No briefings match “zzxqvnomatchword”.")
    expect(empty.get_by_role("link", name="the whole archive")).to_be_visible()
    expect(results(page)).to_have_count(0)
    expect(page.locator("#search-status")).to_have_text("No briefings match “zzxqvnomatchword”.")
    expect(page.locator("#search-more")).to_be_hidden()


def test_hostile_titles_and_excerpts_show_as_text(page, served):
    open_search(page, served, HOSTILE_WORD)
    first = results(page).first
    expect(first.locator("h3 a")).to_have_text(HOSTILE_TITLE)
    expect(first.locator(".meta__source")).to_have_text("<b>Bold Wire</b>")
    excerpt = first.locator(".search-result__excerpt")
    expect(excerpt).to_contain_text("next to <img src=y onerror=window.__xss=4> and Tom & Jerry.")
    # Only the article's text is indexed: not the kicker (a topic) nor the date line.
    expect(excerpt).not_to_contain_text("svg")
    expect(excerpt).not_to_contain_text("Source:")
    expect(excerpt.locator("mark")).to_have_text(HOSTILE_WORD)
    assert page.locator("#search-results img, #search-results script, #search-results svg, #search-results b").count() == 0
    expect(page.locator("input[name=topic][value='<svg onload=window.__xss=3>']")).to_have_count(1)
    page.wait_for_timeout(200)  # give any injected handler the chance to run
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_without_javascript_the_page_says_search_needs_it(browser, served):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served.url("/search/?q=nato"))
    expect(page.get_by_text("Search needs JavaScript")).to_be_visible()
    expect(page.get_by_role("link", name="the whole archive")).to_be_visible()
    expect(page.locator("#search-app")).to_be_hidden()
    expect(page.locator("#search-q")).to_be_visible()
    context.close()


def test_a_search_spans_every_year(page, served):
    """One index per year, merged: a word of briefings of two years finds all of them."""
    indexes = [i["path"] for i in page.request.get(served.url("/pagefind/indexes.json")).json()["indexes"]]
    assert {"2016/", "2018/", "2019/", "undated/"} <= set(indexes) and indexes[-1] == "undated/"
    open_search(page, served, CROSS_WORD)
    expect(results(page)).to_have_count(3)
    expected = {served.url(b.url) for b in served.site.briefings if b.title.startswith("Cross-year")}
    assert set(result_hrefs(page)) == expected
    expect(page.locator("#search-status")).to_contain_text("3 briefings match")
    # Sorting by date orders the results across the indexes, both ways.
    dates = lambda: results(page).locator("time").evaluate_all("ts => ts.map(t => t.getAttribute('datetime'))")
    page.get_by_label("Sort by").select_option("newest")
    expect(results(page).first.locator("time")).to_have_attribute("datetime", "2018-09-10")
    assert dates() == ["2018-09-10", "2018-02-01", "2016-03-04"]
    page.get_by_label("Sort by").select_option("oldest")
    expect(results(page).first.locator("time")).to_have_attribute("datetime", "2016-03-04")
    assert dates() == ["2016-03-04", "2018-02-01", "2018-09-10"]


def test_filters_and_their_counts_span_every_year(page, served):
    """Filter counts are summed over the yearly indexes; a filter narrows every index."""
    page.goto(served.url("/search/?topic=" + CROSS_TOPIC.replace(" ", "+")))
    expect(results(page)).to_have_count(3)
    expect(page.locator("#search-status")).to_have_text("3 briefings with these filters.")
    option = lambda name, value: page.locator(f"input[name={name}][value='{value}']").locator("xpath=..")
    expect(option("topic", CROSS_TOPIC).locator(".facet__count")).to_contain_text("3")
    expect(option("year", "2018").locator(".facet__count")).to_contain_text("2")
    expect(option("year", "2016").locator(".facet__count")).to_contain_text("1")
    # With no filter chosen, the topic's count is the whole archive's (every index's).
    page.goto(served.url("/search/?q=" + CROSS_WORD))
    expect(option("topic", CROSS_TOPIC).locator(".facet__count")).to_contain_text("3")
    # Narrow to one year: only that year's briefings remain; widen with a second year.
    page.locator("input[name=year][value='2018']").check()
    expect(results(page)).to_have_count(2)
    assert all("/briefings/2018/" in href for href in result_hrefs(page))
    assert "year=2018" in page.url
    page.goto(served.url(f"/search/?q={CROSS_WORD}&year=2016&year=2018"))
    expect(results(page)).to_have_count(3)
    expect(page.locator("input[name=year][value='2016']")).to_be_checked()
    # Different filters narrow: a topic no cross-year briefing has leaves nothing.
    other = next(t for b in served.briefings() for t in b.topics)
    page.goto(served.url(f"/search/?q={CROSS_WORD}&year=2018&topic={other}"))
    expect(page.locator("#search-empty")).to_be_visible()
    expect(results(page)).to_have_count(0)

