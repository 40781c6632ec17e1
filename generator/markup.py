"""Markdown to HTML: one configured Python-Markdown instance.

Policy for HTML inside content Markdown: it is shown as text, never passed
through. Briefings come from scraped pages, so a stray ``<script>`` or
``<img onerror=...>`` must stay harmless; editors get the whole Markdown
syntax (tables, footnotes, definition lists, fenced code) instead. For the same
reason ``attr_list`` is not enabled (it could add ``onclick``), and links and
images may only use http, https, mailto or relative URLs: any other scheme
(``javascript:``, ``data:``, ``vbscript:``) is dropped and the text kept.

Python-Markdown recurses once per level of nesting and scans from every ``[`` to
its closing ``]``, so a hostile body (thousands of nested list levels, or of
unclosed brackets in one paragraph) could take minutes or exhaust the stack.
:func:`check_complexity` refuses such bodies cheaply, before rendering, and
names the line; the limits are far above anything a real article contains.
"""

from __future__ import annotations

import functools
import hashlib
import html
import inspect
import re
import types
import xml.etree.ElementTree as ET
from urllib.parse import quote

import markdown
from markdown import util
from markdown.extensions import Extension
from markdown.extensions.toc import TocTreeprocessor
from markdown.inlinepatterns import LinkInlineProcessor
from markdown.preprocessors import NormalizeWhitespace
from markdown.treeprocessors import InlineProcessor, Treeprocessor

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def is_safe_url(url: str) -> bool:
    """True for relative URLs and the schemes in :data:`SAFE_SCHEMES`.

    Judged as the browser reads the attribute: character references decoded
    (Markdown keeps ``jav&#x61;script:`` as written, and the browser reads
    ``javascript:``), then the invisible characters it ignores removed.
    """
    cleaned = _INVISIBLE.sub("", html.unescape(url))
    match = _SCHEME.match(cleaned)
    return match is None or match.group(1).lower() in SAFE_SCHEMES


_URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"


class _SafeLinks(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for el in root.iter():
            for attr in ("href", "src"):
                value = el.get(attr)
                if value is not None and not is_safe_url(value):
                    del el.attrib[attr]
                elif value is not None:  # a valid URL: percent-encode what a URL may not contain (" < > space)
                    el.set(attr, quote(value, safe=_URL_SAFE))
            if el.tag == "img" and el.get("src") is None:  # an <img> must have a src: keep its text
                alt = el.get("alt", "")
                el.attrib.clear()
                el.tag, el.text = "span", alt
            if el.tag == "a" and el.get("href", "").startswith(("http://", "https://")):
                el.set("rel", "noopener")


class SafeMarkdown(Extension):
    """Escape raw HTML and drop unsafe URL schemes."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown API
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


_SQUARE = re.compile(r"[\[\]]")


def _link_text(self: LinkInlineProcessor, data: str, index: int) -> tuple[str, int, bool]:  # noqa: ARG001
    """``LinkInlineProcessor.getText``: the text from ``index`` to the ``]`` closing the
    bracket opened just before it, the index after that ``]``, and whether there is one.

    Python-Markdown 3.11.4 finds it from a table of every bracket's end, built in Python over
    the whole paragraph each time the paragraph changes, which it does after every link: a
    paragraph of 3,000 links took two and a half minutes. This scan goes from ``index`` to the
    closing bracket only, as earlier versions did (in C), which is the work
    :func:`check_complexity` bounds."""
    depth = 1
    for m in _SQUARE.finditer(data, index):
        if m.group() == "[":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return data[index:m.start()], m.end(), True
    return data[index:], len(data), False


class BoundedLinks(Extension):
    """Every link, image and reference pattern finds its text by :func:`_link_text`."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown API
        for pattern in md.inlinePatterns:
            if isinstance(pattern, LinkInlineProcessor):
                pattern.getText = types.MethodType(_link_text, pattern)


#: The inline patterns of :data:`EXTENSIONS` (Python-Markdown 3.x), by regular expression.
#: Each one matches only a text holding one of the characters (or the line break) of
#: :data:`_INLINE_TRIGGERS`: the backtick, the backslash escape, every link, image and
#: footnote form ("[", "![", "[^"), autolinks ("<"), the hard line break (two spaces and a
#: newline), entities ("&") and emphasis ("*", "_").
KNOWN_INLINE_PATTERNS = frozenset({
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)",  # backtick (and escaped backslashes before one)
    r"\\(.)",  # escape
    r"\[\^([^\]]*)\]",  # footnote
    r"(?<!\!)\[",  # reference, link, short_reference
    r"\!\[",  # image_link, image_reference, short_image_ref
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>",  # autolink
    r"<([^<> !]+@[^@<> ]+)>",  # automail
    r"  \n",  # linebreak
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)",  # entity
    r"\*|_",  # em_strong, em_strong2
})
_INLINE_TRIGGERS = ("`", "\\", "[", "<", "&", "*", "_", "  \n")


