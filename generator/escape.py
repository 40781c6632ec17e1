"""Escape plain text so that Markdown shows it literally, never as markup.

Seeds are scraped text, not Markdown: a line starting with ``#`` or ``1.``,
``snake_case`` names, ``*stars*``, backticks, ``[brackets]`` or a stray
``<script>`` must render as the same visible text. :func:`escape_paragraph`
escapes one paragraph (a single line), keeping the result readable for the
editors who will change it.

What is escaped: backslashes, backticks, ``*``, ``_``, ``[``, ``]``; at the
start of a line the block markers (``#``, ``>``, list bullets, ``1.``,
horizontal rules, ``~~~``/```` ``` ```` fences, ``:`` of
definition lists); ``--`` (so the smarty
extension does not turn it into a dash); ``<`` (tags, comments, autolinks) as ``&lt;``,
and ``&`` before anything that could be an entity.
What is left alone: straight quotes and ``...`` (if the site enables the
smarty extension it sets them as typographic quotes and an ellipsis: the same
text, printed properly), so editors do not see ``\\"`` everywhere.
"""

from __future__ import annotations

import re

_INLINE = re.compile(r"[\\`*_\[\]]")
_LT = re.compile(r"<")
#: ``&`` before an entity, or before a numeric one without its ``;`` (``&#0``, ``&#x41``), which
#: Python-Markdown's stock inline patterns read as ``&#0;``.
_AMP = re.compile(r"&(?=#?[A-Za-z0-9]+;|#[0-9]|#[xX][0-9A-Fa-f])")
_DASHES = re.compile(r"-(?=-)")
_ORDERED = re.compile(r"^(\d+)\.(?=\s|$)")
_BULLET = re.compile(r"^([-+])(?=\s|$)")
_TILDE_FENCE = re.compile(r"^~(?=~~)")
_DEFINITION = re.compile(r"^:(?=\s|$)")


def escape_paragraph(text: str) -> str:
    """Escape one line of plain text for Markdown (no newlines expected)."""
    text = _INLINE.sub(lambda m: "\\" + m.group(0), text)
    text = _AMP.sub("&amp;", text)
    text = _LT.sub("&lt;", text)
    text = _DASHES.sub(r"-\\", text)
    # block-level markers only matter at the start of the line
    if text.startswith(("#", ">")):
        text = "\\" + text
    text = _ORDERED.sub(r"\1\\.", text)
    text = _BULLET.sub(r"\\\1", text)
    text = _TILDE_FENCE.sub("&#126;", text)  # `~` has no backslash escape
    text = _DEFINITION.sub("&#58;", text)  # a definition-list line
    return text


def escape_text(paragraphs: list[str]) -> str:
    """A Markdown body: escaped paragraphs separated by blank lines."""
    return "\n\n".join(escape_paragraph(p) for p in paragraphs if p.strip())
