"""Progress of long work on a terminal: one self-erasing line on stderr.

Only shown when stderr is a terminal (never in logs, pipes or tests) and only
for jobs big enough to take a while; ``--quiet`` turns it off.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

#: ``progress(label, total)`` returns a callback told how many more items are done.
ProgressFactory = Callable[[str, int], Callable[[int], None]]

#: Jobs with fewer items than this show no bar.
MIN_ITEMS = 200
WIDTH = 30


class Bar:
    def __init__(self, label: str, total: int, stream: TextIO):
        self.label, self.total, self.stream = label, total, stream
        self.done = 0
        self._shown = 0.0

    def __call__(self, n: int) -> None:
        self.done = min(self.total, self.done + n)
        now = time.monotonic()
        if self.done < self.total and now - self._shown < 0.1:
            return
        self._shown = now
        filled = WIDTH * self.done // max(self.total, 1)
        self.stream.write(f"\r{self.label:<18} [{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total}")
        if self.done >= self.total:
            self.stream.write("\r\x1b[K")  # erase the bar: the summary line follows
        self.stream.flush()


def _nothing(n: int) -> None:
    pass


def terminal_progress(stream: TextIO | None = None, *, quiet: bool = False) -> ProgressFactory | None:
    """A progress factory for ``stream`` (stderr), or None when no bar should be shown."""
    stream = stream or sys.stderr
    if quiet or not stream.isatty():
        return None

    def factory(label: str, total: int) -> Callable[[int], None]:
        return Bar(label, total, stream) if total >= MIN_ITEMS else _nothing

    return factory
