"""Related briefings: exact scores and order on archives small enough to compute by hand."""

from __future__ import annotations

import copy
import datetime as dt
import math
from pathlib import Path

import pytest

from generator import related as related_module
from generator.config import Config, RelatedConfig, load_config
from generator.diagnostics import BuildError, Diagnostics
from generator.link import link
from generator.model import Briefing

LN2, LN3 = math.log(2), math.log(3)


def make(slug: str, date: str | None = "2022-01-10", body: str = "", **terms) -> Briefing:
    return Briefing(path=f"{slug}.md", title=slug.capitalize(), date=dt.date.fromisoformat(date) if date else None,
                    slug=slug, body=body, **{k: tuple(v) for k, v in terms.items()})


def linked(briefings: list[Briefing], **weights) -> dict[str, Briefing]:
    config = Config(related=RelatedConfig(**weights))
    site = link(config, briefings, Diagnostics())
    return {b.slug: b for b in site.briefings}


def rel(b: Briefing) -> list[tuple[str, float]]:
    return [(r.briefing.slug, r.score) for r in b.related]


TERMS_ONLY = dict(text=0.0, time=0.0)


def test_shared_terms_weigh_by_rarity_and_taxonomy():
    # N = 4. NATO is named by all four: idf ln(4/4) = 0, so it neither scores nor makes briefings related.
    bs = linked([
        make("a", topics=["Arms control", "Diplomacy"], people=["Jens Stoltenberg"], organizations=["NATO"]),
        make("b", topics=["Arms control"], people=["Jens Stoltenberg"], organizations=["NATO"]),
        make("c", topics=["Diplomacy"], organizations=["NATO"]),
        make("d", topics=["Sanctions"], organizations=["NATO"]),
    ], people=2.0, **TERMS_ONLY)
    # a~b: Arms control ln(4/2) + 2 × Jens Stoltenberg ln(4/2) = 3 ln 2; a~c: Diplomacy ln 2.
    assert rel(bs["a"]) == [("b", pytest.approx(3 * LN2)), ("c", pytest.approx(LN2))]
    assert bs["a"].related[0].shared == ("Jens Stoltenberg", "Arms control")  # heaviest first
    assert bs["a"].related[1].shared == ("Diplomacy",)
    assert not bs["a"].related[0].similar_text
    assert rel(bs["d"]) == []  # shares only NATO


def test_a_rare_shared_term_says_more_than_a_common_one():
    # "New START" is named twice, "Ukraine" five times in six briefings.
    bs = linked([
        make("a", topics=["New START"], places=["Ukraine"]),
        make("b", topics=["New START"]),
        make("c", places=["Ukraine"]),
        make("d", places=["Ukraine"]), make("e", places=["Ukraine"]), make("f", places=["Ukraine"]),
    ], places=1.0, **TERMS_ONLY)
    assert rel(bs["a"])[:2] == [("b", pytest.approx(LN3)), ("c", pytest.approx(math.log(6 / 5)))]


def test_text_similarity_and_nearness_in_time_add_up():
    body = "Ministers discussed missile deployments near Kaliningrad and the Suwalki corridor."
    bs = linked([
        make("a", "2022-01-10", body, topics=["Deterrence"]),
        make("twin", "2022-01-20", body, topics=["Deterrence"]),  # same words, ten days later
        make("other", "2022-01-10", "Fishing quotas in the North Sea were agreed.", topics=["Deterrence"]),
        make("far", "2020-01-10", "Grain exports rose sharply this harvest season.", topics=["Trade"]),
    ], topics=1.0, text=2.0, time=1.0, half_life_days=10)
    # a~twin: Deterrence ln(4/3) + text 2 × cos 1 + time 0.5 ** (10/10)
    # a~other: Deterrence ln(4/3) + text 0 (no word in common) + time 1 (same day)
    assert rel(bs["a"]) == [("twin", pytest.approx(math.log(4 / 3) + 2 + 0.5)),
                            ("other", pytest.approx(math.log(4 / 3) + 1))]
    assert bs["a"].related[0].similar_text and bs["a"].related[0].shared == ("Deterrence",)
    assert rel(bs["far"]) == []  # nearness or nothing in common never makes briefings related


def test_alike_wording_alone_is_a_reason():
    body = "Armoured convoys crossed the Dnipro bridges overnight, witnesses reported."
    bs = linked([make("a", body=body), make("b", body=body), make("c", body="Quiet elections in Iceland.")],
                text=1.0, time=0.0)
    assert rel(bs["a"]) == [("b", pytest.approx(1.0))]
    assert bs["a"].related[0].shared == () and bs["a"].related[0].similar_text


