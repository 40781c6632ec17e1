"""Full-text search: one Pagefind index per year of briefings, under ``/pagefind/<year>/``.

Pagefind (https://pagefind.app) is the field's standard for static search: the
browser loads only the index chunks a query needs, so it scales to large
archives with no server. We run its binary (the ``pagefind[bin]`` package
carries it; ``pagefind.service.get_executable`` finds it) as a command, once
per index.

What is indexed is decided by the theme's ``data-pagefind-*`` attributes: only
the element marked ``data-pagefind-body`` (the briefing's ``<article>``) is
searchable, with its filters (topic, person, organization, place, source,
year), its sort key (date) and its metadata (title, date, source, summary).
Only briefing pages are handed to Pagefind, so home, archive, taxonomy, term and
timeline pages can never be results.

**One index per year.** Pagefind has no incremental mode: an index is rebuilt
whole, and its indexer's memory grows with the pages it holds (1.9 GiB for
10,000 briefing pages in one index). So the briefing pages are grouped by the
year of their date (undated briefings in a group of their own, ``undated``)
and each group is a complete Pagefind bundle in ``pagefind/<group>/``.
``pagefind/indexes.json`` lists the groups, newest year first; the search page
(``themes/default/static/search.js``) loads the first one's ``pagefind.js`` and
merges the others into it with Pagefind's ``mergeIndex``: results, filters and
filter counts then span every year. Pagefind ranks merged results by score
only, even when asked to sort, so sorting by date is done in the browser, by
the date that :func:`canonical_bundle` puts at the front of each dated page's
id (``2022-01-07_en_8326834``; fragments are fetched by id).

**Only the groups that changed are indexed.** A group's index is a function of
the bytes and paths of its briefing pages, the Pagefind version and this
module's code, hashed into its *key* (:func:`group_key`). The build cache
(:class:`generator.cache.BuildCache`, field ``search``) keeps, for each group,
its key and the path, SHA-256 and size of every file of its bundle. When the
key is unchanged, the files are taken from the previous ``output/`` after
checking their hashes, and Pagefind is not run for that group; any mismatch
re-indexes the group. Groups that need indexing run as separate Pagefind
processes, at most :data:`CONCURRENCY` at a time, each holding one year.

How it joins the atomic build: :func:`search_files` returns the indexes as
ordinary :class:`OutputFile` objects, which the build appends to the rendered
pages before ``write_site`` puts everything into its temporary folder and swaps
it in. The index is therefore part of the same all-or-nothing result, unchanged
index files keep their modification time like any page, and ``write.py`` needs
no special case.

Pagefind's own output is not byte-identical across two builds of the same
input (upstream issue Pagefind/pagefind#638): it writes the values of each
filter, and the list of filters, in hash-map order. :func:`canonical_bundle`
sorts them and renames the affected files by their content, so the whole site,
index included, is reproducible (see the comment above it).
"""

from __future__ import annotations

import fnmatch
import functools
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Callable

from generator.diagnostics import Diagnostics
from generator.model import OutputFile, Site

if TYPE_CHECKING:
    from generator.cache import BuildCache

#: Folder of the site the indexes are written to, one subfolder per group.
SEARCH_DIR = "pagefind"
#: The list of index folders the search page reads (``pagefind/indexes.json``).
INDEX_LIST = f"{SEARCH_DIR}/indexes.json"
#: The group of briefings without a date.
UNDATED = "undated"
#: Pagefind processes run at the same time. Each peaks at about 370 MiB for a
#: year of 1,000 briefing pages; two keep both cores of a small machine busy.
CONCURRENCY = 2

# Pagefind also writes its ready-made UI bundles; the theme builds its own
# results UI (escaping what Pagefind returns), so these are left out.
_UNUSED = ("pagefind-ui.*", "pagefind-modular-ui.*", "pagefind-component-ui.*", "pagefind-highlight.js")
#: Bumped by hand when the way an index is made changes in a way the code hash
#: would not show (it does show any edit of this file).
_KEY_VERSION = b"briefings-search-1"


