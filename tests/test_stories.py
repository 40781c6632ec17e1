"""Stories: the same event from different outlets is grouped; merely similar briefings are not."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from generator import stories as stories_module
from generator import text as text_module
from generator.build import load_briefings
from generator.config import Config
from generator.diagnostics import Diagnostics
from generator.link import link
from generator.model import Briefing
from generator.text import STOPWORDS, quotations, shingles, words
from generator.text import features as text_features

ROOT = Path(__file__).resolve().parent.parent

REPORT = ("Foreign ministers met in Vilnius on Tuesday to discuss air defence for the Baltic states. "
          "The ministers agreed to station additional Patriot batteries along the eastern flank. "
          "Lithuanian officials welcomed the decision and promised host nation support. "
          "Delegates also reviewed the exercise calendar and the readiness of rapid reaction units.")
UNRELATED = ("Farmers protested against import quotas on grain from neighbouring countries. "
             "Tractors blocked several border crossings for most of the morning. "
             "The agriculture minister promised compensation and talks with the trade commissioner.")


def make(slug: str, date: str, body: str, source: str = "") -> Briefing:
    return Briefing(path=f"{slug}.md", title=slug, date=dt.date.fromisoformat(date), slug=slug, body=body,
                    source=source)


def grouped(briefings: list[Briefing]) -> list[list[str]]:
    site = link(Config(), briefings, Diagnostics())
    return [[b.slug for b in s.briefings] for s in site.stories]


def test_text_features():
    assert words("The Ministers will meet in 2022, said NATO.") == ["ministers", "meet", "nato"]
    assert shingles("any further aggression against Ukraine will have significant consequences") == \
        shingles("any further aggression against Ukraine would have significant consequences")
    assert quotations('He said: “We must be prepared for diplomacy to fail completely.” Then «a short one» ended.') == \
        ["We must be prepared for diplomacy to fail completely."]


_TEXT_PIECES = st.sampled_from([
    "word", "NATO", "the", "ab", "abc", " ", "\n", "-", "—", "“", "”", "«", "»", "„", '"', "'", "_", "7", "٣", "²", "Ⅷ",
    "é", "ß", "İ", "K", "ﬁ", "Straße", "Łódź", "Київ", "東京", "\u0301",
    "“Straße and NATO word Київ”", '"word Łódź NATO abc"', "«ééé word NATO abc»",  # quotations with letters beyond ASCII
    "„word NATO abc Straße“", "“four more words here”",
    "?", "\t", "\x00", "\ud800", "Ab", "aBc", "IN", "AND", "z",  # what the bytes path turns into spaces; case
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT_PIECES, max_size=30).map("".join))
def test_words_are_the_unicode_letter_runs(text):
    # words() finds ASCII runs when the text has no non-ASCII letter: the same as the Unicode class
    reference = [w for w in re.findall(r"[^\W\d_]{3,}", text.casefold()) if w not in STOPWORDS]
    assert words(text) == reference
    # the bytes-based runs of ASCII letters are what the expression finds, on any text
    folded = text.casefold()
    assert text_module._words(folded, text_module._ASCII_WORD) == \
        [w for w in re.findall(r"[A-Za-z]{3,}", folded) if w not in STOPWORDS]
    # quotations: every match of each kind, in that order (an oracle without the marks' shortcut)
    kinds = (r"“([^“”]+)”", r"«([^«»]+)»", r"„([^„“”]+)[“”]", r'"([^"\n]+)"')
    assert quotations(text) == [q for kind in kinds for q in re.findall(kind, text) if len(words(q)) >= 4]
    # features() decides the word pattern once for the body and its quotations
    f = text_features(text)
    assert f.words == " ".join(words(text))
    assert f.quotes == tuple(" ".join(words(q)) for q in quotations(text))


def test_two_outlets_a_few_days_apart_make_one_story():
    assert grouped([make("wire", "2022-03-01", REPORT, "Wire"), make("paper", "2022-03-04", REPORT, "Paper"),
                    make("farm", "2022-03-02", UNRELATED, "Wire")]) == [["wire", "paper"]]


def test_similar_briefings_far_apart_in_time_are_not_a_story():
    assert grouped([make("march", "2022-03-01", REPORT, "Wire"), make("later", "2022-03-09", REPORT, "Paper")]) == []
    assert grouped([make("march", "2022-03-01", REPORT, "Wire"), make("year", "2023-03-01", REPORT, "Paper")]) == []
    # the window is inclusive: STORY_DAYS apart is still close
    assert grouped([make("a", "2022-03-01", REPORT, "Wire"), make("b", "2022-03-08", REPORT, "Paper")]) == [["a", "b"]]


def test_one_outlet_repeating_itself_is_not_a_second_telling():
    assert grouped([make("a", "2022-03-01", REPORT, "Wire"), make("b", "2022-03-02", REPORT, "wire")]) == []
    # an unknown source may be another outlet
    assert grouped([make("a", "2022-03-01", REPORT, "Wire"), make("b", "2022-03-02", REPORT)]) == [["a", "b"]]


def test_shared_quotations_lower_the_overlap_needed():
    quote = "“We will station additional Patriot batteries along the eastern flank without delay.”"
    filler_a = " ".join(f"harbour{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(80)) + "."
    filler_b = " ".join(f"railway{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(80)) + "."
    a = f"{filler_a} The minister said {quote}"
    b = f"{filler_b} According to the statement, {quote}"
    overlap = len(shingles(a) & shingles(b)) / min(len(shingles(a)), len(shingles(b)))
    assert stories_module.QUOTE_OVERLAP <= overlap < stories_module.MIN_OVERLAP
    assert grouped([make("a", "2022-03-01", a, "Wire"), make("b", "2022-03-02", b, "Paper")]) == [["a", "b"]]
    unquoted = b.replace("“", "").replace("”", "")
    assert grouped([make("a", "2022-03-01", a, "Wire"), make("b", "2022-03-02", unquoted, "Paper")]) == []


def test_stories_join_transitively_and_are_ordered_newest_first():
    other = REPORT.replace("Vilnius", "Tallinn").replace("Patriot", "NASAMS").replace("Lithuanian", "Estonian")
    bs = [make("a", "2022-03-01", REPORT, "A"), make("b", "2022-03-06", REPORT, "B"),
          make("c", "2022-03-12", REPORT, "C"),  # 11 days after a, 6 after b: joins through b
          make("x", "2022-05-01", other, "A"), make("y", "2022-05-01", other, "B")]
    site = link(Config(), bs, Diagnostics())
    assert [[b.slug for b in s.briefings] for s in site.stories] == [["x", "y"], ["a", "b", "c"]]
    story = site.stories[1]
    assert story.key == "2022-03-01-a" and story.url == "/stories/#2022-03-01-a"
    by = {b.slug: b for b in site.briefings}
    assert by["c"].story is story and [o.slug for o in story.others(by["c"])] == ["a", "b"]


def test_undated_and_tiny_briefings_are_never_grouped():
    undated = Briefing(path="u.md", title="u", date=None, slug="u", body=REPORT, source="Other")
    tiny = [make("t1", "2022-03-01", "Ministers met.", "A"), make("t2", "2022-03-01", "Ministers met.", "B")]
    assert grouped([make("a", "2022-03-01", REPORT, "Wire"), undated, *tiny]) == []


def test_shipped_seeds_002_and_003_are_one_story_and_nothing_else_is():
    briefings = load_briefings(ROOT / "content", Diagnostics())
    site = link(Config(), briefings, Diagnostics())
    seeds = [sorted(b.provenance.seed[:3] for b in s.briefings if b.provenance) for s in site.stories]
    assert seeds == [["002", "003"]]


def test_story_pairs_found_in_parts_are_the_whole_list(tmp_path):
    """The build finds stories in one part per core; the parts, in order, must be
    exactly the pairs of one pass, wherever the cuts fall (windows reach across them)."""
    import random
    import sys as _sys

    from conftest import ROOT
    _sys.path.insert(0, str(ROOT))
    from bench.linking import generate_archive
    from generator.build import load_briefings
    from generator.diagnostics import Diagnostics
    from generator.link import link as link_site
    from generator.config import load_config
    from generator.stories import dated_order, story_pairs

    content = generate_archive(400, tmp_path / "content", seed=3)
    diags = Diagnostics()
    site = link_site(load_config(content, diags), load_briefings(content, diags), diags)
    whole = story_pairs(site.briefings)
    assert len(whole) > 10  # the synthetic archive retells some events
    order = dated_order(site.briefings)
    n = len(order)
    at = {id(b): i for i, b in enumerate(order)}
    later = sorted({at[id(a)] for _, a in whole})  # a cut just before a pair's later briefing
    rng = random.Random(1)
    for cuts in ([0, n], [0, later[0], n], [0, *later[1:4], n], sorted({0, n, *rng.sample(range(n), 6)})):
        found = [pair for lo, hi in zip(cuts, cuts[1:]) for pair in story_pairs(site.briefings, part=(lo, hi))]
        assert found == whole, cuts


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_stories_found_in_pieces_on_every_core_are_the_stories_found_in_one_pass(tmp_path, monkeypatch, jobs):
    """A large first build finds the pairs in pieces, shared out among this process and the
    background ones, which also compute the signatures that the link memo keeps: the stories
    and the memo are those of one pass in this process."""
    import sys as _sys

    from conftest import ROOT
    _sys.path.insert(0, str(ROOT))
    from bench.linking import generate_archive
    from generator import link as link_module
    from generator.config import load_config

    content = generate_archive(300, tmp_path / "content", seed=3)

    def built(in_process: int, piece: int) -> tuple[list, dict]:
        monkeypatch.setattr(link_module, "STORIES_IN_PROCESS", in_process)
        monkeypatch.setattr(link_module, "STORY_PIECE", piece)
        monkeypatch.setattr(link_module, "STORY_PIECES_PER_CORE", 10**9)  # pieces of STORY_PIECE
        diags = Diagnostics()
        memo: dict = {}
        site = link(load_config(content, diags), load_briefings(content, diags), diags, memo=memo)
        return [[b.path for b in s.briefings] for s in site.stories], memo["stories"]

    monkeypatch.setenv("BRIEFINGS_JOBS", "1")
    one_pass = built(10**9, 10**9)
    assert len(one_pass[0]) > 3
    monkeypatch.setenv("BRIEFINGS_JOBS", jobs)
    for piece in (1, 7):  # pieces of one or seven briefings, each looking back a week first
        assert built(0, piece) == one_pass, piece


def test_pairs_carried_over_between_builds_equal_pairs_found_afresh(tmp_path):
    """The link memo keeps each briefing's pairs (kept_pairs); after each random edit (a
    body made a retelling of another, a body cut, a source, a date, a briefing added or
    removed) the pairs are exactly story_pairs of the whole archive, and a body edit
    compares again only the briefings within STORY_DAYS after it."""
    import copy
    import functools
    import random
    import sys as _sys

    from conftest import ROOT
    _sys.path.insert(0, str(ROOT))
    from bench.linking import generate_archive
    from generator.link import briefing_url
    from generator.stories import kept_pairs, story_pairs

    content = generate_archive(400, tmp_path / "content", seed=5)
    briefings = load_briefings(content, Diagnostics())
    cached = functools.lru_cache(maxsize=None)(text_features)
    features = lambda b: cached(b.body)  # noqa: E731
    rng = random.Random(4)
    memo: dict = {}
    compared_after_body_edits = []
    last = ""

    def paths(pairs) -> list:
        return [(a.path, b.path) for a, b in pairs]

    for step in range(30):
        for b in briefings:
            b.url = briefing_url(b)
        parts, finish = kept_pairs(briefings, features, memo)
        kept = finish([pair for part in parts for pair in story_pairs(briefings, features, part)])
        whole = story_pairs(briefings, features)
        assert paths(kept) == paths(whole), f"step {step} after {last}"
        if last in ("retell", "cut"):
            compared_after_body_edits.append(memo["compared"])
        last = rng.choice(["retell", "cut", "source", "date", "add", "remove"])
        b, other = rng.sample(briefings, 2)
        if last == "retell":  # b now tells other's story (a new pair when their dates are close)
            b.body = other.body + "\n\nAs reported."
            b.date = other.date + dt.timedelta(days=rng.randint(0, 3))
        elif last == "cut":
            b.body = b.body[: len(b.body) // 3]
        elif last == "source":
            b.source = other.source
        elif last == "date":
            b.date = b.date + dt.timedelta(days=rng.randint(-20, 20))
        elif last == "add":
            new = copy.copy(other)
            new.path, new.slug, new.source = f"briefings/extra-{step}.md", f"extra-{step}", "Another outlet"
            briefings.append(new)
        else:
            briefings.remove(b)
    assert len(whole) > 10
    assert compared_after_body_edits and max(compared_after_body_edits) < len(briefings) / 4, \
        compared_after_body_edits
