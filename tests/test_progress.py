"""Progress bars: shown on a terminal for long work (import, cold build), never
in pipes or logs, never with --quiet; each ends erased, before the summary line."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from conftest import SITE_TOML, THEME, briefing

from generator.build import Paths, build
from generator.diagnostics import Diagnostics
from generator.normalize import run_import
from generator.progress import MIN_ITEMS, terminal_progress

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_bar_when_not_a_terminal_or_quiet() -> None:
    assert terminal_progress(io.StringIO()) is None
    assert terminal_progress(Terminal(), quiet=True) is None
    assert terminal_progress(Terminal()) is not None


def test_import_shows_a_bar_that_ends_erased(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    text = next(iter(sorted(SEEDS.glob("*.txt")))).read_text(encoding="utf-8")
    n = MIN_ITEMS + 20
    for i in range(n):
        (seeds / f"s{i:04d}.txt").write_text(text + f"\n\nVariant {i}.\n", encoding="utf-8")
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "content" / "vocabulary.yaml", content)
    screen = Terminal()
    report = run_import([seeds], content, Diagnostics(root=tmp_path), progress=terminal_progress(screen))
    assert report is not None and len(report.outcomes) == n
    shown = screen.getvalue()
    assert "Importing seeds" in shown and f"{n}/{n}" in shown
    assert shown.endswith("\r\x1b[K")  # erased: the report follows on a clean line


def test_small_jobs_show_no_bar(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "briefings" / "2024").mkdir(parents=True)
    (content / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    (content / "briefings" / "2024" / "2024-01-02-a.md").write_text(briefing("A", "2024-01-02"), encoding="utf-8")
    screen = Terminal()
    result = build(Paths(content=content, theme=THEME, output=tmp_path / "out"), search=False,
                   progress=terminal_progress(screen))
    assert result.ok and screen.getvalue() == ""


def test_a_cold_build_of_many_briefings_shows_its_stages(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "briefings" / "2024").mkdir(parents=True)
    (content / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    for i in range(MIN_ITEMS + 10):
        (content / "briefings" / "2024" / f"2024-01-02-b{i}.md").write_text(
            briefing(f"Briefing {i}", "2024-01-02", body=f"Body number {i} of the archive."), encoding="utf-8")
    screen = Terminal()
    result = build(Paths(content=content, theme=THEME, output=tmp_path / "out"), search=False,
                   progress=terminal_progress(screen))
    assert result.ok
    shown = screen.getvalue()
    assert "Reading briefings" in shown and "Rendering pages" in shown  # Markdown: read and converted at once
    assert shown.endswith("\r\x1b[K")
