"""The only module that writes ``output/``.

A build is written into a fresh folder beside ``output/`` and swapped in only
when complete, so a failed or killed build leaves the previous site as it was.
On Linux the swap is one atomic ``renameat2(RENAME_EXCHANGE)``; elsewhere two
renames. A file whose bytes equal the previous build's is hard-linked from it,
not rewritten, so its modification time stays (cheap rsync deploys).

A new folder (a first build) is filled with as few system calls as can be: each
folder made once, each file created, written and closed; a large site by a few
threads, since that is mostly the system's work, done without the GIL. Its pages
are put there by the render workers as they make them (:class:`Staging`), so only
the other files are left for :func:`write_site`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator import parallel
from generator.model import OutputFile, PageFacts


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


def _safe_rel(path: str) -> str:
    """``_safe_relpath(path).as_posix()``, at once for a path already in that form (every one a build makes)."""
    parts = path.split("/")
    if "" in parts or "." in parts or ".." in parts or "\x00" in path:
        return _safe_relpath(path).as_posix()
    return path


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
               read_from_output: dict[str, tuple[tuple, bytes]] | None = None,
               staging: Staging | None = None) -> WriteReport:
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
    file is still the one there, it is not read again to be compared.

    ``staging`` (from :func:`stage`, made before the pages were rendered): the new folder,
    which already holds the files of ``files`` that are its :class:`StagedFile`."""
    output_dir = output_dir.absolute()
    if staging is None:
        _clean_leftovers(output_dir)
    wanted: dict[str, bytes | KeptFile | None] = {}  # None: already in the staging folder
    for f in files:
        rel = _safe_rel(f.path)
        if rel in wanted:
            raise ValueError(f"two outputs for {rel}")
        if type(f) is StagedFile and f.staging is staging:
            wanted[rel] = None
        elif type(f) is KeptFile:  # linked from output/ while it is the file checked; read only if it cannot be
            wanted[rel] = f
        else:
            wanted[rel] = f.data
    previous = previous_dir(output_dir)
    if staging is not None:
        reuse, work = False, staging.work
    else:
        reuse = _keeps_previous(output_dir)
        if not reuse and (previous.is_symlink() or previous.exists()):
            _remove(previous)
        work = previous if reuse else _new_folder(output_dir)
    try:
        if reuse:
            _prune(work, wanted)
            written, unchanged = _update(work, output_dir, wanted, read_from_output)
        else:
            written, unchanged = _fill(work, output_dir, wanted, read_from_output, staging)
        os.chmod(work, 0o755)
        _publish(work, output_dir, previous)
    except BaseException:
        if not reuse:
            shutil.rmtree(work, ignore_errors=True)
        raise
    if staging is not None:
        staging.root = output_dir
    return WriteReport(written=written, unchanged=unchanged)


def _clean_leftovers(output_dir: Path) -> None:
    """Remove what a build killed before it could clean up left beside ``output_dir``, the search
    indexer's working folders included (generator.search.scratch_prefix); builds of one output
    folder are not run concurrently."""
    parent = output_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    for pattern in (f"{output_dir.name}.old-*", f"{output_dir.name}.tmp-*", f".{output_dir.name}.search-*"):
        for stale in parent.glob(pattern):
            shutil.rmtree(stale, ignore_errors=True)


def _keeps_previous(output_dir: Path) -> bool:
    """Whether the next site is made by updating the one kept from the build before (see write_site)."""
    previous = previous_dir(output_dir)
    return output_dir.is_dir() and previous.is_dir() and not previous.is_symlink() and _can_exchange()


