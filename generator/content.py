"""The ``content/`` contract: the briefing frontmatter schema, read and written.

Reading is strict on purpose. YAML 1.1, which PyYAML speaks, turns a bare
``no`` into ``False`` and ``10:00`` into ``600``; our loader resolves only the
YAML 1.2 core forms (``true``/``false``, plain numbers, ISO dates), refuses
aliases (no alias bombs) and object tags, and every value of the wrong type is
an error naming the file and line, with a hint. python-frontmatter writes the
files, with keys in the documented order.

The frontmatter most files have (one ``key: value`` a line, see
:func:`_simple_frontmatter`) is read without a YAML parser, giving exactly what the
loaders give; libyaml reads the rest when it can, the pure-Python loader otherwise
and whenever there is something to report, so messages never depend on the parser.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import frontmatter
import yaml
from slugify import slugify as _slugify

from generator import markup
from generator.diagnostics import Diagnostics
from generator.markup import check_complexity
from generator.model import TAXONOMIES, Briefing, Provenance

#: Frontmatter keys, in the order files are written.
KEYS = (
    "title", "date", "source", "topics", "people", "organizations", "places",
    "summary", "seed", "seed_hash", "review", "slug",
    # SHA-256 of the file as the importer wrote it (without this line): lets a
    # re-import tell an editor's changes from its own output (generator.normalize).
    "imported_hash",
)
LIST_KEYS = (*TAXONOMIES, "review")
STRING_KEYS = ("title", "source", "summary", "seed", "seed_hash", "slug", "imported_hash")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 80
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")
#: What a web page cannot contain (each is an HTML parse error): control characters
#: other than tab, newline, form feed and carriage return; lone surrogates (which a
#: YAML escape such as "\\ud800" can make); noncharacters.
#: Written as the complement of what can be shown, which the regex engine scans ten times faster.
UNSHOWABLE = re.compile("[^\t\n\x0c\r\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd"
                        + "".join(f"{chr(plane)}-{chr(plane + 0xFFFD)}" for plane in range(0x10000, 0x110000, 0x10000))
                        + "]")


def _unshowable(text: str) -> str | None:
    """How to name the first character of ``text`` a page cannot show, or None."""
    m = UNSHOWABLE.search(text)
    if m is None:
        return None
    return "a NUL byte" if m.group() == "\x00" else f"the character U+{ord(m.group()):04X}, which a web page cannot show"


#: The ASCII characters a page can show (all but the control characters other than tab, newline,
#: form feed and carriage return).
_SHOWN_ASCII = bytes([9, 10, 12, 13, *range(0x20, 0x7F)])


def _may_be_unshowable(raw: bytes) -> bool:
    """False if the valid UTF-8 ``raw`` has no character :data:`UNSHOWABLE` finds. The characters
    left once the ASCII ones a page shows are deleted (which bytes.translate does ten times
    faster than the regular expression goes over the text) are looked at, in whole
    multi-byte sequences: what is deleted is single bytes below 0x80."""
    rest = raw.translate(None, _SHOWN_ASCII)
    return bool(rest) and UNSHOWABLE.search(rest.decode("utf-8")) is not None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _join_surrogates(text: str) -> str:
    """Combine surrogate pairs ("\\ud83c\\udf0d", as JSON writes an emoji) into one character;
    PyYAML reads each escape alone. Lone surrogates stay, to be reported."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _shown(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut short for a one-line message."""
    try:
        text = repr(value)
    except ValueError:  # an integer with more digits than Python will print
        return "a number too long to show"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slugify(text: str, fallback: str = "briefing") -> str:
    """A readable ASCII slug; Cyrillic and accents are transliterated."""
    return _slugify(text, max_length=MAX_SLUG, word_boundary=True) or fallback


class StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core scalars and no aliases."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in frontmatter", event.start_mark)
        return super().compose_node(parent, index)


StrictLoader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     "-+0123456789."),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:timestamp",  # PyYAML's own pattern, which its constructor expects
     r"^(?:[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
     r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$",
     "0123456789"),
):
    StrictLoader.add_implicit_resolver(_tag, re.compile(_regexp), list(_first))


try:
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None

