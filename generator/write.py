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
import stat
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


def previous_dir(output_dir: Path) -> Path:
    """Where the site before the current one is kept, to be updated into the next one."""
    return output_dir.parent / f".{output_dir.name}.previous"


def write_site(files: list[OutputFile], output_dir: Path,
               read_from_output: dict[str, tuple[tuple, bytes]] | None = None) -> WriteReport:
    """Write ``files`` as the new complete content of ``output_dir``.

    The new site is assembled in a folder beside ``output/`` and swapped in. Where
    the system can swap atomically, the site that was replaced is kept (hidden, as
    ``.output.previous``) and the next build updates it rather than building a folder
    from nothing: files that are still right there (the same inode as in
    ``output/``, whose bytes equal the new ones) are left alone, so a one-edit
    rebuild touches only what changed instead of recreating thousands of files
    and folders. Nothing about that folder is trusted: every file is checked
    against the new site, and anything else in it is removed.

    ``read_from_output`` (:attr:`generator.cache.BuildCache.read_from_output`) tells which
    of ``files`` hold the very bytes object read from ``output/`` during this build, and
    the identity (device, inode, size, modification time) of the file read: while that
    file is still the one there, it is not read again to be compared."""
    output_dir = output_dir.absolute()
    parent = output_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    # Leftovers of a build that was killed before it could clean up, the search indexer's
    # working folders included (generator.search.scratch_prefix); builds of one output
    # folder are not run concurrently.
    for pattern in (f"{output_dir.name}.old-*", f"{output_dir.name}.tmp-*", f".{output_dir.name}.search-*"):
        for stale in parent.glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)
    wanted: dict[str, bytes] = {}
    for f in files:
        rel = _safe_relpath(f.path).as_posix()
        if rel in wanted:
            raise ValueError(f"two outputs for {rel}")
        wanted[rel] = f.data
    previous = previous_dir(output_dir)
    reuse = output_dir.is_dir() and previous.is_dir() and not previous.is_symlink() and _can_exchange()
    if not reuse and (previous.is_symlink() or previous.exists()):
        _remove(previous)
    work = previous if reuse else Path(tempfile.mkdtemp(prefix=f"{output_dir.name}.tmp-", dir=parent))
    try:
        if reuse:
            _prune(work, wanted)
        written = unchanged = 0
        work_s, out_s = os.fspath(work), os.fspath(output_dir)
        for rel, data in wanted.items():  # plain strings: this runs for every file of the site
            target = f"{work_s}/{rel}"
            old = f"{out_s}/{rel}"
            try:
                st_old = os.lstat(old)
            except OSError:
                st_old = None
            known = read_from_output.get(rel) if read_from_output else None
            if st_old is not None and stat.S_ISREG(st_old.st_mode) and st_old.st_size == len(data) \
                    and ((known is not None and known[1] is data and known[0] == (
                        st_old.st_dev, st_old.st_ino, st_old.st_size, st_old.st_mtime_ns))
                         or _read(old) == data):
                try:
                    st_t = os.lstat(target)
                except OSError:
                    st_t = None
                if st_t is not None and (st_t.st_ino, st_t.st_dev) == (st_old.st_ino, st_old.st_dev):
                    unchanged += 1  # already the very file output/ has
                    continue
                _clear(target, work_s, st_t)
                try:
                    os.link(old, target)
                    unchanged += 1
                    continue
                except OSError:
                    pass
            else:
                _clear(target, work_s)
            Path(target).write_bytes(data)  # a new inode: never writes into a file output/ shares
            written += 1
        os.chmod(work, 0o755)
        _publish(work, output_dir, previous)
    except BaseException:
        if not reuse:
            shutil.rmtree(work, ignore_errors=True)
        raise
    return WriteReport(written=written, unchanged=unchanged)


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


_UNKNOWN = object()


def _clear(target: str, root: str, st: os.stat_result | None | object = _UNKNOWN) -> None:
    """Make room for a new file at ``target``: remove what is there, create its folders.
    Only what is inside ``root`` (the absolute path of the folder being written) is removed."""
    if st is _UNKNOWN:
        try:
            st = os.lstat(target)
        except OSError:
            st = None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(target, ignore_errors=True)
        else:
            os.unlink(target)
        return  # its folder exists
    parent = os.path.dirname(target)
    if not os.path.isdir(parent) or os.path.islink(parent):
        # A link or a file where a folder goes (in a kept folder): removed, inside ``root`` only;
        # what leads to ``root`` (a symlinked project folder, say) is never touched.
        inside = []
        p = parent
        while len(p) > len(root) and p.startswith(root + "/"):
            inside.append(p)
            p = os.path.dirname(p)
        for p in reversed(inside):
            if os.path.islink(p) or (os.path.lexists(p) and not os.path.isdir(p)):
                os.unlink(p)
        os.makedirs(parent, exist_ok=True)


def _prune(root: Path, wanted: dict[str, bytes]) -> None:
    """Remove from ``root`` every file, link and folder the new site does not have."""
    folders = {rel.rpartition("/")[0] for rel in wanted}
    for f in list(folders):
        while f:
            f = f.rpartition("/")[0]
            folders.add(f)

    def walk(path: str, rel: str) -> None:  # plain strings and scandir: this visits every file
        with os.scandir(path) as entries:
            for entry in entries:
                sub = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_symlink():
                    os.unlink(entry.path)
                elif entry.is_dir():
                    if sub in folders:
                        walk(entry.path, sub)
                    else:
                        shutil.rmtree(entry.path, ignore_errors=True)
                elif sub not in wanted:
                    os.unlink(entry.path)

    walk(os.fspath(root), "")


def _can_exchange() -> bool:
    return getattr(_libc, "renameat2", None) is not None


def _publish(work: Path, output_dir: Path, previous: Path) -> None:
    if not output_dir.exists():
        os.rename(work, output_dir)
        return
    if _exchange(work, output_dir):  # ``work`` now holds the site just replaced
        if work != previous:
            _remove(previous) if previous.is_symlink() or previous.exists() else None
            os.rename(work, previous)
        return
    old = work.with_name(work.name.replace(".tmp-", ".old-"))
    os.rename(output_dir, old)
    os.rename(work, output_dir)
    shutil.rmtree(old, ignore_errors=True)