def _may_hold_inline(data: str) -> bool:
    """Whether ``data`` holds one of :data:`_INLINE_TRIGGERS` (substring tests: twelve times
    faster than one regular expression, whose two-character branch defeats its fast scan)."""
    for trigger in _INLINE_TRIGGERS:
        if trigger in data:
            return True
    return False


class _PlainTextInline(InlineProcessor):
    """Python-Markdown's inline processor, minus the work on plain text.

    It tries every inline pattern on every paragraph, which is about half of the
    time a body takes; most paragraphs of an article hold none of the characters
    any pattern starts with, so the result is the text unchanged. That text is
    returned at once when every registered pattern is one of
    :data:`KNOWN_INLINE_PATTERNS` (checked for each document: an extension may
    register more); any other pattern turns the shortcut off. The output is the
    same either way (tests/test_markup.py compares both on generated texts).
    """

    def run(self, tree, ancestors=None):  # noqa: ANN001, ANN201 - Python-Markdown's signature
        self.plain_text_shortcut = all(p.compiled_re.pattern in KNOWN_INLINE_PATTERNS
                                       for p in self.inlinePatterns)
        return super().run(tree, ancestors)

    # InlineProcessor.__handleInline, seen from a subclass. It returns ``data`` unchanged
    # when no pattern matches, which is the case when no trigger character is there.
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        if self.plain_text_shortcut and not _may_hold_inline(data):
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)


#: The regular expressions that Python-Markdown's block processors of :data:`EXTENSIONS`
#: search or match every block with (and the fenced-code preprocessor the whole text), by
#: (processor, attribute): the expression (as each Python-Markdown version we know writes it),
#: and strings one of which any match holds.
#: Most paragraphs of an article hold none of them, and a substring test is far
#: cheaper than the search.
KNOWN_BLOCK_PATTERNS: dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("hashheader", "RE"): ((r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)",),
                           ("#",)),
    ("setextheader", "RE"): ((r"^.*?\n(?:=+|-+)[ ]*(\n|$)", r"^.*?\n[=-]+[ ]*(\n|$)"), ("\n=", "\n-")),
    ("hr", "SEARCH_RE"): ((r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))"
                           r"(?P=atomicgroup)[ ]*$",), ("-", "_", "*")),
    ("deflist", "RE"): ((r"(^|\n)[ ]{0,3}:[ ]{1,3}(.*?)(\n|$)",), (":",)),
    ("quote", "RE"): ((r"(^|\n)[ ]{0,3}>[ ]?(.*)",), (">",)),
    ("footnote", "RE"): ((r"^[ ]{0,3}\[\^([^\]]*)\]:[ ]*(.*)$",), ("[^",)),
    # Python-Markdown 3.11.4 keeps an abbreviation's name on one line.
    ("abbr", "RE"): ((r"^[*]\[(?P<abbr>[^\\]*?)\][ ]?:[ ]*\n?[ ]*(?P<title>.*)$",
                      r"^[*]\[(?P<abbr>[^\\\n]*?)\][ ]?:[ ]*\n?[ ]*(?P<title>.*)$"), ("*[",)),
    ("reference", "RE"): ((r"^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?"
                           r"""((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$""",), ("]:",)),
    ("fenced_code_block", "FENCED_BLOCK_RE"): ((
        "\n(?P<fence>^(?:~{3,}|`{3,}))[ ]*                          # opening fence\n"
        "((\\{(?P<attrs>[^\\n]*)\\})|                                # (optional {attrs} or\n"
        "(\\.?(?P<lang>[\\w#.+-]*)[ ]*)?                            # optional (.)lang\n"
        "(hl_lines=(?P<quot>\"|')(?P<hl_lines>.*?)(?P=quot)[ ]*)?) # optional hl_lines)\n"
        "\\n                                                       # newline (end of opening fence)\n"
        "(?P<code>.*?)(?<=\\n)                                     # the code block\n"
        "(?P=fence)[ ]*$                                          # closing fence\n",), ("~~~", "```")),
}


