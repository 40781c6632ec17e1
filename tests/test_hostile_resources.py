"""Bodies built to exhaust the Markdown renderer, and a large one that is fine.

Python-Markdown recurses per nesting level and scans from every '[' to its
closing bracket: unchecked, the bodies below take minutes or crash with a
RecursionError. They must be refused before rendering, naming the line.
(Importer-side resource cases, huge seeds and many seeds, live with the importer's tests.)
"""

from __future__ import annotations

import time

import pytest

from generator.markup import MAX_BRACKET_WORK, check_complexity, render_markdown

FRONT = "---\ntitle: T\ndate: 2022-01-07\n---\n\nFirst paragraph.\n\n"  # the hostile part starts on line 8


@pytest.mark.parametrize("body, expected", [
    ("> " * 5000 + "deep quote\n", "x.md:8: error: quotes are nested 5000 levels deep (at most 32)"),
    ("".join("  " * i + "- item\n" for i in range(3000)), "x.md:73: error: a line is indented 130 columns"),
    ("".join("\t" * i + "- item\n" for i in range(100)), "x.md:41: error: a line is indented 132 columns"),
    ("[" * 20000 + "x" + "](y)" * 20000 + "\n", "x.md:8: error: this paragraph has too many unclosed brackets"),
    ("[a](" * 20000 + "\n", "x.md:8: error: this paragraph has too many unclosed brackets"),
    ("Fine.\n\n" + " ".join("[" + "word " * 40 for _ in range(500)) + "\n",
     "x.md:10: error: this paragraph has too many unclosed brackets"),
])
def test_pathological_markdown_is_refused_fast_with_its_line(site, body, expected):
    site.add("2022/x.md", FRONT + body)
    started = time.perf_counter()
    result = site.build(write=False)
    elapsed = time.perf_counter() - started
    errors = [d.format() for d in result.diagnostics.errors]
    assert len(errors) == 1 and expected in errors[0], errors
    assert elapsed < 30  # unchecked, these take from 40 s to minutes, or crash


def test_legitimate_structure_is_not_refused():
    links = " ".join(f"[link {i}](https://example.org/{i}) (see [note](#n{i}))" for i in range(3000))
    nested = "".join("    " * i + "- level\n" for i in range(30))
    quotes = "".join(">" * i + " quote\n" for i in range(1, 30))
    stray = "A paragraph with a stray [ bracket and a ( parenthesis " + "word " * 20000
    for text in (links, nested, quotes, stray, "x\\[" * 50000):
        assert check_complexity(text) is None
    started = time.perf_counter()
    render_markdown(links)
    assert time.perf_counter() - started < 30


def test_the_bracket_budget_bounds_render_time():
    """Just under the budget still renders in bounded time: the budget is what keeps it so."""
    k = 100  # unclosed '[', each followed by m characters: work = k * k * m / 2
    m = int(0.9 * 2 * MAX_BRACKET_WORK / k / k)
    text = " ".join("[" + "w" * (m - 2) for _ in range(k))
    assert check_complexity(text) is None
    started = time.perf_counter()
    render_markdown(text)
    assert time.perf_counter() - started < 30


def test_recursion_in_the_renderer_never_escapes():
    """Defence in depth: if something check_complexity does not know nests too deep,
    the body is shown as escaped text rather than crashing the build."""
    import sys
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(120)
    try:
        html = render_markdown("".join("    " * i + "- <b>level</b>\n" for i in range(30)))
    finally:
        sys.setrecursionlimit(limit)
    assert "<b>" not in html and "&lt;b&gt;level" in html


def test_a_large_briefing_builds(site):
    paragraph = ("Ministers met in Brussels on Friday to discuss [the proposals](https://example.org/p), "
                 "*arms control* and the **security** situation in Europe. ") * 10
    body = "\n\n".join(f"## Part {i}\n\n{paragraph}" if i % 50 == 0 else paragraph for i in range(3600))
    assert len(body) > 5_000_000
    site.add("2022/big.md", FRONT + body + "\n")
    started = time.perf_counter()
    result = site.build()
    assert result.ok, [d.format() for d in result.diagnostics.errors]
    assert time.perf_counter() - started < 120
    page = (site.output / "briefings/2022/01/big/index.html").read_text()
    assert page.count("<h3 id=\"part-") == 72  # "##" is a level below the page title
