"""The importer's text layer: one fixture per hard seed shape, plus property tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.chrome import squash
from generator.dates import DateEvidence, find_dates, resolve_date, years_in_path
from generator.diagnostics import Diagnostics
from generator.escape import escape_paragraph
from generator.markup import Renderer
from generator.normalize import Rejected, clean_text, decode, normalize, normalize_bytes
from generator.vocabulary import load_vocabulary

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "seeds"
VOCAB = load_vocabulary(ROOT / "content", Diagnostics())
assert VOCAB is not None


def doc(name: str):
    return normalize_bytes((FIXTURES / name).read_bytes(), VOCAB, seed_path=name)


def visible(markdown_text: str, renderer=None) -> str:
    html = (renderer or Renderer()).convert(markdown_text)
    return squash(BeautifulSoup(html, "html.parser").get_text(" "))


# -- seed shapes ---------------------------------------------------------------

def test_breadcrumb_repeating_the_title_is_removed_and_title_kept():
    d = doc("breadcrumb.txt")
    assert d.meta["title"] == ("“We need to be prepared for the defeat of diplomacy” – Stoltenberg after the "
                               "meeting of the NATO foreign ministers")
    assert "Home" not in d.body and "»" not in d.body
    assert d.body.startswith("NATO is ready to listen to Russia")
    assert "Leave a Comment" not in d.body and "Akismet" not in d.body
    assert "– ." not in d.body  # punctuation debris
    assert "date" not in d.meta
    assert any(f.startswith("date incomplete: '7 January'") for f in d.meta["review"])


def test_site_label_on_the_first_line_is_not_the_title():
    d = doc("site_label.txt")
    assert d.meta["title"] == "NATO responds in writing to Moscow’s demands and prepares for “the worst”"
    assert "news agency" not in d.body
    for chrome in ("You may also like", "Hot News", "follow us"):
        assert chrome not in d.body
    assert d.body.rstrip().endswith("including sanctions.")
    assert any(f.startswith("date missing") for f in d.meta["review"])


def test_body_without_title_gets_a_generated_flagged_title():
    d = doc("no_title.txt")
    assert d.meta["title"] == "Some time ago Russia decided to terminate diplomatic ties with NATO"
    assert len(d.meta["title"]) <= 100
    assert "title: generated from the lead; write a real title" in d.meta["review"]
    assert d.body.startswith("Some time ago Russia")  # the lead stays in the body
    assert d.meta["summary"].startswith("Some time ago Russia decided")


def test_credits_give_the_source_and_related_teasers_are_dropped():
    d = doc("credits_related.txt")
    assert d.meta["source"] == "commonspace.eu"
    assert d.meta["date"] == dt.date(2020, 12, 1)  # "Tuesday (1 December)" + the photo caption's year
    assert any(f.startswith("date guessed") for f in d.meta["review"])
    for chrome in ("source:", "photo:", "Related articles", "Editor's choice", "Popular", "Borrell",
                   "minerals deal"):
        assert chrome not in d.body
    # names that appear only in the stripped teasers are not tagged
    assert "Donald Trump" not in d.meta["people"] and "Josep Borrell" not in d.meta["people"]
    assert "Afghanistan" not in d.meta["places"]
    assert d.meta["people"] == ["Jens Stoltenberg"]
    assert {"NATO", "North Atlantic Council"} <= set(d.meta["organizations"])
    assert {"Russia", "Ukraine", "Crimea", "Georgia", "Moldova", "Transnistria"} <= set(d.meta["places"])


def test_courtesy_credit_full_date_and_repeated_standfirst():
    d = doc("courtesy.txt")
    assert d.meta["source"] == "NATO"
    assert d.meta["date"] == dt.date(2022, 1, 12)
    assert "Courtesy" not in d.body
    assert d.body.count("At the meeting, ministers stressed") == 1
    assert "NATO-Russia Council" in d.meta["organizations"]
    assert "NATO–Russia relations" in d.meta["topics"]


def test_published_line_byline_and_people_by_role():
    d = doc("published_byline.txt")
    assert d.meta["title"] == "Allies agree to reinforce air policing over the Baltic states"
    assert d.meta["date"] == dt.date(2022, 2, 14)  # Published beats Updated; no flag: the page says so
    assert not any(f.startswith("date") for f in d.meta["review"])
    assert "Published" not in d.body and "By Jane Roe" not in d.body and "Baltic News" not in d.body
    assert "Share this" not in d.body and "Facebook" not in d.body
    # a person named with a role is tagged, in full, and proposed for the vocabulary
    assert "Gabrielius Landsbergis" in d.meta["people"]
    assert d.new_people == ["Gabrielius Landsbergis"]
    # ... but places and buildings are not people
    assert not {"White House", "Brussels Airport"} & set(d.meta["people"])
    # "NATO Secretary General" in 2022 is Stoltenberg
    assert "Jens Stoltenberg" in d.meta["people"]


def test_dateline_gives_date_and_agency():
    d = doc("dateline.txt")
    assert d.meta["date"] == dt.date(2022, 1, 7)
    assert d.meta["source"] == "Reuters"
    assert not d.meta["title"].startswith("BRUSSELS")
    assert "Suwałki Gap" not in d.meta["places"]  # only in the "Most read" chrome


def test_french_seed():
    d = doc("french.txt")
    assert d.meta["title"] == "L'OTAN appelle la Russie à la désescalade"
    assert d.meta["date"] == dt.date(2020, 12, 1)
    assert "Jean-Yves Le Drian" in d.meta["people"]
    assert d.meta["organizations"] == ["NATO"]
    assert {"Russia", "Ukraine"} <= set(d.meta["places"])
    assert "Articles similaires" not in d.body and "missile" not in d.body


def test_ukrainian_seed_maps_to_the_same_canonical_names():
    d = doc("ukrainian.txt")
    assert d.meta["date"] == dt.date(2022, 1, 12)
    assert d.meta["people"] == ["Jens Stoltenberg"]
    assert {"NATO", "NATO-Russia Council"} <= set(d.meta["organizations"])
    assert {"Russia", "Ukraine", "Brussels"} <= set(d.meta["places"])
    assert "Читайте також" not in d.body and "Зеленськ" not in d.body


@pytest.mark.parametrize("name, expected", [
    ("weekday_year.txt", dt.date(2020, 12, 1)),
    ("month_first.txt", dt.date(2022, 1, 12)),
    ("courtesy.txt", dt.date(2022, 1, 12)),
])
def test_date_forms(name, expected):
    assert doc(name).meta["date"] == expected


# -- encodings and bad files ---------------------------------------------------

@pytest.mark.parametrize("name", ["windows1252.txt", "utf8_bom_crlf.txt"])
def test_encodings_are_read_correctly(name):
    d = doc(name)
    assert "Ukraine’s defence, the “biggest package yet”" in d.body
    assert "café" in d.body and "\r" not in d.body and "\ufeff" not in d.body
    if name == "windows1252.txt":
        assert d.meta["title"] == "Allies pledge €2 billion for Ukraine"
        assert any("cp1252" in f for f in d.meta["review"])


def test_windows1251_ukrainian():
    d = doc("windows1251_ukrainian.txt")
    assert d.meta["title"] == "Столтенберг закликає Росію до діалогу"
    assert d.meta["people"] == ["Jens Stoltenberg"]
    assert {"Russia", "Ukraine"} <= set(d.meta["places"])


def test_mojibake_is_repaired():
    garbled = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b)
                      for b in "NATO’s “plan” – café".encode("utf-8"))  # as a browser shows it
    text, notes = decode(garbled.encode("utf-8"))
    assert text == "NATO’s “plan” – café"
    assert notes


@pytest.mark.parametrize("name, reason", [
    ("empty.txt", "empty file"),
    ("binary.txt", "binary file, not text"),
    ("chrome_only.txt", "no article text left after removing page chrome"),
])
def test_bad_files_are_rejected_with_a_reason(name, reason):
    with pytest.raises(Rejected, match=reason):
        doc(name)


def test_unicode_is_normalized():
    d = normalize("Title here\n\nCafe\u0301 in Brussels\u00a0today, with\u200b NATO and a soft\u00adhyphen.")
    assert "Café in Brussels today, with NATO and a softhyphen." in d.body


# -- escaping ------------------------------------------------------------------

def test_markdown_lookalikes_render_literally():
    d = doc("markdown_chars.txt")
    text = visible(d.body)
    for line in ("# This line starts with a hash", "1. This line starts with a number",
                 "* This line starts with a star", "> This line starts with a greater-than sign",
                 "file_name_with_underscores and 2*3*4 = 24", "`backticks` and [brackets](http://example.org)",
                 'A tag <script>alert("x")</script> and an entity &amp; must show as written.'):
        assert line in text
    html = Renderer().convert(d.body)
    assert "<script" not in html and "<h" not in html and "<ol" not in html and "<ul" not in html
    assert "<blockquote" not in html and "<em" not in html and "<code" not in html and "<a " not in html
    assert "Leave a Comment" not in d.body


_PLAIN = markdown.Markdown(extensions=["def_list", "fenced_code", "footnotes", "tables", "abbr", "toc"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
       | st.text(alphabet="#>*_-+=.1)[]()<>&;`~:!|\\ ab\"'", max_size=40))
@example("&#0")  # stock Python-Markdown reads a numeric reference without its ';' as one
@example("A &#x41 b")
def test_escaped_text_round_trips_to_the_same_visible_text(raw):
    para = squash(clean_text(raw))
    if not para:
        return
    escaped = escape_paragraph(para)
    assert visible(escaped) == para
    _PLAIN.reset()
    assert squash(BeautifulSoup(_PLAIN.convert(escaped), "html.parser").get_text(" ")) == para


# -- never a traceback ---------------------------------------------------------

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400) | st.lists(st.sampled_from([
    "Home » News » A title", "news agency", "Published: 12.01.2022", "Related articles", "source: x",
    "photo: y", "on Tuesday (1 December)", "# hash", "Stoltenberg said", "", "NATO and Russia met.",
    "By Jane Roe", "BRUSSELS, Jan 7 (Reuters) - text", "Leave a Comment", "«quote»", "<script>",
]), max_size=12).map("\n".join))
def test_arbitrary_text_never_crashes(text):
    try:
        d = normalize(text, VOCAB, seed_path="x.txt")
    except Rejected:
        return
    assert d.meta["title"] and isinstance(d.meta["review"], list)
    assert len(d.meta["title"]) <= 250


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(raw):
    try:
        normalize_bytes(raw, VOCAB)
    except Rejected:
        pass


# -- dates -----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("on 30 November", (None, 11, 30)),
    ("Tuesday (1 December)", (None, 12, 1)),
    ("on 7 January", (None, 1, 7)),
    ("12 January 2022", (2022, 1, 12)),
    ("January 12, 2022", (2022, 1, 12)),
    ("12.01.2022", (2022, 1, 12)),
    ("2022-01-12", (2022, 1, 12)),
    ("1er décembre 2020", (2020, 12, 1)),
    ("12 січня 2022 року", (2022, 1, 12)),
    ("7. Januar 2022", (2022, 1, 7)),
])
def test_date_mentions(text, expected):
    (m,) = find_dates(text)
    assert (m.year, m.month, m.day) == expected


def test_no_date_in_ordinary_words():
    assert find_dates("they may 5 times use version 1.2.2020x in 2014") == []


def test_partial_date_gets_no_year_without_evidence():
    day, flags = resolve_date(DateEvidence([], find_dates("met on 30 November"), [], []))
    assert day is None and flags[0].startswith("date incomplete")


def test_years_in_seed_paths_but_not_inside_hashes():
    assert years_in_path("seeds/2021/a.txt") == [2021]
    assert years_in_path("2020-12-01_x.txt") == [2020]
    assert years_in_path("000_ab2019cd.txt") == []


def test_partial_date_year_from_weekday_and_path():
    day, flags = resolve_date(DateEvidence([], find_dates("on Tuesday 30 November"), [], [2020, 2021]))
    assert day == dt.date(2021, 11, 30) and flags[0].startswith("date guessed")


def test_partial_date_year_from_the_seed_path_alone():
    day, flags = resolve_date(DateEvidence([], find_dates("met on 30 November"), [], [2021]))
    assert day == dt.date(2021, 11, 30) and "seed's path" in flags[0]
