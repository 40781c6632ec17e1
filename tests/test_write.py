"""write_site: the new site is swapped in whole, and the site it replaced is kept
(``.output.previous``) to be updated into the next one. Nothing in that folder is
trusted: whatever it holds, the published site is exactly the files given."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import FailsOnCall

from generator import write as write_module
from generator.model import OutputFile
from generator.write import previous_dir, write_site

pytestmark = pytest.mark.skipif(not write_module._can_exchange(), reason="needs renameat2 (Linux)")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def site(**pages: str) -> list[OutputFile]:
    return [OutputFile(path.replace("__", "/") + ".html", text.encode()) for path, text in pages.items()]


def test_the_replaced_site_is_kept_and_updated_into_the_next(tmp_path: Path) -> None:
    out = tmp_path / "output"
    first = site(index="home 1", a__page="a", b__page="b", gone__page="soon gone")
    write_site(first, out)
    assert not previous_dir(out).exists()
    second = site(index="home 2", a__page="a", b__page="b", gone__page="soon gone")
    write_site(second, out)
    assert tree(previous_dir(out)) == tree_of(first)  # the replaced site, kept whole
    a_inode = (out / "a/page.html").stat().st_ino
    third = site(index="home 3", a__page="a", b__page="b changed", new__deep__page="new")
    report = write_site(third, out)
    assert tree(out) == tree_of(third)
    assert (out / "a/page.html").stat().st_ino == a_inode  # unchanged: not rewritten
    assert report.written == 3 and report.unchanged == 1
    assert not (out / "gone").exists()
    assert tree(previous_dir(out)) == tree_of(second)


def tree_of(files: list[OutputFile]) -> dict[str, bytes]:
    return {f.path: f.data for f in files}


def test_nothing_in_the_kept_folder_is_trusted(tmp_path: Path) -> None:
    out = tmp_path / "output"
    pages = site(index="home", a__page="a", b__page="b", c__page="c")
    write_site(pages, out)
    write_site(pages, out)
    prev = previous_dir(out)
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    (prev / "junk.html").write_text("junk")                       # an extra file
    (prev / "a" / "page.html").unlink()
    (prev / "a" / "page.html").write_text("tampered")             # same size class, other bytes
    (prev / "b" / "page.html").unlink()
    (prev / "b" / "page.html").symlink_to(outside)                # a link out
    (prev / "c" / "page.html").unlink()
    (prev / "c" / "page.html").mkdir()                            # a folder where a file belongs
    (prev / "index.html").unlink()
    (prev / "extra").symlink_to(tmp_path, target_is_directory=True)
    write_site(site(index="home", a__page="a", b__page="b", c__page="c", d__page="d"), out)
    assert tree(out) == tree_of(site(index="home", a__page="a", b__page="b", c__page="c", d__page="d"))
    assert not any(p.is_symlink() for p in out.rglob("*"))
    assert outside.read_text() == "secret"


def test_a_file_edited_in_place_in_output_is_replaced_not_kept(tmp_path: Path) -> None:
    """output/ and the kept folder share unchanged files (hard links): a file edited in
    place in output/ must not be taken as right, and the fix must not write through
    a shared inode."""
    out = tmp_path / "output"
    pages = site(index="home", a__page="a")
    write_site(pages, out)
    write_site(pages, out)
    with open(out / "a/page.html", "w") as f:  # same inode, other bytes
        f.write("b")
    write_site(pages, out)
    assert tree(out) == tree_of(pages)
    assert (previous_dir(out) / "a/page.html").read_text() == "b"  # the replaced site, as it was


def test_a_kept_folder_that_is_a_link_or_a_file_is_not_used(tmp_path: Path) -> None:
    out = tmp_path / "output"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    pages = site(index="home")
    write_site(pages, out)
    previous_dir(out).symlink_to(elsewhere, target_is_directory=True)
    write_site(site(index="home 2"), out)
    assert tree(out) == tree_of(site(index="home 2"))
    assert (elsewhere / "keep.txt").read_text() == "mine" and not previous_dir(out).is_symlink()


def test_killed_while_updating_the_kept_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that fails halfway through updating the kept folder leaves output/ as it
    was, and the next build still publishes exactly its files."""
    out = tmp_path / "output"
    pages = [OutputFile(f"p{i}/index.html", f"page {i}".encode()) for i in range(20)]
    write_site(pages, out)
    write_site(pages, out)
    before = tree(out)
    new = [OutputFile(f.path, f.data + b" v2") for f in pages]
    real = Path.write_bytes
    calls = {"n": 0}

    def dies_after_five(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] > 5:
            raise KeyboardInterrupt
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", dies_after_five)
    with pytest.raises(KeyboardInterrupt):
        write_site(new, out)
    monkeypatch.setattr(Path, "write_bytes", real)
    assert tree(out) == before
    write_site(new, out)
    assert tree(out) == tree_of(new)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".output.previous", "output"]


