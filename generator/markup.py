"""Markdown to HTML: one configured Python-Markdown instance.

Policy for HTML inside content Markdown: it is shown as text, never passed
through. Briefings come from scraped pages, so a stray ``<script>`` or
``<img onerror=...>`` must stay harmless; editors get the whole Markdown
syntax (tables, footnotes, definition lists, fenced code) instead. For the same
reason ``attr_list`` is not enabled (it could add ``onclick``), and links and
images may only use http, https, mailto or relative URLs: any other scheme
(``javascript:``, ``data:``, ``vbscript:``) is dropped and the text kept.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def is_safe_url(url: str) -> bool:
    """True for relative URLs and the schemes in :data:`SAFE_SCHEMES`."""
    cleaned = _INVISIBLE.sub("", url)
    match = _SCHEME.match(cleaned)
    return match is None or match.group(1).lower() in SAFE_SCHEMES


class _SafeLinks(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for el in root.iter():
            for attr in ("href", "src"):
                value = el.get(attr)
                if value is not None and not is_safe_url(value):
                    del el.attrib[attr]
            if el.tag == "a" and el.get("href", "").startswith(("http://", "https://")):
                el.set("rel", "noopener")


class SafeMarkdown(Extension):
    """Escape raw HTML and drop unsafe URL schemes."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown API
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


EXTENSIONS = [
    # No "smarty": text must render as written (scraped quotes are already typographic).
    "abbr", "def_list", "fenced_code", "footnotes", "tables", "sane_lists",
    "toc", SafeMarkdown(),  # toc: ids on headings; "#" in a body is an <h2>
]


class Renderer:
    """Reusable (not thread-safe) Markdown converter."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(
            extensions=EXTENSIONS,
            extension_configs={"toc": {"permalink": False, "baselevel": 2}},
            output_format="html",
        )

    def convert(self, text: str) -> str:
        self._md.reset()
        return self._md.convert(text)


def render_markdown(text: str) -> str:
    return Renderer().convert(text)
