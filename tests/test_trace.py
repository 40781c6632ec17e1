"""generator/trace.py: what a template reads is recorded, and replaying the record
on a changed site tells whether the page would come out the same."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt

import jinja2
import pytest

from generator.model import Briefing, Term
from generator.trace import Recorder, Replayer, traced_context

ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def briefing(n: int, **kw) -> Briefing:
    fields = dict(path=f"b{n}.md", title=f"Title {n}", date=dt.date(2022, 1, n), slug=f"b{n}", body="x",
                  url=f"/briefings/2022/01/b{n}/", topics=("NATO",))
    fields.update(kw)
    return Briefing(**fields)


def site(n: int = 4) -> dict:
    bs = [briefing(i + 1) for i in range(n)]
    for a, b in zip(bs, bs[1:]):
        a.next, b.previous = b, a
    term = Term("topics", "NATO", "nato", "/topics/nato/", briefings=list(bs))
    return {"term": term, "briefings": bs}


def record(source: str, context: dict) -> tuple[str, tuple, bytes, bool]:
    rec = Recorder()
    html = ENV.from_string(source).render(traced_context(context, rec))
    return html, rec.program(), rec.digest(), rec.opaque


def same(program: tuple, digest: bytes, context: dict) -> bool:
    return Replayer({}).digest(program, context) == digest


TEMPLATE = ("{{ term.name }}: {% for b in term.briefings[:2] %}{{ b.title }}"
            "{% if b.next %} then {{ b.next.title }}{% endif %};{% endfor %} {{ term.briefings | length }}")


def test_the_same_site_replays_to_the_same_digest():
    ctx = site()
    html, program, digest, opaque = record(TEMPLATE, ctx)
    assert html == "NATO: Title 1 then Title 2;Title 2 then Title 3; 4"
    assert not opaque
    assert same(program, digest, copy.deepcopy(ctx))


@pytest.mark.parametrize("edit, changes", [
    (lambda s: setattr(s["briefings"][0], "title", "New"), True),          # read directly
    (lambda s: setattr(s["briefings"][2], "title", "New"), True),          # read as b.next.title
    (lambda s: setattr(s["briefings"][3], "title", "New"), False),         # never read
    (lambda s: setattr(s["briefings"][0], "summary", "New"), True),        # a leaf field of a read object
    (lambda s: s["term"].briefings.pop(), True),                           # the length is shown
    (lambda s: s["term"].briefings.reverse(), True),                       # other briefings first
    (lambda s: setattr(s["briefings"][1], "next", None), True),            # a branch taken differently
    (lambda s: setattr(s["briefings"][3], "next", s["briefings"][0]), False),
    # A body and its HTML are traced apart from the briefing: a list of titles does not depend on them.
    (lambda s: setattr(s["briefings"][0], "body", "edited"), False),
    (lambda s: setattr(s["briefings"][0], "html", "<p>edited</p>"), False),
])
def test_an_edit_changes_the_digest_only_if_the_page_read_it(edit, changes):
    ctx = site()
    _, program, digest, _ = record(TEMPLATE, ctx)
    edited = copy.deepcopy(ctx)
    edit(edited)
    assert same(program, digest, edited) is not changes
    assert (record(TEMPLATE, edited)[0] != record(TEMPLATE, ctx)[0]) <= changes  # a changed page is never "same"


@pytest.mark.parametrize("field", ["body", "html"])
def test_a_body_read_by_the_page_is_recorded_on_its_own(field):
    source = "{% for b in term.briefings[:2] %}{{ b.title }}: {{ b.FIELD }}; {% endfor %}".replace("FIELD", field)
    ctx = site()
    for b in ctx["briefings"]:
        setattr(b, field, "x")
    html, program, digest, opaque = record(source, ctx)
    assert html == "Title 1: x; Title 2: x; " and not opaque
    for i, changes in ((1, True), (3, False)):  # read on the page / not
        edited = copy.deepcopy(ctx)
        setattr(edited["briefings"][i - 1], field, "edited")
        assert same(program, digest, edited) is not changes


def test_method_calls_with_traced_arguments_are_replayed():
    ctx = site()
    source = "{% for name in term.briefings[0].terms('topics') %}{{ name }}{% endfor %}{{ term.briefings[1] in term.briefings }}"
    html, program, digest, opaque = record(source, ctx)
    assert html == "NATOTrue" and not opaque
    assert same(program, digest, copy.deepcopy(ctx))
    edited = copy.deepcopy(ctx)
    edited["briefings"][0].topics = ("EU",)
    assert not same(program, digest, edited)


def test_what_cannot_be_replayed_makes_the_page_opaque():
    ctx = site()
    assert record("{{ term.briefings | map(attribute='date') | max }}", ctx)[3] is False
    assert record("{{ fn(term.name) }}", {**ctx, "fn": len})[3] is True  # a function in the data
    assert record("{{ {term.name: 1} | length }}", ctx)[3] is False


def test_templates_cannot_change_the_site():
    ctx = site()
    rec = Recorder()
    traced = traced_context(ctx, rec)
    with pytest.raises(TypeError):
        traced["term"].name = "x"
    assert ctx["term"].name == "NATO"


def test_values_read_from_common_names_are_evaluated_once_per_build():
    """A node reached from a common name (the same for every page) is shared between the
    pages of one replay; one reached through an argument that is the page's own is not."""
    source = ("{{ site.title }} {% for b in site.briefings %}{% if b == briefing %}[{{ b.title }}]"
              "{% else %}{{ b.title }}{% endif %} {% endfor %}")

    @dataclasses.dataclass
    class Site:
        briefings: list
        title: str = "Archive"

    bs = [briefing(i + 1) for i in range(3)]
    site_ = Site(bs)
    recorded = []
    for b in bs:
        rec = Recorder()
        html = ENV.from_string(source).render(traced_context({"site": site_, "briefing": b}, rec))
        recorded.append((html, rec.program(), rec.digest()))
    assert recorded[0][0] == "Archive [Title 1] Title 2 Title 3 "
    replayer = Replayer({"site": site_})
    for (html, program, digest), b in zip(recorded, bs):
        assert replayer.digest(program, {"briefing": b}) == digest
    # The comparisons with the page's own briefing were not shared: each page has its own result.
    assert [r[2] for r in recorded] == [Replayer({"site": site_}).digest(p, {"briefing": b})
                                        for (_, p, _), b in zip(recorded, bs)]
    assert len({r[2] for r in recorded}) == 3
    # An edit shows in every page that reads it, even through shared nodes.
    edited = [briefing(i + 1) for i in range(3)]
    edited[1].title = "New"
    replayer = Replayer({"site": Site(edited)})
    assert [replayer.digest(p, {"briefing": b}) == d for (_, p, d), b in zip(recorded, edited)] == [False] * 3
