"""The link stage: permalinks, collisions, order, taxonomies, rendered bodies.

A pure function of the loaded briefings: ``[Briefing] -> Site``. Nothing here
touches the disk.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from generator.config import Config
from generator.content import slugify
from generator.diagnostics import Diagnostics
from generator.markup import Renderer
from generator.model import TAXONOMIES, Briefing, Site, Taxonomy, Term


def briefing_url(b: Briefing) -> str:
    if b.date is None:
        return f"/briefings/undated/{b.slug}/"
    return f"/briefings/{b.date.year:04d}/{b.date.month:02d}/{b.slug}/"


def term_slug(name: str) -> str:
    return slugify(name, fallback="term")


def build_taxonomy(key: str, briefings: list[Briefing], diags: Diagnostics) -> Taxonomy:
    """Group briefings by term. Names that slug alike are one term, shown by
    their most used spelling (ties: alphabetical), and the clash is reported."""
    singular, plural = TAXONOMIES[key]
    by_slug: dict[str, list[Briefing]] = defaultdict(list)
    spellings: dict[str, Counter] = defaultdict(Counter)
    first_file: dict[tuple[str, str], object] = {}
    for b in briefings:
        for name in b.terms(key):
            s = term_slug(name)
            if b not in by_slug[s]:
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
         renderer: Renderer | None = None) -> Site:
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
    taxonomies = {key: build_taxonomy(key, linked, diags) for key in TAXONOMIES}
    return Site(config=config, briefings=linked, taxonomies=taxonomies)