class _Guarded:
    """A compiled regular expression whose ``search`` and ``match`` first check that the text
    holds one of ``needed`` (a substring test, far cheaper than the search): a text without
    any of them cannot match, so the answer is the same. Everything else is the expression's."""

    __slots__ = ("regex", "needed")

    def __init__(self, regex: re.Pattern, needed: tuple[str, ...]):
        self.regex, self.needed = regex, needed

    def search(self, string: str, *args: int, **kwargs: int) -> re.Match | None:
        for s in self.needed:
            if s in string:
                return self.regex.search(string, *args, **kwargs)
        return None

    def match(self, string: str, *args: int, **kwargs: int) -> re.Match | None:
        for s in self.needed:
            if s in string:
                return self.regex.match(string, *args, **kwargs)
        return None

    def __getattr__(self, name: str) -> object:
        return getattr(self.regex, name)


class _HeadinglessToc(TocTreeprocessor):
    """The toc extension's tree processor, minus its work on a document without headings.

    For every document it walks the tree twice, builds and serialises an empty table of
    contents and looks for the ``[TOC]`` marker in the text of every element: a tenth of
    an article's time. Without a heading (h1-h6) and without the marker in any element's
    text, it changes nothing in the tree; then only what it leaves on the Markdown
    instance is set, to what a run on an empty document gives."""

    def run(self, doc: ET.Element) -> None:
        marker, header = self.marker, self.header_rgx.match
        for el in doc.iter():
            tag, text = el.tag, el.text
            if (type(tag) is str and header(tag)) or (marker and text and marker in text):
                return super().run(doc)
        empty = self.__dict__.get("_empty")
        if empty is None:
            super().run(ET.Element("div"))
            empty = self._empty = (self.md.toc_tokens, self.md.toc)
        self.md.toc_tokens, self.md.toc = list(empty[0]), empty[1]


#: SHA-256 of the source of Python-Markdown's ``NormalizeWhitespace.run`` that
#: :class:`_NormalizeWhitespace` does the same as (another version's is left in place).
NORMALIZE_WHITESPACE_SOURCE = "a99bc2f9e0d83abcd6a7155a5637176e74280f85190e3e05eb1ad20ee5366d2f"


class _NormalizeWhitespace(NormalizeWhitespace):
    """Python-Markdown's whitespace preprocessor, minus its last regular expression where it
    cannot change anything: it removes the spaces of lines holding only spaces, and takes
    about 50 us a body (a lookbehind tried at every character); a text without a space
    before a line break has none. Used only in place of the very code it repeats
    (:data:`NORMALIZE_WHITESPACE_SOURCE`)."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        source = source.replace(util.STX, "").replace(util.ETX, "")
        source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
        source = source.expandtabs(self.md.tab_length)
        if " \n" in source:
            source = re.sub(r"(?<=\n) +\n", "\n", source)
        return source.split("\n")


@functools.cache
def _source_digest(function: object) -> str | None:
    try:
        return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()
    except (OSError, TypeError):
        return None


class PlainTextShortcut(Extension):
    """Skip the patterns that cannot match plain text: the inline patterns (see
    :class:`_PlainTextInline`) and the searches of the block processors in
    :data:`KNOWN_BLOCK_PATTERNS`. A processor whose expression is not the one listed
    (another Python-Markdown version) is left as it is. The toc extension's tree processor
    skips documents without headings (:class:`_HeadinglessToc`), and the whitespace
    preprocessor a search that cannot change the text (:class:`_NormalizeWhitespace`)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown API
        md.treeprocessors.register(_PlainTextInline(md), "inline", 20)
        toc = md.treeprocessors["toc"] if "toc" in md.treeprocessors else None
        if type(toc) is TocTreeprocessor:
            toc.__class__ = _HeadinglessToc
        spaces = md.preprocessors["normalize_whitespace"] if "normalize_whitespace" in md.preprocessors else None
        if type(spaces) is NormalizeWhitespace \
                and _source_digest(NormalizeWhitespace.run) == NORMALIZE_WHITESPACE_SOURCE:
            spaces.__class__ = _NormalizeWhitespace
        for (name, attr), (patterns, needed) in KNOWN_BLOCK_PATTERNS.items():
            registry = md.preprocessors if name in md.preprocessors else md.parser.blockprocessors
            proc = registry[name] if name in registry else None
            regex = getattr(proc, attr, None)
            if isinstance(regex, re.Pattern) and regex.pattern in patterns:
                setattr(proc, attr, _Guarded(regex, needed))


