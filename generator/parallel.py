"""Spread a build's independent work (Markdown, pages) over the machine's cores.

Workers are forked after the site is in memory, so they share it without
copying or pickling it; each returns plain results (text, bytes, tuples). Small
jobs, and systems without ``fork``, run in the calling process.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.pool
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


#: A worker collects once this many objects (that the collector tracks) were made and not
#: freed since its last collection: what the work left in cycles, and what it keeps (memos).
COLLECT_AFTER = 100_000


def _start_worker() -> None:
    # Python's collector runs every few hundred allocations and goes over every young object
    # each time: a tenth of a render worker's time. A worker collects between chunks instead
    # (below), once the chunks have left enough; what it inherits from the build stays alive anyway.
    gc.disable()


def _forked_pool(processes: int) -> multiprocessing.pool.Pool:
    """A pool of ``processes`` workers, forked now.

    The build runs with Python's collector off, so every object made since it began is still
    in the collector's youngest generation, and a forked worker inherits that: its first
    collection would go over the whole site, and write to every object it went over, making
    the system copy nearly all the pages the worker shares with this process. Frozen while
    the workers are forked, the site is out of the workers' collections (and of this
    process's own again right after)."""
    gc.freeze()
    try:
        return multiprocessing.get_context("fork").Pool(processes=processes, initializer=_start_worker)
    finally:
        gc.unfreeze()


def _run_chunk(chunk: Sequence) -> list:
    assert _job is not None
    results = [_job(item) for item in chunk]
    # The cycles the chunks left. Rendering a page leaves almost none now (generator/pages.py):
    # collecting after every chunk went over what the chunk kept, for little (0.3 s at 10,000 briefings).
    if gc.get_count()[0] > COLLECT_AFTER:
        gc.collect(0)
    return results


def run(fn: Callable, items: Sequence, progress: Callable[[int], None] | None = None) -> Iterator:
    """``fn(item)`` for every item, in order; in forked workers when worth it."""
    global _job
    n = workers()
    if n < 2 or len(items) < MIN_PARALLEL or "fork" not in multiprocessing.get_all_start_methods():
        for item in items:
            result = fn(item)
            if progress:  # before yielding: a consumer (zip) may stop after the last item
                progress(1)
            yield result
        return
    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    _job = fn
    try:
        with _forked_pool(min(n, len(chunks))) as pool:
            for results in pool.imap(_run_chunk, chunks):
                if progress:
                    progress(len(results))
                yield from results
    finally:
        _job = None


class Pending:
    """The value of a function running in the background (see :func:`background`)."""

    def __init__(self, pool=None, handle=None, value=None):  # noqa: ANN001 - multiprocessing objects
        self._pool, self._handle, self._value = pool, handle, value

    def result(self):  # noqa: ANN201 - whatever the function returns
        if self._pool is not None:
            try:
                self._value = self._handle.get()
            finally:
                self._pool.terminate()
                self._pool.join()
                self._pool = None
        return self._value


_background: Callable | None = None


def _run_background() -> object:
    assert _background is not None
    return _background()


def background(fn: Callable[[], object]) -> Pending:
    """Start ``fn()`` in a forked process and return at once, so that the caller can do
    other work meanwhile; ``.result()`` waits for its (picklable) value. Runs ``fn``
    right away in this process where there is one core or no ``fork``."""
    global _background
    if workers() < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return Pending(value=fn())
    _background = fn
    try:
        pool = _forked_pool(1)  # forks now, with fn in it
    finally:
        _background = None
    return Pending(pool, pool.apply_async(_run_background))


class Shared:
    """``fn(item)`` for every item, each item done once, by whichever process is free: the
    background processes (one per core but this one's) start at once, and this process joins
    them when it calls :meth:`results`, after its own work. So the work ends at about the same
    time on every core, however long this process was busy first."""

    def __init__(self, fn: Callable, items: Sequence):
        self._fn, self._items = fn, items
        helpers = workers() - 1 if "fork" in multiprocessing.get_all_start_methods() else 0
        self._next = multiprocessing.get_context("fork").Value("q", 0) if helpers > 0 else None
        self._pending = [background(self._claim_and_do) for _ in range(helpers)]

    def _claim_and_do(self) -> dict:
        """Items claimed one by one until none is left: {position: result}."""
        done = {}
        while True:
            with self._next.get_lock():
                k = self._next.value
                self._next.value = k + 1
            if k >= len(self._items):
                return done
            done[k] = self._fn(self._items[k])

    def results(self) -> list:
        """``[fn(item) for item in items]``, in order; waits for the background processes."""
        if self._next is None:
            return [self._fn(item) for item in self._items]
        done = self._claim_and_do()
        for pending in self._pending:
            done.update(pending.result())
        return [done[k] for k in range(len(self._items))]
