"""Benchmark of the search indexes (generator/search.py) on synthetic archives.

    python bench/search.py [--sizes 1000 10000] [--no-single]

For each size, writes a deterministic archive with ``generate_archive`` (from
bench/linking.py) and renders it once (not timed). Then, for the search index
alone, it prints:

* **cold**: every year indexed (one Pagefind process per year, as many at a
  time as generator.search.CONCURRENCY), with the time, the peak resident
  memory of the largest Pagefind process and of the processes running
  together, the size of what is shipped, and what a reader downloads before
  the first result (the primary index's JS and WebAssembly, and every index's
  entry and meta files);
* **one edit**: one sentence added to one briefing's body, the pages rendered
  again through the build cache as ``briefings build`` does, and the indexes
  built again with the cache of the cold run: the years whose pages changed
  are indexed, the others are taken from the cold run's files;
* **one index** (unless ``--no-single``): all briefing pages in one Pagefind
  process, as before the per-year indexes, for comparison.

Numbers only; nothing asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.linking import generate_archive  # noqa: E402  (the cross-linking benchmark's archives)
from generator.build import Paths, build  # noqa: E402
from generator.cache import BuildCache  # noqa: E402
from generator.diagnostics import Diagnostics  # noqa: E402
from generator.search import (  # noqa: E402
    CONCURRENCY,
    SearchStats,
    briefing_pages,
    index_pages,
    search_files,
)


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MiB"


def first_load(index) -> int:  # noqa: ANN001 - list[OutputFile]
    """Bytes fetched before the first result: the list of indexes, the primary's JS, worker
    and WebAssembly, and every index's entry, meta and filter files (the filter counts are
    shown from the start); the chunks of the query's words come on top."""
    total = 0
    primary = None
    for f in index:
        parts = f.path.split("/")
        if len(parts) == 2:  # pagefind/indexes.json
            total += len(f.data)
            continue
        primary = primary or parts[1]
        name = parts[-1]
        if name == "pagefind-entry.json" or name.endswith((".pf_meta", ".pf_filter")):
            total += len(f.data)
        elif parts[1] == primary and name in ("pagefind.js", "pagefind-worker.js", "wasm.en.pagefind"):
            total += len(f.data)
    return total


def write_out(files, output: Path) -> None:  # noqa: ANN001 - list[OutputFile]
    for f in files:
        target = output / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.data)


def index_once(site, files, cache: BuildCache) -> tuple[list, SearchStats]:  # noqa: ANN001
    stats, diags = SearchStats(), Diagnostics()
    index = search_files(site, files, diags, cache=cache, stats=stats)
    if diags.errors:
        raise SystemExit(f"indexing failed: {diags.errors[0].format()}")
    return index, stats


def run(n: int, single: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        content = generate_archive(n, Path(tmp) / "content")
        paths = Paths(content=content, theme=ROOT / "themes" / "default", output=Path(tmp) / "output")
        cache = BuildCache()  # in memory, as `briefings serve` keeps it
        result = build(paths, write=False, cache=cache)
        if not result.ok:
            print(f"{n:>6} briefings: build failed: {[d.format() for d in result.diagnostics.errors][:3]}")
            return
        cache.output_dir = paths.output  # where the next build finds the index files it reuses

        index, cold = index_once(result.site, result.files, cache)
        write_out(index, paths.output)
        total = sum(len(f.data) for f in index)
        print(f"{n:>6} briefings, {len(cold.groups)} indexes (one per year"
              f"{', and undated' if 'undated' in cold.groups else ''}), {CONCURRENCY} Pagefind processes at a time:")
        print(f"{'':>8}cold:     {cold.seconds:6.1f} s, {cold.processes} processes, peak {mib(cold.peak_rss)} per "
              f"process ({mib(cold.peak_rss_sum)} together); {len(index):,} files, {mib(total)}; "
              f"before the first result a reader loads {first_load(index) / 1024:,.0f} KiB")

        # One edit: a sentence added to one briefing of the largest year, rendered again.
        year = max(cold.groups, key=lambda g: sum(1 for b in result.site.briefings if b.date and str(b.date.year) == g))
        target = sorted((content / "briefings" / year).glob("*.md"))[len(list((content / "briefings" / year).glob("*.md"))) // 2]
        target.write_text(target.read_text(encoding="utf-8").rstrip("\n") + "\n\nOne sentence added by an editor.\n",
                          encoding="utf-8")
        started = time.perf_counter()
        again = build(paths, write=False, cache=cache)
        render_seconds = time.perf_counter() - started
        cache.output_dir = paths.output
        index2, edit = index_once(again.site, again.files, cache)
        print(f"{'':>8}one edit: {edit.seconds:6.1f} s, {len(edit.indexed)} of {len(edit.groups)} years indexed "
              f"({', '.join(edit.indexed) or 'none'}; the edit was in {year}), peak {mib(edit.peak_rss)}; "
              f"{sum(1 for f in index2 if f not in index):,} files changed "
              f"(the pages were rendered again in {render_seconds:.1f} s, not counted)")

        if single:
            pages = briefing_pages(result.site, result.files)
            with tempfile.TemporaryDirectory(prefix="bench-search-one-") as scratch:
                started = time.perf_counter()
                one, peak = index_pages(pages, Path(scratch), "pagefind")
                seconds = time.perf_counter() - started
            print(f"{'':>8}one index of all {len(pages):,} pages (before): {seconds:6.1f} s, peak {mib(peak)}; "
                  f"{len(one):,} files, {mib(sum(len(f.data) for f in one))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--no-single", dest="single", action="store_false",
                        help="skip indexing every page in one index (the layout before per-year indexes)")
    args = parser.parse_args()
    print("search index (Pagefind):")
    for n in args.sizes:
        run(n, args.single)


if __name__ == "__main__":
    main()
