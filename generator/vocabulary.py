"""The editors' vocabulary: canonical names of topics, people, organizations and places.

One YAML file, ``content/vocabulary.yaml``, owned by the editors::

    people:
      - name: Jens Stoltenberg
        aliases: [Stoltenberg, Столтенберг*,
                  {text: NATO Secretary General, until: 2024-09-30}]
    places:
      - name: Russia
        aliases: [Russian, Russians, Russian Federation, Russie, Росі*]
    topics:
      - name: NATO–Russia relations
        aliases: [NATO-Russia Council]
        when: [NATO, Russia]    # also tagged when both are mentioned

Matching rules, the same for every language and script:

* A match must start and end at a word boundary: ``US`` never matches inside
  ``USE`` and ``Russia`` does not match inside ``Russian``.
* Words written in capitals (acronyms: ``US``, ``NATO``, ``НАТО``) must be in
  capitals in the text; other words match in any case, so ``NATO Secretary
  General`` also finds "NATO secretary general". ``exact: true`` on an entry
  makes all its aliases case-sensitive.
* A trailing ``*`` matches any word ending, for languages that inflect names
  (``Україн*`` finds Україна, України, Україні).
* Hyphens match any dash, apostrophes either apostrophe, spaces any spacing.
* Where matches overlap the longest wins ("NATO-Russia Council" is not also
  "NATO" and "Russia").
* An alias may carry ``since``/``until`` dates: roles change hands.

Problems in the file are reported one per line with the file and line number.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from generator.content import StrictLoader
from generator.diagnostics import Diagnostics
from generator.model import TAXONOMIES

VOCABULARY_NAME = "vocabulary.yaml"
KINDS = tuple(TAXONOMIES)  # topics, people, organizations, places
ENTRY_KEYS = ("name", "aliases", "exact", "when", "note")
ALIAS_KEYS = ("text", "since", "until")

_DASHES = "-‐‑‒–—"
_APOSTROPHES = "'’ʼ"
_DASH_CLASS = "[" + re.escape(_DASHES) + "]"
_TOKEN = re.compile(rf"[^\s{re.escape(_DASHES + _APOSTROPHES)}*]+|\s+|{_DASH_CLASS}|[{_APOSTROPHES}]|\*")


@dataclass(frozen=True)
class Alias:
    text: str
    since: dt.date | None = None
    until: dt.date | None = None

    def applies(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)


@dataclass
class Entry:
    name: str
    kind: str
    aliases: list[Alias] = field(default_factory=list)
    exact: bool = False
    when: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Match:
    entry: Entry
    start: int
    end: int
    text: str


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def alias_pattern(alias: str, exact: bool = False) -> re.Pattern[str]:
    """The regular expression that finds ``alias`` in a text (see module docs)."""
    parts = []
    for tok in _TOKEN.findall(unicodedata.normalize("NFC", alias.strip())):
        if tok.isspace():
            parts.append(r"\s+")
        elif tok in _DASHES:
            parts.append(_DASH_CLASS)
        elif tok in _APOSTROPHES:
            parts.append(f"[{_APOSTROPHES}]")
        elif tok == "*":
            parts.append(r"\w*")
        elif exact or _is_acronym(tok):
            parts.append(re.escape(tok))
        else:
            parts.append(f"(?i:{re.escape(tok)})")
    return re.compile(r"(?<!\w)" + "".join(parts) + r"(?!\w)")


#: The characters outside ASCII that a case-insensitive pattern matches to an ASCII
#: letter (İ, ı, ſ and the Kelvin sign; tests/test_vocabulary.py checks the list).
_ASCII_LOOKALIKES = re.compile("[\u0130\u0131\u017f\u212a]")


def required_text(alias: str) -> str:
    """The longest ASCII word of an alias, lower-cased: any text the alias's pattern
    matches contains it (case aside), so a text without it cannot match. "" if none."""
    words = [tok.lower() for tok in _TOKEN.findall(unicodedata.normalize("NFC", alias.strip()))
             if tok.isascii() and not tok.isspace() and tok not in _DASHES + _APOSTROPHES + "*"]
    return max(words, key=len, default="")


def alias_key(alias: str) -> str:
    return " ".join(unicodedata.normalize("NFC", alias).casefold().split())


class Vocabulary:
    def __init__(self, entries: list[Entry] | None = None):
        self.entries: list[Entry] = []
        self._patterns: list[tuple[re.Pattern[str], Alias, Entry, str]] = []
        self._by_key: dict[str, Entry] = {}
        for e in entries or []:
            self.add(e)

    def add(self, entry: Entry) -> None:
        self.entries.append(entry)
        for alias in [Alias(entry.name), *entry.aliases]:
            self._patterns.append((alias_pattern(alias.text, entry.exact), alias, entry, required_text(alias.text)))
            self._by_key.setdefault(alias_key(alias.text.rstrip("*")), entry)

    def lookup(self, name: str) -> Entry | None:
        """The entry a name or alias (any case) belongs to."""
        return self._by_key.get(alias_key(name))

    def find(self, text: str, day: dt.date | None = None) -> list[Match]:
        """Non-overlapping matches in ``text``, leftmost, longest first."""
        found = []
        # Skip the patterns whose required ASCII word is not in the text (a cheap substring
        # test instead of hundreds of regex scans), unless the text has a character that
        # matches an ASCII letter case-insensitively without being one (then: scan all).
        lowered = None if _ASCII_LOOKALIKES.search(text) else text.lower()
        for pattern, alias, entry, required in self._patterns:
            if not alias.applies(day):
                continue
            if required and lowered is not None and required not in lowered:
                continue
            for m in pattern.finditer(text):
                found.append(Match(entry, m.start(), m.end(), m.group(0)))
        found.sort(key=lambda m: (m.start, -(m.end - m.start), m.entry.line))
        out: list[Match] = []
        end = -1
        for m in found:
            if m.start >= end:
                out.append(m)
                end = m.end
        return out

    def tag(self, text: str, day: dt.date | None = None) -> dict[str, list[str]]:
        """Canonical names per kind: the most mentioned first, then by first mention;
        topics alphabetically. Topics with ``when`` are added when all their
        names were found."""
        counts: dict[str, dict[str, list[int]]] = {k: {} for k in KINDS}
        for m in self.find(text, day):
            seen = counts[m.entry.kind].setdefault(m.entry.name, [0, m.start])
            seen[0] += 1
        found = {name for names in counts.values() for name in names}
        for e in self.entries:
            if e.kind == "topics" and e.when and all(w in found for w in e.when):
                counts["topics"].setdefault(e.name, [1, len(text)])
        out = {}
        for kind, names in counts.items():
            if kind == "topics":
                out[kind] = sorted(names, key=str.casefold)
            else:
                out[kind] = sorted(names, key=lambda n: (-names[n][0], names[n][1]))
        return out


# -- loading -----------------------------------------------------------------

class _Reader:
    def __init__(self, path: Path, diags: Diagnostics):
        self.path, self.diags = path, diags

    def error(self, node: yaml.Node | None, message: str, hint: str = "") -> None:
        self.diags.error(self.path, message, line=node.start_mark.line + 1 if node is not None else None, hint=hint)

    def scalar(self, node: yaml.Node, what: str) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str" and node.value.strip():
            return " ".join(node.value.split())
        self.error(node, f"{what} must be a name in text", hint="put it in quotes if it looks like a number or date")
        return None

    def date(self, node: yaml.Node, key: str) -> dt.date | None | bool:
        value = node.value if isinstance(node, yaml.ScalarNode) else None
        try:
            return dt.date.fromisoformat(str(value))
        except (TypeError, ValueError):
            self.error(node, f"{key} must be a date written YYYY-MM-DD")
            return False

    def keys(self, node: yaml.MappingNode, allowed: tuple[str, ...], what: str) -> dict[str, yaml.Node]:
        out: dict[str, yaml.Node] = {}
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else None
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                self.error(k, f"unknown key {key!r} in {what}",
                           hint=f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(allowed))
            elif key in out:
                self.error(k, f"duplicate key {key!r} in {what}")
            else:
                out[key] = v
        return out


def parse_vocabulary(text: str, path: Path, diags: Diagnostics) -> Vocabulary | None:
    """Validate the vocabulary file's text; None (and errors in ``diags``) if it is wrong."""
    r = _Reader(path, diags)
    errors_before = len(diags.errors)
    try:
        root = yaml.compose(text, Loader=StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        diags.error(path, f"invalid YAML: {exc.problem or exc.context}", line=mark.line + 1 if mark else None,
                    hint="check indentation; quote names that contain ':' or '#'")
        return None
    except yaml.YAMLError as exc:
        diags.error(path, f"invalid YAML: {exc}")
        return None
    if root is None:
        return Vocabulary()
    if not isinstance(root, yaml.MappingNode):
        r.error(root, "the vocabulary must be a mapping with the keys " + ", ".join(KINDS))
        return None
    entries: list[Entry] = []
    for kind, items in r.keys(root, KINDS, "the vocabulary").items():
        if isinstance(items, yaml.ScalarNode) and items.value in ("", "~", "null"):
            continue
        if not isinstance(items, yaml.SequenceNode):
            r.error(items, f"{kind} must be a list of entries", hint="one '- name: ...' per entry")
            continue
        for item in items.value:
            entry = _entry(r, kind, item)
            if entry is not None:
                entries.append(entry)
    _check_unique(r, entries)
    if len(diags.errors) > errors_before:
        return None
    return Vocabulary(entries)


def _entry(r: _Reader, kind: str, node: yaml.Node) -> Entry | None:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        name = r.scalar(node, f"a {kind} entry")
        return Entry(name, kind, line=line) if name else None
    if not isinstance(node, yaml.MappingNode):
        r.error(node, f"a {kind} entry must be a name or a mapping with 'name' and 'aliases'")
        return None
    keys = r.keys(node, ENTRY_KEYS, f"a {kind} entry")
    if "name" not in keys:
        r.error(node, f"a {kind} entry has no 'name'", hint="add 'name: Canonical Name'")
        return None
    name = r.scalar(keys["name"], "name")
    if name is None:
        return None
    entry = Entry(name, kind, line=line)
    if "exact" in keys:
        v = keys["exact"]
        if not (isinstance(v, yaml.ScalarNode) and v.value in ("true", "false")):
            r.error(v, "exact must be true or false")
        else:
            entry.exact = v.value == "true"
    if "aliases" in keys:
        entry.aliases = _aliases(r, keys["aliases"], name)
    if "when" in keys:
        v = keys["when"]
        if kind != "topics":
            r.error(v, "'when' is only for topics")
        elif not isinstance(v, yaml.SequenceNode) or not v.value:
            r.error(v, "when must be a list of names, e.g. when: [NATO, Russia]")
        else:
            entry.when = tuple(n for n in (r.scalar(x, "a name in 'when'") for x in v.value) if n)
    return entry


def _aliases(r: _Reader, node: yaml.Node, name: str) -> list[Alias]:
    if not isinstance(node, yaml.SequenceNode):
        r.error(node, f"aliases of {name!r} must be a list", hint="aliases: [First, Second]")
        return []
    out = []
    for item in node.value:
        if isinstance(item, yaml.MappingNode):
            keys = r.keys(item, ALIAS_KEYS, f"an alias of {name!r}")
            text = r.scalar(keys["text"], "text") if "text" in keys else None
            if "text" not in keys:
                r.error(item, f"an alias of {name!r} has no 'text'")
            since = r.date(keys["since"], "since") if "since" in keys else None
            until = r.date(keys["until"], "until") if "until" in keys else None
            if text and since is not False and until is not False:
                out.append(Alias(text, since or None, until or None))
            continue
        text = r.scalar(item, f"an alias of {name!r}")
        if text is None:
            continue
        if len(text.rstrip("*")) < 2:
            r.error(item, f"alias {text!r} of {name!r} is too short to match safely")
            continue
        out.append(Alias(text))
    return out


def _check_unique(r: _Reader, entries: list[Entry]) -> None:
    names: dict[tuple[str, str], Entry] = {}
    aliases: dict[str, tuple[Entry, Alias]] = {}
    canonical = {e.name for e in entries}
    for e in entries:
        key = (e.kind, alias_key(e.name))
        if key in names:
            r.diags.error(r.path, f"{e.kind}: {e.name!r} is listed twice", line=e.line,
                          hint=f"first on line {names[key].line}; merge the two entries")
        names.setdefault(key, e)
        for a in [Alias(e.name), *e.aliases]:
            k = alias_key(a.text)
            other = aliases.get(k)
            if other and other[0] is not e and not (a.since or a.until) and not (other[1].since or other[1].until):
                r.diags.error(r.path, f"{a.text!r} stands for both {other[0].name!r} and {e.name!r}", line=e.line,
                              hint=f"keep it in one entry (line {other[0].line}), or give the roles since/until dates")
            aliases.setdefault(k, (e, a))
        for w in e.when:
            if w not in canonical:
                r.diags.error(r.path, f"{e.name!r}: 'when' names {w!r}, which is not in the vocabulary", line=e.line)


def load_vocabulary(content_dir: Path, diags: Diagnostics) -> Vocabulary | None:
    """Read ``content/vocabulary.yaml``. A missing file is an empty vocabulary
    (with a warning); a wrong one is None, with errors in ``diags``."""
    path = content_dir / VOCABULARY_NAME
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        diags.warning(path, "no vocabulary; briefings are imported without topics and names",
                      hint=f"create {VOCABULARY_NAME} in the content folder")
        return Vocabulary()
    except OSError as exc:
        diags.error(path, f"cannot read the vocabulary: {exc.strerror or exc}")
        return None
    except UnicodeDecodeError:
        diags.error(path, "the vocabulary is not valid UTF-8", hint="save it with UTF-8 encoding")
        return None
    return parse_vocabulary(text, path, diags)