if _CParser is not None:
    class FastStrictLoader(_CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """:class:`StrictLoader` on libyaml's parser (about ten times faster). It cannot refuse
        aliases, so it is used only for text without anchors or aliases, and any error is
        reported by :class:`StrictLoader`, so messages do not depend on the parser."""

        yaml_implicit_resolvers = StrictLoader.yaml_implicit_resolvers

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
else:  # pragma: no cover - PyYAML built without libyaml
    FastStrictLoader = None


#: Anchors and aliases (which only the strict loader refuses), tags and directives, tabs (where libyaml
#: accepts what PyYAML's scanner rejects, e.g. "key:<tab>"), and the line and paragraph
#: separators and BOM (line breaks to PyYAML only) go the reference way.
_SLOW_PATH = re.compile("[!%&*\t\u2028\u2029\ufeff]")


def _loader(yaml_text: str) -> yaml.SafeLoader:
    if FastStrictLoader is not None and not _SLOW_PATH.search(yaml_text):
        return FastStrictLoader(yaml_text)
    return StrictLoader(yaml_text)


@dataclass
class Field:
    value: object
    line: int


#: The line breaks of ``str.splitlines`` other than "\n".
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def split_frontmatter(text: str) -> tuple[str, str, int] | None:
    """Split ``---`` frontmatter from the body: (yaml, body, body's first line)."""
    # The frontmatter's lines found at each "\n", without splitting the body into lines:
    # what splitlines() gives when no other line break comes before the closing line.
    start = stop = number = 0
    found = None
    while start < len(text):
        stop = text.find("\n", start) + 1 or len(text)
        mark = text[start:stop].rstrip()
        if number == 0 and mark != "---":
            break
        if number > 0 and mark in ("---", "..."):
            found = (text[text.index("\n") + 1:start], text[stop:], number + 2)
            break
        start, number = stop, number + 1
    if not _OTHER_BREAKS.search(text, 0, stop):  # the lines read are splitlines()'s
        return found
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1:]), i + 2
    return None


# -- the frontmatter most files have, read without a YAML parser ----------------------------------
#
# One ``key: value`` a line: text in double quotes without escapes, in single quotes, plain
# (starting with a letter, without ':' or '#'), a day (YYYY-MM-DD), nothing, a flow list of such
# text ([..., ...]) or a block list ('- ...' lines under the key). That is what the importer and the
# editors write; every value there is what the YAML loaders give (tests/test_yaml_fast.py compares
# them on generated frontmatter). Anything else, or anything in doubt, goes to the loaders.

#: Outside the subset: what YAML does not allow or reads as a line break or space
#: (tab, CR, NEL, the Unicode line and paragraph separators, the BOM), and noncharacters.
_NOT_SIMPLE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
                         "\U00010000-\U0010ffff]")
_DQ = r'"[^"\\]*"'
_SQ = r"'(?:[^']|'')*'(?!')"
_BLOCK_PLAIN = r"[^\W\d_](?:[^:#]*[^:# ])?"
_FLOW_PLAIN = r"""[^\W\d_](?:[^,:?#\[\]{}"']*[^,:?#\[\]{}"' ])?"""
_FLOW_ITEM = f"(?:{_DQ}|{_SQ}|{_FLOW_PLAIN})"
_KEY_LINE = re.compile(
    rf"(?P<key>[A-Za-z_][A-Za-z0-9_-]*):(?: +(?:(?P<dq>{_DQ})|(?P<sq>{_SQ})|(?P<date>\d{{4}}-\d{{2}}-\d{{2}})"
    rf"|(?P<plain>{_BLOCK_PLAIN})|(?P<list>\[ *(?P<flow>{_FLOW_ITEM}(?: *, *{_FLOW_ITEM})*)? *\])))? *")
_FLOW_ITEMS = re.compile(rf"(?P<dq>{_DQ})|(?P<sq>{_SQ})|(?P<plain>{_FLOW_PLAIN})")
_DQ_LIST = re.compile(rf"{_DQ}(?: *, *{_DQ})*")  # the flow lists of most files
_DQ_TEXT = re.compile(r'"([^"\\]*)"')
_ITEM_LINE = re.compile(rf"(?P<indent> *)- +(?:(?P<dq>{_DQ})|(?P<sq>{_SQ})|(?P<plain>{_BLOCK_PLAIN})) *")
#: Plain words the loaders do not read as text.
_NOT_TEXT = frozenset({"true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL"})


def _simple_text(dq: str | None, sq: str | None, plain: str | None) -> str | None:
    """The text of a value matched as ``_DQ``, ``_SQ`` or a plain word; None for a plain word
    that is not text."""
    if dq is not None:
        return dq[1:-1]
    if sq is not None:
        return sq[1:-1].replace("''", "'")
    return None if plain in _NOT_TEXT else plain


