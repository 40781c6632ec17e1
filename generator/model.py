"""The one data model that flows through the pipeline. Plain data, no I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass
class Briefing:
    #: Path of the Markdown file relative to the content folder (POSIX form).
    path: str
    title: str
    date: dt.date | None
    slug: str
    body: str
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
    html: str = ""
    #: The file it was read from, for messages.
    file: Path | None = None

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

    @property
    def count(self) -> int:
        return len(self.briefings)


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


@dataclass(frozen=True)
class OutputFile:
    #: Path inside the output folder, POSIX form, e.g. ``briefings/2022/01/x/index.html``.
    path: str
    data: bytes
