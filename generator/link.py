"""The link stage: permalinks, collisions, order, taxonomies, rendered bodies,
and the cross-links: previous/next in time, related terms, related briefings
(:mod:`generator.related`), stories (:mod:`generator.stories`) and the timeline
(:mod:`generator.timeline`).

A pure function of the loaded briefings: ``[Briefing] -> Site``. Nothing here
touches the disk.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from functools import lru_cache

from generator import parallel
from generator.config import Config
from generator.content import slugify
from generator.diagnostics import Diagnostics
from generator.markup import Renderer
from generator.model import TAXONOMIES, Briefing, Site, Taxonomy, Term
from generator.related import Features, Scorer, link_related
from generator.stories import dated_order, group_stories, kept_pairs, story_pairs
from generator.stories import signatures as story_signatures
from generator.text import features as text_features
from generator.timeline import build_timeline

#: Page names inside a taxonomy folder that a term's slug must not take.
RESERVED_SLUGS = frozenset({"by-count"})
#: How many related terms a term page shows.
RELATED_TERMS = 8
#: Below this many briefings to compare, stories are found in this process (forking costs more).
STORIES_IN_PROCESS = 2000
#: Stories are found in about this many pieces per core (the last ones even out the cores' work),
#: of at least STORY_PIECE briefings each (each piece looks back a week first).
STORY_PIECES_PER_CORE = 10
STORY_PIECE = 250


def briefing_url(b: Briefing) -> str:
    if b.date is None:
        return f"/briefings/undated/{b.slug}/"
    return f"/briefings/{b.date.year:04d}/{b.date.month:02d}/{b.slug}/"


@lru_cache(maxsize=65536)
def term_slug(name: str) -> str:
    slug = slugify(name, fallback="term")
    return slug + "-term" if slug in RESERVED_SLUGS else slug


def build_taxonomy(key: str, briefings: list[Briefing], diags: Diagnostics) -> Taxonomy:
    """Group briefings by term. Names that slug alike are one term, shown by
    their most used spelling (ties: alphabetical), and the clash is reported."""
    singular, plural = TAXONOMIES[key]
    by_slug: dict[str, list[Briefing]] = defaultdict(list)
    seen: set[tuple[str, int]] = set()  # (slug, id(briefing)): membership in O(1), not a list scan
    spellings: dict[str, Counter] = defaultdict(Counter)
    first_file: dict[tuple[str, str], object] = {}
    for b in briefings:
        for name in b.terms(key):
            s = term_slug(name)
            if (s, id(b)) not in seen:
                seen.add((s, id(b)))
                by_slug[s].append(b)
            spellings[s][name] += 1
            first_file.setdefault((s, name), b.file or b.path)
    terms = []
    for s in sorted(by_slug):
        names = sorted(spellings[s].items(), key=lambda kv: (-kv[1], kv[0]))
        name = names[0][0]
        for other, _ in names[1:]:
            diags.warning(first_file[(s, other)], f"{key}: {other!r} is shown as {name!r} (same URL /{key}/{s}/)",
                          hint=f"use one spelling: {name!r}")
        members = sorted(by_slug[s], key=lambda b: b.sort_key)
        terms.append(Term(taxonomy=key, name=name, slug=s, url=f"/{key}/{s}/", briefings=members))
    terms.sort(key=lambda t: (t.name.casefold(), t.slug))
    return Taxonomy(key=key, singular=singular, plural=plural, url=f"/{key}/", terms=terms)


def link(config: Config, briefings: list[Briefing], diags: Diagnostics,
         renderer: Renderer | None = None, features: Features | None = None, memo: dict | None = None) -> Site:
    """The site: briefings with URLs and HTML, taxonomies and the cross-links.
    ``features`` gives a body's words (see :func:`cross_link`)."""
    renderer = renderer or Renderer()
    by_url: dict[str, Briefing] = {}
    linked: list[Briefing] = []
    for b in sorted(briefings, key=lambda b: b.path):
        b.url = briefing_url(b)
        if b.url in by_url:
            diags.error(b.file or b.path, f"has the same URL {b.url} as {diags.name(by_url[b.url].file or by_url[b.url].path)}",
                        hint="give one of them another 'slug:' or rename the file")
            continue
        by_url[b.url] = b
        if b.date is None:
            diags.warning(b.file or b.path, "has no date; it is listed as undated", hint="add 'date: YYYY-MM-DD'")
        b.html = renderer.convert(b.body)
        linked.append(b)
    linked.sort(key=lambda b: b.sort_key)
    with _collector_off():
        memo = memo if memo is not None else {}
        features = _looked_up(linked, features)
        # The stories are started before the taxonomies are made, which they do not need:
        # in a first build, the process that finds them then starts about 0.4 s sooner.
        stories = _find_stories(linked, features, memo.setdefault("stories", {}))
        taxonomies = {key: build_taxonomy(key, linked, diags) for key in TAXONOMIES}
        site = Site(config=config, briefings=linked, taxonomies=taxonomies)
        _cross_link(site, features, memo, stories)
    return site