def _new_folder(output_dir: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{output_dir.name}.tmp-", dir=output_dir.parent))


class Staging:
    """The folder of a new site, made before its pages are rendered, when the site is written
    from nothing (no site kept from the build before to update, see :func:`write_site`): the
    render workers put each page in it as soon as it is made (:meth:`put`), instead of sending
    its bytes to the building process to be written there. At 10,000 briefings that is 250 MB
    not sent through pipes, about a second of the building process's time, and the folders and
    files are made on every core while the pages are rendered.

    Made by :func:`stage`; :func:`write_site` adds the other files and publishes it, or
    :meth:`discard` removes it (a build that fails publishes nothing)."""

    def __init__(self, output_dir: Path, read_from_output: dict | None):
        self.output_dir = output_dir
        self.work = _new_folder(output_dir)
        #: Where the staged files are: the folder, then ``output_dir`` once it is published.
        self.root = self.work
        self._work_s = os.fspath(self.work)
        self._old_s = os.fspath(output_dir) if output_dir.is_dir() else None
        self._read_from_output = read_from_output
        #: The files put, with whether each is a link to the same file in ``output_dir`` (counted as unchanged).
        self.put_files: dict[str, bool] = {}

    def put(self, rel: str, data: bytes) -> bool | None:
        """Write ``data`` at ``rel`` in the folder as :func:`write_site` would: linked to the same
        file in ``output_dir`` if it holds these bytes, else a new file. Meant for the render
        workers; returns whether it is such a link, or None for a path it must not write (the caller
        then hands the bytes over as usual, and write_site says why). Raises what writing raised
        (a full disk, say): the build stops, and publishes nothing."""
        try:
            rel = _safe_rel(rel)
        except ValueError:
            return None
        target = f"{self._work_s}/{rel}"
        if self._old_s is not None:
            old = f"{self._old_s}/{rel}"
            if _same_as_old(old, rel, data, self._read_from_output) is not None:
                try:
                    _in_folder(target, lambda: os.link(old, target))
                    return True
                except OSError:
                    pass
        _in_folder(target, lambda: _write_new(target, data))
        return False

    def discard(self) -> None:
        """Remove the folder, unless it was published."""
        if self.root == self.work:
            shutil.rmtree(self.work, ignore_errors=True)


def stage(output_dir: Path, protected: list[Path], read_from_output: dict | None = None) -> Staging | None:
    """A :class:`Staging` for the site about to be built into ``output_dir``, if it is to be written
    from nothing; None if it updates the site kept from the build before. Checks the folder first
    (:func:`check_output_dir`), and removes what killed builds left."""
    check_output_dir(output_dir, protected)
    output_dir = output_dir.absolute()
    _clean_leftovers(output_dir)
    if _keeps_previous(output_dir):
        return None
    previous = previous_dir(output_dir)
    if previous.is_symlink() or previous.exists():
        _remove(previous)
    return Staging(output_dir, read_from_output)


def _in_folder(target: str, make: Callable[[], None]) -> None:
    """``make()``, which creates the file ``target``; its folders are made first if missing."""
    try:
        make()
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        make()


class StagedFile(OutputFile):
    """A file a render worker put in a :class:`Staging` folder: its bytes are read from there
    (or from the output folder, once published) when asked for."""

    def __init__(self, path: str, staging: Staging, size: int, facts: PageFacts | None = None):
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "staging", staging)
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "facts", facts)

    @property
    def data(self) -> bytes:  # type: ignore[override]
        fd = os.open(os.path.join(self.staging.root, self.path), os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            parts = [os.read(fd, self.size + 1)]
            while parts[-1]:
                parts.append(os.read(fd, 1 << 20))
        finally:
            os.close(fd)
        return b"".join(parts)


class KeptFile(OutputFile):
    """A page taken as it is from the last output: its file there was found to hold the bytes
    the build cache recorded for it, and had then the identity ``kept`` (device, inode, size,
    modification time: :meth:`generator.cache.BuildCache.verified_output`). The site is
    written by linking that file while it keeps that identity; its bytes are read only when
    asked for. Should it change while the site is built, asking fails: the page cannot be
    written, and the build publishes nothing."""

    def __init__(self, path: str, root: str | os.PathLike, kept: tuple, facts: PageFacts | None):
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "root", os.path.abspath(root))
        object.__setattr__(self, "kept", kept)
        object.__setattr__(self, "facts", facts)

    @property
    def size(self) -> int:
        return self.kept[2]

    @property
    def data(self) -> bytes:  # type: ignore[override]
        path = os.path.join(self.root, self.path)
        try:
            with open(path, "rb", buffering=0) as f:
                st = os.fstat(f.fileno())
                if (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) == self.kept:
                    return f.read()
        except FileNotFoundError:
            pass  # removed (or moved) since
        raise OSError(errno.ESTALE, "the file changed while the site was being built; build again", path)


def _same_as_old(old: str, rel: str, data: bytes | KeptFile,
                 read_from_output: dict | None) -> os.stat_result | None:
    """The ``lstat`` of ``old`` (the file at ``rel`` in output/) if it holds ``data``, else None."""
    try:
        st_old = os.lstat(old)
    except OSError:
        return None
    if type(data) is KeptFile:  # found to hold the page's bytes, and not changed since
        return st_old if (st_old.st_dev, st_old.st_ino, st_old.st_size, st_old.st_mtime_ns) == data.kept else None
    if not stat.S_ISREG(st_old.st_mode) or st_old.st_size != len(data):
        return None
    known = read_from_output.get(rel) if read_from_output else None
    if known is not None and known[1] is data and known[0] == (
            st_old.st_dev, st_old.st_ino, st_old.st_size, st_old.st_mtime_ns):
        return st_old
    return st_old if _read(old) == data else None


def _update(work: Path, output_dir: Path, wanted: dict[str, bytes | KeptFile],
            read_from_output: dict[str, tuple[tuple, bytes]] | None) -> tuple[int, int]:
    """Make ``work`` (the kept folder, pruned) hold exactly ``wanted``: (written, unchanged)."""
    written = unchanged = 0
    work_s, out_s = os.fspath(work), os.fspath(output_dir)
    for rel, data in wanted.items():  # plain strings: this runs for every file of the site
        target = f"{work_s}/{rel}"
        old = f"{out_s}/{rel}"
        st_old = _same_as_old(old, rel, data, read_from_output)
        if st_old is not None:
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
        # a new inode: never writes into a file output/ shares
        Path(target).write_bytes(data.data if type(data) is KeptFile else data)
        written += 1
    return written, unchanged


