"""Pages reused from the last output are taken as they are: checked against their recorded hash in
the render workers, linked into the new site, never read by the building process; and a page that
changes in output/ while the site is built stops the build (it has no bytes of its own to write)."""

from __future__ import annotations

import errno
import shutil

import pytest
from conftest import tree_digest

import generator.build as build_module
import generator.write as write_module
from generator.build import build
from generator.cache import BuildCache


def test_the_building_process_reads_no_page_it_reuses(sample, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reused page is checked against its recorded hash in a render worker, and its facts (is it
    noindex, what of it the search indexer reads) come from the cache: the sitemap, the search
    index's keys and the write take the file as it is, without reading it."""
    paths = sample.paths()
    assert build(paths, cache=BuildCache.for_content(sample.content)).ok
    path = sample.content / "briefings/2021/2021-11-30-riga.md"
    path.write_text(path.read_text(encoding="utf-8").replace("In Riga.", "In Riga, in November."),
                    encoding="utf-8")
    read = []
    monkeypatch.setattr(write_module.KeptFile, "data", property(lambda f: read.append(f.path) or b""))
    result = build(paths, cache=BuildCache.for_content(sample.content))
    assert result.ok and read == []
    kept = [f for f in result.files if type(f) is write_module.KeptFile]
    assert len(kept) == result.cache.stats.render_hits > 10
    assert "404.html" in {f.path for f in kept}  # noindex: its facts keep it out of the sitemap
    monkeypatch.undo()
    expected = tree_digest(sample.output)
    assert any(k.startswith("pagefind/2021/") for k in expected)  # the edited year, indexed again
    shutil.rmtree(sample.output)
    assert build(paths).ok and tree_digest(sample.output) == expected  # what a clean build writes


def test_a_reused_page_changed_during_the_build_fails_it_and_leaves_output(sample, monkeypatch) -> None:
    """Between the check of a reused page and the write, its file in output/ changes: the build
    cannot write it (it holds no bytes of its own), so it stops and publishes nothing."""
    paths = sample.paths()
    assert build(paths, cache=BuildCache.for_content(sample.content)).ok
    path = sample.content / "briefings/2021/2021-11-30-riga.md"
    path.write_text(path.read_text(encoding="utf-8").replace("In Riga.", "In Riga, in November."),
                    encoding="utf-8")
    page = sample.output / "topics/diplomacy/index.html"
    real = write_module.write_site

    def tampering(files, output_dir, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        assert any(f.path == "topics/diplomacy/index.html" and type(f) is write_module.KeptFile for f in files)
        page.write_bytes(page.read_bytes().replace(b"Diplomacy", b"Tampered!"))  # same size
        return real(files, output_dir, *args, **kwargs)

    monkeypatch.setattr(build_module, "write_site", tampering)
    before = {k: v for k, v in tree_digest(sample.output).items() if k != "topics/diplomacy/index.html"}
    with pytest.raises(OSError) as failure:
        build(paths, cache=BuildCache.for_content(sample.content))
    assert failure.value.errno == errno.ESTALE and failure.value.filename.endswith("topics/diplomacy/index.html")
    after = tree_digest(sample.output)
    assert b"Tampered!" in page.read_bytes() and after.pop("topics/diplomacy/index.html")
    assert after == before  # left as it was (the tampered page as the tamperer left it)
    assert sorted(p.name for p in sample.root.iterdir() if "output" in p.name) in (
        ["output"], [".output.previous", "output"])
    monkeypatch.undo()
    assert build(paths, cache=BuildCache.for_content(sample.content)).ok  # and the next build recovers
    expected = tree_digest(sample.output)
    shutil.rmtree(sample.output)
    assert build(paths).ok and tree_digest(sample.output) == expected


def test_the_command_says_so_in_one_line(sample, monkeypatch, capsys) -> None:
    from generator.cli import main

    args = ["build", "--quiet", "--no-search", "--content", str(sample.content), "--theme", str(sample.paths().theme),
            "--output", str(sample.output)]
    assert main(args) == 0
    page = sample.output / "topics/diplomacy/index.html"
    real = write_module.write_site

    def tampering(files, output_dir, *rest, **kwargs):  # noqa: ANN001, ANN002, ANN003
        page.write_bytes(page.read_bytes().replace(b"Diplomacy", b"Tampered!"))
        return real(files, output_dir, *rest, **kwargs)

    monkeypatch.setattr(build_module, "write_site", tampering)
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [f"error: {page.absolute()}: changed while the site was being built; "
                                f"{sample.output}/ was left as it was (build again)"]


def test_a_page_replaced_by_a_link_in_output_is_written_again(sample, tmp_path) -> None:
    """A symbolic link in output/, even to the very bytes, is not a page to keep: it is rendered again
    and the published site has a file of its own there."""
    paths = sample.paths()
    assert build(paths, cache=BuildCache.for_content(sample.content)).ok
    page = sample.output / "topics/diplomacy/index.html"
    elsewhere = tmp_path / "elsewhere.html"
    elsewhere.write_bytes(page.read_bytes())
    page.unlink()
    page.symlink_to(elsewhere)
    result = build(paths, cache=BuildCache.for_content(sample.content))
    assert result.ok and result.cache.stats.rendered == 1
    assert not page.is_symlink() and page.read_bytes() == elsewhere.read_bytes()
