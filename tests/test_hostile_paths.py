"""Names that try to leave the output folder or collide: slugs, term names, file
names, symlinks. (The ``slug:`` key itself is covered in test_content.py.)"""

from __future__ import annotations

import json
import os

import pytest

from conftest import briefing


def files_under(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("name", ["../../etc", "/etc/passwd", "..", ".", "..\\..\\windows", "~root/.ssh",
                                  "%2e%2e%2fetc", "a/../../b"])
def test_term_names_cannot_leave_the_output_folder(site, tmp_path, name):
    site.add("2022/x.md", briefing("T", topics=json.dumps([name]), places=json.dumps([name])))
    result = site.build()
    assert result.ok, site.messages(result)
    out = site.output.resolve()
    for f in result.files:
        assert (out / f.path).resolve().is_relative_to(out), f.path
    assert not (site.root / "etc").exists() and not (tmp_path.parent / "etc").exists()
    [term] = result.site.taxonomies["topics"].terms
    assert term.name == name and "/" not in term.slug and "." not in term.slug and term.slug
    assert (site.output / "topics" / term.slug / "index.html").is_file()


def test_names_that_collide_after_slugging_are_one_term_with_a_warning(site):
    site.add("2022/a.md", briefing("A", "2022-01-07", topics='["Energy security", "energy-security"]'))
    site.add("2022/b.md", briefing("B", "2022-01-08", topics='["ENERGY  SECURITY!"]'))
    site.add("2022/c.md", briefing("C", "2022-01-09", topics='["!!!", "???"]'))  # no letters at all
    result = site.build()
    assert result.ok
    terms = {t.slug: t for t in result.site.taxonomies["topics"].terms}
    assert terms["energy-security"].count == 2 and set(terms) == {"energy-security", "term"}
    warnings = [m for m in site.messages(result) if "is shown as" in m]
    assert len(warnings) == 3, warnings


def test_very_long_names_are_cut_to_a_bounded_slug(site):
    long_a, long_b = "Name " * 60 + "alpha", "Name " * 60 + "beta"
    site.add("2022/" + "x" * 240 + ".md", briefing(json.dumps("L" * 5000), topics=json.dumps([long_a, long_b])))
    result = site.build()
    assert result.ok, site.messages(result)
    paths = files_under(site.output)
    assert max(len(part) for p in paths for part in p.split("/")) <= 80
    [b] = result.site.briefings
    assert len(b.slug) <= 80
    # the two names share their first 80 characters of slug: one term, and a warning says so
    assert len(result.site.taxonomies["topics"].terms) == 1
    assert any("is shown as" in m for m in site.messages(result))


def test_nul_in_a_name_is_refused(site):
    site.add("2022/x.md", briefing("T", topics='["a\\0b"]'))
    result = site.build(write=False)
    assert [d.format() for d in result.diagnostics.errors] == [
        "content/briefings/2022/x.md:4: error: topics has a name that contains a NUL byte "
        "(remove that escape from the name)"]


def test_symlinks_leading_outside_content_are_not_read(site, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(briefing("Secret from outside"))
    site.add("2022/ok.md", briefing("Ok"))
    (site.content / "briefings" / "linked-dir").symlink_to(outside, target_is_directory=True)
    (site.content / "briefings" / "2022" / "passwd.md").symlink_to("/etc/passwd")
    result = site.build(write=False)
    assert [b.title for b in result.site.briefings] == ["Ok"]
    errors = [d.format() for d in result.diagnostics.errors]
    assert sorted(errors) == [
        "content/briefings/2022/passwd.md: error: is a link to a file outside the content folder; "
        "it is not read (copy the file into the content folder instead)",
        "content/briefings/linked-dir: error: is a link to a folder outside the content folder; "
        "its briefings are not read (move or copy the folder into the content folder instead)"]


def test_a_link_to_a_folder_inside_content_is_not_followed_and_says_so(site):
    site.add("2022/ok.md", briefing("Ok"))
    (site.content / "drafts").mkdir()
    (site.content / "drafts" / "draft.md").write_text(briefing("A draft"))
    (site.content / "briefings" / "drafts").symlink_to(site.content / "drafts", target_is_directory=True)
    result = site.build(write=False)
    assert result.ok and [b.title for b in result.site.briefings] == ["Ok"]
    assert [d.format() for d in result.diagnostics.warnings] == [
        "content/briefings/drafts: warning: is a link to a folder, which is not followed: its briefings are read "
        "only where they are (move the folder here instead of linking it)"]


def test_a_symlink_inside_content_is_read_once(site):
    real = site.add("2022/real.md", briefing("Real"))
    os.symlink(real, site.content / "briefings" / "2022" / "alias.md")
    result = site.build(write=False)
    # two files, one URL each: the link is a second briefing with its own slug, not an escape
    assert sorted(b.slug for b in result.site.briefings) == ["alias", "real"]


def test_a_folder_named_like_a_briefing_is_reported(site):
    site.add("2022/ok.md", briefing("Ok"))
    (site.content / "briefings" / "2022" / "odd.md").mkdir()
    result = site.build(write=False)
    assert [d.format() for d in result.diagnostics.errors] == [
        "content/briefings/2022/odd.md: error: cannot read file: Is a directory (check its permissions)"]