@dataclass
class SearchStats:
    """What one :func:`search_files` call did (for tests and ``bench/search.py``)."""

    groups: list[str] = field(default_factory=list)    # every group, newest first
    indexed: list[str] = field(default_factory=list)   # the groups Pagefind indexed
    reused: list[str] = field(default_factory=list)    # the groups taken from the previous output
    stale: list[str] = field(default_factory=list)     # groups whose previous, out-of-date index was kept
    processes: int = 0
    peak_rss: int = 0          # bytes: the largest peak resident size of one Pagefind process
    peak_rss_sum: int = 0      # bytes: the sum of the peaks of the processes that ran at the same time, at most
    seconds: float = 0.0       # indexing, reading reused files included


def group_of(date) -> str:  # noqa: ANN001 - datetime.date | None
    """The index a briefing's page goes to: the year of its date, or ``undated``."""
    return str(date.year) if date is not None else UNDATED


def briefing_groups(site: Site, files: list[OutputFile]) -> dict[str, list[OutputFile]]:
    """The rendered pages of briefings (the only pages that are search results), by group,
    newest year first and ``undated`` last; pages in path order."""
    wanted = {b.url.strip("/") + "/index.html": group_of(b.date) for b in site.briefings if b.url}
    groups: dict[str, list[OutputFile]] = {}
    for f in sorted((f for f in files if f.path in wanted), key=lambda f: f.path):
        groups.setdefault(wanted[f.path], []).append(f)
    return {name: groups[name] for name in sorted(groups, key=_group_order)}


_BODY_TAG = re.compile(rb"<([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])[^>]*\sdata-pagefind-body(?=[\s=/>])")
_HTML_TAG = re.compile(rb"<html(?=[\s>])[^>]*>", re.IGNORECASE)


def _body_element(page: bytes) -> re.Match | None:
    """``_BODY_TAG.search(page)``, looked for from the last ``>`` before the first
    ``data-pagefind-body`` rather than through the whole ``<head>``: every key of a one-edit
    build reads all 10,000 pages (50 -> 14 us a page, with the finds below). A match holds
    that text with no ``>`` between its ``<`` and it, and no earlier in the page than the
    first one, so it starts after that ``>``."""
    first = page.find(b"data-pagefind-body")
    return None if first < 0 else _BODY_TAG.search(page, page.rfind(b">", 0, first) + 1)


def indexed_part(page: bytes) -> bytes:
    """What Pagefind reads of a page: its ``<html>`` tag (the language) and the element
    marked ``data-pagefind-body``, as a page of its own; the page as it is when that
    cannot be told (no such element, several, or any ``data-pagefind-*`` attribute
    outside it: Pagefind reads those wherever they are).

    Both the indexer and an index's key (:func:`group_key`) get this part, so a change
    elsewhere on a page (the list of related briefings, the links to the previous and
    next) does not index its year again. It gives the very index the whole page gives
    (tests/test_search.py compares them)."""
    m = _body_element(page)
    if m is None:
        return page
    tags = re.compile(rb"<(/?)" + re.escape(m.group(1)) + rb"(?=[\s/>])", re.IGNORECASE)
    depth, end = 0, -1
    for t in tags.finditer(page, m.start()):
        depth += -1 if t.group(1) else 1
        if depth == 0:
            end = page.find(b">", t.end()) + 1
            break
    if end <= 0 or page.find(b"data-pagefind-", 0, m.start()) >= 0 or page.find(b"data-pagefind-", end) >= 0:
        return page
    html = _HTML_TAG.search(page, 0, m.start())
    return b"".join((b"<!doctype html>", html.group(0) if html else b"<html>", b"<body>",
                     page[m.start():end], b"</body></html>\n"))


def briefing_pages(site: Site, files: list[OutputFile]) -> list[OutputFile]:
    """The rendered pages of briefings, all groups together."""
    return [page for pages in briefing_groups(site, files).values() for page in pages]


def _group_order(name: str) -> tuple:
    return (1, 0, name) if name == UNDATED else (0, -int(name), name)