def cross_link(site: Site, features: Features | None = None, memo: dict | None = None) -> None:
    """Set the links between briefings, terms and periods (data for the templates).
    ``features(b)``: the words of a body (default: computed; the build passes cached ones);
    ``memo``: what the last build kept of the related briefings (text vectors, lists: see
    :func:`generator.related.text_vectors` and :func:`~generator.related.link_related`) and of
    the stories (:func:`generator.stories.kept_pairs`), updated in place; it only saves work."""
    with _collector_off():
        memo = memo if memo is not None else {}
        features = _looked_up(site.briefings, features)
        _cross_link(site, features, memo, _find_stories(site.briefings, features, memo.setdefault("stories", {})))


@contextlib.contextmanager
def _collector_off() -> Iterator[None]:
    # Linking makes millions of small objects (shingles, vectors, partial scores) and no garbage
    # cycles: the collector's passes over the whole site, here and in the forked processes
    # (where they also copy every page of memory they touch), cost 1.5-2 s of CPU at 10,000
    # briefings and free nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _looked_up(briefings: list[Briefing], features: Features | None) -> Features:
    """``features``, looked up (or computed) once per briefing: stories and related briefings both read them."""
    features = features or (lambda b: text_features(b.body))
    words = {id(b): features(b) for b in briefings}
    return lambda b: words[id(b)]


