"""Spread a build's independent work (Markdown, pages) over the machine's cores.

Workers are forked after the site is in memory, so they share it without
copying or pickling it; each returns plain results (text, bytes, tuples). Small
jobs, and systems without ``fork``, run in the calling process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence

#: Below this many items, a job runs in the calling process (forking costs more).
MIN_PARALLEL = 64
#: Items per chunk sent to a worker.
CHUNK = 64

_job: Callable | None = None


def workers() -> int:
    env = os.environ.get("BRIEFINGS_JOBS")
    if env and env.isdigit():
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _run_chunk(chunk: Sequence) -> list:
    assert _job is not None
    return [_job(item) for item in chunk]


def run(fn: Callable, items: Sequence, progress: Callable[[int], None] | None = None) -> Iterator:
    """``fn(item)`` for every item, in order; in forked workers when worth it."""
    global _job
    n = workers()
    if n < 2 or len(items) < MIN_PARALLEL or "fork" not in multiprocessing.get_all_start_methods():
        for item in items:
            yield fn(item)
            if progress:
                progress(1)
        return
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    _job = fn
    try:
        with multiprocessing.get_context("fork").Pool(processes=min(n, len(chunks))) as pool:
            for results in pool.imap(_run_chunk, chunks):
                yield from results
                if progress:
                    progress(len(results))
    finally:
        _job = None
