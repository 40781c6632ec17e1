"""Full-text search: a Pagefind index of the briefing pages, under ``/pagefind/``.

Pagefind (https://pagefind.app) is the field's standard for static search: the
browser loads only the index chunks a query needs, so it scales to large
archives with no server. We drive it through its Python API (the ``pagefind``
package; the binary comes from ``pagefind-bin``).

What is indexed is decided by the theme's ``data-pagefind-*`` attributes: only
the element marked ``data-pagefind-body`` (the briefing's ``<article>``) is
searchable, with its filters (topic, person, organization, place, source,
year), its sort key (date) and its metadata (title, date, source, summary).
Only briefing pages are handed to Pagefind, so home, archive, taxonomy, term and
timeline pages can never be results.

How it joins the atomic build: :func:`search_files` returns the index as
ordinary :class:`OutputFile` objects, which the build appends to the rendered
pages before ``write_site`` puts everything into its temporary folder and swaps
it in. The index is therefore part of the same all-or-nothing result, unchanged
index files keep their modification time like any page, and ``write.py`` needs
no special case. To get there, the briefing pages are written into a scratch
folder and indexed with one ``add_directory`` call; the Python API's per-file
``add_html_file`` costs one round trip to the Pagefind process per page
(about 0.1 s each in pagefind 1.5's reply loop), far too slow for 10,000 pages.

Pagefind's own output is not byte-identical across two builds of the same
input (upstream issue Pagefind/pagefind#638): it writes the values of each
filter, and the list of filters, in hash-map order. :func:`canonical_bundle`
sorts them and renames the affected files by their content, so the whole site,
index included, is reproducible (see the comment above it).

Pagefind has no incremental mode. :func:`index_pages` indexes any group of
pages into any folder, so a later change can build one index per year (each
rebuilt alone when one of its briefings changes) and merge them in the browser
with Pagefind's ``mergeIndex``; today one index covers the archive, which keeps
a reader's first query to one set of downloads.
"""

from __future__ import annotations

import asyncio
import fnmatch
import shutil
import tempfile
import threading
from pathlib import Path, PurePosixPath
from typing import Callable

from generator.diagnostics import Diagnostics
from generator.model import OutputFile, Site

#: Folder of the site the index is written to; the search page's script loads
#: ``/pagefind/pagefind.js`` from here.
SEARCH_DIR = "pagefind"

# Pagefind also writes its ready-made UI bundles; the theme builds its own
# results UI (escaping what Pagefind returns), so these are left out.
_UNUSED = ("pagefind-ui.*", "pagefind-modular-ui.*", "pagefind-component-ui.*", "pagefind-highlight.js")


def briefing_pages(site: Site, files: list[OutputFile]) -> list[OutputFile]:
    """The rendered pages of briefings, the only pages that are search results."""
    wanted = {b.url.strip("/") + "/index.html" for b in site.briefings if b.url}
    return [f for f in files if f.path in wanted]


def search_files(site: Site, files: list[OutputFile], diags: Diagnostics) -> list[OutputFile]:
    """The Pagefind index for the briefing pages among ``files``, as output files under ``pagefind/``.

    A failure (the Pagefind binary missing or crashing) is reported as one
    error in ``diags`` and returns no files; the caller then does not publish.
    """
    pages = briefing_pages(site, files)
    with tempfile.TemporaryDirectory(prefix="briefings-search-") as scratch:
        scratch_dir = Path(scratch)
        try:
            return index_pages(pages, scratch_dir, SEARCH_DIR, warn=lambda message: diags.warning(
                SEARCH_DIR, message, hint="the search works; pin pagefind to a version this generator knows"))
        except FileNotFoundError as exc:
            diags.error(SEARCH_DIR, f"cannot build the search index: {exc}",
                        hint="install the Pagefind binary: pip install 'pagefind[bin]' (make site does)")
        except Exception as exc:  # noqa: BLE001 - any indexer failure is reported, never a traceback
            diags.error(SEARCH_DIR, f"cannot build the search index: Pagefind failed: {exc}",
                        hint="run the build again; if it persists, report it with this message")
    return []


def index_pages(pages: list[OutputFile], scratch: Path, out_prefix: str,
                warn: Callable[[str], None] | None = None) -> list[OutputFile]:
    """Index ``pages`` with Pagefind and return its bundle as files under ``out_prefix``.

    ``scratch`` is an empty folder this function may fill. ``out_prefix`` is the
    bundle's folder in the site (``pagefind``, or e.g. ``pagefind/2022`` for a
    per-year index).
    """
    site_dir, bundle_dir = scratch / "site", scratch / "bundle"
    site_dir.mkdir()
    for page in pages:
        target = site_dir / PurePosixPath(page.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(page.data)
    _run(_index_directory(site_dir, bundle_dir))
    bundle: dict[str, bytes] = {}
    for path in sorted(p for p in bundle_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(bundle_dir).as_posix()
        if any(fnmatch.fnmatchcase(rel, pattern) for pattern in _UNUSED) or rel.startswith("playground/"):
            continue
        bundle[rel] = path.read_bytes()
    shutil.rmtree(bundle_dir, ignore_errors=True)
    bundle = canonical_bundle(bundle, warn)
    return [OutputFile(f"{out_prefix}/{rel}", data) for rel, data in sorted(bundle.items())]


# ---- making Pagefind's output reproducible ------------------------------------
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
# only not reproducible), and test_search.py's determinism test fails loudly.

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
    import gzip
    raw = gzip.decompress(blob)
    if not raw.startswith(_SIGNATURE):
        raise _Unexpected("no signature")
    value, end = _cbor_decode(raw, len(_SIGNATURE))
    if end != len(raw) or _SIGNATURE + _cbor_encode(value) != raw:
        raise _Unexpected("does not round-trip")
    return value


def _pack(value) -> bytes:
    import gzip
    return gzip.compress(_SIGNATURE + _cbor_encode(value), compresslevel=9, mtime=0)


def _content_hash(data: bytes, length: int) -> str:
    import hashlib
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
    import json
    out = dict(bundle)
    entry = json.loads(out.pop("pagefind-entry.json"))
    for language in entry["languages"].values():
        old_meta_name = f"pagefind.{language['hash']}.pf_meta"
        meta = _unpack(out.pop(old_meta_name))
        # meta = [version, pages, index chunks, filters [[name, chunk hash]...], sorts, meta fields]
        if not (isinstance(meta, list) and len(meta) == 6 and isinstance(meta[3], list)):
            raise _Unexpected("meta layout")
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


async def _index_directory(site_dir: Path, bundle_dir: Path) -> None:
    # Imported here so that `briefings check` and every stage that does not
    # index keep working (and report clearly) without the package.
    try:
        from pagefind.index import PagefindIndex
    except ImportError as exc:
        raise FileNotFoundError("the 'pagefind' Python package is not installed") from exc
    from pagefind.service import get_executable
    binary = get_executable()
    if binary is None or not Path(binary).is_file():
        raise FileNotFoundError("the Pagefind binary was not found")
    # Leaving the context writes the bundle to the configured output_path (an
    # explicit write_files() would be followed by a second write to the default
    # ./pagefind of the working directory).
    async with PagefindIndex({"output_path": str(bundle_dir)}) as index:
        await index.add_directory(str(site_dir))


def _run(coro) -> None:
    """Run a coroutine to completion, also when called from inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target, name="pagefind-index")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
