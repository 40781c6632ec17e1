"""Shared fixtures: small sites written inline into a temporary folder."""

from __future__ import annotations

import hashlib
import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

from generator.build import Paths, build

# CI (.ci/run sets HYPOTHESIS_PROFILE=ci) tries the same examples on every run, so a landing is judged
# by what it changed, not by the draw; `make test` elsewhere draws new ones each run, which is how
# the property tests keep finding what nobody thought of (a failure found is then an @example).
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
THEME = ROOT / "themes" / "default"

SITE_TOML = """\
title = "Test Archive"
base_url = "https://example.org/archive/"
language = "en"
description = "A fixture archive."
publisher = "Test Desk"
timezone = "Europe/Brussels"
"""


def briefing(title: str = "A briefing", date: str | None = "2022-01-07", body: str = "Body text.",
             **extra: str) -> str:
    """Frontmatter Markdown for one briefing; ``extra`` values are raw YAML."""
    lines = ["---", f"title: {title}"]
    if date is not None:
        lines.append(f"date: {date}")
    lines += [f"{k}: {v}" for k, v in extra.items()]
    lines += ["---", "", body, ""]
    return "\n".join(lines)


class FixtureSite:
    def __init__(self, root: Path):
        self.root = root
        self.content = root / "content"
        self.output = root / "output"
        (self.content / "briefings").mkdir(parents=True)
        (self.content / "site.toml").write_text(SITE_TOML, encoding="utf-8")

    def add(self, relpath: str, text: str) -> Path:
        path = self.content / "briefings" / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
        return path

    def paths(self, output: Path | None = None) -> Paths:
        return Paths(content=self.content, theme=THEME, output=output or self.output)

    def build(self, output: Path | None = None, write: bool = True):
        return build(self.paths(output), write=write)

    def messages(self, result) -> list[str]:
        return [d.format() for d in result.diagnostics.sorted()]


@pytest.fixture
def site(tmp_path: Path) -> FixtureSite:
    return FixtureSite(tmp_path)


@pytest.fixture
def sample(site: FixtureSite) -> FixtureSite:
    """Three dated briefings and one undated, sharing some terms."""
    site.add("2022/2022-01-07-ministers-meet.md", briefing(
        "Ministers meet on Ukraine", "2022-01-07", "NATO foreign ministers met.\n\nA second paragraph.",
        source="Example Wire", topics="[Diplomacy, Arms control]", people="[Jens Stoltenberg]",
        organizations="[NATO]", places="[Ukraine, Russia]", summary="Ministers met."))
    site.add("2022/2022-01-26-written-answers.md", briefing(
        "Written answers sent to Moscow", "2022-01-26", "NATO sent written answers.",
        topics="[Arms control]", people="[Jens Stoltenberg]", organizations="[NATO]", places="[Russia]"))
    site.add("2021/2021-11-30-riga.md", briefing(
        "Ministers gather in Riga", "2021-11-30", "In Riga.", topics="[Deterrence]", places="[Latvia]"))
    site.add("undated/an-undated-note.md", briefing("An undated note", None, "No date known.",
                                                    topics="[Diplomacy]"))
    return site


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


class FailsOnCall:
    """``real`` wrapped so that its ``n``-th call raises ``failure("stop")`` instead; ``calls`` counts them."""

    def __init__(self, real, n: int, failure: type[BaseException]):  # noqa: ANN001 - any callable
        self.real, self.n, self.failure, self.calls = real, n, failure, 0

    def __call__(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN204
        self.calls += 1
        if self.calls == self.n:
            raise self.failure("stop")
        return self.real(*args, **kwargs)
