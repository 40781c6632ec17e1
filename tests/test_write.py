"""write_site: the new site is swapped in whole, and the site it replaced is kept
(``.output.previous``) to be updated into the next one. Nothing in that folder is
trusted: whatever it holds, the published site is exactly the files given."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