def test_ties_go_to_the_newest_then_the_url_and_count_is_a_limit():
    bs = linked([
        make("hub", "2022-01-10", topics=["Arms control"]),
        make("old", "2021-01-01", topics=["Arms control"]),
        make("new", "2022-06-01", topics=["Arms control"]),
        make("also-new", "2022-06-01", topics=["Arms control"]),
        make("none", "2022-06-01", topics=["Other"]),
    ], count=2, **TERMS_ONLY)
    assert [s for s, _ in rel(bs["hub"])] == ["also-new", "new"]
    bs = linked([make("a", topics=["X"]), make("b", topics=["X"]), make("c")], count=0, **TERMS_ONLY)
    assert rel(bs["a"]) == []


def test_undated_briefings_are_related_without_a_time_part():
    bs = linked([make("a", None, topics=["X"]), make("b", "2022-01-01", topics=["X"]), make("c", topics=["Y"])],
                topics=1.0, text=0.0, time=5.0)
    assert rel(bs["a"]) == [("b", pytest.approx(math.log(3 / 2)))]


def test_members_of_one_story_are_not_also_listed_as_related():
    text = " ".join(f"Statement {w} ministers agreed sanctions package tranche number {w}." for w in
                    ["alpha", "bravo", "charlie", "delta", "echo"])
    bs = linked([make("a", "2022-01-10", text, topics=["Sanctions"], organizations=["European Union"]),
                 make("b", "2022-01-11", text, topics=["Sanctions"]),
                 make("c", "2022-03-01", "Sanctions were debated again.", topics=["Sanctions"],
                      organizations=["European Union"])])
    assert bs["a"].story is bs["b"].story is not None
    assert [s for s, _ in rel(bs["a"])] == ["c"]


def test_candidates_come_from_uncommon_postings_only(monkeypatch):
    """At scale the common term is never walked, yet every briefing finds its partner."""
    monkeypatch.setattr(related_module, "POSTINGS_CAP", 10)
    briefings = []
    for k in range(120):
        for side in "xy":
            briefings.append(make(f"p{k}{side}", f"2022-{k % 12 + 1:02d}-01",
                                  topics=["Common topic", f"Rare {k}"]))
    briefings.append(make("lonely", topics=["Something else"]))
    scorer = related_module.Scorer(briefings, link(Config(), briefings, Diagnostics()).taxonomies,
                                   RelatedConfig(**TERMS_ONLY))
    for i, b in enumerate(briefings[:-1]):
        acc = scorer.candidates(i)
        assert len(acc) == 1  # only the partner: "Common topic" (240 briefings) is not walked
        [link_] = scorer.related(i, 5)
        partner = b.slug[:-1] + ("y" if b.slug.endswith("x") else "x")
        assert link_.briefing.slug == partner
        assert link_.score == pytest.approx(math.log(241 / 2) + math.log(241 / 240))


# --- the [related] table in site.toml -----------------------------------------------------

def load(tmp_path: Path, text: str) -> Config:
    (tmp_path / "site.toml").write_text(text, encoding="utf-8")
    return load_config(tmp_path, Diagnostics(root=tmp_path))


def test_related_table_is_typed_with_defaults(tmp_path):
    c = load(tmp_path, 'title = "T"\n[related]\ncount = 3\nplaces = 2\ntext = 0.5\nhalf_life_days = 90\n')
    assert c.related == RelatedConfig(count=3, places=2.0, text=0.5, half_life_days=90.0)
    assert isinstance(c.related.places, float)
    assert load(tmp_path, 'title = "T"\n').related == RelatedConfig()


@pytest.mark.parametrize("text, message", [
    ('[related]\ntopic = 2\n', "site.toml: error: unknown key 'topic' in [related] (did you mean 'topics'?)"),
    ('[related]\ncount = 2.5\n', "site.toml: error: [related] count must be a whole number from 0 to 50"),
    ('[related]\ntext = "high"\n', "site.toml: error: [related] text must be a number from 0 to 100"),
    ('[related]\ntime = -1\n', "site.toml: error: [related] time must be a number from 0 to 100"),
    ('[related]\nhalf_life_days = 0\n', "site.toml: error: [related] half_life_days must be a number from 1 to 36500"),
    ('[related]\npeople = true\n', "site.toml: error: [related] people must be a number from 0 to 100"),
    ('related = 5\n', "site.toml: error: configuration key 'related' must be a table: "
                      "[related] followed by key = value lines"),
])
def test_bad_related_values_are_named(tmp_path, text, message):
    with pytest.raises(BuildError) as info:
        load(tmp_path, text)
    assert [d.format() for d in info.value.diagnostics.errors] == [message]