def search_files(site: Site, files: list[OutputFile], diags: Diagnostics,
                 cache: BuildCache | None = None, stats: SearchStats | None = None,
                 stale_ok: bool = False, scratch: Path | None = None) -> list[OutputFile]:
    """The Pagefind indexes of the briefing pages among ``files``, as output files under ``pagefind/``.

    With a ``cache``, a group whose key is unchanged is taken from the previous
    output instead of being indexed again. ``stale_ok`` (``briefings serve``, to
    reload the browser before indexing) also takes a changed group's previous
    index as it is, and lists it in ``stats.stale``: the caller must index it
    again (:func:`search_files` without ``stale_ok``) and publish that. A failure
    (the Pagefind binary missing or crashing) is reported as one error in
    ``diags`` and returns no files; the caller then does not publish.

    ``scratch``: Pagefind's working folder is ``scratch`` followed by a random suffix
    (default: ``briefings-search-...`` in the system's temporary folder). The build puts
    it beside ``output/`` (:func:`scratch_prefix`), where the next build removes what a
    killed one left behind (generator/write.py). Where the system has a folder in memory
    with room for it (:data:`MEMORY_DIR`), the working folder is there instead, under a
    name made from ``scratch``, and likewise removed by the next build if left behind.
    """
    stats = stats if stats is not None else SearchStats()
    groups = briefing_groups(site, files)  # Pagefind gets indexed_part() of each (see there)

    def warn(message: str) -> None:
        diags.warning(SEARCH_DIR, message, hint="the search works; pin pagefind to a version this generator knows")

    try:
        out = index_groups(groups, cache, warn, stats, stale_ok=stale_ok, scratch=scratch)
    except FileNotFoundError as exc:
        diags.error(SEARCH_DIR, f"cannot build the search index: {exc}",
                    hint="install the Pagefind binary: pip install 'pagefind[bin]' (make site does)")
        return []
    except Exception as exc:  # noqa: BLE001 - any indexer failure is reported, never a traceback
        diags.error(SEARCH_DIR, f"cannot build the search index: Pagefind failed: {exc}",
                    hint="run the build again; if it persists, report it with this message")
        return []
    return out + [index_list(groups)]


def scratch_prefix(output_dir: Path) -> Path:
    """Where a build of ``output_dir`` puts Pagefind's working folders: beside it, hidden."""
    output_dir = output_dir.absolute()
    return output_dir.parent / f".{output_dir.name}.search-"


def index_list(groups: dict[str, list[OutputFile]]) -> OutputFile:
    """``pagefind/indexes.json``: the index folders (relative to ``pagefind/``), newest year
    first; the search page loads the first and merges the others into it."""
    data = {"indexes": [{"path": f"{name}/", "year": None if name == UNDATED else name, "pages": len(pages)}
                        for name, pages in groups.items()]}
    return OutputFile(INDEX_LIST, json.dumps(data, separators=(",", ":")).encode("utf-8") + b"\n")


def group_key(name: str, pages: list[OutputFile], version: str) -> bytes:
    """What a group's index is a function of: its pages' paths and indexed parts
    (:func:`indexed_part`), Pagefind's version, our code."""
    h = hashlib.sha256(_KEY_VERSION + b"\x00" + _code_digest() + version.encode() + b"\x00")
    h.update(name.encode() + b"\x00")
    for page in sorted(pages, key=lambda p: p.path):
        # the renderer's record of it where there is one: a page reused from the last output is not read
        indexed = page.facts.indexed if page.facts is not None else hashlib.sha256(indexed_part(page.data)).digest()
        h.update(page.path.encode() + b"\x00" + indexed)
    return h.digest()


@functools.lru_cache(maxsize=1)
def _code_digest() -> bytes:
    return hashlib.sha256(Path(__file__).read_bytes()).digest()


