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

import io
import time
from pathlib import Path

import pytest
from conftest import briefing, tree_digest
from test_devserver import Events
from test_incremental import Walk

import generator.search as search
from generator.build import Paths, build, finish_search
from generator.cache import BuildCache
from generator.devserver import DevServer


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


def test_search_later_publishes_the_old_index_then_finish_search_the_clean_site(sample, indexed, tmp_path):
    """What `briefings serve` does on a save: reload first, index the changed year after."""
    paths = sample.paths()
    cache = BuildCache.for_content(paths.content)
    assert build(paths, cache=cache).ok
    old_2021 = tree_digest(sample.output / "pagefind/2021")
    path = sample.content / "briefings/2021/2021-11-30-riga.md"
    path.write_text(path.read_text(encoding="utf-8").replace("In Riga.", "In Riga, in November."), encoding="utf-8")
    result = build(paths, cache=cache, search_later=True, save_cache=False)
    assert result.ok and result.stale_search == ["2021"]
    assert indexed[1:] == []  # Pagefind did not run before publishing
    assert "in November" in (sample.output / "briefings/2021/11/riga/index.html").read_text(encoding="utf-8")
    assert tree_digest(sample.output / "pagefind/2021") == old_2021
    finish_search(paths, result)
    assert result.ok and result.stale_search == [] and indexed[1:] == [["2021"]]
    assert tree_digest(sample.output / "pagefind/2021") != old_2021
    # The cache knows 2021 was indexed again: the next build indexes nothing.
    cache.save(prune=True)
    assert build(paths, cache=BuildCache.for_content(paths.content)).ok and indexed[2:] == []
    assert tree_digest(sample.output) == clean(paths, tmp_path / "clean")


def test_finish_search_failing_keeps_the_published_site_and_says_why(sample, indexed, tmp_path, monkeypatch):
    paths = sample.paths()
    cache = BuildCache.for_content(paths.content)
    assert build(paths, cache=cache).ok
    path = sample.content / "briefings/2021/2021-11-30-riga.md"
    path.write_text(path.read_text(encoding="utf-8").replace("In Riga.", "In Riga, in November."), encoding="utf-8")
    result = build(paths, cache=cache, search_later=True, save_cache=False)
    published = tree_digest(sample.output)

    def broken(*args, **kwargs):
        raise RuntimeError("pagefind exited with status 101")

    monkeypatch.setattr(search, "_index_many", broken)
    finish_search(paths, result)
    assert not result.ok
    assert [d.format() for d in result.diagnostics.errors] == [
        "pagefind: error: cannot build the search index: Pagefind failed: pagefind exited with status 101"
        " (run the build again; if it persists, report it with this message)"]
    assert tree_digest(sample.output) == published


def test_a_stale_index_never_reaches_a_normal_build(sample, indexed, tmp_path):
    """If serve stops between the two steps, the next build still indexes the year."""
    paths = sample.paths()
    cache = BuildCache.for_content(paths.content)
    assert build(paths, cache=cache).ok
    path = sample.content / "briefings/2021/2021-11-30-riga.md"
    path.write_text(path.read_text(encoding="utf-8").replace("In Riga.", "In Riga, in November."), encoding="utf-8")
    assert build(paths, cache=cache, search_later=True).stale_search == ["2021"]  # cache saved here
    assert build(paths, cache=BuildCache.for_content(paths.content)).ok
    assert indexed[1:] == [["2021"]]
    assert tree_digest(sample.output) == clean(paths, tmp_path / "clean")


def test_search_later_indexes_a_new_year_at_once(sample, indexed, tmp_path):
    """A year with no index yet has nothing to show meanwhile: it is indexed before publishing."""
    paths = sample.paths()
    cache = BuildCache.for_content(paths.content)
    assert build(paths, cache=cache).ok
    sample.add("2019/2019-05-02-glacier.md", briefing("Glacier survey", "2019-05-02", "Ice cores were drilled.",
                                                      topics="[Glaciology]"))
    result = build(paths, cache=cache, search_later=True, save_cache=False)
    assert result.ok and "2019" in indexed[1] and "2019" not in result.stale_search
    finish_search(paths, result)
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