def _find_stories(briefings: list[Briefing], features: Features, memo: dict,
                  ) -> Callable[[], list[tuple[Briefing, Briefing]]]:
    """Start finding the story pairs of ``briefings`` (in site order); the function returned
    waits for them and gives them all (see :func:`generator.stories.kept_pairs`, which ``memo``
    is for). Only the parts of the timeline an edit can change are compared again.

    With much to compare, they are found in the background, in one process per core but this
    one's, while this one makes the taxonomies and the related briefings' text vectors; they do
    not depend on each other. The parts are cut in pieces, which this process takes its share
    of once it is done with that (:class:`generator.parallel.Shared`), so that both cores end
    together. When every part is compared (a first build), the briefings' signatures, which
    ``finish`` needs, are one more piece of that work."""
    parts, finish = kept_pairs(briefings, features, memo)
    dated = dated_order(briefings)
    compared = sum(hi - lo for lo, hi in parts)
    if compared < STORIES_IN_PROCESS:
        found = [pair for part in parts for pair in story_pairs(briefings, features, part, dated=dated)]
        return lambda: finish(found)
    position = {id(b): i for i, b in enumerate(briefings)}
    signed = compared == len(dated)
    size = max(STORY_PIECE, compared // (STORY_PIECES_PER_CORE * parallel.workers()))
    pieces = [(start, min(start + size, hi)) for lo, hi in parts for start in range(lo, hi, size)]

    def piece(part: tuple[int, int] | None) -> list:
        if part is None:
            return story_signatures(briefings, features)
        return [(position[id(a)], position[id(b)]) for a, b in story_pairs(briefings, features, part, dated=dated)]

    work = parallel.Shared(piece, ([None] if signed else []) + pieces)

    def result() -> list[tuple[Briefing, Briefing]]:
        done = work.results()
        signatures = done.pop(0) if signed else None
        return finish([(briefings[i], briefings[j]) for pairs in done for i, j in pairs], signatures)

    return result


def _cross_link(site: Site, features: Features, memo: dict,
                stories: Callable[[], list[tuple[Briefing, Briefing]]]) -> None:
    briefings = site.briefings
    link_neighbours(briefings)
    link_related_terms(site.taxonomies, memo.setdefault("terms", {}))
    scorer = Scorer(briefings, site.taxonomies, site.config.related, features, memo.setdefault("vectors", {}))
    site.stories = group_stories(briefings, pairs=stories())
    link_related(briefings, site.taxonomies, site.config.related, scorer=scorer, memo=memo.setdefault("related", {}))
    site.timeline = build_timeline(site.briefings, site.taxonomies.get("topics"))


def link_neighbours(briefings: list[Briefing]) -> None:
    """``previous``/``next``: the dated briefing just before/after in time (same day: by URL)."""
    dated = sorted((b for b in briefings if b.date is not None), key=lambda b: (b.date, b.url))
    for b in briefings:
        b.previous = b.next = None
    for before, after in zip(dated, dated[1:]):
        before.next, after.previous = after, before


def link_related_terms(taxonomies: dict[str, Taxonomy], memo: dict | None = None) -> None:
    """``related_terms``: the terms, of any taxonomy, most often named in the same briefings
    (most shared briefings first, ties by name). Work: the sum over briefings of the square
    of their number of terms. ``memo`` keeps the result between builds (updated in place):
    it is taken as it is while no term's name or briefings changed."""
    h = hashlib.blake2b(digest_size=16)
    for key, tax in taxonomies.items():
        for term in tax.terms:
            h.update("\0".join((key, term.slug, term.name, *(b.path for b in term.briefings), "\1")).encode(
                "utf-8", "surrogatepass"))
    signature = h.digest()
    if memo is not None and memo.get("signature") == signature:
        by_key = {(tax.key, t.slug): t for tax in taxonomies.values() for t in tax.terms}
        for key, related in memo["related"].items():
            by_key[key].related_terms = [(by_key[k], n) for k, n in related]
        return
    _link_related_terms(taxonomies)
    if memo is not None:
        memo.clear()
        memo["signature"] = signature
        memo["related"] = {(t.taxonomy, t.slug): [((o.taxonomy, o.slug), n) for o, n in t.related_terms]
                           for tax in taxonomies.values() for t in tax.terms}


def _link_related_terms(taxonomies: dict[str, Taxonomy]) -> None:
    terms_of: dict[int, list[Term]] = defaultdict(list)
    for tax in taxonomies.values():
        for term in tax.terms:
            for b in term.briefings:
                terms_of[id(b)].append(term)
    together: dict[int, Counter] = defaultdict(Counter)
    for terms in terms_of.values():
        ids = [id(t) for t in terms]
        for a in ids:
            together[a].update(ids)  # counted in C; a counts itself, taken out below
    by_id = {id(t): t for tax in taxonomies.values() for t in tax.terms}
    order = {key: i for i, key in enumerate(TAXONOMIES)}
    tie = {k: (t.name.casefold(), order.get(t.taxonomy, 99)) for k, t in by_id.items()}
    for k, term in by_id.items():
        counts = together.get(k, Counter())
        counts.pop(k, None)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], *tie[kv[0]]))
        term.related_terms = [(by_id[o], n) for o, n in ranked[:RELATED_TERMS]]
