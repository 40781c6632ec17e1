"""The editors' vocabulary: loading, validation with line numbers, matching."""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.diagnostics import Diagnostics
from generator.vocabulary import Alias, Entry, Vocabulary, load_vocabulary, parse_vocabulary

ROOT = Path(__file__).resolve().parent.parent


def parse(text: str):
    diags = Diagnostics()
    vocab = parse_vocabulary(text, Path("vocabulary.yaml"), diags)
    return vocab, [d.format() for d in diags.items]


def vocab(**kinds: list[Entry]) -> Vocabulary:
    return Vocabulary([e for entries in kinds.values() for e in entries])


def test_the_shipped_vocabulary_is_valid():
    diags = Diagnostics()
    v = load_vocabulary(ROOT / "content", diags)
    assert v is not None and not diags.items
    names = {e.name for e in v.entries}
    assert {"NATO", "European Union", "Russia", "Ukraine", "Belarus", "Jens Stoltenberg", "Arms control",
            "Deterrence and defence", "NATO enlargement", "Baltic states", "Black Sea", "Baltic Sea"} <= names


def test_aliases_demonyms_and_roles_map_to_canonical_names():
    v = load_vocabulary(ROOT / "content", Diagnostics())
    tags = v.tag("Stoltenberg met Russian diplomats; the NATO secretary general spoke of arms control.",
                 dt.date(2022, 1, 7))
    assert tags["people"] == ["Jens Stoltenberg"]
    assert tags["places"] == ["Russia"]
    assert "Arms control" in tags["topics"]


def test_roles_change_hands_with_dates():
    v = load_vocabulary(ROOT / "content", Diagnostics())
    assert v.tag("the NATO Secretary General said", dt.date(2025, 3, 1))["people"] == ["Mark Rutte"]
    assert v.tag("the NATO Secretary General said", dt.date(2020, 3, 1))["people"] == ["Jens Stoltenberg"]


def test_other_scripts_and_languages():
    v = load_vocabulary(ROOT / "content", Diagnostics())
    tags = v.tag("Столтенберг заявив, що НАТО підтримує Україну. L'OTAN soutient l'Ukraine face à la Russie.")
    assert tags["people"] == ["Jens Stoltenberg"]
    assert tags["organizations"] == ["NATO"]
    assert set(tags["places"]) == {"Ukraine", "Russia"}


def test_word_boundaries_and_case():
    v = vocab(places=[Entry("United States", "places", [Alias("US")])],
              topics=[Entry("Arms control", "topics", [Alias("arms control")])])
    assert v.tag("We USE the bus; let us go.")["places"] == []
    assert v.tag("The US and its allies")["places"] == ["United States"]
    assert v.tag("US-led talks")["places"] == ["United States"]
    assert v.tag("ARMS CONTROL talks")["topics"] == ["Arms control"]


def test_longest_match_wins_and_wildcards():
    v = vocab(organizations=[Entry("NATO", "organizations"),
                             Entry("NATO-Russia Council", "organizations", [Alias("Рад* Росія-НАТО")])],
              places=[Entry("Russia", "places"), Entry("Ukraine", "places", [Alias("Україн*")])])
    tags = v.tag("The NATO–Russia Council met. Засідання Ради Росія-НАТО щодо України.")
    assert tags["organizations"] == ["NATO-Russia Council"]
    assert tags["places"] == ["Ukraine"]


def test_when_adds_a_topic():
    v = vocab(organizations=[Entry("NATO", "organizations")], places=[Entry("Russia", "places")],
              topics=[Entry("NATO–Russia relations", "topics", when=("NATO", "Russia"))])
    assert v.tag("NATO and Russia")["topics"] == ["NATO–Russia relations"]
    assert v.tag("NATO alone")["topics"] == []


def test_exact_entries_are_case_sensitive():
    v, _ = parse("places:\n  - name: Turkey\n    exact: true\n    aliases: [Türkiye]\n")
    assert v.tag("roast turkey")["places"] == []
    assert v.tag("Turkey and Türkiye")["places"] == ["Turkey"]