def _simple_frontmatter(yaml_text: str) -> dict[str, Field] | None:
    """The fields of frontmatter in the subset above, exactly as the YAML loaders read them
    (and with nothing to report); None when it is not in the subset."""
    if not yaml_text or _NOT_SIMPLE.search(yaml_text):
        return None
    lines = yaml_text.split("\n")
    if lines[-1] == "":
        lines.pop()
    fields: dict[str, Field] = {}
    bare: Field | None = None  # the last key, if it has no value on its line: its list may follow
    indent = None  # of that list's items
    for number, line in enumerate(lines, 2):  # the opening '---' is line 1
        if line[:1] in (" ", "-"):
            m = _ITEM_LINE.fullmatch(line)
            if m is None or bare is None or (indent is not None and m[1] != indent):
                return None
            text = _simple_text(m[2], m[3], m[4])
            if text is None:
                return None
            if indent is None:
                bare.value, indent = [], m[1]
            bare.value.append(text)
            continue
        m = _KEY_LINE.fullmatch(line)
        if m is None:
            return None
        key, dq, sq, date, plain, flow_list, flow = m.groups()
        if key in _NOT_TEXT or key in fields:
            return None
        bare = indent = None
        if flow_list is not None:
            if flow is None:
                value: object = []
            elif _DQ_LIST.fullmatch(flow):
                value = _DQ_TEXT.findall(flow)
            else:
                value = []
                for item in _FLOW_ITEMS.finditer(flow):
                    text = _simple_text(*item.groups())
                    if text is None:
                        return None
                    value.append(text)
        elif date is not None:
            try:
                value = dt.date(int(date[:4]), int(date[5:7]), int(date[8:]))
            except ValueError:  # the loaders report it
                return None
        elif dq is not None or sq is not None or plain is not None:
            value = _simple_text(dq, sq, plain)
            if value is None:
                return None
        else:
            value = None
        fields[key] = f = Field(value, number)
        if value is None:
            bare = f
    return fields


def parse_frontmatter(yaml_text: str, path: Path, diags: Diagnostics) -> dict[str, Field] | None:
    """Parse the YAML block into key -> (value, line); lines count from the file's top."""
    fields = _simple_frontmatter(yaml_text)
    if fields is not None:
        return fields
    loader = _loader(yaml_text)
    if type(loader) is not StrictLoader:
        local = Diagnostics(root=diags.root)
        try:
            fields = _parse_frontmatter(loader, path, local)
        except Exception:  # noqa: BLE001 - libyaml's own surprises: the reference loader decides
            local.error(path, "libyaml failed")
        if not local.items:
            return fields
        # anything to report is reported by the reference loader, in its words
    return _parse_frontmatter(StrictLoader(yaml_text), path, diags)


_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    """``loader.construct_object(node, deep=True)``, the same value, without PyYAML's constructor
    machinery for text and lists of text (most of frontmatter), which costs more than libyaml's
    parsing. Only for :class:`FastStrictLoader`: it never sees aliases, so no node is shared."""
    if node.__class__ is yaml.ScalarNode:
        if node.tag == _STR_TAG:
            return node.value
    elif node.__class__ is yaml.SequenceNode and node.tag == _SEQ_TAG:
        items = node.value
        if all(item.__class__ is yaml.ScalarNode and item.tag == _STR_TAG for item in items):
            return [item.value for item in items]
    return loader.construct_object(node, deep=True)