def test_files_read_from_output_during_the_build_are_not_read_again_unless_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build cache takes unchanged pages from output/ (BuildCache.previous_output) and
    says so; write_site then trusts them only while they are still those very files."""
    from generator.cache import BuildCache, PageEntry
    import hashlib

    out = tmp_path / "output"
    write_site(site(index="home", a__page="a", b__page="bb"), out)
    write_site(site(index="home", a__page="a", b__page="bb"), out)  # .output.previous exists now
    cache = BuildCache()
    cache.begin(tmp_path, out)
    entry = lambda data: PageEntry(b"", (), b"", hashlib.sha256(data).digest(), len(data))  # noqa: E731
    taken = {rel: cache.previous_output(rel, entry(data)) for rel, data in
             (("a/page.html", b"a"), ("b/page.html", b"bb"))}
    assert taken == {"a/page.html": b"a", "b/page.html": b"bb"}
    (out / "b/page.html").write_bytes(b"XX")  # edited in place after it was read: same size
    reads = []
    real = write_module._read
    monkeypatch.setattr(write_module, "_read", lambda path: reads.append(os.path.relpath(path, out)) or real(path))
    files = [OutputFile("index.html", b"home"), OutputFile("a/page.html", taken["a/page.html"]),
             OutputFile("b/page.html", taken["b/page.html"])]
    write_site(files, out, cache.read_from_output)
    assert tree(out) == {"index.html": b"home", "a/page.html": b"a", "b/page.html": b"bb"}
    assert sorted(reads) == ["b/page.html", "index.html"]  # a/page.html was known; b changed since


def test_a_symbolic_link_above_the_output_folder_is_left_alone(tmp_path: Path) -> None:
    """Folders are made inside the site being written; nothing above it is touched, even
    a link on the way to it (a project reached through a symlinked folder)."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    out = tmp_path / "link" / "project" / "output"
    for _ in range(3):  # a new site, then the kept folder updated twice
        write_site(site(index="home", a__deep__page="a", b__page="b"), out)
        assert (tmp_path / "link").is_symlink()
        assert tree(tmp_path / "real" / "project" / "output") == {
            "index.html": b"home", "a/deep/page.html": b"a", "b/page.html": b"b"}


@pytest.fixture(params=[1, 3], ids=["one thread", "three threads"])
def writers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """A new site written by one thread, or by three (as a large one is)."""
    monkeypatch.setattr(write_module, "MIN_THREADED_WRITE", 0 if request.param > 1 else 10**9)
    monkeypatch.setenv("BRIEFINGS_JOBS", str(request.param))
    return request.param


def many(n: int, tag: str = "") -> list[OutputFile]:
    return [OutputFile("index.html", b"home" + tag.encode())] + [
        OutputFile(f"briefings/{i % 7}/{i % 5}/b{i}/index.html", f"page {i}{tag}".encode()) for i in range(n)]


def test_a_new_site_is_written_whole(tmp_path: Path, writers: int) -> None:
    out = tmp_path / "output"
    pages = many(300) + [OutputFile("empty.txt", b""), OutputFile("big.bin", os.urandom(1 << 20))]
    report = write_site(pages, out)
    assert tree(out) == tree_of(pages) and report.written == len(pages) and report.unchanged == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]
    assert all(p.stat().st_mode & 0o777 == 0o777 & ~_umask() for p in out.rglob("*") if p.is_dir())
    assert all(p.stat().st_mode & 0o777 == 0o666 & ~_umask() for p in out.rglob("*") if p.is_file())
    assert out.stat().st_mode & 0o777 == 0o755


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_without_the_kept_folder_unchanged_files_are_linked_from_output(tmp_path: Path, writers: int) -> None:
    """A new folder (no .output.previous) still takes the files output/ has right: the same inode
    and modification time, and nothing written into them."""
    out = tmp_path / "output"
    first = many(200)
    write_site(first, out)
    inodes = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*.html")}
    (out / "briefings/1/1/b1/index.html").unlink()
    (out / "briefings/1/1/b1/index.html").write_bytes(b"edited in place")
    replaced = tree(out)
    second = many(150)
    report = write_site(second, out)
    assert tree(out) == tree_of(second)
    assert report.written == 1 and report.unchanged == len(second) - 1  # b1 was edited
    kept = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*.html")}
    assert all(kept[p] == inodes[p] for p in kept if "b1/" not in p.as_posix())
    assert kept[out / "briefings/1/1/b1/index.html"][0] != inodes[out / "briefings/1/1/b1/index.html"][0]
    assert tree(previous_dir(out)) == replaced  # the replaced site, as it was


