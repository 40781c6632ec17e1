"""The persistent build cache: work a build can skip because its inputs did not change.

Every build still loads, links and checks the whole site in memory (there is no
dependency graph to go stale); the cache only makes the expensive per-item work
free when its inputs are unchanged:

* **parsed briefings**, keyed by (path, SHA-256 of the file's bytes) within a
  *scope*: the generator's code and the other files of ``content/`` (for
  example a vocabulary). Warnings found while parsing are replayed.
* **rendered Markdown** and the body's **words** (:class:`generator.text.TextFeatures`,
  what related briefings and stories compare), keyed by the BLAKE2 hash of the body text.
* **rendered pages**, keyed by the page's *scope* (generator, theme files,
  configuration, template, names in its context) and the digest of everything
  its template read (see :mod:`generator.trace`). The bytes are not stored: a
  hit takes them from the previous ``output/`` after checking their SHA-256.
* **search indexes**, one per year of briefings, keyed by their pages' paths and
  bytes (see :mod:`generator.search`); a hit likewise takes the index's files
  from the previous ``output/``.

The cache lives in ``.cache/briefings/`` beside ``content/`` (git-ignored), in
one file written atomically. It starts with a magic line and a JSON header
naming the format and a fingerprint of the generator (its source code and the
versions of the libraries that shape the output), and ends with a checksum of
what lies between.
A file that is truncated, corrupt, from another version or unreadable is
ignored and rebuilt, never trusted. Entries not used by a build are dropped.
"""

from __future__ import annotations

import copy
import functools
import gc
import hashlib
import json
import os
import pickle
import queue
import stat
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TypeVar

import generator
from generator import parallel
from generator.content import read_briefing as _read_briefing
from generator.diagnostics import Diagnostic, Diagnostics
from generator.markup import Renderer
from generator.model import Briefing, PageFacts
from generator.progress import ProgressFactory
from generator.text import TextFeatures
from generator.text import features as text_features

T = TypeVar("T")

#: Format 6: the state is pickled in two parts, so that the first can be written while the pages
#: are rendered (see BuildCache.save_early). Format 7: a page's entry holds its PageFacts.
FORMAT = 7
#: The file ends with the SHA-256 hex digest of what follows the header line (SHA-256, not
#: BLAKE2b as before format 5: with the SHA instructions of current CPUs it takes half the time,
#: 0.1 s for the 165 MB of a 10,000-briefing cache).
CHECKSUM_SIZE = 64
MAGIC = b"briefings build cache\n"
CACHE_DIR = Path(".cache") / "briefings"
CACHE_FILE = "build.cache"
#: A page in output/ that is a symbolic link is not opened (its link is not followed) where the system can say so.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_LIBRARIES = ("jinja2", "markupsafe", "markdown", "pyyaml", "python-frontmatter", "python-slugify")


def checksum(data: bytes = b"") -> hashlib._Hash:  # noqa: SLF001 - hashlib's type
    """The hash ending the file, of ``data`` (and of what is added to it)."""
    return hashlib.sha256(data)