def _parse_frontmatter(loader: yaml.SafeLoader, path: Path, diags: Diagnostics) -> dict[str, Field] | None:
    offset = 1  # the opening '---' is line 1
    fast = FastStrictLoader is not None and isinstance(loader, FastStrictLoader)
    try:
        try:
            node = loader.get_single_node()
            if node is None:
                return {}
            if not isinstance(node, yaml.MappingNode):
                diags.error(path, "frontmatter must be a mapping of keys to values",
                            line=node.start_mark.line + 1 + offset, hint="write it as 'key: value' lines")
                return None
            fields: dict[str, Field] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1 + offset
                try:
                    key = _construct(loader, key_node) if fast else loader.construct_object(key_node, deep=True)
                except (ValueError, TypeError, OverflowError):
                    key = None
                if not isinstance(key, str):
                    diags.error(path, f"frontmatter key {_shown(key_node.value)} is not a name", line=line)
                    continue
                if key in fields:
                    diags.error(path, f"duplicate frontmatter key {_shown(key)}", line=line,
                                hint=f"it is first set on line {fields[key].line}")
                    continue
                try:
                    value = _construct(loader, value_node) if fast else loader.construct_object(value_node, deep=True)
                except (ValueError, TypeError, OverflowError) as exc:  # e.g. date 2022-02-30
                    diags.error(path, f"{key}: invalid value {_shown(value_node.value)}: {_shown(str(exc), 200)}",
                                line=line,
                                hint="dates are written YYYY-MM-DD")
                    continue
                fields[key] = Field(value, line)
            return fields
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + offset if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        diags.error(path, f"invalid frontmatter YAML: {problem}", line=line,
                    hint="check indentation and quote values that contain ':' or '#'")
    except yaml.YAMLError as exc:
        diags.error(path, f"invalid frontmatter YAML: {exc}")
    except RecursionError:  # composing is recursive: [[[[... or thousands of indented levels
        diags.error(path, "frontmatter is nested too deeply to read", line=1 + offset,
                    hint="frontmatter values are text, dates or lists of names")
    return None


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {_shown(value)}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _string(key: str, f: Field, path: Path, diags: Diagnostics) -> str | None:
    if f.value is None:
        return ""
    if isinstance(f.value, str):
        f.value = _join_surrogates(f.value)
        bad = _unshowable(f.value)
        if bad:  # only a YAML escape ("\\x07", "\\ud800") gets here: the file itself was checked
            diags.error(path, f"{key} contains {bad}", line=f.line, hint="remove that escape from the value")
            return None
        return f.value.strip()
    diags.error(path, f"{key} must be text, not {_describe(f.value)}", line=f.line,
                hint=f"put the value in quotes: {key}: \"...\"")
    return None


def _string_list(key: str, f: Field, path: Path, diags: Diagnostics) -> tuple[str, ...] | None:
    if f.value is None:
        return ()
    if not isinstance(f.value, list):
        diags.error(path, f"{key} must be a list, not {_describe(f.value)}", line=f.line,
                    hint=f"write {key}: [\"First\", \"Second\"] or one '- item' per line")
        return None
    out: list[str] = []
    for item in f.value:
        if not isinstance(item, str) or not item.strip():
            what = "an empty item" if isinstance(item, str) or item is None else _describe(item)
            diags.error(path, f"{key} must list names, but has {what}", line=f.line,
                        hint="put each name in quotes")
            return None
        item = _join_surrogates(item)
        bad = _unshowable(item)
        if bad:
            diags.error(path, f"{key} has a name that contains {bad}", line=f.line,
                        hint="remove that escape from the name")
            return None
        name = " ".join(item.split())
        if name not in out:
            out.append(name)
    return tuple(out)


def _date(f: Field, path: Path, diags: Diagnostics) -> dt.date | None | bool:
    """The date, None when absent, or False when invalid."""
    value = f.value
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        diags.error(path, "date must be a day (YYYY-MM-DD), not a date and time", line=f.line,
                    hint=f"write date: {value.date().isoformat()}")
        return False
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()) \
                else _bad_date(value, f, path, diags)
        except ValueError as exc:
            diags.error(path, f"date {_shown(value)} is not a valid day: {exc}", line=f.line,
                        hint="write date: YYYY-MM-DD")
            return False
    return _bad_date(value, f, path, diags)


def _bad_date(value: object, f: Field, path: Path, diags: Diagnostics) -> bool:
    diags.error(path, f"date must be written YYYY-MM-DD, not {_shown(value)}", line=f.line,
                hint="for example date: 2022-01-07; leave it out if the date is unknown")
    return False


#: ``markup._DEEP_PREFIX`` (a line starting with many spaces, tabs or '>') in two parts: at the
#: text's start, and after a "\n", which the regular expression engine looks for much faster
#: than for the start of a line.
_DEEP_AT_START = re.compile(markup._DEEP_PREFIX.pattern.removeprefix("^"))
_DEEP_AFTER_NEWLINE = re.compile("\n" + markup._DEEP_PREFIX.pattern.removeprefix("^"))
assert markup._DEEP_PREFIX.pattern.startswith("^") and markup._DEEP_PREFIX.flags & re.MULTILINE


