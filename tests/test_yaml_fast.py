"""The libyaml fast path of the frontmatter reader gives exactly what the reference
(pure-Python, strict) loader gives: the same values, the same lines, the same errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import content
from generator.diagnostics import Diagnostics

pytestmark = pytest.mark.skipif(content.FastStrictLoader is None, reason="PyYAML without libyaml")

PATH = Path("content/briefings/x.md")

CASES = [
    "title: Plain\ndate: 2024-02-03\n",
    "title: 'quoted: colon'\ntopics: [A, B, \"C, D\"]\n",
    "title: no\nsource: yes\nsummary: on\n",              # YAML 1.1 booleans stay text
    "title: 10:00\nsummary: 1_000\n",                     # sexagesimal and underscores stay text
    "title: 0x1F\nsummary: 0o17\nslug: 1e3\n",
    "title: ~\nsummary: null\nsource: NULL\n",
    "title: .inf\nsummary: -.Inf\nsource: .nan\n",
    "date: 2022-02-30\n",                                 # invalid day: an error
    "date: 2022-02-03 10:00:00\n",
    "title: \"\\u00e9t\\u00e9 \\ud83c\\udf0d\"\n",       # JSON-style escapes
    "title: \"\\ud800\"\n",                               # a lone surrogate
    "title: |\n  block\n  text\nsummary: >\n  folded\n  text\n",
    "topics:\n  - One\n  - Two\n  -\n",
    "title: a\ntitle: b\n",                               # duplicate key
    "? [complex]\n: key\n",
    "[a, b]\n",
    "title: [unclosed\n",
    "title: 'unclosed\n",
    "\ttitle: tab\n",
    "title: x\n  bad: indent\n",
    "title: !!python/object:os.system x\n",
    "title: !custom x\n",
    "title: !!str 12\n",
    "title: &a x\nsummary: *a\n",                         # aliases: always the strict loader
    "title: *undefined\n",
    "title: \"a # b\" # comment\n",
    "%YAML 1.1\n---\ntitle: x\n",
    "title: x\n---\nsummary: second document\n",
    "",
    "# only a comment\n",
    "title: " + "x" * 5000 + "\n",
    "topics: " + "[" * 200 + "]" * 200 + "\n",
]


def _parse(loader_text: str, fast: bool):
    diags = Diagnostics()
    if fast:
        loader = content.FastStrictLoader(loader_text)
        try:
            fields = content._parse_frontmatter(loader, PATH, diags)
        except Exception as exc:  # noqa: BLE001 - the public function falls back; note it here
            return ("raised", type(exc).__name__), None
    else:
        fields = content._parse_frontmatter(content.StrictLoader(loader_text), PATH, diags)
    shown = None if fields is None else {k: (repr(f.value), f.line) for k, f in fields.items()}
    return shown, [d.format() for d in diags.items]


def _public(text: str):
    diags = Diagnostics()
    fields = content.parse_frontmatter(text, PATH, diags)
    shown = None if fields is None else {k: (repr(f.value), f.line) for k, f in fields.items()}
    return shown, [d.format() for d in diags.items]


@pytest.mark.parametrize("text", CASES)
def test_public_parse_equals_reference(text: str) -> None:
    assert _public(text) == _parse(text, fast=False)


@pytest.mark.parametrize("text", [c for c in CASES if not content._SLOW_PATH.search(c)])
def test_fast_loader_agrees_when_it_reports_nothing(text: str) -> None:
    fast, fast_diags = _parse(text, fast=True)
    if fast_diags == []:  # a clean fast parse is used as is: it must be the reference's
        assert (fast, fast_diags) == _parse(text, fast=False)


def test_fast_loader_is_used_for_plain_frontmatter(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("reference loader used")

    monkeypatch.setattr(content, "StrictLoader", refuse)
    diags = Diagnostics()
    fields = content.parse_frontmatter("title: T\ntopics: [A]\ndate: 2024-01-02\n", PATH, diags)
    assert fields["title"].value == "T" and fields["topics"].value == ["A"] and fields["date"].line == 4


def test_aliases_are_still_refused() -> None:
    diags = Diagnostics()
    assert content.parse_frontmatter("title: &a x\nsummary: *a\n", PATH, diags) is None
    assert "aliases" in diags.items[0].format()


_YAML_CHARS = st.sampled_from(list("abc:-[]{},'\"#|>!%@`?~ \t\n\\0123456789.eExu") + ["é", "\u2028", "\ufeff", "title: ", "- ", "date: ", "2024-01-02", "\n  ", "---", "...", "!!str ", "&a ", "*a"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_YAML_CHARS, max_size=40).map("".join))
def test_public_parse_equals_reference_on_random_text(text: str) -> None:
    assert _public(text) == _parse(text, fast=False)


# -- the frontmatter read without a YAML parser (content._simple_frontmatter) ---------------------

_KEYS = st.sampled_from(["title", "topics", "summary", "x", "a-b", "_k", "K9", "true", "Null", "no", "y"])
_VALUES = st.sampled_from([
    '"abc"', '"a \'b\' c"', '"a\\"b"', '"a # b: c"', '""', '"  padded  "', '"é ’ 🌍"', "'it''s'", "'x'''", "''''",
    "'a'b'", "''", "'a: b'", "Word", "word two", "two  spaces", "a, b", "a: b", "a:b", "a #b", "a#b", "x y ",
    "é", "Ünï", "²x", "true", "True", "null", "NULL", "No", "on", "2022-01-02", "2022-13-01", "2022-02-30",
    "2022-1-2", "20220102", "1.5", ".inf", "0x1F", "[a, b]", "[\"a\", 'b']", "[]", "[ ]", "[ a ,b ]", "[a,]",
    "[a b, c]", "[a?b]", "[a:b]", "[true]", "[\"x\", [y]]", "{a: b}", "|", ">", "&a x", "*a", "!x", "%x", "@x",
    "`x", "-x", "- x", "?x", "a [b] {c}", "Russia's war", "a \"quoted\" word", "x\\y", "",
])
_LINE = st.one_of(
    st.tuples(_KEYS, st.sampled_from([": ", ":  ", ":", ": \t"]), _VALUES, st.sampled_from(["", " ", "  # c"]))
    .map("".join),
    st.tuples(st.sampled_from(["- ", "  - ", " - ", "-  ", "-", "    - "]), _VALUES, st.sampled_from(["", " "]))
    .map("".join),
    st.sampled_from(["", "# comment", "  continued", "---", "...", "\t- x", "key: \"a\u2028b\"", "k: \ufeffx",
                     "k: a\x85b", "k: \x7f", "title: \"x\"\r"]),
)


def _simple_and_reference(text: str):
    fields = content._simple_frontmatter(text)
    if fields is None:
        return None, None
    return ({k: (repr(f.value), f.line) for k, f in fields.items()}, []), _parse(text, fast=False)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_LINE, max_size=8).map("\n".join), st.booleans())
def test_simple_frontmatter_is_what_the_loaders_read(text: str, newline: bool) -> None:
    text += "\n" if newline else ""
    simple, reference = _simple_and_reference(text)
    if simple is not None:
        assert simple == reference
        assert simple == _public(text)


_NOISE = st.sampled_from(list(" :#,[]{}'\"-\\\t\n?&*!|>%@`") + ["é", "''", "- ", ": ", "\u2028", "\x85"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_LINE, min_size=1, max_size=6).map("\n".join), st.lists(st.tuples(st.integers(0, 200), _NOISE),
                                                                        max_size=3))
def test_simple_frontmatter_with_a_character_out_of_place(text: str, noise) -> None:
    for at, extra in noise:
        at = at % (len(text) + 1)
        text = text[:at] + extra + text[at:]
    simple, reference = _simple_and_reference(text)
    if simple is not None:
        assert simple == reference


def test_simple_frontmatter_reads_what_the_importer_and_the_bench_write() -> None:
    meta = {"title": "NATO: summit", "date": __import__("datetime").date(2022, 1, 7), "source": "it's",
            "topics": ["Arms control", "yes"], "people": [], "summary": 'Quote "x" # not a comment'}
    text = content.dump_briefing(meta, "Body")
    yaml_text = content.split_frontmatter(text)[0]
    bench = ('title: "He said: \'no\' (Riga)"\ndate: 2019-01-19\nsource: "Eastern Monitor"\n'
             'topics: ["Deterrence and defence", "Arms control"]\npeople: []\nsummary: "Quote ’x’."\n')
    for yaml_text in (yaml_text, bench):
        simple = content._simple_frontmatter(yaml_text)
        assert simple is not None, yaml_text
        assert {k: (repr(f.value), f.line) for k, f in simple.items()} == _parse(yaml_text, fast=False)[0]
