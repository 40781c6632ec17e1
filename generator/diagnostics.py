"""Problems found in the input, reported the way a compiler does.

Every stage reports bad input as a :class:`Diagnostic` (file, line, message,
hint) instead of raising, so `briefings check` can list every problem at once
and no user ever sees a traceback. Imports nothing from the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int | None
    severity: str
    message: str
    hint: str = ""

    def format(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        text = f"{where}: {self.severity}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


@dataclass
class Diagnostics:
    """Collects problems; ``root`` makes paths short and machine-independent."""

    root: Path | None = None
    items: list[Diagnostic] = field(default_factory=list)

    def name(self, path: Path | str) -> str:
        p = Path(path)
        if self.root is not None:
            try:
                return p.absolute().relative_to(self.root.absolute()).as_posix()
            except ValueError:
                pass
        return str(path)

    def error(self, path: Path | str, message: str, line: int | None = None, hint: str = "") -> None:
        self.items.append(Diagnostic(self.name(path), line, ERROR, message, hint))

    def warning(self, path: Path | str, message: str, line: int | None = None, hint: str = "") -> None:
        self.items.append(Diagnostic(self.name(path), line, WARNING, message, hint))

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == WARNING]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.path, d.line or 0, d.severity, d.message))


class BuildError(Exception):
    """Raised to stop a stage; carries the diagnostics that explain why."""

    def __init__(self, diagnostics: Diagnostics):
        self.diagnostics = diagnostics
        super().__init__("; ".join(d.format() for d in diagnostics.errors))
