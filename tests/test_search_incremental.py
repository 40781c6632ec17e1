"""Re-indexing only the years that changed (generator/search.py with the build cache).

Each year's Pagefind index is kept in the build cache by its key (the bytes and
paths of that year's briefing pages, Pagefind's version, our code) and taken
from the previous output when the key is unchanged. These tests check that an
edit re-indexes only the years it touched, that a damaged or tampered index is
re-indexed rather than trusted, and, with test_incremental.py's random walk of
edits, that every incremental build, search index included, is byte-identical
to a clean one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import briefing, tree_digest
from test_incremental import Walk

import generator.search as search
from generator.build import Paths, build
from generator.cache import BuildCache


@pytest.fixture
def indexed(monkeypatch):
    """The list of groups each build sent to Pagefind."""
    calls: list[list[str]] = []
    real = search._index_many

    def spy(groups, *args, **kwargs):
        calls.append(list(groups))
        return real(groups, *args, **kwargs)

    monkeypatch.setattr(search, "_index_many", spy)
    return calls


def clean(paths: Paths, out: Path) -> dict[str, str]:
    result = build(Paths(content=paths.content, theme=paths.theme, output=out))
    assert result.ok, [d.format() for d in result.diagnostics.errors]
    return tree_digest(out)


def cached_build(paths: Paths):
    result = build(paths, cache=BuildCache.for_content(paths.content))
    assert result.ok, [d.format() for d in result.diagnostics.errors]
    return result


def test_one_edit_reindexes_only_its_year(sample, indexed, tmp_path):
    paths = sample.paths()
    cached_build(paths)
    assert indexed == [["2022", "2021", "undated"]]
    wasm = next((sample.output / "pagefind/2022").glob("wasm.*.pagefind"))
    before = {p: p.stat().st_mtime_ns for p in (sample.output / "pagefind/2022").rglob("*") if p.is_file()}
    # Nothing changed: Pagefind does not run at all.
    cached_build(paths)
    assert indexed[1:] == []
    # Editing the 2021 briefing re-indexes 2021 alone; 2022's files are not even rewritten.
    path = sample.content / "briefings/2021/2021-11-30-riga.md"
    path.write_text(path.read_text(encoding="utf-8").replace("In Riga.", "In Riga, in November."), encoding="utf-8")
    cached_build(paths)
    assert indexed[1:] == [["2021"]]
    assert {p: p.stat().st_mtime_ns for p in (sample.output / "pagefind/2022").rglob("*") if p.is_file()} == before
    assert wasm.is_file()
    assert tree_digest(sample.output) == clean(paths, tmp_path / "clean")


def test_moving_a_briefing_to_another_year_reindexes_both(sample, indexed, tmp_path):
    paths = sample.paths()
    cached_build(paths)
    path = sample.content / "briefings/2021/2021-11-30-riga.md"
    path.write_text(path.read_text(encoding="utf-8").replace("date: 2021-11-30", "date: 2023-11-30"), encoding="utf-8")
    cached_build(paths)
    # 2021 is gone (its folder too); 2023 is new; 2022 is re-indexed only if its pages
    # changed (they link the previous and next briefing in time, so they do here).
    assert "2023" in indexed[1] and "2021" not in indexed[1] and "undated" not in indexed[1]
    assert not (sample.output / "pagefind/2021").exists()
    assert tree_digest(sample.output) == clean(paths, tmp_path / "clean")


def test_a_new_undated_briefing_reindexes_the_undated_group_only(sample, indexed, tmp_path):
    paths = sample.paths()
    cached_build(paths)
    # (It shares no term with the others: a shared one would list it among their
    # related briefings, changing their pages, and so their years' indexes too.)
    sample.add("undated/another-note.md", briefing("Glacier survey", None, "Ice cores were drilled.",
                                                   topics="[Glaciology]"))
    cached_build(paths)
    assert indexed[1:] == [["undated"]]
    assert tree_digest(sample.output) == clean(paths, tmp_path / "clean")


@pytest.mark.parametrize("damage", ["tamper", "delete"])
def test_a_changed_or_missing_index_file_is_reindexed_not_trusted(sample, indexed, tmp_path, damage):
    paths = sample.paths()
    cached_build(paths)
    expected = tree_digest(sample.output)
    fragment = next((sample.output / "pagefind/2021/fragment").iterdir())
    if damage == "tamper":
        data = bytearray(fragment.read_bytes())
        data[-1] ^= 0xFF  # same size, other bytes
        fragment.write_bytes(bytes(data))
    else:
        fragment.unlink()
    cached_build(paths)
    assert indexed[1:] == [["2021"]]
    assert tree_digest(sample.output) == expected


def test_another_pagefind_version_reindexes_everything(sample, indexed, monkeypatch):
    paths = sample.paths()
    cached_build(paths)
    monkeypatch.setattr(search, "pagefind_version", lambda binary: "pagefind 99.0.0")
    cached_build(paths)
    assert indexed[1:] == [["2022", "2021", "undated"]]


@pytest.mark.parametrize("seed", [4, 5])
def test_random_edits_with_the_search_index_match_a_clean_build(tmp_path: Path, seed: int) -> None:
    """test_incremental.py's random walk, with the search index built (it leaves it out)."""
    walk = Walk(tmp_path, seed)
    paths = Paths(content=walk.content, theme=walk.theme, output=walk.output)
    live = BuildCache.for_content(walk.content)
    assert build(paths, cache=live).ok
    log = []
    for step in range(10):
        op = walk.rng.choice(Walk.OPS)
        log.append(getattr(walk, op)())
        if op == "break_file":  # and fix it again: a broken build publishes nothing
            path, data = walk.broken
            assert not build(paths, cache=live).ok, log
            path.write_bytes(data)
            log.append(f"fix {path.name}")
        cache = live if step % 2 else BuildCache.for_content(walk.content)
        result = build(paths, cache=cache)
        assert result.ok, (log, [d.format() for d in result.diagnostics.errors])
        assert tree_digest(walk.output) == clean(paths, tmp_path / f"clean-{step}"), log
