"""generator.parallel: results in order and the same whatever the number of workers."""

from __future__ import annotations

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