def guarded_searches(md: markdown.Markdown) -> list[str]:
    """The processors whose searches :class:`PlainTextShortcut` guards in ``md``."""
    found = []
    for name, attr in KNOWN_BLOCK_PATTERNS:
        registry = md.preprocessors if name in md.preprocessors else md.parser.blockprocessors
        if name in registry and isinstance(getattr(registry[name], attr, None), _Guarded):
            found.append(name)
    return found


EXTENSIONS = [
    # No "smarty": text must render as written (scraped quotes are already typographic).
    "abbr", "def_list", "fenced_code", "footnotes", "tables", "sane_lists",
    "toc", SafeMarkdown(),  # toc: ids on headings; "#" in a body is an <h2>
    BoundedLinks(),
    PlainTextShortcut(),
]


#: Deepest ``>`` quoting of a line.
MAX_QUOTE_DEPTH = 32
#: Widest indentation of a line, in columns (a tab is 4): 32 levels of list.
MAX_INDENT = 128
#: Upper bound of the characters the link parser scans: the sum, over every
#: ``[`` and every ``](``, of the distance to its closing ``]`` or ``)`` (or the
#: paragraph's end). About a second of work; a real article needs a few thousand.
MAX_BRACKET_WORK = 5_000_000

_QUOTES = re.compile(r"[ \t]*((?:>[ \t]?)+)")
_BLANK = re.compile(r"\n[ \t]*(?:\n|$)")
_BRACKET = re.compile(r"\\.|\]\(|[\[\]()]")


#: A line too deeply quoted or indented starts with at least this many of ' ', tab and '>'
#: (a tab is at most 4 columns): bodies without such a line skip the line-by-line check.
_DEEP_PREFIX = re.compile("^[ \t>]{%d,}" % min(MAX_QUOTE_DEPTH + 1, MAX_INDENT // 4 + 1), re.MULTILINE)


def check_complexity(text: str) -> tuple[int, str, str] | None:
    """(line, problem, hint) for a body too deeply nested or too costly to render, else None."""
    lines = text.split("\n") if _DEEP_PREFIX.search(text) else ()
    for number, line in enumerate(lines, 1):
        quotes = _QUOTES.match(line)
        depth = quotes.group(1).count(">") if quotes else 0
        if depth > MAX_QUOTE_DEPTH:
            return (number, f"quotes are nested {depth} levels deep (at most {MAX_QUOTE_DEPTH})",
                    "remove the extra '>' at the start of the line")
        rest = (line[quotes.end():] if quotes else line).expandtabs(4)
        indent = len(rest) - len(rest.lstrip(" "))
        if indent > MAX_INDENT:
            return (number, f"a line is indented {indent} columns (at most {MAX_INDENT}: 32 levels of lists)",
                    "remove the leading spaces")
    work = 0
    start = 0  # offset of the current paragraph
    for block in [*_BLANK.finditer(text), None]:
        end = block.start() if block else len(text)
        stack: list[int] = []  # open '['
        parens: list[tuple[int, bool]] = []  # open '(' and whether it starts a link target
        for m in _BRACKET.finditer(text, start, end):
            token = m.group()
            if token == "[":
                stack.append(m.start())
            elif token[0] == "]":
                if stack:
                    work += m.start() - stack.pop()
                if token == "](":
                    parens.append((m.start(), True))
            elif token == "(":
                parens.append((m.start(), False))
            elif token == ")" and parens:
                pos, target = parens.pop()
                work += m.start() - pos if target else 0
        work += sum(end - pos for pos in stack) + sum(end - pos for pos, target in parens if target)
        if work > MAX_BRACKET_WORK:
            line = text.count("\n", 0, stack[0] if stack else start) + 1
            return (line, "this paragraph has too many unclosed brackets ('[' or a link's '(') "
                          "to render in reasonable time",
                    "write \\[ for a literal bracket, close the brackets, or split the paragraph with blank lines")
        start = block.end() if block else end
    return None


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
        try:
            return self._md.convert(text)
        except RecursionError:  # check_complexity let through something nested too deeply
            self._md.reset()
            paragraphs = (p.strip() for p in _BLANK.split(text))
            return "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs if p)


def render_markdown(text: str) -> str:
    return Renderer().convert(text)