def test_a_change_in_other_pages_links_does_not_reindex_their_years(sample, indexed, tmp_path):
    """A new 2022 briefing sharing Riga's terms joins the 2021 page's related briefings
    (and the undated note's): their pages change, their indexes do not."""
    paths = sample.paths()
    cached_build(paths)
    riga = sample.output / "briefings/2021/11/riga/index.html"
    before = riga.read_bytes()
    sample.add("2022/2022-02-01-baltic.md", briefing("Baltic air policing", "2022-02-01", "Jets over Latvia.",
                                                     topics="[Deterrence, Diplomacy]", places="[Latvia]"))
    cached_build(paths)
    assert riga.read_bytes() != before and b"Baltic air policing" in riga.read_bytes()
    assert indexed[1:] == [["2022"]]
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


def test_a_save_reloads_before_its_year_is_indexed_then_the_output_is_a_clean_build(sample, tmp_path) -> None:
    """With the real search index: the browser is told to reload as soon as the pages
    are written; the changed year's index follows, and the output ends up exactly
    what `briefings build` writes."""
    log = io.StringIO()
    (tmp_path / "seeds").mkdir()
    server = DevServer(sample.paths(), port=0, seeds=tmp_path / "seeds", out=log)
    server.start()
    events = Events(server)
    try:
        time.sleep(0.2)
        path = sample.content / "briefings/2021/2021-11-30-riga.md"
        path.write_text(path.read_text(encoding="utf-8").replace("In Riga.", "In Riga, in November."),
                        encoding="utf-8")
        events.wait("reload", timeout=30)
        end = time.monotonic() + 30
        while "search index of 2021 updated" not in log.getvalue() and time.monotonic() < end:
            time.sleep(0.05)
        text = log.getvalue()
        assert "search index of 2021 updated" in text, text
        assert text.rindex("rebuilt:") < text.index("search index of 2021 updated")
        time.sleep(0.2)  # the cache is saved after that line
    finally:
        events.close()
        server.stop()
    clean = build(sample.paths(tmp_path / "clean"))
    assert clean.ok
    assert tree_digest(sample.output) == tree_digest(tmp_path / "clean")


def test_the_indexer_works_beside_the_output_and_a_killed_builds_folder_is_removed(sample, indexed, monkeypatch):
    """Without room in memory (test_search.py has that case), Pagefind's working folder is
    .output.search-* beside output/ (not in the system's temporary folder, where a killed
    build's would stay forever); the next build removes it."""
    import generator.search as search_module
    monkeypatch.setattr(search_module, "MEMORY_DIR", sample.root / "no-memory-folder")
    paths = sample.paths()
    leftover = sample.output.parent / ".output.search-k1ll3d"
    (leftover / "2022" / "site").mkdir(parents=True)
    seen = []
    real = search_module.index_pages
    monkeypatch.setattr(search_module, "index_pages",
                        lambda pages, scratch, *a, **k: seen.append(scratch) or real(pages, scratch, *a, **k))
    cached_build(paths)
    assert seen and all(s.parent.parent == sample.output.parent and s.parent.name.startswith(".output.search-")
                        for s in seen)
    assert not any(p.exists() for p in seen)  # removed once indexed
    assert not leftover.exists()
    assert not list(sample.output.parent.glob(".output.search-*"))


def test_a_save_during_the_wait_rebuilds_first_and_the_index_follows_after(sample, indexed, tmp_path):
    """serve: if another save is waiting when the reload is sent, the indexing of the changed
    year is left to the next rebuild (which publishes the previous index again, then indexes)."""
    (tmp_path / "seeds").mkdir()
    server = DevServer(sample.paths(), port=0, seeds=tmp_path / "seeds", out=io.StringIO())
    try:
        assert server.rebuild().ok
        path = sample.content / "briefings/2021/2021-11-30-riga.md"
        path.write_text(path.read_text(encoding="utf-8").replace("In Riga.", "In Riga, in November."),
                        encoding="utf-8")
        server._events.put(path)  # a save waiting while the first one is published
        result = server.rebuild({path})
        assert result.ok and result.stale_search == ["2021"] and indexed[1:] == []
        server._events.get_nowait()
        result = server.rebuild({path})
        assert result.ok and result.stale_search == [] and indexed[1:] == [["2021"]]
    finally:
        server.httpd.server_close()
    assert tree_digest(sample.output) == clean(paths=sample.paths(), out=tmp_path / "clean")
