"""The only module that writes ``output/``.

A build is written into a fresh folder beside ``output/`` and swapped in only
when complete, so a failed or killed build leaves the previous site as it was.
On Linux the swap is one atomic ``renameat2(RENAME_EXCHANGE)``; elsewhere two
renames. A file whose bytes equal the previous build's is hard-linked from it,
not rewritten, so its modification time stays (cheap rsync deploys).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.model import OutputFile


class UnsafeOutput(Exception):
    """The output folder is not one we may replace."""


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int


def check_output_dir(output_dir: Path, protected: list[Path]) -> None:
    """Refuse an output folder that is, or contains, a source folder."""
    out = output_dir.resolve()
    for p in protected:
        src = p.resolve()
        if out == src or src.is_relative_to(out):
            raise UnsafeOutput(f"{output_dir}: refusing to use as output, it contains {p}; choose another --output")
    if out == Path(out.anchor) or out == Path.home().resolve():
        raise UnsafeOutput(f"{output_dir}: refusing to replace this folder; choose another --output")
    if output_dir.is_symlink() or (output_dir.exists() and not output_dir.is_dir()):
        raise UnsafeOutput(f"{output_dir}: exists and is not a folder; remove it or choose another --output")


def _safe_relpath(path: str) -> PurePosixPath:
    p = PurePosixPath(path)
    if p.is_absolute() or not p.parts or any(part in ("..", ".", "") for part in p.parts) or "\x00" in path:
        raise ValueError(f"unsafe output path {path!r}")
    return p


_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths; False where the system cannot."""
    renameat2 = getattr(_libc, "renameat2", None)
    if renameat2 is None:
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def write_site(files: list[OutputFile], output_dir: Path) -> WriteReport:
    """Write ``files`` as the new complete content of ``output_dir``."""
    output_dir = output_dir.absolute()
    parent = output_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    # Leftovers of a build that was killed before it could clean up (builds of
    # one output folder are not run concurrently).
    for pattern in (f"{output_dir.name}.old-*", f"{output_dir.name}.tmp-*"):
        for stale in parent.glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{output_dir.name}.tmp-", dir=parent))
    written = unchanged = 0
    try:
        seen: set[str] = set()
        for f in files:
            rel = _safe_relpath(f.path)
            if rel.as_posix() in seen:
                raise ValueError(f"two outputs for {rel}")
            seen.add(rel.as_posix())
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            old = output_dir / rel
            if old.is_file() and not old.is_symlink() and old.stat().st_size == len(f.data) \
                    and old.read_bytes() == f.data:
                try:
                    os.link(old, target)
                    unchanged += 1
                    continue
                except OSError:
                    pass
            target.write_bytes(f.data)
            written += 1
        os.chmod(tmp, 0o755)
        _publish(tmp, output_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return WriteReport(written=written, unchanged=unchanged)


def _publish(tmp: Path, output_dir: Path) -> None:
    if not output_dir.exists():
        os.rename(tmp, output_dir)
        return
    if _exchange(tmp, output_dir):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous site
        return
    old = tmp.with_name(tmp.name.replace(".tmp-", ".old-"))
    os.rename(output_dir, old)
    os.rename(tmp, output_dir)
    shutil.rmtree(old, ignore_errors=True)