def _check_complexity(body: str) -> tuple[int, str, str] | None:
    """:func:`generator.markup.check_complexity`, without its scans of a body they cannot
    refuse (nearly all): with no deep line and fewer than MAX_BRACKET_WORK / len(body) of '['
    and '](' (each adds to the bracket work at most once, at most the body's length), it
    finds nothing. tests/test_content.py compares the two."""
    if (body.count("[") + body.count("](")) * len(body) <= markup.MAX_BRACKET_WORK \
            and not _DEEP_AT_START.match(body) and not _DEEP_AFTER_NEWLINE.search(body):
        return None
    return check_complexity(body)


def default_slug(path: Path) -> str:
    """The slug a file gets without a ``slug`` key: its name, minus a date prefix."""
    return slugify(_DATE_PREFIX.sub("", path.stem))


def read_briefing(path: Path, content_dir: Path, diags: Diagnostics, raw: bytes | None = None) -> Briefing | None:
    """Read and validate one briefing; report problems to ``diags``, return None on error.
    ``raw``: the file's bytes, when the caller has read them already."""
    rel = path.relative_to(content_dir).as_posix()
    if raw is None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            diags.error(path, f"cannot read file: {exc.strerror or exc}", hint="check its permissions")
            return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        diags.error(path, "file is not valid UTF-8", line=line, hint="save it with UTF-8 encoding")
        return None
    bad = UNSHOWABLE.search(text) if _may_be_unshowable(raw) else None
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        if bad.group() == "\x00":
            diags.error(path, "file contains NUL bytes; it is not a text file", line=line)
        else:
            diags.error(path, f"file contains {_unshowable(bad.group())}", line=line,
                        hint="delete it (editors may show it as a box, ^ or \\x); it is a leftover of copying")
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = split_frontmatter(text)
    if parts is None:
        diags.error(path, "no frontmatter found", line=1,
                    hint="a briefing starts with a '---' line, then 'title: ...', then a closing '---' line")
        return None
    yaml_text, body, body_line = parts
    errors_before = len(diags.errors)
    too_complex = _check_complexity(body)
    if too_complex is not None:
        line, problem, hint = too_complex
        diags.error(path, problem, line=body_line + line - 1, hint=hint)
    fields = parse_frontmatter(yaml_text, path, diags)
    if fields is None:
        return None

    for key, f in fields.items():
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(KEYS)
            diags.warning(path, f"unknown frontmatter key {key!r} is ignored", line=f.line, hint=hint)

    values: dict[str, object] = {}
    for key in STRING_KEYS:
        if key in fields:
            values[key] = _string(key, fields[key], path, diags)
    for key in LIST_KEYS:
        if key in fields:
            values[key] = _string_list(key, fields[key], path, diags)

    title = values.get("title")
    if "title" not in fields or title == "":
        diags.error(path, "missing title", line=fields["title"].line if "title" in fields else 2,
                    hint="add a line 'title: ...' to the frontmatter")
    date = _date(fields["date"], path, diags) if "date" in fields else None
    slug = values.get("slug") or default_slug(path)
    if "slug" in fields and values.get("slug") and not SLUG_RE.match(str(slug)):
        diags.error(path, f"slug {slug!r} may only contain a-z, 0-9 and single hyphens",
                    line=fields["slug"].line, hint=f"for example slug: {slugify(str(slug))}")
    elif len(str(slug)) > MAX_SLUG:
        diags.error(path, f"slug is longer than {MAX_SLUG} characters", line=fields["slug"].line)
    if len(diags.errors) > errors_before:
        return None

    seed = values.get("seed") or ""
    return Briefing(
        path=rel,
        title=str(title),
        date=date if isinstance(date, dt.date) else None,
        slug=str(slug),
        body=body,
        source=str(values.get("source") or ""),
        summary=str(values.get("summary") or ""),
        topics=values.get("topics") or (),
        people=values.get("people") or (),
        organizations=values.get("organizations") or (),
        places=values.get("places") or (),
        provenance=Provenance(str(seed), str(values.get("seed_hash") or "")) if seed else None,
        review=values.get("review") or (),
        file=path,
    )


def dump_briefing(meta: dict[str, object], body: str) -> str:
    """Serialize frontmatter (in :data:`KEYS` order) and body to file text."""
    unknown = set(meta) - set(KEYS)
    if unknown:
        raise ValueError(f"unknown frontmatter keys: {sorted(unknown)}")
    ordered = {k: (list(v) if isinstance(v, tuple) else v) for k in KEYS if k in meta for v in [meta[k]]}
    post = frontmatter.Post(body.rstrip("\n") + "\n", **ordered)
    return frontmatter.dumps(post, sort_keys=False, allow_unicode=True, width=4096) + "\n"