def index_groups(groups: dict[str, list[OutputFile]], cache: BuildCache | None,
                 warn: Callable[[str], None] | None, stats: SearchStats,
                 stale_ok: bool = False, scratch: Path | None = None) -> list[OutputFile]:
    """Every group's bundle as output files: reused from the last output where the cache
    allows, else indexed (several groups at a time). ``stale_ok``: see :func:`search_files`.
    Raises if Pagefind fails."""
    started = time.perf_counter()
    binary = pagefind_binary()
    version = pagefind_version(binary)
    out: list[OutputFile] = []
    todo: dict[str, bytes] = {}
    stats.groups = list(groups)
    # Where Pagefind works, decided once for the site: the order in which it finds the pages,
    # which numbers them in its index, is the folder's, and a folder in memory lists its files
    # in another order than one on disk; so the place is part of every group's key.
    where = _working_place(scratch, need=_need(groups))
    place = "memory" if where.get("dir") == MEMORY_DIR else "disk"
    for name, pages in groups.items():
        key = group_key(name, pages, f"{version}\x00{place}")
        reused = _reuse(cache, name, key) if cache is not None else None
        if reused is not None:
            out += reused
            stats.reused.append(name)
        elif stale_ok and cache is not None and (stale := _reuse(cache, name, None)) is not None:
            out += stale
            stats.stale.append(name)
        else:
            todo[name] = key
    if todo:
        built = _index_many({name: groups[name] for name in todo}, binary, warn, stats, where=where)
        for name, files in built.items():
            out += files
            if cache is not None:
                cache.store_search_index(name, (todo[name], tuple(
                    (f.path, hashlib.sha256(f.data).digest(), len(f.data)) for f in files)))
    stats.seconds = time.perf_counter() - started
    return sorted(out, key=lambda f: f.path)


@dataclass
class _Stored:  # what BuildCache.previous_output checks
    sha256: bytes
    size: int


def _reuse(cache: BuildCache, name: str, key: bytes | None) -> list[OutputFile] | None:
    """The group's files from the previous output, if its key matches (any key when ``key``
    is None: a stale index, still recorded under its old key) and every file is intact."""
    entry = cache.search_index(name)
    if entry is None or (key is not None and entry[0] != key):
        return None
    files = []
    for path, sha256, size in entry[1]:
        data = cache.previous_output(path, _Stored(sha256, size))
        if data is None:
            return None
        files.append(OutputFile(path, data))
    cache.store_search_index(name, entry)  # used by this build: kept
    return files


# ---- running Pagefind ----------------------------------------------------------

def pagefind_binary() -> Path:
    """The Pagefind executable (``PAGEFIND_BINARY_PATH``, else the one ``pagefind[bin]`` installed)."""
    # Imported here so that `briefings check` and every stage that does not
    # index keep working (and report clearly) without the package.
    try:
        from pagefind.service import get_executable
    except ImportError as exc:
        raise FileNotFoundError("the 'pagefind' Python package is not installed") from exc
    binary = get_executable()
    if binary is None or not Path(binary).is_file():
        raise FileNotFoundError("the Pagefind binary was not found")
    return Path(binary)


def pagefind_version(binary: Path) -> str:
    """``pagefind --version``, asked once per binary file (path, size, modification time)."""
    st = binary.stat()
    return _version(str(binary), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _version(binary: str, size: int, mtime_ns: int) -> str:  # noqa: ARG001 - the cache key
    done = subprocess.run([binary, "--version"], capture_output=True, env=_environment(), timeout=60,
                          stdin=subprocess.DEVNULL)
    text = (done.stdout or done.stderr).decode("utf-8", "replace").strip()
    if done.returncode != 0 or not text:
        raise RuntimeError(f"'{binary} --version' exited with status {done.returncode}: {text[-300:]}")
    return text


def _environment() -> dict[str, str]:
    # PAGEFIND_* variables configure the CLI (PAGEFIND_SITE, PAGEFIND_ROOT_SELECTOR...):
    # none may change the index behind the cache's back.
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("PAGEFIND_")}