def _fill(work: Path, output_dir: Path, wanted: dict[str, bytes | KeptFile | None],
          read_from_output: dict[str, tuple[tuple, bytes]] | None,
          staging: Staging | None = None) -> tuple[int, int]:
    """Write ``wanted`` into ``work``, a new folder: (written, unchanged). What :func:`_update`
    does there, with fewer system calls: each folder is made once, before the files, and
    output/ is looked at only if it exists. ``work`` is empty, or the folder of ``staging``,
    which holds the files whose bytes in ``wanted`` are None."""
    folders = set()
    for rel in wanted:
        folder = rel.rpartition("/")[0]
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    staged = {rel for rel, data in wanted.items() if data is None}
    if not folders.isdisjoint(wanted):  # a file where another one's folder goes: the last one wins
        for rel in staged:  # never with the pages of a build; read before any is replaced
            wanted[rel] = _read(os.path.join(work, rel))
        return _update(work, output_dir, wanted, read_from_output)
    if staged:  # the folders of the staged files were made with them
        assert staging is not None
        kept = sum(staging.put_files[rel] for rel in staged)
        wanted = {rel: data for rel, data in wanted.items() if data is not None}
        written, unchanged = _fill(work, output_dir, wanted, read_from_output)
        return written + len(staged) - kept, unchanged + kept
    work_s, out_s = os.fspath(work), os.fspath(output_dir)
    jobs = _writers(len(wanted))
    levels: dict[int, dict[str, list[str]]] = {}  # depth -> parent -> its new folders
    for folder in folders:
        parent = folder.rpartition("/")[0]
        levels.setdefault(folder.count("/"), {}).setdefault(parent, []).append(f"{work_s}/{folder}")

    def make(siblings: list[str]) -> None:  # one thread per parent folder: they would wait for each other
        for folder in siblings:
            try:
                os.mkdir(folder)
            except FileExistsError:  # the same name in another case, on a case-insensitive system
                if not stat.S_ISDIR(os.lstat(folder).st_mode):
                    raise

    for depth in sorted(levels):  # a folder's parent first
        _in_threads(jobs, list(levels[depth].values()), make)
    has_old = os.path.isdir(out_s)

    def write(item: tuple[str, bytes]) -> bool:
        """Write one file; True if it is a link to the same file in output/."""
        rel, data = item
        target = f"{work_s}/{rel}"
        if has_old:
            old = f"{out_s}/{rel}"
            if _same_as_old(old, rel, data, read_from_output) is not None:
                try:
                    os.link(old, target)
                    return True
                except OSError:
                    pass
        if type(data) is KeptFile:  # not linked: its bytes, as long as they are the ones checked
            data = data.data
        try:
            _write_new(target, data)
        except FileExistsError:  # as above: the last one wins, in a new inode
            _clear(target, work_s)
            _write_new(target, data)
        return False

    unchanged = sum(_in_threads(jobs, list(wanted.items()), write))
    return len(wanted) - unchanged, unchanged


def _writers(files: int) -> int:
    """Threads writing a new site: creating files and folders is mostly the system's work,
    done without holding the GIL, and it keeps a core busy on some file systems (ext4
    without a journal skips every inode freed in the last minute, one at a time)."""
    return 1 if files < MIN_THREADED_WRITE else min(4, parallel.workers())


#: Below this many files, a new site is written by one thread.
MIN_THREADED_WRITE = 2000


def _in_threads(jobs: int, tasks: list, fn: Callable) -> list:
    """``[fn(task) for task in tasks]``, the tasks shared out among ``jobs`` threads (this one
    included). The first exception stops them all and is raised, once every thread has stopped."""
    if jobs < 2 or len(tasks) < 2:
        return [fn(task) for task in tasks]
    results: list = [None] * len(tasks)
    stop = threading.Event()
    failed: list[BaseException] = []

    def run(part: int) -> None:
        try:
            for i in range(part, len(tasks), jobs):
                if stop.is_set():
                    return
                results[i] = fn(tasks[i])
        except BaseException as exc:  # noqa: BLE001 - given to the calling thread
            failed.append(exc)
            stop.set()

    threads = [threading.Thread(target=run, args=(part,), daemon=True) for part in range(1, jobs)]
    for t in threads:
        t.start()
    try:
        run(0)
        for t in threads:
            t.join()
    except BaseException:  # interrupted: the folder is removed once no thread writes into it
        stop.set()
        for t in threads:
            while t.is_alive():
                try:
                    t.join()
                except BaseException:  # noqa: BLE001, S110 - another interruption: keep waiting
                    pass
        raise
    if failed:
        raise failed[0]
    return results


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _write_new(path: str, data: bytes) -> None:
    """Create the file ``path`` (which does not exist) holding ``data``."""
    fd = os.open(path, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


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
