"""reuse(macro, *args): a fragment rendered once per build, its links made relative to
each page, and what it read recorded on every page that shows it (generator/fragments.py)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from conftest import THEME, FixtureSite, briefing, tree_digest
from generator import fragments
from generator.build import Paths, build
from generator.render import PageLinks, make_environment
from generator.trace import Recorder, traced_context


def _theme_without_reuse(tmp_path: Path) -> Path:
    theme = tmp_path / "theme-without-reuse"
    shutil.copytree(THEME, theme)
    macros = theme / "templates" / "_macros.html"
    text = macros.read_text(encoding="utf-8")
    each = "{% for html in reuse_each(card, briefings, heading) %}<li>{{ html }}</li>{% endfor %}"
    assert each in text
    macros.write_text(text.replace(each, "{% for b in briefings %}<li>{{ card(b, heading) }}</li>{% endfor %}"),
                      encoding="utf-8")
    # The header, called with page_url itself: nav_at must make no difference.
    base = theme / "templates" / "base.html"
    text = base.read_text(encoding="utf-8")
    assert "reuse(site_header, config, taxonomies, nav_at)" in text
    base.write_text(text.replace("reuse(site_header, config, taxonomies, nav_at)",
                                 "site_header(config, taxonomies, page_url)"), encoding="utf-8")
    return theme


def test_the_site_is_the_same_with_and_without_reuse(tmp_path):
    site = FixtureSite(tmp_path / "site")
    # Pages at every depth list cards (home, archive, terms, timeline months); titles,
    # sources and topics with characters to escape; a base path other than "/".
    for k in range(12):
        site.add(f"2022/b{k}.md", briefing(
            f"Title {k} <&> \"quoted\" 'single'", f"2022-0{1 + k % 3}-1{k % 9}", f"Body {k}.",
            source=f"Wire & Co {k % 2}", summary=f"Summary {k} & more",
            topics=f"[Arms control, 'Q&A {k % 3}']", people="[Jens Stoltenberg]"))
    site.add("undated/u.md", briefing("Undated <one>", None, "No date.", topics="[Arms control]"))
    with_reuse = build(Paths(site.content, THEME, tmp_path / "with"), search=False)
    without = build(Paths(site.content, _theme_without_reuse(tmp_path), tmp_path / "without"), search=False)
    assert with_reuse.ok and without.ok
    a, b = tree_digest(tmp_path / "with"), tree_digest(tmp_path / "without")
    assert a.keys() == b.keys()
    differ = [p for p in a if a[p] != b[p]]
    assert differ == []
    term = (tmp_path / "with" / "topics" / "arms-control" / "index.html").read_text(encoding="utf-8")
    assert term.count('class="card"') == 13 and "../../briefings/2022/" in term


@dataclasses.dataclass
class Item:
    title: str
    tags: list[str]
    url: str


def _env(tmp_path: Path, macros: str, page: str) -> object:
    (tmp_path / "templates").mkdir(parents=True, exist_ok=True)
    (tmp_path / "templates" / "_m.html").write_text(macros, encoding="utf-8")
    (tmp_path / "templates" / "page.html").write_text(page, encoding="utf-8")
    return make_environment(tmp_path)


def _render(env, context: dict, page_url: str) -> tuple[str, Recorder]:
    rec = Recorder()
    values = traced_context({"page_url": page_url, **context}, rec)
    values["url"] = PageLinks(page_url, "/")
    return env.get_template("page.html").render(values), rec


MACROS = """{% macro show(item, n) %}<a href="{{ url(item.url) }}">{{ item.title }}</a> {{ n }}
{{ item.tags | length }} {{ item.tags[0] }} <a href="{{ url('/a&b/') }}">x</a> {{ url('/a&b/') | safe }}{% endmacro %}"""


@pytest.mark.parametrize("call", ["reuse(show, item, 2)", "show(item, 2)"])
def test_a_reused_fragment_records_what_it_read_on_every_page(tmp_path, call):
    env = _env(tmp_path, MACROS, '{% from "_m.html" import show with context %}'
                                 '{% for item in items %}{{ ' + call + ' }}|{% endfor %}')
    items = [Item("One & two", ["t1", "t2"], "/items/one/"), Item("Three", ["t3"], "/items/three/")]
    fragments.clear()
    first, rec1 = _render(env, {"items": items}, "/lists/a/")
    again, rec2 = _render(env, {"items": items[::-1]}, "/")  # memo hits, another folder
    fragments.clear()
    direct = _env(tmp_path / "direct", MACROS, '{% from "_m.html" import show with context %}'
                                               '{% for item in items %}{{ show(item, 2) }}|{% endfor %}')
    d1, drec1 = _render(direct, {"items": items}, "/lists/a/")
    d2, drec2 = _render(direct, {"items": items[::-1]}, "/")
    assert (first, again) == (d1, d2)
    assert '<a href="../../items/one/">One &amp; two</a>' in first and '<a href="items/three/">' in again
    assert "../../a&amp;b/" in first and "../../a&b/" in first  # escaped, and written as it is with | safe
    # the same reads, with the same values, as rendering the macro on each page
    assert (rec1.program(), rec1.digest()) == (drec1.program(), drec1.digest())
    assert (rec2.program(), rec2.digest()) == (drec2.program(), drec2.digest())
    assert ("i", 0) in {step for _, step in rec2.program()}  # item.tags[0] is among them


@pytest.mark.parametrize("items", [
    [Item("One & two", ["t1", "t2"], "/items/one/"), Item("Three", ["t3"], "/items/three/"),
     Item("One & two", ["t1", "t2"], "/items/one/")],  # equal to the first, another object
    # what is not a dataclass object takes the loop's own path, among the others
    [Item("One", ["t1"], "/items/one/"), {"title": "A dict", "tags": ["d"], "url": "/d/"}, Item("Two", ["t2"], "/t/")],
    [],
])
@pytest.mark.parametrize("n", [2, "h3"])
def test_reuse_each_writes_and_records_what_the_loop_does(tmp_path, items, n):
    each = _env(tmp_path, MACROS, '{% from "_m.html" import show with context %}'
                                  '{% for html in reuse_each(show, items, ' + repr(n) + ') %}{{ html }}|{% endfor %}')
    loop = _env(tmp_path / "loop", MACROS, '{% from "_m.html" import show with context %}'
                                           '{% for item in items %}{{ show(item, ' + repr(n) + ') }}|{% endfor %}')
    for env in (each, loop):
        fragments.clear()
        pages = [_render(env, {"items": items}, "/lists/a/"), _render(env, {"items": items[::-1]}, "/"),
                 _render(env, {"items": items}, "/items/b/")]  # memo hits, links within the items' folder
        fragments.clear()
        if env is each:
            got = pages
    assert [html for html, _ in got] == [html for html, _ in pages]
    assert [(r.program(), r.digest()) for _, r in got] == [(r.program(), r.digest()) for _, r in pages]
    assert len(got[0][0].split("|")) == len(items) + 1


def test_reuse_each_over_a_list_that_is_not_traced_is_the_loop(tmp_path):
    # A list made by the template itself (not from the page's context) is not traced.
    env = _env(tmp_path, MACROS, '{% from "_m.html" import show with context %}'
                                 '{% for html in reuse_each(show, [item, item], 1) %}{{ html }}|{% endfor %}')
    item = Item("T", ["t"], "/items/x/")
    fragments.clear()
    html, _ = _render(env, {"item": item}, "/p/")
    fragments.clear()
    assert html.count('<a href="../items/x/">T</a> 1') == 2


def test_a_fragment_holding_a_marker_character_is_rendered_each_time(tmp_path):
    # The loader refuses control characters in content; should one reach a fragment anyway,
    # its links must not be mistaken for markers.
    env = _env(tmp_path, MACROS, '{% from "_m.html" import show with context %}{{ reuse(show, item, 1) }}')
    item = Item("bad \x1e0&\x1f title", ["t"], "/items/x/")
    fragments.clear()
    html, _ = _render(env, {"item": item}, "/p/")
    assert html.startswith('<a href="../items/x/">bad \x1e0&amp;\x1f title</a>')
    fragments.clear()


def test_links_of_a_page_without_an_address_are_escaped_as_the_macro_would(tmp_path):
    # The 404 page links from the base path, which may hold a character to escape.
    env = _env(tmp_path, MACROS, '{% from "_m.html" import show with context %}{{ reuse(show, item, 1) }}'
                                 '|{{ show(item, 1) }}')
    item = Item("T", ["t"], "/items/x/")
    rec = Recorder()
    values = traced_context({"page_url": None, "item": item}, rec)
    values["url"] = PageLinks(None, "/a&b/")
    fragments.clear()
    reused, direct = env.get_template("page.html").render(values).split("|", 1)
    fragments.clear()
    assert reused == direct and 'href="/a&amp;b/items/x/"' in reused