@pytest.mark.parametrize("text, message", [
    ("people: [\n", "invalid YAML"),
    ("- a\n", "must be a mapping"),
    ("peple:\n  - A B\n", "unknown key 'peple' in the vocabulary (did you mean 'people'?)"),
    ("people:\n  - name: A\n    alias: [B]\n", "unknown key 'alias'"),
    ("people:\n  - aliases: [B]\n", "has no 'name'"),
    ("people:\n  - name: A\n    aliases: B\n", "must be a list"),
    ("people:\n  - name: A\n    aliases: [X]\n", "too short"),
    ("people:\n  - name: 12\n", "must be a name in text"),
    ("people:\n  - A B\n  - A B\n", "listed twice"),
    ("people:\n  - name: A B\n    aliases: [Bee]\n  - name: C D\n    aliases: [Bee]\n", "stands for both"),
    ("topics:\n  - name: T\n    when: [Nobody]\n", "not in the vocabulary"),
    ("places:\n  - name: P\n    when: [P]\n", "only for topics"),
    ("people:\n  - name: A B\n    aliases: [{text: Role, until: someday}]\n", "YYYY-MM-DD"),
    ("people: &x\n  - A B\nplaces: *x\n", "aliases (*name) are not allowed"),
])
def test_errors_name_the_file_and_line(text, message):
    v, messages = parse(text)
    assert v is None
    assert any(message in m for m in messages), messages
    assert all(m.startswith("vocabulary.yaml") for m in messages)
    assert all("\n" not in m for m in messages)


def test_error_line_numbers():
    _, messages = parse("people:\n  - name: A B\n  - name: C D\n    colour: red\n")
    assert messages == ["vocabulary.yaml:4: error: unknown key 'colour' in a people entry (known keys: name, "
                        "aliases, exact, when, note)"]


def test_missing_file_is_an_empty_vocabulary_with_a_warning(tmp_path):
    diags = Diagnostics()
    v = load_vocabulary(tmp_path, diags)
    assert v is not None and not v.entries
    assert diags.warnings and not diags.errors


# -- the substring pre-check in Vocabulary.find ----------------------------------------

def _find_without_precheck(vocab, text, day=None):
    from generator import vocabulary as v
    saved = v._ASCII_LOOKALIKES
    v._ASCII_LOOKALIKES = re.compile(".", re.S)  # every text "has" a look-alike: scan all
    try:
        return vocab.find(text, day)
    finally:
        v._ASCII_LOOKALIKES = saved


def test_ascii_lookalikes_are_all_the_characters_that_match_ascii_case_insensitively():
    from generator.vocabulary import _ASCII_LOOKALIKES
    pattern = re.compile("(?i:[a-z0-9])")
    found = {chr(c) for c in range(0x80, 0x110000) if pattern.fullmatch(chr(c))}
    assert found and all(_ASCII_LOOKALIKES.fullmatch(c) for c in found)


def test_precheck_finds_what_a_full_scan_finds_in_the_seeds():
    from pathlib import Path as P
    from generator.diagnostics import Diagnostics as D
    root = P(__file__).resolve().parent.parent
    vocab = load_vocabulary(root / "content", D())
    texts = [p.read_text(encoding="utf-8") for p in sorted((root / "seeds").glob("*.txt"))]
    texts += [t.upper() for t in texts] + [t.lower() for t in texts]
    texts += ["NATO\u212aremlin ſanctions İstanbul", "the u.s. and the U.S.A. and Kyiv’s NATO-led"]
    for text in texts:
        assert vocab.find(text) == _find_without_precheck(vocab, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["NATO", "nato", "Kremlin", "Kyiv", "Ukrain", "ian", " ", "-", "’", "s",
                                 "\u212a", "ſ", "İ", "ı", "U.S.", "Stoltenberg", "Jens", "e", "\n"]),
                max_size=30).map("".join))
def test_precheck_equals_full_scan_on_random_text(text):
    vocab = _shipped_vocabulary()
    assert vocab.find(text) == _find_without_precheck(vocab, text)


@functools.lru_cache(maxsize=1)
def _shipped_vocabulary():
    return load_vocabulary(Path(__file__).resolve().parent.parent / "content", Diagnostics())
