"""Benchmark of the search index (generator/search.py) on synthetic archives.

    python bench/search.py [--sizes 1000 10000]

For each size, writes a deterministic archive with ``generate_archive`` (from
bench/linking.py), renders it once (not timed), then prints the time Pagefind
takes to index the briefing pages, the size of the index it ships (all files
and the part a reader downloads before the first result: JS, WebAssembly,
entry and meta), and the time to index the largest single year alone, which is
what a per-year index would cost after one edit. Numbers only; nothing asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    from bench.linking import generate_archive  # noqa: E402  (the cross-linking benchmark's archives)
except ImportError:  # not there yet: a small deterministic stand-in with the same signature
    def generate_archive(n: int, dest: Path, seed: int = 0) -> Path:
        import random
        rng = random.Random(seed)
        words = sorted({w.strip(".,;:()“”\"'").lower() for f in sorted((ROOT / "seeds").glob("*.txt"))
                        for w in f.read_text(encoding="utf-8").split()} - {""}) or ["briefing"]
        topics = ["Arms control", "Diplomacy", "Sanctions", "Energy security", "Cyber defence", "Migration"]
        (dest / "briefings").mkdir(parents=True, exist_ok=True)
        (dest / "site.toml").write_text('title = "Bench"\nbase_url = "https://example.org/"\n', encoding="utf-8")
        for i in range(n):
            year, day = 2010 + i * 12 // max(n, 1), 1 + i % 28
            month = 1 + (i // 28) % 12
            body = "\n\n".join(" ".join(rng.choice(words) for _ in range(60)) for _ in range(4))
            folder = dest / "briefings" / str(year)
            folder.mkdir(exist_ok=True)
            (folder / f"{year}-{month:02d}-{day:02d}-b{i:05d}.md").write_text(
                f"---\ntitle: Briefing {i} on {rng.choice(words)}\ndate: {year}-{month:02d}-{day:02d}\n"
                f"source: Outlet {i % 10}\ntopics: [{rng.choice(topics)}]\n---\n\n{body}\n", encoding="utf-8")
        return dest
from generator.build import Paths, build  # noqa: E402
from generator.search import SEARCH_DIR, briefing_pages, index_pages, search_files  # noqa: E402


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB"


def run(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        content = generate_archive(n, Path(tmp) / "content")
        result = build(Paths(content=content, theme=ROOT / "themes" / "default", output=Path(tmp) / "out"),
                       write=False)
        if not result.ok:
            print(f"{n:>6} briefings: build failed: {[d.format() for d in result.diagnostics.errors][:3]}")
            return
        site, files = result.site, result.files
        pages = briefing_pages(site, files)
        from generator.diagnostics import Diagnostics
        diags = Diagnostics()
        started = time.perf_counter()
        index = search_files(site, files, diags)
        seconds = time.perf_counter() - started
        if diags.errors:
            print(f"{n:>6} briefings: indexing failed: {diags.errors[0].format()}")
            return
        total = sum(len(f.data) for f in index)
        first = sum(len(f.data) for f in index
                    if f.path.rsplit("/", 1)[-1].startswith(("pagefind.", "wasm.", "pagefind-entry", "pagefind-worker")))
        chunks = Counter(f.path.split("/")[1] for f in index if f.path.count("/") > 1)
        years = Counter(b.date.year for b in site.briefings if b.date)
        year, count = years.most_common(1)[0]
        year_pages = [p for p in pages if p.path.startswith(f"briefings/{year}/")]
        with tempfile.TemporaryDirectory(prefix="bench-search-year-") as scratch:
            started = time.perf_counter()
            index_pages(year_pages, Path(scratch), f"{SEARCH_DIR}/{year}")
            year_seconds = time.perf_counter() - started
        print(f"{n:>6} briefings: index built in {seconds:6.2f} s; {len(index)} files, {mib(total)} "
              f"({chunks['fragment']} fragments, {chunks['index']} index chunks, {chunks['filter']} filter chunks); "
              f"loaded before the first result: {first / 1024:.0f} KiB")
        print(f"{'':>6}            one year alone ({year}, {count} briefings) would index in {year_seconds:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    print("search index (Pagefind):")
    for n in args.sizes:
        run(n)


if __name__ == "__main__":
    main()
