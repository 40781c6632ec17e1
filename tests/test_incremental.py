"""Incremental builds produce exactly the files a clean build would.

A seeded random walk applies the edits editors make (add, edit the body or the
title, move the date across a year, change topics, delete, rename, edit a
template, the vocabulary or the configuration, break a file and fix it) and,
after each one, compares the incrementally built output byte for byte with a
clean build of the same content into a fresh folder.

The Pagefind index is left out of these builds (it is a function of the
briefing pages compared here, and costs most of a small build's time).
"""

from __future__ import annotations

import os
import pickle
import random
import shutil
from pathlib import Path

import pytest
from conftest import SITE_TOML, THEME, briefing, tree_digest

import generator.build as build_module
from generator.build import Paths, build
from generator.cache import CACHE_DIR, CACHE_FILE, FORMAT, MAGIC, BuildCache, checksum

TOPICS = ["Diplomacy", "Arms control", "Deterrence", "Energy security", "Sanctions"]
PEOPLE = ["Jens Stoltenberg", "Mark Rutte", "Antony Blinken"]
PLACES = ["Ukraine", "Russia", "Latvia", "Poland"]
TEMPLATES = ["briefing.html", "term.html", "home.html", "_macros.html", "base.html", "taxonomy.html",
             "archive.html"]
WORDS = "alliance ministers meeting summit pledge exercise border talks treaty statement forces".split()


@pytest.fixture(autouse=True)
def no_search_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_module, "search_files", lambda site, files, diags, **_: [])