def test_killed_while_writing_a_new_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writers: int) -> None:
    """An interruption (or a failure in any writing thread) leaves output/ as it was, and no
    half-written folder behind."""
    out = tmp_path / "output"
    write_site(many(100), out)
    previous_dir(out).write_text("x")  # not a folder: removed, and the new site is written afresh
    before = tree(out)
    real = write_module._write_new
    for failure in (KeyboardInterrupt, OSError):
        monkeypatch.setattr(write_module, "_write_new", FailsOnCall(real, 40, failure))
        with pytest.raises(failure):
            write_site(many(100, " v2"), out)
        assert tree(out) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]
    monkeypatch.setattr(write_module, "_write_new", real)
    write_site(many(100, " v2"), out)
    assert tree(out) == tree_of(many(100, " v2"))


@pytest.mark.parametrize("order", [["a", "a/b.html"], ["a/b.html", "a"], ["x/a", "x/a/b/c.html", "y.html"]])
def test_a_file_where_another_ones_folder_goes_is_as_before(tmp_path: Path, order: list[str], writers: int) -> None:
    """Outputs a build never makes: the last one wins, as it always did."""
    files = [OutputFile(path, path.encode()) for path in order]
    write_site(files, tmp_path / "output")
    last = {"a": {"a/b.html": b"a/b.html"}, "a/b.html": {"a": b"a"}}
    expected = last.get(order[0], {"x/a/b/c.html": b"x/a/b/c.html", "y.html": b"y.html"})
    assert tree(tmp_path / "output") == expected


@pytest.mark.parametrize("path, expected", [
    ("a/b.html", "a/b.html"), ("a//b.html", "a/b.html"), ("a/./b.html", "a/b.html"), ("./a.html", "a.html"),
    ("a/", "a"), ("/a.html", None), ("../a.html", None), ("a/../b", None), ("", None), (".", None),
    ("a\x00b", None),
])
def test_output_paths_are_checked_as_before(path: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ValueError):
            write_module._safe_relpath(path)
        with pytest.raises(ValueError):
            write_module._safe_rel(path)
    else:
        assert write_module._safe_rel(path) == write_module._safe_relpath(path).as_posix() == expected


@pytest.mark.parametrize("kept_folder", [True, False])
def test_a_kept_file_is_linked_while_it_is_the_file_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            kept_folder: bool) -> None:
    """A page the build found intact in output/ (BuildCache.verified_output) is linked into the new
    site, in the kept folder or in a new one, without being read; once that file changes, the
    page cannot be written and output/ stays as it was."""
    import errno
    import hashlib

    from generator.cache import BuildCache, PageEntry
    from generator.write import KeptFile

    out = tmp_path / "output"
    for _ in range(2 if kept_folder else 1):
        write_site(site(index="home", a__page="a", b__page="bb"), out)
    assert previous_dir(out).exists() == kept_folder
    cache = BuildCache()
    cache.begin(tmp_path, out)
    entry = lambda data: PageEntry(b"", (), b"", hashlib.sha256(data).digest(), len(data))  # noqa: E731
    assert cache.verified_output("b/page.html", entry(b"XX")) is None  # the same size, other bytes
    assert cache.verified_output("b/page.html", entry(b"bbb")) is None
    ident = {rel: cache.verified_output(rel, entry(data)) for rel, data in (("a/page.html", b"a"), ("b/page.html", b"bb"))}
    inodes = {rel: (out / rel).stat().st_ino for rel in ident}
    read = []
    real = KeptFile.data
    monkeypatch.setattr(KeptFile, "data", property(lambda f: read.append(f.path) or real.fget(f)))
    files = [OutputFile("index.html", b"home 2"), *(KeptFile(rel, out, ident[rel], None) for rel in ident)]
    report = write_site(files, out)
    assert tree(out) == {"index.html": b"home 2", "a/page.html": b"a", "b/page.html": b"bb"}
    assert {rel: (out / rel).stat().st_ino for rel in ident} == inodes and read == []
    assert (report.written, report.unchanged) == (1, 2)
    (out / "b/page.html").write_bytes(b"XX")  # changed since it was checked
    with pytest.raises(OSError) as failure:
        write_site([OutputFile("index.html", b"home 3"), *(KeptFile(rel, out, ident[rel], None) for rel in ident)], out)
    assert failure.value.errno == errno.ESTALE and failure.value.filename == str(out / "b/page.html")
    assert tree(out) == {"index.html": b"home 2", "a/page.html": b"a", "b/page.html": b"XX"}
    (out / "b/page.html").unlink()  # removed since: the same
    with pytest.raises(OSError) as failure:
        write_site([KeptFile(rel, out, ident[rel], None) for rel in ident], out)
    assert failure.value.errno == errno.ESTALE
    assert sorted(p.name for p in tmp_path.iterdir() if "output" in p.name) == [".output.previous", "output"]