@functools.lru_cache(maxsize=1)
def generator_fingerprint() -> str:
    """Hash of the generator's own code and of the libraries that shape its output."""
    h = hashlib.sha256(sys.version.encode())
    package = Path(generator.__file__).parent
    for path in sorted(package.glob("*.py")):
        h.update(path.name.encode() + b"\x00" + path.read_bytes() + b"\x00")
    for name in _LIBRARIES:
        try:
            h.update(f"{name}={metadata.version(name)};".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=none;".encode())
    return h.hexdigest()


def tree_fingerprint(root: Path) -> str:
    """Hash of every file under ``root``: names and bytes."""
    h = hashlib.sha256()
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            h.update(path.relative_to(root).as_posix().encode() + b"\x00")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def content_scope(content_dir: Path, briefings_dir: str = "briefings") -> str:
    """What parsing a briefing may depend on besides the file itself."""
    h = hashlib.sha256(generator_fingerprint().encode())
    h.update(str(content_dir.absolute()).encode() + b"\x00")
    for path in sorted(content_dir.iterdir()) if content_dir.is_dir() else []:
        if path.name == briefings_dir:
            continue
        h.update(path.name.encode() + b"\x00")
        h.update(tree_fingerprint(path).encode() if path.is_dir() else hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def body_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass
class PageEntry:
    scope: bytes
    paths: tuple
    digest: bytes
    sha256: bytes
    size: int
    facts: PageFacts | None = None  # what the sitemap and the search index need of the page


@dataclass
class Stats:
    parsed: int = 0
    parse_hits: int = 0
    markdown: int = 0
    markdown_hits: int = 0
    rendered: int = 0
    render_hits: int = 0


@dataclass
class BuildCache:
    """One build's memo, optionally kept in a file between builds (``path``)."""

    path: Path | None = None
    parse_scope: str = ""
    parsed: dict = field(default_factory=dict)    # (rel, sha256) -> (pickled Briefing | None, diagnostics)
    markdown: dict = field(default_factory=dict)  # body_key -> (html, TextFeatures)
    pages: dict = field(default_factory=dict)     # output path -> PageEntry
    search: dict = field(default_factory=dict)    # search index group -> (key, ((path, sha256, size)...))
    #: What the link stage keeps between builds: text vectors, related lists, related
    #: terms and story pairs (see generator.link.cross_link).
    link_memo: dict = field(default_factory=dict)
    #: Why a stored cache was not used, if it was not.
    note: str = ""
    stats: Stats = field(default_factory=Stats)
    output_dir: Path | None = None

    def __post_init__(self) -> None:
        self._used_parsed: set = set()
        self._used_markdown: set = set()
        self._converted: set = set()  # bodies converted by read_briefings, for markdown_missing's count
        #: Body text -> body_key, for one build: a body is looked up three times (markdown_missing,
        #: the link stage's HTML and words), and a str keeps its hash, so only the first hashes it all.
        self._body_keys: dict[str, bytes] = {}
        self._used_pages: set = set()
        self._used_search: set = set()
        self._environment: tuple[str, object] | None = None  # memory only: see environment()
        self._early: _Writing | None = None  # see save_early()
        #: Output path -> (file identity, the bytes read from it) of what this build took from
        #: the last output (see previous_output); write_site need not read those files again.
        self.read_from_output: dict[str, tuple[tuple, bytes]] = {}

    def environment(self, key: str, make: Callable[[], T]) -> T:
        """The theme's template environment (compiled templates included) for theme
        fingerprint ``key``: the one made for the last build when the theme is the same
        (``briefings serve`` then compiles no template again), else ``make()``."""
        if self._environment is None or self._environment[0] != key:
            self._environment = (key, make())
        return self._environment[1]  # type: ignore[return-value]

    # -- the file --------------------------------------------------------------
    @classmethod
    def for_content(cls, content_dir: Path) -> BuildCache:
        """The cache of the site whose content folder is ``content_dir``, loaded if valid."""
        cache = cls(path=content_dir.absolute().parent / CACHE_DIR / CACHE_FILE)
        cache.load()
        return cache

    def _header(self) -> bytes:
        return json.dumps({"format": FORMAT, "generator": generator_fingerprint()}, sort_keys=True).encode() + b"\n"

    def load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            raw = self.path.read_bytes()
            if not raw.startswith(MAGIC):
                raise ValueError("not a build cache")
            header_end = raw.index(b"\n", len(MAGIC))
            header = json.loads(raw[len(MAGIC):header_end])
            if not isinstance(header, dict) or header.get("format") != FORMAT \
                    or header.get("generator") != generator_fingerprint():
                raise ValueError("made by another version of the generator")
            if len(raw) < header_end + 1 + CHECKSUM_SIZE:
                raise ValueError("truncated or corrupt")
            body = memoryview(raw)[header_end + 1:len(raw) - CHECKSUM_SIZE]  # not a copy: 100+ MB
            if raw[len(raw) - CHECKSUM_SIZE:] != checksum(body).hexdigest().encode() or len(body) < _LENGTH_SIZE:
                raise ValueError("truncated or corrupt")
            first = int(bytes(body[len(body) - _LENGTH_SIZE:]), 16)  # the length of the first part
            state = _unpickle(body[:first])
            rest = _unpickle(body[first:len(body) - _LENGTH_SIZE])
            if not (isinstance(state, dict) and isinstance(rest, dict)):
                raise ValueError("unexpected contents")
            state.update(rest)
            if not (isinstance(state, dict) and isinstance(state.get("parsed"), dict)
                    and isinstance(state.get("markdown"), dict) and isinstance(state.get("pages"), dict)
                    and isinstance(state.get("parse_scope"), str)):
                raise ValueError("unexpected contents")
            if not all(isinstance(e, PageEntry) for e in state["pages"].values()):
                raise ValueError("unexpected page entries")
            if not isinstance(state.get("link_memo", {}), dict):
                raise ValueError("unexpected link memo")
            if not isinstance(state.get("search", {}), dict):
                raise ValueError("unexpected search entries")
        except Exception as exc:  # noqa: BLE001 - any problem with the file means: start afresh
            self.note = f"build cache ignored ({exc}); it is rebuilt"
            return
        self.parse_scope = state["parse_scope"]
        self.parsed, self.markdown, self.pages = state["parsed"], state["markdown"], state["pages"]
        self.search = state.get("search", {})
        self.link_memo = state.get("link_memo", {})

    def save(self, prune: bool = True) -> None:
        """Write the cache atomically, keeping only what the last build used
        (everything, after a failed build: the next one may need it). Finishes
        what :meth:`save_early` began, if it did."""
        early, self._early = self._early, None
        if prune:
            self._prune()
        self._used_parsed, self._used_markdown, self._used_pages = set(), set(), set()
        self._used_search = set()
        if self.path is None:
            return
        if early is not None and prune and early.failed is None:
            self._finish(early)
            return
        if early is not None:
            early.abandon()  # a failed build keeps more than the first part holds, or it could not be written
        self._write()

    def save_early(self) -> None:
        """Begin :meth:`save`: write the first part of the file, what a build no longer changes once
        it is linked (briefings, bodies, the link stage's memo), pruned as :meth:`save` prunes it,
        so that this is done while the pages are rendered. Call it then, and nothing else of the
        cache but its pages and search entries may change until :meth:`save` finishes it."""
        if self.path is None:
            return
        early = self._early = _Writing(self.path, MAGIC + self._header())
        early.part(self._linked_part(pruned=True))  # the cache itself is pruned by save(), if the build is good

    def abandon_save(self) -> None:
        """Undo :meth:`save_early`: the file is left as it was (a build that stops saves nothing)."""
        early, self._early = self._early, None
        if early is not None:
            early.abandon()

    def _linked_part(self, pruned: bool = False) -> dict:
        parsed, markdown = (self._pruned_parsed(), self._pruned_markdown()) if pruned else (self.parsed, self.markdown)
        return {"parse_scope": self.parse_scope, "parsed": parsed, "markdown": markdown, "link_memo": self.link_memo}

    def _prune(self) -> None:
        self.parsed, self.markdown = self._pruned_parsed(), self._pruned_markdown()
        self.pages = {k: v for k, v in self.pages.items() if k in self._used_pages}
        self.search = {k: v for k, v in self.search.items() if k in self._used_search}

    def _pruned_parsed(self) -> dict:
        return {k: v for k, v in self.parsed.items() if k in self._used_parsed}

    def _pruned_markdown(self) -> dict:
        return {k: v for k, v in self.markdown.items() if k in self._used_markdown}

    def _write(self) -> None:
        self._finish(_Writing(self.path, MAGIC + self._header()), self._linked_part())

    def _finish(self, writing: _Writing, first: dict | None = None) -> None:
        """Write the parts still to write, then the file's end, and put it in place."""
        if first is not None:
            writing.part(first)
        writing.part({"pages": self.pages, "search": self.search})
        writing.close()
        if writing.failed is not None:
            self.note = writing.failed

    # -- a build -----------------------------------------------------------------
    def begin(self, content_dir: Path, output_dir: Path | None) -> None:
        self.stats = Stats()
        self._converted = set()
        self._body_keys = {}
        self.output_dir = output_dir
        self.read_from_output = {}
        scope = content_scope(content_dir)
        if scope != self.parse_scope:
            self.parsed = {}
            self.parse_scope = scope

    def read_briefings(self, paths: list[Path], content_dir: Path, diags: Diagnostics,
                       progress: ProgressFactory | None = None) -> list[Briefing | None]:
        """:func:`generator.content.read_briefing` for many files, memoised by each file's
        bytes: the ones not in the cache are parsed on all cores; diagnostics come in the
        order of ``paths``, as if read one by one."""
        keys: list[tuple | None] = [None] * len(paths)
        if self.parsed:  # else every file is parsed, and hashed where it is read, once
            for i, path in enumerate(paths):
                try:
                    raw = path.read_bytes()
                except OSError:
                    continue
                keys[i] = (path.relative_to(content_dir).as_posix(), hashlib.sha256(raw).digest())
        misses = [i for i, key in enumerate(keys) if key is None or key not in self.parsed]
        # A briefing parsed in a worker has its body converted there too (Markdown and words,
        # see markdown_renderer), unless the cache has it: the text is at hand, and it is not
        # sent to a worker a second time.
        parse = functools.partial(_parse, content_dir=content_dir, root=diags.root, known=self.markdown)
        tick = progress("Reading briefings", len(misses)) if progress and misses else None
        # Each result is taken in as it comes (in order), while the workers parse the next ones,
        # rather than all at the end with the other cores idle.
        results = parallel.run(parse, [paths[i] for i in misses], tick)
        parsed = set(misses)
        out: list[Briefing | None] = []
        for i, (path, key) in enumerate(zip(paths, keys)):
            if i in parsed:
                stored, items, key, converted = next(results)
                self.stats.parsed += 1
                if key is not None:  # the key of the very bytes parsed
                    self.parsed[key] = (stored, items)
                    self._used_parsed.add(key)
                if converted is not None and converted[0] not in self.markdown:
                    self.markdown[converted[0]] = converted[1]
                    self._converted.add(converted[0])
            else:
                stored, items = self.parsed[key]
                self._used_parsed.add(key)
                self.stats.parse_hits += 1
            diags.items.extend(items)
            b = None if stored is None else pickle.loads(stored)
            if b is not None:
                b.file = path
                if i in parsed and converted is not None:  # the worker hashed this body
                    self._body_keys[b.body] = converted[0]
            out.append(b)
        results.close()  # all taken: the workers stop now
        return out

    def store_parsed(self, key: tuple, b: Briefing | None, items: tuple[Diagnostic, ...]) -> None:
        stored = None if b is None else pickle.dumps(_detached(b), protocol=pickle.HIGHEST_PROTOCOL)
        self.parsed[key] = (stored, items)
        self._used_parsed.add(key)

    def markdown_missing(self, texts: list[str]) -> list[str]:
        """The distinct texts whose HTML and words are not cached."""
        seen: set[bytes] = set()
        missing = []
        fresh = 0  # converted while being read (read_briefings), not found in the cache
        for text in texts:
            k = self._body_key(text)
            self._used_markdown.add(k)
            if k in seen:
                continue
            seen.add(k)
            if k in self._converted:
                fresh += 1
            elif k not in self.markdown:
                missing.append(text)
        self._converted = set()
        self.stats.markdown += len(missing) + fresh
        self.stats.markdown_hits += len(texts) - len(missing) - fresh
        return missing

    def store_markdown(self, text: str, html: str, words: TextFeatures) -> None:
        k = self._body_key(text)
        self.markdown[k] = (html, words)
        self._used_markdown.add(k)

    def markdown_for(self, text: str) -> tuple[str, TextFeatures] | None:
        """(HTML, words) of a body, if cached."""
        k = self._body_key(text)
        self._used_markdown.add(k)
        return self.markdown.get(k)

    def _body_key(self, text: str) -> bytes:
        k = self._body_keys.get(text)
        if k is None:
            k = self._body_keys[text] = body_key(text)
        return k

    def page(self, out: str) -> PageEntry | None:
        return self.pages.get(out)

    def store_page(self, out: str, entry: PageEntry) -> None:
        self.pages[out] = entry
        self._used_pages.add(out)

    def keep_page(self, out: str) -> None:
        self._used_pages.add(out)

    def search_index(self, group: str) -> tuple | None:
        """The key and files of a search index group (see generator/search.py)."""
        return self.search.get(group)

    def store_search_index(self, group: str, entry: tuple) -> None:
        self.search[group] = entry
        self._used_search.add(group)

    def verified_output(self, out: str, entry: PageEntry) -> tuple | None:
        """The identity (device, inode, size, modification time) of the page ``out`` in the last
        output, if its bytes are what the entry says (read and hashed here, in a render worker;
        the building process then takes the file as it is, see :class:`generator.write.KeptFile`)."""
        found = self._checked_output(out, entry)
        return found[0] if found is not None else None

    def previous_output(self, out: str, entry: PageEntry) -> bytes | None:
        """The bytes a file had in the last output, if they are what the entry says."""
        found = self._checked_output(out, entry)
        if found is None:
            return None
        self.read_from_output[out] = found
        return found[1]

    def _checked_output(self, out: str, entry: PageEntry) -> tuple[tuple, bytes] | None:
        """(identity, bytes) of the regular file ``out`` in the last output, if its bytes have the
        size and SHA-256 the entry says; None otherwise (a link, another file, none)."""
        if self.output_dir is None:
            return None
        try:
            with open(os.path.join(self.output_dir, out), "rb", buffering=0,
                      opener=lambda path, flags: os.open(path, flags | _NOFOLLOW)) as f:
                st = os.fstat(f.fileno())
                if not stat.S_ISREG(st.st_mode) or st.st_size != entry.size:
                    return None
                data = f.read()
        except OSError:
            return None
        if len(data) != entry.size or hashlib.sha256(data).digest() != entry.sha256:
            return None
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns), data

def _parse(path: Path, content_dir: Path, root: Path | None,
           known: dict | None = None) -> tuple[bytes | None, tuple, tuple | None, tuple | None]:
    """(pickled briefing or None, diagnostics, the cache key of the bytes parsed: the path
    in ``content_dir`` and their SHA-256, or None if the file could not be read, and
    ``(body_key, (html, words))`` of the body if it is not in ``known``, else None)."""
    try:
        raw = path.read_bytes()
    except OSError:
        raw = None  # read_briefing tries again, and reports why it cannot
    local = Diagnostics(root=root)
    b = _read_briefing(path, content_dir, local, raw)
    if b is None:
        stored = None
    else:  # b is this function's own: no copy to detach
        b.file = None
        stored = pickle.dumps(b, protocol=pickle.HIGHEST_PROTOCOL)
    key = None if raw is None else (path.relative_to(content_dir).as_posix(), hashlib.sha256(raw).digest())
    converted = None
    if b is not None and known is not None:
        k = body_key(b.body)
        if k not in known:
            converted = (k, _convert(b.body))
    return stored, tuple(local.items), key, converted


#: After the two pickled parts of the file, the length of the first one, as hexadecimal digits.
_LENGTH_SIZE = 16


class _Writing:
    """A cache file being written: a temporary file beside it, made of the two parts (pickles)
    of its state and, after them, the length of the first part; the checksum of all that ends
    the file, which then replaces the cache file. A cache that cannot be written only costs
    time: ``failed`` then says why, and nothing is left behind. Anything else (an interruption)
    is raised, with the temporary file removed."""

    def __init__(self, path: Path, head: bytes):
        self.path, self.failed = path, None
        self._tmp: str | None = None
        self._f = self._out = None
        self._lengths: list[int] = []
        self._attempt(lambda: self._open(head))

    def _open(self, head: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.path.parent)
        self._f = os.fdopen(fd, "wb")
        self._f.write(head)
        # Streamed and checksummed as it goes (the checksum ends the file): the
        # pickled cache, 100+ MB, is never held in memory beside the build's data.
        self._out = _Checksummed(self._f)

    def part(self, state: dict) -> None:
        def dump() -> None:
            before = self._out.written
            pickle.dump(state, self._out, protocol=pickle.HIGHEST_PROTOCOL)
            self._lengths.append(self._out.written - before)
        self._attempt(dump)

    def close(self) -> None:
        def end() -> None:
            self._out.write(b"%016x" % self._lengths[0])
            digest = self._out.close()
            self._out = None
            self._f.write(digest.encode())
            self._f.close()
            self._f = None
            os.replace(self._tmp, self.path)
            self._tmp = None
        self._attempt(end)

    def abandon(self) -> None:
        """Close and remove the temporary file."""
        try:
            if self._out is not None:
                self._out.close()
        except BaseException:  # noqa: BLE001, S110 - what it failed with is already known, or moot
            pass
        finally:
            self._out = None
            if self._f is not None:
                try:
                    self._f.close()
                except OSError:  # flushing to a full disk, say: the file is removed anyway
                    pass
                self._f = None
            if self._tmp is not None:
                Path(self._tmp).unlink(missing_ok=True)
                self._tmp = None

    def _attempt(self, step: Callable[[], None]) -> None:
        if self.failed is not None:
            return
        try:
            step()
        except OSError as exc:
            self.failed = f"build cache not saved: {exc.strerror or exc}"
            self.abandon()
        except BaseException:
            self.abandon()
            raise


class _Checksummed:
    """A file wrapper that hashes what is written through it. A thread of its own hashes and
    writes each chunk while the caller (the pickler) makes the next ones: both let go of the
    GIL, so saving a 10,000-briefing cache takes 0.45 s instead of 0.7 s where a core is free.
    :meth:`close` waits for it, and returns the hex digest."""

    #: Chunks are handed to the thread in batches of this many bytes (the pickler's are 64 KiB).
    BATCH = 1 << 20

    def __init__(self, f) -> None:  # noqa: ANN001 - a binary file
        self.f, self.hash = f, checksum()
        self._batches: queue.Queue = queue.Queue(maxsize=16)
        self._batch: list[bytes] = []
        self._size = 0
        #: Bytes written so far.
        self.written = 0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while (batch := self._batches.get()) is not None:
            if self._error is None:  # after an error, only empties the queue
                try:
                    for data in batch:
                        self.hash.update(data)
                        self.f.write(data)
                except BaseException as exc:  # noqa: BLE001 - raised in the writing thread
                    self._error = exc

    def write(self, data: bytes) -> int:
        if self._error is not None:
            raise self._error
        self._batch.append(data)  # not copied: the pickler makes a new buffer for what follows
        self._size += len(data)
        self.written += len(data)
        if self._size >= self.BATCH:
            self._batches.put(self._batch)
            self._batch, self._size = [], 0
        return len(data)

    def close(self) -> str:
        self._batches.put(self._batch)
        self._batches.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.hash.hexdigest()


def _unpickle(data: memoryview) -> object:
    """``pickle.loads(data)`` without the cyclic garbage collector, which would go over the
    millions of objects made, again and again, for none of them is garbage (0.45 s -> 0.2 s
    for a 10,000-briefing cache)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    finally:
        if enabled:
            gc.enable()


def _detached(b: Briefing) -> Briefing:
    """A copy of a freshly read briefing without its absolute file path."""
    c = copy.copy(b)
    c.file = None
    return c


class CachedMarkdown:
    """The ``Renderer`` the link stage calls (HTML from the cache, else converted), and
    the ``features`` it hands to related briefings and stories (words, likewise)."""

    def __init__(self, cache: BuildCache, renderer):  # noqa: ANN001 - generator.markup.Renderer
        self.cache, self.renderer = cache, renderer

    def _entry(self, text: str) -> tuple[str, TextFeatures]:
        entry = self.cache.markdown_for(text)
        if entry is None:
            entry = (self.renderer.convert(text), text_features(text))
            self.cache.store_markdown(text, *entry)
        return entry

    def convert(self, text: str) -> str:
        return self._entry(text)[0]

    def features(self, b: Briefing) -> TextFeatures:
        return self._entry(b.body)[1]


_markdown = None


def _convert(text: str) -> tuple[str, TextFeatures]:
    global _markdown
    if _markdown is None:
        _markdown = Renderer()
    return _markdown.convert(text), text_features(text)


def markdown_renderer(cache: BuildCache, briefings: list[Briefing],
                      progress: ProgressFactory | None = None) -> CachedMarkdown:
    """Convert every body not in the cache (on all cores), then serve them all from it."""
    missing = cache.markdown_missing([b.body for b in briefings])
    tick = progress("Rendering Markdown", len(missing)) if progress else None
    for text, (html, words) in zip(missing, parallel.run(_convert, missing, tick)):
        cache.store_markdown(text, html, words)
    return CachedMarkdown(cache, Renderer())