class Walk:
    def __init__(self, root: Path, seed: int):
        self.rng = random.Random(seed)
        self.root = root
        self.content = root / "content"
        self.theme = root / "theme"
        self.output = root / "output"
        shutil.copytree(THEME, self.theme)
        (self.content / "briefings").mkdir(parents=True)
        (self.content / "site.toml").write_text(SITE_TOML, encoding="utf-8")
        self.n = 0
        for _ in range(6):
            self.add()

    # -- edits -------------------------------------------------------------------
    def files(self) -> list[Path]:
        return sorted((self.content / "briefings").rglob("*.md"))

    def text(self, k: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(k))

    def meta(self, date: str) -> dict[str, str]:
        pick = lambda pool: "[" + ", ".join(self.rng.sample(pool, self.rng.randint(0, 2))) + "]"  # noqa: E731
        return {"topics": "[" + ", ".join(self.rng.sample(TOPICS, self.rng.randint(1, 3))) + "]",
                "people": pick(PEOPLE), "places": pick(PLACES), "summary": self.text(6).capitalize() + "."}

    def write(self, path: Path, title: str, date: str, body: str, meta: dict[str, str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(briefing(title, date, body, **meta), encoding="utf-8")

    def parse(self, path: Path) -> tuple[str, str, str, dict[str, str]]:
        head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
        fields = dict(line.split(": ", 1) for line in head.splitlines()[1:])
        title, date = fields.pop("title"), fields.pop("date", None)
        return title, date, body.strip("\n"), fields

    def add(self) -> str:
        self.n += 1
        date = f"{self.rng.choice([2021, 2022, 2023])}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        path = self.content / "briefings" / date[:4] / f"{date}-note-{self.n}.md"
        self.write(path, f"Note {self.n} {self.text(3)}", date, self.text(40), self.meta(date))
        return f"add {path.name}"

    def edit_body(self) -> str:
        path = self.rng.choice(self.files())
        title, date, body, meta = self.parse(path)
        self.write(path, title, date, body + "\n\n" + self.text(20), meta)
        return f"edit body of {path.name}"

    def edit_title(self) -> str:
        path = self.rng.choice(self.files())
        title, date, body, meta = self.parse(path)
        self.write(path, title + " " + self.text(1), date, body, meta)
        return f"edit title of {path.name}"

    def move_date(self) -> str:
        path = self.rng.choice(self.files())
        title, date, body, meta = self.parse(path)
        if date is None:
            return self.toggle_date(path)
        year = int(date[:4]) + self.rng.choice([-1, 1])
        self.write(path, title, f"{year}{date[4:]}", body, meta)
        return f"move {path.name} to {year}"

    # Edits of one field that pages read only as part of a briefing's own digest (see
    # generator/trace.py): cards, term feeds (summaries) and the site feed (sources, authors).
    def edit_summary(self) -> str:
        path = self.rng.choice(self.files())
        title, date, body, meta = self.parse(path)
        meta["summary"] = self.text(5).capitalize() + "."
        self.write(path, title, date, body, meta)
        return f"edit summary of {path.name}"

    def edit_source(self) -> str:
        path = self.rng.choice(self.files())
        title, date, body, meta = self.parse(path)
        if "source" in meta and self.rng.random() < 0.5:
            del meta["source"]
        else:
            meta["source"] = f"Agency {self.rng.randint(1, 3)}"
        self.write(path, title, date, body, meta)
        return f"edit source of {path.name}"

    def toggle_date(self, path: Path | None = None) -> str:
        """Undate a briefing (it leaves the feeds and the timeline) or date an undated one."""
        path = path or self.rng.choice(self.files())
        title, date, body, meta = self.parse(path)
        new = None if date is not None else f"2022-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        self.write(path, title, new, body, meta)
        return f"{'undate' if new is None else 'date'} {path.name}"

    def change_topics(self) -> str:
        path = self.rng.choice(self.files())
        title, date, body, _ = self.parse(path)
        self.write(path, title, date, body, self.meta(date))
        return f"change terms of {path.name}"

    def delete(self) -> str:
        files = self.files()
        if len(files) <= 2:
            return self.add()
        path = self.rng.choice(files)
        path.unlink()
        return f"delete {path.name}"

    def rename(self) -> str:
        path = self.rng.choice(self.files())
        self.n += 1
        target = path.with_name(path.name.replace(".md", f"-r{self.n}.md"))
        path.rename(target)
        return f"rename {path.name}"

    def edit_template(self) -> str:
        name = self.rng.choice(TEMPLATES)
        path = self.theme / "templates" / name
        path.write_text(path.read_text(encoding="utf-8") + f"<!-- edit {self.n} -->\n", encoding="utf-8")
        self.n += 1
        return f"edit template {name}"

    def edit_vocabulary(self) -> str:
        self.n += 1
        (self.content / "vocabulary.yaml").write_text(
            f"topics:\n  - name: Diplomacy\n    aliases: [diplomats, envoy{self.n}]\n", encoding="utf-8")
        return "edit vocabulary"

    def edit_config(self) -> str:
        self.n += 1
        feed = self.rng.choice(['', 'feed_content = "summary"\n'])  # what the site feed carries
        (self.content / "site.toml").write_text(
            SITE_TOML.replace("Test Archive", f"Test Archive {self.n}") + feed, encoding="utf-8")
        return f"edit site.toml{' (summary feed)' if feed else ''}"

    def break_file(self) -> str:
        path = self.rng.choice(self.files())
        self.broken = (path, path.read_bytes())
        path.write_text("---\ntitle: [unclosed\n---\nBody\n", encoding="utf-8")
        return f"break {path.name}"

    OPS = ("add", "edit_body", "edit_title", "move_date", "change_topics", "delete", "rename",
           "edit_template", "edit_vocabulary", "edit_config", "break_file", "edit_summary", "edit_source",
           "toggle_date")


def clean_digest(walk: Walk, n: int) -> dict[str, str] | None:
    out = walk.root / f"clean-{n}"
    result = build(Paths(content=walk.content, theme=walk.theme, output=out))
    return tree_digest(out) if result.ok else None


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_edits_match_a_clean_build(tmp_path: Path, seed: int) -> None:
    walk = Walk(tmp_path, seed)
    paths = Paths(content=walk.content, theme=walk.theme, output=walk.output)
    live = BuildCache.for_content(walk.content)  # kept in memory, as `briefings serve` does
    assert build(paths, cache=live).ok
    log = []
    for step in range(14):
        op = walk.rng.choice(Walk.OPS)
        log.append(getattr(walk, op)())
        # Alternate between the in-memory cache and the one saved on disk (as `briefings build` uses).
        cache = live if step % 2 else BuildCache.for_content(walk.content)
        result = build(paths, cache=cache)
        expected = clean_digest(walk, step)
        if expected is None:
            assert not result.ok, log
        else:
            assert result.ok, (log, [d.format() for d in result.diagnostics.errors])
            assert tree_digest(walk.output) == expected, log
        if op == "break_file":  # and fix it again
            path, data = walk.broken
            path.write_bytes(data)
            log.append(f"fix {path.name}")
            result = build(paths, cache=cache)
            assert result.ok, log
            assert tree_digest(walk.output) == clean_digest(walk, 100 + step), log


def test_one_edit_renders_only_the_pages_that_show_it(sample, tmp_path: Path) -> None:
    paths = sample.paths()
    assert build(paths, cache=BuildCache.for_content(sample.content)).ok
    before = {p: p.stat().st_mtime_ns for p in sample.output.rglob("*.html")}
    path = sample.content / "briefings/2021/2021-11-30-riga.md"
    path.write_text(path.read_text(encoding="utf-8").replace("In Riga.", "In Riga, in November."),
                    encoding="utf-8")
    result = build(paths, cache=BuildCache.for_content(sample.content))
    assert result.ok
    stats = result.cache.stats
    assert stats.parse_hits == 3 and stats.parsed == 1
    assert stats.markdown == 1
    total = stats.rendered + stats.render_hits
    assert 1 <= stats.rendered < total / 2, stats
    changed = {p for p, t in before.items() if p.stat().st_mtime_ns != t}
    assert sample.output / "briefings/2021/11/riga/index.html" in changed
    assert sample.output / "topics/diplomacy/index.html" not in changed
    assert len(changed) == result.report.written - sum(
        1 for f in result.files if not f.path.endswith(".html")) or len(changed) < len(before) / 2
    # Nothing changed: nothing is rendered and nothing is written.
    again = build(paths, cache=BuildCache.for_content(sample.content))
    assert again.cache.stats.rendered == 0 and again.report.written == 0


def test_naming_the_content_folder_another_way_renders_nothing_again(sample, monkeypatch) -> None:
    """A briefing remembers the file it was read from (for messages); pages do not depend on how
    the content folder was named on the command line."""
    assert build(sample.paths(), cache=BuildCache.for_content(sample.content), search=False).ok
    monkeypatch.chdir(sample.root)
    relative = Paths(content=Path("content"), theme=sample.paths().theme, output=sample.output)
    again = build(relative, cache=BuildCache.for_content(Path("content")), search=False)
    assert again.ok and again.site.briefings[0].file.parts[0] == "content"
    assert again.cache.stats.rendered == 0 and again.report.written == 0


def test_a_body_edit_does_not_render_the_lists_that_name_the_briefing_again(sample) -> None:
    """Lists show a briefing's title, date, summary and terms, never its body: they read
    the body and HTML only through fields traced apart (generator/trace.py)."""
    paths = sample.paths()
    cache = BuildCache.for_content(sample.content)
    assert build(paths, cache=cache, search=False).ok
    entries = dict(cache.pages)
    path = sample.content / "briefings/2021/2021-11-30-riga.md"
    path.write_text(path.read_text(encoding="utf-8").replace("In Riga.", "In Riga, in November."),
                    encoding="utf-8")
    assert build(paths, cache=cache, search=False).ok
    rendered = {out for out, entry in cache.pages.items() if entries.get(out) is not entry}
    assert "briefings/2021/11/riga/index.html" in rendered
    lists = {"index.html", "briefings/index.html", "timeline/2021/index.html", "timeline/2021/11/index.html"}
    assert lists <= set(cache.pages) and not rendered & lists, rendered
    assert not {out for out in rendered if out.startswith(("topics/", "people/", "places/"))
                and out.endswith(".html")}, rendered
    # The site's feed carries full bodies: it is rendered again, as it must be.
    assert "feed.xml" in rendered


def test_a_kept_cache_compiles_the_templates_once_until_the_theme_changes(sample, tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    shutil.copytree(sample.paths().theme, theme)
    paths = Paths(content=sample.content, theme=theme, output=sample.output)
    cache = BuildCache.for_content(sample.content)
    made = []
    real = cache.environment
    cache.environment = lambda key, make: real(key, lambda: made.append(key) or make())
    assert build(paths, cache=cache, search=False).ok
    assert build(paths, cache=cache, search=False).ok
    assert len(made) == 1
    base = theme / "templates/base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</footer>", "Edited footer</footer>", 1),
                    encoding="utf-8")
    assert build(paths, cache=cache, search=False).ok
    assert len(made) == 2
    assert "Edited footer" in (sample.output / "index.html").read_text(encoding="utf-8")


def cache_file(site) -> Path:  # noqa: ANN001
    return site.root / CACHE_DIR / CACHE_FILE


@pytest.mark.parametrize("damage", ["truncate", "garbage", "foreign-version", "wrong-contents", "empty"])
def test_a_damaged_cache_is_ignored_and_rebuilt(sample, damage: str) -> None:
    paths = sample.paths()
    assert build(paths, cache=BuildCache.for_content(sample.content)).ok
    expected = tree_digest(sample.output)
    f = cache_file(sample)
    data = f.read_bytes()
    if damage == "truncate":
        f.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        f.write_bytes(os.urandom(len(data)))
    elif damage == "foreign-version":
        f.write_bytes(data.replace(f'"format": {FORMAT}'.encode(), b'"format": 999'))
    elif damage == "wrong-contents":
        import json
        first = pickle.dumps({"parse_scope": "x", "parsed": [], "markdown": {}})  # two parts, then a length
        body = first + pickle.dumps({"pages": {}}) + b"%016x" % len(first)
        header = json.dumps({"format": FORMAT, "generator": json.loads(data[len(MAGIC):data.index(b"\n", len(MAGIC))])
                             ["generator"]}, sort_keys=True)
        f.write_bytes(MAGIC + header.encode() + b"\n" + body + checksum(body).hexdigest().encode())
    else:
        f.write_bytes(b"")
    shutil.rmtree(sample.output)
    cache = BuildCache.for_content(sample.content)
    assert "ignored" in cache.note
    assert ("unexpected contents" in cache.note) == (damage == "wrong-contents")  # its checksum is right
    result = build(paths, cache=cache)
    assert result.ok and result.cache.stats.render_hits == 0
    assert tree_digest(sample.output) == expected
    assert BuildCache.for_content(sample.content).note == ""  # rewritten whole


def test_a_changed_output_file_is_not_trusted(sample) -> None:
    paths = sample.paths()
    assert build(paths, cache=BuildCache.for_content(sample.content)).ok
    expected = tree_digest(sample.output)
    page = sample.output / "topics/diplomacy/index.html"
    page.write_bytes(page.read_bytes().replace(b"Diplomacy", b"Tampered!"))  # same size
    assert build(paths, cache=BuildCache.for_content(sample.content)).ok
    assert tree_digest(sample.output) == expected


def test_feeds_are_reused_until_what_they_show_changes(sample) -> None:
    """Feeds go through the page cache (generator/render_links.py): a summary edit
    re-writes the feeds that carry it, and no other."""
    paths = sample.paths()
    assert build(paths, cache=BuildCache.for_content(sample.content)).ok
    feeds = {p: p.read_bytes() for p in sample.output.rglob("feed.xml")}
    path = sample.content / "briefings/2022/2022-01-07-ministers-meet.md"
    path.write_text(path.read_text(encoding="utf-8").replace("summary: Ministers met.", "summary: They met."),
                    encoding="utf-8")
    result = build(paths, cache=BuildCache.for_content(sample.content))
    assert result.ok and result.cache.stats.render_hits > 0
    changed = {p.relative_to(sample.output).as_posix() for p, data in feeds.items() if p.read_bytes() != data}
    assert "feed.xml" in changed and "topics/diplomacy/feed.xml" in changed and "places/ukraine/feed.xml" in changed
    assert "topics/deterrence/feed.xml" not in changed and len(changed) < len(feeds)
    expected = tree_digest(sample.output)
    shutil.rmtree(sample.output)
    assert build(paths).ok and tree_digest(sample.output) == expected


def test_parsed_briefings_are_keyed_by_the_bytes_parsed(site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold read hashes each file where it parses it; a file edited between the hashing of
    a warm read and its parsing is kept under the bytes parsed, never under the ones hashed."""
    import hashlib

    import generator.cache as cache_module
    from generator.diagnostics import Diagnostics

    files = [site.add(f"2022/b{i}.md", briefing(title=f"Old {i}")) for i in range(3)]
    cache = BuildCache()
    cache.begin(site.content, None)
    read = cache.read_briefings(files, site.content, Diagnostics(root=site.root))
    assert [b.title for b in read] == ["Old 0", "Old 1", "Old 2"] and read[0].file == files[0]
    assert set(cache.parsed) == {(p.relative_to(site.content).as_posix(), hashlib.sha256(p.read_bytes()).digest())
                                 for p in files}
    assert cache.stats.parsed == 3 and cache.stats.parse_hits == 0

    files[1].write_text(briefing(title="Hashed"), encoding="utf-8")
    run = cache_module.parallel.run

    def edit_then_run(fn, items, *args):  # the file changes after the warm read hashed it
        files[1].write_text(briefing(title="Parsed"), encoding="utf-8")
        return run(fn, items, *args)

    monkeypatch.setattr(cache_module.parallel, "run", edit_then_run)
    cache.begin(site.content, None)
    read = cache.read_briefings(files, site.content, Diagnostics(root=site.root))
    assert [b.title for b in read] == ["Old 0", "Parsed", "Old 2"]
    assert cache.stats.parsed == 1 and cache.stats.parse_hits == 2
    rel = files[1].relative_to(site.content).as_posix()
    assert (rel, hashlib.sha256(briefing(title="Parsed").encode()).digest()) in cache.parsed
    assert (rel, hashlib.sha256(briefing(title="Hashed").encode()).digest()) not in cache.parsed

    monkeypatch.setattr(cache_module.parallel, "run", run)
    cache.begin(site.content, None)
    read = cache.read_briefings(files, site.content, Diagnostics(root=site.root))
    assert read[1].title == "Parsed" and cache.stats.parse_hits == 3
    assert read[1] is not read[0] and read[1].file == files[1]


@pytest.mark.parametrize("failure, lasting", [(OSError(28, "No space left on device"), False),
                                              (OSError(28, "No space left on device"), True),
                                              (KeyboardInterrupt(), False)])
def test_a_cache_that_cannot_be_written_leaves_the_last_one(sample, monkeypatch: pytest.MonkeyPatch,
                                                             failure: BaseException, lasting: bool) -> None:
    """The file is hashed and written by a thread of its own: what fails there (a full disk) or
    stops the pickler (an interruption) leaves the cache file as it was, and no temporary file."""
    import io

    import generator.cache as cache_module

    assert build(sample.paths(), cache=BuildCache.for_content(sample.content)).ok
    before = cache_file(sample).read_bytes()
    cache = BuildCache.for_content(sample.content)
    cache.markdown[b"x" * 16] = ("<p>" + "x" * 300_000 + "</p>", None)  # some chunks of 64 KiB
    cache._used_markdown.add(b"x" * 16)
    real_write = io.BufferedWriter.write
    writes = {"n": 0}

    def failing_write(self, data):  # the pickler's third chunk fails (and every write after it, if lasting:
        writes["n"] += 1          # then closing the file, which flushes it, fails too)
        if writes["n"] == 4 or (lasting and writes["n"] > 4):
            raise failure
        return real_write(self, data)

    monkeypatch.setattr(cache_module.os, "fdopen", lambda fd, mode: _Writer(io.FileIO(fd, "w"), failing_write))
    if lasting:
        def failing_close(self):  # noqa: ANN001, ANN202
            io.BufferedWriter.close(self)
            raise failure

        monkeypatch.setattr(_Writer, "close", failing_close, raising=False)
    if isinstance(failure, OSError):
        cache.save()
        assert cache.note == "build cache not saved: No space left on device"
    else:
        with pytest.raises(KeyboardInterrupt):
            cache.save()
    monkeypatch.undo()
    assert cache_file(sample).read_bytes() == before
    assert [p.name for p in cache_file(sample).parent.iterdir()] == [CACHE_FILE]
    assert BuildCache.for_content(sample.content).note == ""


class _Writer(__import__("io").BufferedWriter):
    def __init__(self, raw, write) -> None:  # noqa: ANN001
        super().__init__(raw)
        self._write = write

    def write(self, data):  # noqa: ANN001, ANN201
        return self._write(self, data)


def test_the_cache_file_round_trips(sample) -> None:
    assert build(sample.paths(), cache=BuildCache.for_content(sample.content)).ok
    cache = BuildCache.for_content(sample.content)
    cache.markdown[b"y" * 16] = ("<p>" + "é" * 500_000 + "</p>", None)
    cache._used_markdown.update(cache.markdown)
    cache._used_parsed.update(cache.parsed)
    cache._used_pages.update(cache.pages)
    cache.save()
    again = BuildCache.for_content(sample.content)
    assert again.note == "" and again.markdown == cache.markdown and again.parsed == cache.parsed
    assert again.pages == cache.pages and again.link_memo == cache.link_memo
    data = cache_file(sample).read_bytes()
    assert data[-64:] == checksum(data[data.index(b"\n", len(MAGIC)) + 1:-64]).hexdigest().encode()


def test_a_build_stopped_while_the_cache_is_half_saved_leaves_the_last_one(sample, monkeypatch) -> None:
    """The first part of the cache file is written while the pages render (save_early): a build
    interrupted then leaves the cache file as it was, and no temporary file beside it."""
    assert build(sample.paths(), cache=BuildCache.for_content(sample.content)).ok
    before = cache_file(sample).read_bytes()
    sample.add("2022/2022-02-01-another.md", briefing("Another one", "2022-02-01"))
    real = build_module.render_site

    def interrupted(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "render_site", interrupted)
    cache = BuildCache.for_content(sample.content)
    cache.pages = {}  # as in a first build, which saves early
    early = []
    monkeypatch.setattr(BuildCache, "save_early", lambda self, real=BuildCache.save_early: (early.append(1), real(self)))
    with pytest.raises(KeyboardInterrupt):
        build(sample.paths(), cache=cache)
    assert early == [1]
    assert cache_file(sample).read_bytes() == before
    assert [p.name for p in cache_file(sample).parent.iterdir()] == [CACHE_FILE]


def test_a_failed_build_keeps_what_it_did_not_use_in_the_cache(sample, tmp_path: Path, monkeypatch) -> None:
    """After a failed build, the cache keeps what that build did not use (the next one may need
    it), though the first part of the file, pruned, was begun while the pages rendered."""
    assert build(sample.paths(), cache=BuildCache.for_content(sample.content)).ok
    kept = BuildCache.for_content(sample.content)
    removed = sample.content / "briefings/2021/2021-11-30-riga.md"
    removed.unlink()
    theme = tmp_path / "theme"
    shutil.copytree(THEME, theme)
    (theme / "templates/term.html").write_text("{% extends 'base.html' %}{% block main %}{{ term.nope.x }}"
                                               "{% endblock %}\n")
    cache = BuildCache.for_content(sample.content)
    cache.pages = {}  # as in a first build, which saves early
    early = []
    monkeypatch.setattr(BuildCache, "save_early", lambda self, real=BuildCache.save_early: (early.append(1), real(self)))
    failed = build(Paths(content=sample.content, theme=theme, output=sample.output), cache=cache)
    assert not failed.ok and early == [1]  # begun, then dropped
    after = BuildCache.for_content(sample.content)
    assert after.note == "" and set(after.parsed) == set(kept.parsed) and set(after.markdown) == set(kept.markdown)
    assert build(sample.paths(), cache=BuildCache.for_content(sample.content)).ok  # and a good build prunes it
    pruned = BuildCache.for_content(sample.content)
    assert [rel for rel, _ in pruned.parsed] == [rel for rel, _ in kept.parsed if not rel.endswith("riga.md")]


def test_only_a_first_build_saves_the_cache_while_its_pages_render(sample, monkeypatch) -> None:
    """After an edit, the cache is saved while the site is written (as one file, as before); a
    first build, which writes its pages as they render, saves its first part meanwhile."""
    early = []
    monkeypatch.setattr(BuildCache, "save_early", lambda self, real=BuildCache.save_early: (early.append(1), real(self)))
    assert build(sample.paths(), cache=BuildCache.for_content(sample.content)).ok
    assert early == [1]
    first = BuildCache.for_content(sample.content)
    assert first.note == "" and first.pages
    sample.add("2022/2022-02-01-another.md", briefing("Another one", "2022-02-01"))
    assert build(sample.paths(), cache=BuildCache.for_content(sample.content)).ok
    assert early == [1]
    again = BuildCache.for_content(sample.content)
    assert again.note == "" and len(again.pages) > len(first.pages)