def _index_many(groups: dict[str, list[OutputFile]], binary: Path, warn: Callable[[str], None] | None,
                stats: SearchStats, where: dict | None = None) -> dict[str, list[OutputFile]]:
    """Index each group in its own Pagefind process, :data:`CONCURRENCY` at a time, in a
    working folder made with ``tempfile`` arguments ``where`` (:func:`_working_place`)."""
    workers = max(1, min(CONCURRENCY, len(groups)))
    with tempfile.TemporaryDirectory(**(where or {"prefix": "briefings-search-"})) as work:
        def one(name: str) -> tuple[list[OutputFile], int]:
            folder = Path(work) / name
            folder.mkdir()
            return index_pages(groups[name], folder, f"{SEARCH_DIR}/{name}", warn, binary=binary)

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pagefind") as pool:
            done = dict(zip(groups, pool.map(one, groups)))
    peaks = sorted((peak for _, peak in done.values()), reverse=True)
    stats.indexed = list(groups)
    stats.processes += len(groups)
    stats.peak_rss = max(stats.peak_rss, peaks[0] if peaks else 0)
    stats.peak_rss_sum = max(stats.peak_rss_sum, sum(peaks[:workers]))
    return {name: files for name, (files, _) in done.items()}


#: A folder held in memory (Linux's tmpfs), where Pagefind's working files go when it has room.
#: On disk they cost more than Pagefind: a year's index writes 1,000 pages and reads 1,100 files
#: back, all deleted at once, and on ext4 a file created soon after many were deleted takes
#: several times as long, for minutes (the next build's too). Measured on 10,000 briefings:
#: a cold build with the index 40.2 -> 34.0 s, the first edit after it 10.3 -> 7.4 s.
MEMORY_DIR = Path("/dev/shm")
#: Room left free in :data:`MEMORY_DIR` beyond what the indexers need (others use it too).
MEMORY_MARGIN = 64 << 20


def _size(page: OutputFile) -> int:
    size = getattr(page, "size", None)  # a staged page's bytes are on disk (generator/write.py)
    return size if isinstance(size, int) else len(page.data)


def _need(groups: dict[str, list[OutputFile]]) -> int:
    """Room for Pagefind's working folders at the most (the largest groups, indexed together):
    the same for every build of a site, whichever groups it indexes."""
    sizes = sorted((sum(_size(page) for page in pages) for pages in groups.values()), reverse=True)
    return 3 * sum(sizes[:CONCURRENCY])


def _working_place(scratch: Path | None, need: int) -> dict:
    """Where :func:`_index_many` makes its working folder (``tempfile`` arguments): in
    :data:`MEMORY_DIR`, if it has ``need`` bytes to spare, under a name made from ``scratch``
    (so that what a killed build left there is found and removed, as beside ``output/``);
    else ``scratch`` (see :func:`search_files`), or the system's temporary folder."""
    try:
        roomy = MEMORY_DIR.is_dir() and os.access(MEMORY_DIR, os.W_OK | os.X_OK) and \
            shutil.disk_usage(MEMORY_DIR).free >= need + MEMORY_MARGIN
    except OSError:
        roomy = False
    if roomy:
        prefix = "briefings-search-"
        if scratch is not None:
            prefix += hashlib.sha256(os.fsencode(scratch.absolute())).hexdigest()[:16] + "-"
            for stale in MEMORY_DIR.glob(prefix + "*"):  # builds of one output are not run concurrently
                shutil.rmtree(stale, ignore_errors=True)
        return {"prefix": prefix, "dir": MEMORY_DIR}
    return {"prefix": scratch.name, "dir": scratch.parent} if scratch else {"prefix": "briefings-search-"}


