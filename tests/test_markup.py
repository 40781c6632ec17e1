from bs4 import BeautifulSoup

from generator.markup import is_safe_url, render_markdown


def text_of(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text()


def test_paragraphs_emphasis_lists_tables_footnotes():
    html = render_markdown("One *two*.\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\nNote[^1]\n\n[^1]: Foot.\n")
    doc = BeautifulSoup(html, "html.parser")
    assert doc.find("em").get_text() == "two"
    assert [li.get_text() for li in doc.find("ul").find_all("li")] == ["a", "b"]
    assert doc.find("table").find("td").get_text() == "1"
    assert doc.select_one("div.footnote") is not None


def test_body_headings_start_below_the_page_title():
    doc = BeautifulSoup(render_markdown("# Section\n\n## Sub\n"), "html.parser")
    assert doc.find("h2", id="section") and doc.find("h3", id="sub") and not doc.find("h1")


def test_raw_html_is_shown_as_text():
    src = 'Hi <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n<div onclick="x()">block</div>\n'
    doc = BeautifulSoup(render_markdown(src), "html.parser")
    assert not doc.find("script") and not doc.find("img") and not doc.find("div")
    assert "<script>alert(1)</script>" in doc.get_text()
    assert '<div onclick="x()">block</div>' in doc.get_text()


def test_unsafe_link_schemes_are_dropped_text_kept():
    src = ("[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](java\tscript:x) [d](data:text/html,x) "
           "![e](vbscript:x) [ok](https://example.org/) [rel](../x/) [m](mailto:a@b.org)")
    doc = BeautifulSoup(render_markdown(src), "html.parser")
    hrefs = [a.get("href") for a in doc.find_all("a")]
    assert hrefs == [None, None, None, None, "https://example.org/", "../x/", "mailto:a@b.org"]
    assert [a.get_text() for a in doc.find_all("a")][:4] == ["a", "b", "c", "d"]
    assert not doc.find("img") and doc.find("span").get_text() == "e"  # an image without a safe src is its alt text


def test_is_safe_url():
    assert is_safe_url("#x") and is_safe_url("/a") and is_safe_url("a:b/c".replace(":", "")) and is_safe_url("HTTPS://x")
    assert not is_safe_url(" javascript:x") and not is_safe_url("\x01data:x")


def test_no_attr_list_so_no_event_attributes():
    doc = BeautifulSoup(render_markdown("Para\n{: onclick=\"alert(1)\" }\n"), "html.parser")
    assert all(not k.startswith("on") for el in doc.find_all(True) for k in el.attrs)


# --- the plain-text shortcut of the inline processor --------------------------------------------

import markdown  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings, strategies as st  # noqa: E402
from markdown.inlinepatterns import SimpleTagInlineProcessor  # noqa: E402

from generator.markup import (  # noqa: E402
    EXTENSIONS, KNOWN_BLOCK_PATTERNS, PlainTextShortcut, Renderer, guarded_searches)


def _without_shortcut() -> markdown.Markdown:
    return markdown.Markdown(extensions=[e for e in EXTENSIONS if not isinstance(e, PlainTextShortcut)],
                             extension_configs={"toc": {"permalink": False, "baselevel": 2}},
                             output_format="html")


_PIECES = st.sampled_from([
    "word", "NATO", "Ünïcode", "“quoted”", " ", " ", "  ", "\n", "\n\n", "*", "**", "_", "__", "`", "``", "\\",
    "[", "]", "(", ")", "!", "<", ">", "&", "&amp;", "&#35;", ";", "#", "# ", "^", ":", "- ", "1. ", "| ", "|---|",
    "    ", "> ", "```\n", "~~~", "[^1]", "\n[^1]: note", "[a](https://x.org/)", "[b][r]", "\n[r]: /y",
    "<https://x.org/>", "<a@b.org>", "![i](/p.png)", "\n*[NATO]: North Atlantic Treaty Organization\n",
    "term\n: definition", "\x02", "\x03", "wzxhzdk:0", "klzzwxh:1",
    "_em_", "__strong__", "*em*", "**strong**", "`code`", "\\_", "line  \nbreak", "[TOC]", "\n[TOC]\n",
    "Title\n===", "\n---\n", "\t", "\r", "\r\n", " \n", "   \n", "\n \n",
])

#: One of each inline form, each alone in a paragraph of plain words.
_INLINE_FORMS = ["`code`", "``co`de``", "\\*", "\\_", "\\\\`", "\\#", "\\(x\\)", "1\\. not a list",
                 "[^1]\n\n[^1]: note", "[link](/x/)",
                 "[ref][r]\n\n[r]: /y", "[r]\n\n[r]: /y", "![alt](/p.png)", "![alt][r]\n\n[r]: /p.png",
                 "<https://x.org/>", "<a@b.org>", "line  \nbreak", "&amp;", "&#35;", "&#x23;", "*em*",
                 "**strong**", "***both***", "_em_", "__strong__", "_ alone _", "NATO\n\n*[NATO]: Alliance"]


@pytest.mark.parametrize("form", _INLINE_FORMS)
def test_the_shortcut_keeps_each_inline_form(form):
    text = f"Plain words before {form} and after.\n\nA plain paragraph.\n"
    assert Renderer().convert(text) == _without_shortcut().convert(text)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_the_shortcut_renders_exactly_what_every_pattern_gives(text):
    full, r = _without_shortcut(), Renderer()
    assert r.convert(text) == full.convert(text)
    assert (r._md.toc, r._md.toc_tokens) == (full.toc, full.toc_tokens)


#: One of each block form (and a near miss of some), each alone between plain paragraphs.
_BLOCK_FORMS = ["# Heading", "### Heading ###", "#hashtag", "Title\n=====", "Title\n-----", "---", "- - -", "***",
                "___", "a -- b", "> quoted", ">", "   > indented quote", "term\n: definition", "time: 10:30",
                "[^1]: note\n\nText[^1]", "[r]: /y 'T'\n\n[r]", "[r]:/y", "*[NATO]: Alliance\n\nNATO",
                "```\ncode\n```", "~~~\ncode\n~~~", "``not a fence``", "1. one\n2. two", "- a\n- b",
                "| a | b |\n|---|---|\n| 1 | 2 |", "    indented code", "[TOC]", "[TOC]\n\n## Heading",
                "> [TOC]", "- [TOC]", "`[TOC]`", "## Heading\n\n## Heading"]


@pytest.mark.parametrize("form", _BLOCK_FORMS)
def test_the_shortcut_keeps_each_block_form(form):
    text = f"A plain paragraph.\n\n{form}\n\nAnother plain paragraph.\n"
    r, full = Renderer(), _without_shortcut()
    assert r.convert(text) == full.convert(text)
    assert (r._md.toc, r._md.toc_tokens) == (full.toc, full.toc_tokens)  # what the toc extension leaves


def test_the_shortcut_is_on_for_our_extensions():
    # Guards the speed: a Python-Markdown whose patterns differ from KNOWN_INLINE_PATTERNS
    # still renders correctly, but every paragraph then goes through every pattern.
    r = Renderer()
    assert r.convert("Plain words.\n\n*Some* emphasis and a [link](/x/).\n") == (
        '<p>Plain words.</p>\n<p><em>Some</em> emphasis and a <a href="/x/">link</a>.</p>')
    assert r._md.treeprocessors["inline"].plain_text_shortcut
    assert type(r._md.treeprocessors["toc"]).__name__ == "_HeadinglessToc"
    assert type(r._md.preprocessors["normalize_whitespace"]).__name__ == "_NormalizeWhitespace"
    assert sorted(guarded_searches(r._md)) == sorted(name for name, _ in KNOWN_BLOCK_PATTERNS)


def test_an_unknown_inline_pattern_turns_the_shortcut_off():
    # An extension's pattern that matches plain letters: the shortcut must not hide it.
    class Zed(markdown.extensions.Extension):
        def extendMarkdown(self, md):  # noqa: N802
            md.inlinePatterns.register(SimpleTagInlineProcessor(r"()zz(.+?)zz", "b"), "zed", 5)

    md = markdown.Markdown(extensions=[*EXTENSIONS, Zed()], output_format="html")
    assert md.convert("plain zzboldzz text") == "<p>plain <b>bold</b> text</p>"
    assert not md.treeprocessors["inline"].plain_text_shortcut


def test_a_whitespace_preprocessor_of_another_version_is_left_in_place(monkeypatch):
    # _NormalizeWhitespace repeats Python-Markdown's code: only in place of that very code
    from generator import markup
    monkeypatch.setattr(markup, "NORMALIZE_WHITESPACE_SOURCE", "0" * 64)
    r = Renderer()
    assert type(r._md.preprocessors["normalize_whitespace"]).__name__ == "NormalizeWhitespace"
    assert r.convert("a \n \nb") == "<p>a </p>\n<p>b</p>"


# --- link text found by a scan to its closing bracket (BoundedLinks) ----------------------------

from markdown.inlinepatterns import LinkInlineProcessor  # noqa: E402

from generator.markup import BoundedLinks, _link_text  # noqa: E402


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="[]a\\(", max_size=30), st.integers(min_value=0, max_value=31))
def test_the_link_text_is_what_the_librarys_gettext_finds(data, index):
    index = min(index, len(data))
    library = LinkInlineProcessor(r"\[", markdown.Markdown())
    assert _link_text(library, data, index) == LinkInlineProcessor.getText(library, data, index)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_bounded_links_render_what_the_librarys_link_patterns_give(text):
    library = markdown.Markdown(extensions=[e for e in EXTENSIONS if not isinstance(e, BoundedLinks)],
                                extension_configs={"toc": {"permalink": False, "baselevel": 2}},
                                output_format="html")
    assert Renderer().convert(text) == library.convert(text)


def test_every_link_pattern_scans_only_to_its_closing_bracket():
    md = Renderer()._md
    links = [p for p in md.inlinePatterns if isinstance(p, LinkInlineProcessor)]
    assert {type(p).__name__ for p in links} >= {"LinkInlineProcessor", "ImageInlineProcessor",
                                                  "ReferenceInlineProcessor", "ShortReferenceInlineProcessor"}
    assert all(p.getText.__func__ is _link_text for p in links)
    # What the library's 3.11.4 getText made quadratic (test_hostile_resources bounds its time).
    paragraph = " ".join(f"[link {i}](https://example.org/{i}) (see [note](#n{i}))" for i in range(3000))
    assert md.convert(paragraph).count('<a href="') == 6000
