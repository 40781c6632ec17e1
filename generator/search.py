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

Pagefind's output is NOT fully byte-identical across two builds of the same
input (upstream issue Pagefind/pagefind#638): the filter chunks list their
values in hash-map order, so ``pagefind/filter/*.pf_filter`` (names and bytes),
the ``pagefind/pagefind.*.pf_meta`` file that names them, and
``pagefind/pagefind-entry.json`` that names the meta file can differ. The index
chunks, fragments, JS and WebAssembly are stable. :data:`UNSTABLE` matches
exactly those paths so the determinism tests can leave out only them.

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

from generator.diagnostics import Diagnostics
from generator.model import OutputFile, Site

#: Folder of the site the index is written to; the search page's script loads
#: ``/pagefind/pagefind.js`` from here.
SEARCH_DIR = "pagefind"

#: Pagefind files whose names and bytes vary between builds of the same input
#: (see the module docstring). Globs over output paths.
UNSTABLE = (
    f"{SEARCH_DIR}/filter/*.pf_filter",
    f"{SEARCH_DIR}/pagefind.*.pf_meta",
    f"{SEARCH_DIR}/pagefind-entry.json",
)

# Pagefind also writes its ready-made UI bundles; the theme builds its own
# results UI (escaping what Pagefind returns), so these are left out.
_UNUSED = ("pagefind-ui.*", "pagefind-modular-ui.*", "pagefind-component-ui.*", "pagefind-highlight.js")


def is_unstable(path: str) -> bool:
    """Whether an output path is one of Pagefind's non-reproducible files."""
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in UNSTABLE)


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
            return index_pages(pages, scratch_dir, SEARCH_DIR)
        except FileNotFoundError as exc:
            diags.error(SEARCH_DIR, f"cannot build the search index: {exc}",
                        hint="install the Pagefind binary: pip install 'pagefind[bin]' (make site does)")
        except Exception as exc:  # noqa: BLE001 - any indexer failure is reported, never a traceback
            diags.error(SEARCH_DIR, f"cannot build the search index: Pagefind failed: {exc}",
                        hint="run the build again; if it persists, report it with this message")
    return []


def index_pages(pages: list[OutputFile], scratch: Path, out_prefix: str) -> list[OutputFile]:
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
    out = []
    for path in sorted(p for p in bundle_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(bundle_dir).as_posix()
        if any(fnmatch.fnmatchcase(rel, pattern) for pattern in _UNUSED) or rel.startswith("playground/"):
            continue
        out.append(OutputFile(f"{out_prefix}/{rel}", path.read_bytes()))
    shutil.rmtree(bundle_dir, ignore_errors=True)
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
