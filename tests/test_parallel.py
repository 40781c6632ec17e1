"""generator.parallel: results in order and the same whatever the number of workers."""

from __future__ import annotations

import gc
import os

import pytest

from generator import parallel


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_run_keeps_order_and_reports_progress(monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    monkeypatch.setenv("BRIEFINGS_JOBS", jobs)
    done = []
    assert list(parallel.run(lambda x: x * x, range(500), done.append)) == [x * x for x in range(500)]
    assert sum(done) == 500


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_background_returns_the_value_and_runs_meanwhile(monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    monkeypatch.setenv("BRIEFINGS_JOBS", jobs)
    data = list(range(1000))
    pending = parallel.background(lambda: (os.getpid(), sum(data)))
    pid, total = pending.result()
    assert total == sum(data)
    assert (pid != os.getpid()) == (jobs == "2")  # forked only when there are two workers
    assert pending.result() == (pid, total)  # asking again gives the same value


def test_background_raises_what_the_function_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFINGS_JOBS", "2")

    def fails() -> None:
        raise ValueError("from the background")

    with pytest.raises(ValueError, match="from the background"):
        parallel.background(fails).result()


@pytest.mark.parametrize("jobs", ["1", "2", "3"])
def test_shared_does_each_item_once_in_order_whoever_takes_it(monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    import time

    monkeypatch.setenv("BRIEFINGS_JOBS", jobs)

    def job(k: int) -> tuple[int, int]:
        time.sleep(0.002)
        return k * k, os.getpid()

    work = parallel.Shared(job, list(range(300)))
    time.sleep(0.2)  # this process is busy with its own work meanwhile: the helpers have begun
    results = work.results()
    assert [r for r, _ in results] == [k * k for k in range(300)]
    pids = {pid for _, pid in results}
    if jobs == "1":
        assert pids == {os.getpid()}
    else:  # the helpers took items while this process was busy, and it took the ones left
        assert len(pids - {os.getpid()}) == int(jobs) - 1
        assert os.getpid() in pids


def test_shared_raises_what_an_item_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFINGS_JOBS", "2")

    def job(k: int) -> int:
        if k == 150:
            raise ValueError("item 150")
        return k

    with pytest.raises(ValueError, match="item 150"):
        parallel.Shared(job, list(range(200))).results()


def test_workers_leave_what_they_inherit_out_of_their_collections(monkeypatch: pytest.MonkeyPatch) -> None:
    # The build runs with the collector off: all it made is young. A worker forked with it
    # young would go over all of it at its first collection, copying the pages it shares.
    monkeypatch.setenv("BRIEFINGS_JOBS", "2")
    enabled = gc.isenabled()
    gc.disable()
    try:
        site = [[k] for k in range(200_000)]  # lists: always tracked by the collector
        seen = list(parallel.run(lambda _: (gc.get_count()[0], gc.get_freeze_count(), gc.isenabled()), range(100)))
        story = parallel.background(lambda: (gc.get_count()[0], gc.get_freeze_count(), gc.isenabled())).result()
        assert gc.get_freeze_count() == 0  # this process collects as before
    finally:
        if enabled:
            gc.enable()
    for young, frozen, collecting in [*seen, story]:
        assert young < 50_000 and frozen >= len(site) and not collecting


def test_workers_collect_the_cycles_their_work_leaves_between_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFINGS_JOBS", "2")
    monkeypatch.setattr(parallel, "COLLECT_AFTER", 2_000)  # the workers are forked with it

    def cycle(_: int) -> tuple[int, bool, int]:
        a: list = []
        a.append(a)  # freed by the collector only
        return os.getpid(), gc.isenabled(), gc.get_count()[0]

    results = list(parallel.run(cycle, range(20_000)))
    assert {pid for pid, _, _ in results} - {os.getpid()}  # in workers
    assert not any(enabled for _, enabled, _ in results)  # the collector does not run by itself there
    assert gc.isenabled()  # nor is it changed here
    young = [n for _, _, n in results]
    assert max(young) < 2_000 + 2 * parallel.CHUNK + 500  # collected between chunks, not left to grow
    assert max(young) > 1_000  # but not after every chunk