def test_vectors_carried_over_between_builds_equal_vectors_computed_afresh():
    """The memo (kept in the build cache) only saves work: after any edit, added or
    removed body, the vectors are exactly those of a fresh computation."""
    import random

    from generator.related import text_vectors
    from generator.text import features

    rng = random.Random(7)
    vocabulary = [f"w{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(60)] + [
        "alliance", "summit", "treaty", "border"]  # words of letters only: digits are not words

    def body() -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 40)))

    class B:
        def __init__(self, text: str):
            self.body = text

    briefings = [B(body()) for _ in range(40)]
    briefings.append(B(briefings[0].body))  # the same body twice
    feats = lambda b: features(b.body)  # noqa: E731
    memo: dict = {}
    for step in range(60):
        got = text_vectors(briefings, feats, memo)
        assert got == text_vectors(briefings, feats), f"step {step}"
        roll = rng.random()
        if roll < 0.6:  # edit a body: a word more, a word less, or a new text
            b = rng.choice(briefings)
            words = b.body.split()
            b.body = " ".join(words[1:]) if words and rng.random() < 0.5 else b.body + " " + rng.choice(vocabulary)
        elif roll < 0.75:
            briefings.append(B(body()))
        elif roll < 0.9 and len(briefings) > 2:
            briefings.pop(rng.randrange(len(briefings)))
        else:
            rng.choice(briefings).body = rng.choice(briefings).body  # now the same as another


def test_lists_carried_over_between_builds_equal_lists_computed_afresh(monkeypatch):
    """link_related's memo only saves work: after each random edit (a body, terms, a date,
    a briefing added, removed or made a second telling of a story, a term spelt otherwise),
    every list equals the one a build without the memo finds, scores included. After an
    edit that changes one vector only, only the lists that walked one of its posting lists
    are scored again."""
    import random

    # Smaller walks than in a real archive, so that a small archive shows what a big one does:
    # a changed vector is in the walks of about CANDIDATES lists, whatever the archive's size.
    monkeypatch.setattr(related_module, "CANDIDATES", 30)
    monkeypatch.setattr(related_module, "POSTINGS_CAP", 40)
    rng = random.Random(11)
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9)))
                  for _ in range(400)]
    zipf = [1 / (rank + 1) for rank in range(len(vocabulary))]  # a few common words, many rare ones
    pools = {"topics": [f"Topic {c}" for c in "ABCDEFGHIJKL"], "people": [f"Person {c}" for c in "ABCDEFGHIJKLMNOPQRST"],
             "organizations": [f"Org {c}" for c in "ABCDEFGHIJ"], "places": [f"Place {c}" for c in "ABCDEFGHIJKLMNOP"]}

    def body() -> str:
        return " ".join(rng.choices(vocabulary, zipf, k=rng.randint(40, 90)))

    def terms() -> dict:
        return {k: tuple(rng.sample(v, rng.randint(0 if k != "topics" else 1, 3))) for k, v in pools.items()}

    def new(n: int) -> Briefing:
        return Briefing(path=f"b{n:04d}.md", title=f"B{n}", slug=f"b{n:04d}", body=body(), source=f"S{n % 7}",
                        date=dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 700)), **terms())

    def lists(site) -> dict:
        return {b.path: [(r.briefing.path, r.score, r.shared, r.similar_text) for r in b.related]
                for b in site.briefings}

    briefings = [new(n) for n in range(450)]
    config = Config(related=RelatedConfig())
    memo: dict = {}
    scored_after_own_word_edits = []
    last = ""
    for step in range(24):
        kept = link(config, [copy.copy(b) for b in briefings], Diagnostics(), memo=memo)
        fresh = link(config, [copy.copy(b) for b in briefings], Diagnostics())
        assert lists(kept) == lists(fresh), f"step {step} after {last}"
        if last == "own words":
            scored_after_own_word_edits.append(memo["related"]["scored"])
        last = rng.choice(["own words", "new words", "cut", "terms", "date", "add", "remove", "story", "spelling"])
        b = rng.choice(briefings)
        words = b.body.split()
        if last == "own words":  # words it already has: no document frequency changes
            b.body += " " + " ".join(rng.sample(words, 3))
        elif last == "new words":
            b.body += " " + " ".join(rng.sample(vocabulary, 5))
        elif last == "cut":
            b.body = " ".join(words[5:])
        elif last == "terms":
            b.topics = tuple(rng.sample(pools["topics"], 2))
        elif last == "date":
            b.date = b.date + dt.timedelta(days=rng.randint(-40, 40))
        elif last == "add":
            briefings.append(new(1000 + step))
        elif last == "remove":
            briefings.remove(b)
        elif last == "spelling":  # a term everywhere spelt otherwise: same URL, same members, new name
            name = rng.choice(b.people or b.topics)
            respelt = name.upper() if name != name.upper() else name.title()
            for o in briefings:
                o.people = tuple(respelt if t == name else t for t in o.people)
                o.topics = tuple(respelt if t == name else t for t in o.topics)
        else:  # another outlet's telling of b: a story of two
            other = new(2000 + step)
            other.body, other.date, other.source = b.body, b.date, "Another outlet"
            briefings.append(other)
    assert scored_after_own_word_edits and max(scored_after_own_word_edits) < len(briefings) / 3, \
        scored_after_own_word_edits


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_first_build_signs_each_list_as_a_later_build_checks_it(monkeypatch, jobs):
    """In a first build the workers sign the briefings whose lists they score; a later build
    signs them all in the building process to find what changed. Both must agree, or the
    build after a first one would score every list again."""
    import random

    monkeypatch.setenv("BRIEFINGS_JOBS", jobs)
    rng = random.Random(3)
    vocabulary = [f"word{k}" for k in range(300)]
    briefings = [Briefing(path=f"b{n:03d}.md", title=f"B{n}", slug=f"b{n:03d}", source=f"S{n % 5}",
                          body=" ".join(rng.choices(vocabulary, k=60)), topics=(f"Topic {n % 9}",),
                          date=dt.date(2021, 1, 1) + dt.timedelta(days=n))
                  for n in range(150)]  # more than parallel.MIN_PARALLEL: on two cores, in workers
    memo: dict = {}
    first = link(Config(related=RelatedConfig()), [copy.copy(b) for b in briefings], Diagnostics(), memo=memo)
    assert memo["related"]["scored"] == len(briefings)
    signed = {k: entry[0] for k, entry in memo["related"]["lists"].items()}
    again = link(Config(related=RelatedConfig()), [copy.copy(b) for b in briefings], Diagnostics(), memo=memo)
    assert memo["related"]["scored"] == 0
    assert {k: entry[0] for k, entry in memo["related"]["lists"].items()} == signed
    assert [[(r.briefing.path, r.score) for r in b.related] for b in again.briefings] == \
        [[(r.briefing.path, r.score) for r in b.related] for b in first.briefings]
    assert any(b.related for b in first.briefings)