def index_pages(pages: list[OutputFile], scratch: Path, out_prefix: str,
                warn: Callable[[str], None] | None = None, binary: Path | None = None,
                ) -> tuple[list[OutputFile], int]:
    """Index ``pages`` with one Pagefind process; (its bundle as files under ``out_prefix``,
    the process's peak resident size in bytes).

    ``scratch`` is an empty folder this function may fill. ``out_prefix`` is the
    bundle's folder in the site (e.g. ``pagefind/2022``).
    """
    binary = binary or pagefind_binary()
    site_dir, bundle_dir = scratch / "site", scratch / "bundle"
    site_dir.mkdir()
    for page in pages:  # what Pagefind reads of each, made one at a time (the pages are large)
        target = site_dir / PurePosixPath(page.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(indexed_part(page.data))
    peak = _run_pagefind(binary, site_dir, bundle_dir, scratch)
    shutil.rmtree(site_dir, ignore_errors=True)
    bundle: dict[str, bytes] = {}
    for path in sorted(p for p in bundle_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(bundle_dir).as_posix()
        if any(fnmatch.fnmatchcase(rel, pattern) for pattern in _UNUSED) or rel.startswith("playground/"):
            continue
        bundle[rel] = path.read_bytes()
    shutil.rmtree(bundle_dir, ignore_errors=True)
    bundle = canonical_bundle(bundle, warn)
    return [OutputFile(f"{out_prefix}/{rel}", data) for rel, data in sorted(bundle.items())], peak


def _run_pagefind(binary: Path, site_dir: Path, bundle_dir: Path, workdir: Path) -> int:
    """Run ``pagefind --site site_dir --output-path bundle_dir``; its peak resident size in
    bytes (0 where ``/proc`` cannot tell).

    It runs in ``workdir`` (which holds no pagefind.yml, .toml or .json for it to
    read) with the PAGEFIND_* variables removed, so only these arguments shape
    the index.
    """
    log_path = workdir / "pagefind.log"
    command = [str(binary), "--site", str(site_dir), "--output-path", str(bundle_dir), "--silent"]
    peak = 0
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=workdir, env=_environment(), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            # The peak is read from /proc while it runs: the rusage of a child started
            # by a large process counts that process's memory too (the mm it exec'ed from).
            while True:
                peak = max(peak, _high_water_mark(proc.pid))
                try:
                    proc.wait(timeout=_POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    continue
        except BaseException:
            proc.kill()
            proc.wait()
            raise
    if proc.returncode != 0:
        said = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"pagefind exited with status {proc.returncode}" + (f": {' / '.join(said)}" if said else ""))
    return peak


_POLL_SECONDS = 0.02


def _high_water_mark(pid: int) -> int:
    """The peak resident size of a running process, in bytes (Linux: VmHWM), or 0."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


# ---- making Pagefind's output reproducible, and its page ids sortable ---------
#
# Pagefind (1.x) writes two lists in hash-map order: the values inside each
# filter chunk (filter/*.pf_filter) and the list of filters in the meta file
# (pagefind.*.pf_meta). Both are gzip-compressed CBOR after a "pagefind_dcd"
# signature, and files are named by a hash of their content, so the names,
# and the entry file that names the meta file, change too. canonical_bundle()
# sorts those two lists, recompresses without a timestamp and renames the files
# by a hash of their new content. It checks first that it can re-encode every
# file it touches byte for byte; if Pagefind's format ever differs from what is
# expected here, the bundle is returned exactly as Pagefind wrote it (correct,
# only not reproducible, and not sortable by date across years), and
# test_search.py's tests fail loudly.
#
# It also gives each dated page the id "<date>_<Pagefind's id>" (the id is the
# name of the page's fragment file, listed in the meta file and nowhere else):
# Pagefind's merged search re-sorts results by score, so the search page sorts
# them by date itself, reading the date from the id (no download). As a bonus,
# ids are unique across years: Pagefind's own (7 hex digits) are unique only
# within one index.

_SIGNATURE = b"pagefind_dcd"


class _Unexpected(Exception):
    pass


def _cbor_decode(data: bytes, pos: int = 0):
    """(value, next position) for the CBOR subset Pagefind writes."""
    if pos >= len(data):
        raise _Unexpected("truncated")
    major, info = data[pos] >> 5, data[pos] & 0x1F
    pos += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        arg = int.from_bytes(data[pos:pos + size], "big")
        pos += size
    else:
        raise _Unexpected(f"CBOR additional info {info}")
    if major == 0:
        return arg, pos
    if major == 2:
        return bytes(data[pos:pos + arg]), pos + arg
    if major == 3:
        return data[pos:pos + arg].decode("utf-8"), pos + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, pos = _cbor_decode(data, pos)
            items.append(item)
        return items, pos
    raise _Unexpected(f"CBOR major type {major}")


def _cbor_head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise _Unexpected("integer too large")


def _cbor_encode(value) -> bytes:
    if isinstance(value, bool):
        raise _Unexpected("bool")
    if isinstance(value, int):
        return _cbor_head(0, value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _cbor_head(3, len(raw)) + raw
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor_encode(v) for v in value)
    raise _Unexpected(type(value).__name__)


def _unpack(blob: bytes):
    raw = gzip.decompress(blob)
    if not raw.startswith(_SIGNATURE):
        raise _Unexpected("no signature")
    value, end = _cbor_decode(raw, len(_SIGNATURE))
    if end != len(raw) or _SIGNATURE + _cbor_encode(value) != raw:
        raise _Unexpected("does not round-trip")
    return value


def _fragment_fields(blob: bytes) -> dict:
    raw = gzip.decompress(blob)
    if not raw.startswith(_SIGNATURE):
        raise _Unexpected("no signature in a fragment")
    value = json.loads(raw[len(_SIGNATURE):])
    if not isinstance(value, dict):
        raise _Unexpected("fragment layout")
    return value


def _pack(value) -> bytes:
    return gzip.compress(_SIGNATURE + _cbor_encode(value), compresslevel=9, mtime=0)


def _content_hash(data: bytes, length: int) -> str:
    return hashlib.sha256(data).hexdigest()[:length]


def canonical_bundle(bundle: dict[str, bytes], warn: Callable[[str], None] | None = None) -> dict[str, bytes]:
    """The same bundle with Pagefind's hash-map-ordered files sorted and renamed (see above)."""
    try:
        return _canonical_bundle(bundle)
    except (_Unexpected, ValueError, KeyError, IndexError, TypeError, OSError, EOFError) as exc:
        if warn is not None:
            warn(f"the search index is not reproducible: unexpected Pagefind file layout ({exc or type(exc).__name__})")
        return bundle


def _canonical_bundle(bundle: dict[str, bytes]) -> dict[str, bytes]:
    out = dict(bundle)
    entry = json.loads(out.pop("pagefind-entry.json"))
    for language in entry["languages"].values():
        old_meta_name = f"pagefind.{language['hash']}.pf_meta"
        meta = _unpack(out.pop(old_meta_name))
        # meta = [version, pages, index chunks, filters [[name, chunk hash]...], sorts, meta fields]
        if not (isinstance(meta, list) and len(meta) == 6 and isinstance(meta[1], list)
                and isinstance(meta[3], list)):
            raise _Unexpected("meta layout")
        _date_ids(out, meta[1])
        filters = []
        for name, chunk in meta[3]:
            values = _unpack(out.pop(f"filter/{chunk}.pf_filter"))
            # filter chunk = [name, [[value, [page numbers]]...]]
            if not (isinstance(values, list) and len(values) == 2 and values[0] == name):
                raise _Unexpected("filter layout")
            values[1].sort(key=lambda item: item[0])
            data = _pack(values)
            prefix = chunk.split("_", 1)[0]
            new_chunk = f"{prefix}_{_content_hash(data, 7)}"
            out[f"filter/{new_chunk}.pf_filter"] = data
            filters.append([name, new_chunk])
        meta[3] = sorted(filters)
        data = _pack(meta)
        prefix = language["hash"].split("_", 1)[0]
        language["hash"] = f"{prefix}_{_content_hash(data, 10)}"
        out[f"pagefind.{language['hash']}.pf_meta"] = data
    out["pagefind-entry.json"] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return out


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_ids(out: dict[str, bytes], pages: list) -> None:
    """Prefix the id of every page whose fragment has a ``date`` meta value with that date."""
    # pages = [[id, word count]...]; the id names the fragment file
    seen = set()
    for page in pages:
        if not (isinstance(page, list) and len(page) == 2 and isinstance(page[0], str)):
            raise _Unexpected("page layout")
        old = page[0]
        meta = _fragment_fields(out[f"fragment/{old}.pf_fragment"]).get("meta") or {}
        date = meta.get("date") if isinstance(meta, dict) else None
        new = old
        if isinstance(date, str) and _DATE.fullmatch(date) and not old.startswith(f"{date}_"):
            new = f"{date}_{old}"
        if new in seen:
            raise _Unexpected("two pages with one id")
        seen.add(new)
        if new != old:
            out[f"fragment/{new}.pf_fragment"] = out.pop(f"fragment/{old}.pf_fragment")
            page[0] = new

