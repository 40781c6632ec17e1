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