def test_related_terms_carried_over_between_builds_equal_related_terms_computed_afresh():
    """The link memo keeps the related terms while no term's name or briefings changed."""
    import random

    rng = random.Random(5)
    pools = {"topics": [f"Topic {c}" for c in "ABCDEFG"], "people": [f"Person {c}" for c in "ABCDEFGHIJ"],
             "places": [f"Place {c}" for c in "ABCDEF"]}
    briefings = [Briefing(path=f"b{n}.md", title=f"B{n}", slug=f"b{n}", body="Text.", date=dt.date(2021, 1, 1 + n % 28),
                          **{k: tuple(rng.sample(v, rng.randint(1, 3))) for k, v in pools.items()})
                 for n in range(60)]
    config = Config(related=RelatedConfig())
    memo: dict = {}

    def related_terms(site) -> dict:
        return {(t.taxonomy, t.slug): [(o.taxonomy, o.slug, o.name, n) for o, n in t.related_terms]
                for tax in site.taxonomies.values() for t in tax.terms}

    kept_without_work = 0
    for step in range(12):
        kept = link(config, [copy.copy(b) for b in briefings], Diagnostics(), memo=memo)
        fresh = link(config, [copy.copy(b) for b in briefings], Diagnostics())
        assert related_terms(kept) == related_terms(fresh), step
        b = rng.choice(briefings)
        edit = rng.choice(["body", "topics", "respell"])
        if edit == "body":
            b.body += " More."
            kept_without_work += 1
        elif edit == "topics":
            b.topics = tuple(rng.sample(pools["topics"], 2))
        else:  # the same term (same URL) everywhere spelt otherwise: only its name changes
            name = rng.choice(b.people)
            for o in briefings:
                o.people = tuple(name.upper() if t == name else t for t in o.people)
    assert kept_without_work
