"""The one data model that flows through the pipeline. Plain data, no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from generator.config import Config

#: The taxonomies every briefing carries: frontmatter key -> (singular, plural).
TAXONOMIES: dict[str, tuple[str, str]] = {
    "topics": ("Topic", "Topics"),
    "people": ("Person", "People"),
    "organizations": ("Organization", "Organizations"),
    "places": ("Place", "Places"),
}


@dataclass(frozen=True)
class Provenance:
    """Where a briefing came from: the raw seed file and a hash of its bytes."""

    seed: str
    seed_hash: str = ""


#: Field metadata: read by few pages, so traced on its own (see generator/trace.py).
TRACE_APART = MappingProxyType({"trace": "apart"})


@dataclass
class Briefing:
    #: Path of the Markdown file relative to the content folder (POSIX form).
    path: str
    title: str
    date: dt.date | None
    slug: str
    body: str = field(metadata=TRACE_APART)
    source: str = ""
    summary: str = ""
    topics: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    provenance: Provenance | None = None
    review: tuple[str, ...] = ()
    #: Site path, e.g. ``/briefings/2022/01/slug/``; set by the link stage.
    url: str = ""
    #: Rendered body; set by the link stage.
    html: str = field(default="", metadata=TRACE_APART)
    #: The file it was read from, for messages. Traced apart: the same briefing read through
    #: another spelling of the content folder (relative, absolute) is the same to its pages.
    file: Path | None = field(default=None, metadata=TRACE_APART)
    # Cross-links, set by the link stage (generator.related, .stories, .timeline).
    # Not compared or shown in repr: they point at other briefings.
    #: The dated briefing just before / after this one in time (None if undated or first/last).
    previous: Briefing | None = field(default=None, compare=False, repr=False)
    next: Briefing | None = field(default=None, compare=False, repr=False)
    #: Related briefings, best first.
    related: list[RelatedLink] = field(default_factory=list, compare=False, repr=False)
    #: The story (same event told by several outlets) this briefing belongs to, if any.
    story: Story | None = field(default=None, compare=False, repr=False)

    def terms(self, taxonomy: str) -> tuple[str, ...]:
        return getattr(self, taxonomy)

    @property
    def sort_key(self) -> tuple:
        """Newest first; undated last; ties broken by URL so order is stable."""
        return (self.date is None, -(self.date.toordinal() if self.date else 0), self.url or self.path)


@dataclass
class Term:
    taxonomy: str
    name: str
    slug: str
    url: str
    briefings: list[Briefing] = field(default_factory=list)
    #: Terms (of any taxonomy) most often named alongside this one, with how often; set by the link stage.
    related_terms: list[tuple[Term, int]] = field(default_factory=list, compare=False, repr=False)

    @property
    def count(self) -> int:
        return len(self.briefings)

    @property
    def feed_url(self) -> str:
        return self.url + "feed.xml"


@dataclass
class Taxonomy:
    key: str
    singular: str
    plural: str
    url: str
    terms: list[Term] = field(default_factory=list)

    def most_used(self, n: int) -> list[Term]:
        """The ``n`` terms with the most briefings (ties: by name)."""
        return sorted(self.terms, key=lambda t: -t.count)[:n]


@dataclass
class Site:
    config: Config
    #: All briefings, newest first.
    briefings: list[Briefing] = field(default_factory=list)
    taxonomies: dict[str, Taxonomy] = field(default_factory=dict)
    #: Briefings by year, month and day; set by the link stage.
    timeline: Timeline | None = None
    #: Stories told by several outlets, newest first; set by the link stage.
    stories: list[Story] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class RelatedLink:
    """One related briefing and why (see generator.related for the score)."""

    briefing: Briefing
    score: float
    #: Names of the shared terms that weigh most, heaviest first.
    shared: tuple[str, ...] = ()
    #: True when the bodies' wording is alike (text similarity counts for much of the score).
    similar_text: bool = False


@dataclass(eq=False)
class Story:
    """Briefings about the same event from different sources (see generator.stories)."""

    #: Anchor on the stories page, e.g. ``2022-01-07-stoltenberg-after-the-meeting``.
    key: str
    #: Members, oldest first (ties by URL).
    briefings: list[Briefing]

    @property
    def url(self) -> str:
        return f"/stories/#{self.key}"

    @property
    def first(self) -> Briefing:
        return self.briefings[0]

    def others(self, b: Briefing) -> list[Briefing]:
        return [o for o in self.briefings if o is not b]


@dataclass(eq=False)
class Day:
    date: dt.date
    #: Oldest first, ties by URL.
    briefings: list[Briefing]


@dataclass(eq=False)
class Month:
    year: int
    month: int
    url: str
    days: list[Day]
    #: Per chart series (see Timeline.series): how many of this month's briefings.
    series_counts: tuple[int, ...] = ()
    previous: Month | None = field(default=None, repr=False)
    next: Month | None = field(default=None, repr=False)

    @property
    def count(self) -> int:
        return sum(len(d.briefings) for d in self.days)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)


@dataclass(eq=False)
class Year:
    year: int
    url: str
    #: Months with briefings, oldest first.
    months: list[Month]
    previous: Year | None = field(default=None, repr=False)
    next: Year | None = field(default=None, repr=False)

    @property
    def count(self) -> int:
        return sum(m.count for m in self.months)


@dataclass(eq=False)
class Timeline:
    url: str
    #: Years with briefings, oldest first.
    years: list[Year]
    #: Briefings without a date: listed apart, never dropped.
    undated: list[Briefing]
    #: Names of the chart's stacked series: the most used topics, then "Other".
    series: tuple[str, ...] = ()

    @property
    def months(self) -> list[Month]:
        return [m for y in self.years for m in y.months]


@dataclass(frozen=True)
class OutputFile:
    #: Path inside the output folder, POSIX form, e.g. ``briefings/2022/01/x/index.html``.
    path: str
    data: bytes
    #: What the sitemap and the search index need of a page, where the renderer found it
    #: (:func:`generator.publish.page_facts`); None: found from ``data`` when needed.
    facts: PageFacts | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PageFacts:
    """Of a rendered page: whether it asks not to be indexed (sitemap), and the SHA-256 of
    what the search indexer reads of it (:func:`generator.search.indexed_part`)."""

    noindex: bool
    indexed: bytes
