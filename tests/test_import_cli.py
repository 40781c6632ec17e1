"""`briefings import`: files, re-import safety, duplicates, conflicts, the report, exit status."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.cli import main
from generator.content import read_briefing, split_frontmatter
from generator.diagnostics import Diagnostics
from generator.normalize import edited

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "seeds"
GOOD = ["breadcrumb.txt", "site_label.txt", "no_title.txt", "credits_related.txt", "courtesy.txt",
        "published_byline.txt", "french.txt", "windows1252.txt"]


class Archive:
    def __init__(self, root: Path):
        self.root = root
        self.seeds = root / "seeds"
        self.content = root / "content"
        self.seeds.mkdir()
        (self.content / "briefings").mkdir(parents=True)
        shutil.copy(ROOT / "content" / "vocabulary.yaml", self.content / "vocabulary.yaml")

    def add(self, *names: str) -> None:
        for name in names:
            shutil.copy(FIXTURES / name, self.seeds / name)

    def run(self, capsys, *args: str) -> tuple[int, str, str]:
        code = main(["import", str(self.seeds), "--content", str(self.content), *args])
        out, err = capsys.readouterr()
        return code, out, err

    def files(self) -> dict[str, str]:
        root = self.content / "briefings"
        return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.md"))}

    def briefing(self, seed: str) -> Path:
        (path,) = [p for p in (self.content / "briefings").rglob("*.md") if f"seed: {seed}\n" in p.read_text()]
        return path


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    return Archive(tmp_path)


def test_import_writes_one_valid_briefing_per_seed(archive, capsys):
    archive.add(*GOOD)
    code, out, err = archive.run(capsys)
    assert code == 0, err
    files = archive.files()
    assert len(files) == len(GOOD)
    assert "undated/nato-responds-in-writing-to-moscows-demands-and-prepares-for.md" in files
    assert "2022/2022-01-12-nato-leaders-concerned-over-russias-military-build-up-in.md" in files
    assert "2020/2020-12-01-nato-concerned-with-russian-actions-but-will-pursue-both.md" in files
    diags = Diagnostics()
    for rel in files:
        b = read_briefing(archive.content / "briefings" / rel, archive.content, diags)
        assert b is not None and b.provenance is not None
        assert b.provenance.seed_hash.startswith("sha256:") and b.provenance.seed in GOOD
    assert not diags.items, [d.format() for d in diags.items]
    assert f"{len(GOOD)} seeds: {len(GOOD)} imported" in out
    assert "Gabrielius Landsbergis  (person tagged by role or quote" in out  # a vocabulary suggestion
    assert "review flags" in out and "title: generated from the lead" in out


def test_frontmatter_keys_and_order(archive, capsys):
    archive.add("courtesy.txt")
    archive.run(capsys)
    text = archive.briefing("courtesy.txt").read_text()
    keys = [line.split(":")[0] for line in split_frontmatter(text)[0].splitlines() if line[:1].isalpha()]
    assert keys == ["title", "date", "source", "topics", "people", "organizations", "places", "summary",
                    "seed", "seed_hash", "review", "imported_hash"]


def test_reimport_of_unchanged_seeds_does_nothing(archive, capsys):
    archive.add(*GOOD)
    archive.run(capsys)
    before = archive.files()
    code, out, _ = archive.run(capsys)
    assert code == 0
    assert archive.files() == before
    assert f"0 imported, 0 updated, {len(GOOD)} unchanged" in out


def test_edited_briefing_is_left_alone(archive, capsys):
    archive.add("courtesy.txt")
    archive.run(capsys)
    path = archive.briefing("courtesy.txt")
    text = path.read_text().replace("review:\n- ", "review: []\n# resolved: ").replace(
        "NATO Leaders Concerned", "NATO leaders concerned")
    moved = path.parent / "renamed-by-the-editor.md"
    path.unlink()
    moved.write_text(text)
    code, out, _ = archive.run(capsys)
    assert code == 0
    assert moved.read_text() == text and len(archive.files()) == 1
    assert "was edited by an editor; left alone" in out


def test_changed_seed_of_an_unedited_briefing_is_reimported(archive, capsys):
    archive.add("month_first.txt")
    archive.run(capsys)
    (archive.seeds / "month_first.txt").write_text(
        "NATO and Russia meet again in Geneva\n\nTalks were held on January 13, 2022, in Geneva.\n")
    code, out, _ = archive.run(capsys)
    assert code == 0 and "updated" in out
    (rel,) = archive.files()
    assert rel == "2022/2022-01-13-nato-and-russia-meet-again-in-geneva.md"  # the old file is gone


def test_changed_seed_of_an_edited_briefing_is_a_conflict(archive, capsys):
    archive.add("month_first.txt")
    archive.run(capsys)
    path = archive.briefing("month_first.txt")
    path.write_text(path.read_text().replace("Talks were held", "Talks were held (editor's note)"))
    edited_text = path.read_text()
    (archive.seeds / "month_first.txt").write_text("NATO and Russia meet\n\nA new version of the seed text.\n")
    code, out, _ = archive.run(capsys)
    assert code == 1
    assert "CONFLICT" in out and "nothing overwritten" in out
    assert path.read_text() == edited_text and len(archive.files()) == 1


def test_exact_duplicate_is_not_imported_twice(archive, capsys):
    archive.add("courtesy.txt")
    archive.run(capsys)
    shutil.copy(FIXTURES / "courtesy.txt", archive.seeds / "zz_copy.txt")
    shutil.copy(FIXTURES / "courtesy.txt", archive.seeds / "zz_copy2.txt")
    code, out, _ = archive.run(capsys)
    assert code == 0
    assert len(archive.files()) == 1
    assert "zz_copy.txt: duplicate of content/briefings/2022/" in out
    assert "zz_copy2.txt: duplicate of content/briefings/2022/" in out


def test_duplicates_within_one_run(archive, capsys):
    archive.add("courtesy.txt")
    shutil.copy(FIXTURES / "courtesy.txt", archive.seeds / "again.txt")
    code, out, _ = archive.run(capsys)
    assert code == 0 and len(archive.files()) == 1
    assert "seeds/courtesy.txt: duplicate of seeds/again.txt" in out  # seeds are read in name order


def test_bad_files_are_rejected_one_line_each_and_do_not_stop_the_others(archive, capsys):
    archive.add("empty.txt", "binary.txt", "chrome_only.txt", "courtesy.txt")
    code, out, err = archive.run(capsys)
    assert code == 1
    assert len(archive.files()) == 1
    lines = err.strip().splitlines()
    assert len(lines) == 3
    for name, reason in [("empty.txt", "empty file"), ("binary.txt", "binary file"),
                         ("chrome_only.txt", "no article text left")]:
        assert any(name in line and reason in line for line in lines), lines
    assert "Traceback" not in out + err
    assert "3 rejected" in out


def test_slugs_are_unique_ascii_and_stable(archive, capsys):
    archive.add("ukrainian.txt")
    (archive.seeds / "second.txt").write_text(
        (FIXTURES / "ukrainian.txt").read_text(encoding="utf-8") + "\nІнший текст.\n", encoding="utf-8")
    archive.run(capsys)
    names = sorted(archive.files())
    assert names == ["2022/2022-01-12-stoltenberg-nato-ne-pide-na-kompromis-shchodo-rozshirennia-2.md",
                     "2022/2022-01-12-stoltenberg-nato-ne-pide-na-kompromis-shchodo-rozshirennia.md"]
    assert all(n.isascii() for n in names)


def test_seed_files_and_missing_paths(archive, capsys):
    archive.add("courtesy.txt")
    code = main(["import", str(archive.seeds / "courtesy.txt"), str(archive.root / "nope"),
                 "--content", str(archive.content)])
    out, err = capsys.readouterr()
    assert code == 1 and "seed not found" in err and len(archive.files()) == 1


def test_bad_vocabulary_stops_the_import(archive, capsys):
    archive.add("courtesy.txt")
    (archive.content / "vocabulary.yaml").write_text("people:\n  - name: A\n    alias: [B]\n")
    code, out, err = archive.run(capsys)
    assert code == 1 and "vocabulary.yaml:3: error: unknown key 'alias'" in err
    assert not archive.files()


def test_edited_detection_ignores_line_endings_only(archive, capsys):
    archive.add("courtesy.txt")
    archive.run(capsys)
    text = archive.briefing("courtesy.txt").read_text()
    digest = [ln for ln in text.splitlines() if ln.startswith("imported_hash:")][0].split(": ")[1]
    assert not edited(text, digest)
    assert not edited(text.replace("\n", "\r\n"), digest)
    assert edited(text.replace("NATO", "Nato", 1), digest)
    assert edited(text, "")


def test_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["import", "--help"])
    assert exc.value.code == 0
    assert "SEED" in capsys.readouterr().out


def test_shipped_content_is_curated_and_reimport_leaves_it_alone(tmp_path, capsys):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    before = {p: p.read_bytes() for p in (tmp_path / "content").rglob("*") if p.is_file()}
    code = main(["import", str(ROOT / "seeds"), "--content", str(tmp_path / "content")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "5 seeds: 0 imported, 0 updated, 0 unchanged, 5 skipped, 0 conflicts, 0 rejected" in out
    assert {p: p.read_bytes() for p in (tmp_path / "content").rglob("*") if p.is_file()} == before
    diags = Diagnostics()
    for path in (ROOT / "content" / "briefings").rglob("*.md"):
        b = read_briefing(path, ROOT / "content", diags)
        assert b is not None and b.date is not None and b.review == ()
    assert not diags.items


def test_a_briefing_that_cannot_be_written_is_one_line_and_the_others_are_imported(archive, capsys, monkeypatch):
    """A full disk while a briefing is written, or a file where its year's folder goes: that seed
    is not imported (one line naming it, and what to do), nothing half-written is left, the other
    seeds are imported, and the next import, once the cause is gone, imports it."""
    import generator.normalize as normalize_module

    archive.add("breadcrumb.txt", "courtesy.txt")
    (archive.content / "briefings" / "2022").write_text("not a folder")  # where courtesy.txt's goes
    real = normalize_module.Path.write_text

    def full_disk(self, text, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if "seed: breadcrumb.txt" in text:
            real(self, text[: len(text) // 2], *args, **kwargs)
            raise OSError(28, "No space left on device", str(self))
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(normalize_module.Path, "write_text", full_disk)
    code, out, err = archive.run(capsys)
    monkeypatch.undo()
    assert code == 1 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len([line for line in lines if "not imported: cannot write" in line]) == 2, err
    assert any(line.startswith("seeds/breadcrumb.txt: error: not imported: cannot write content/briefings/undated/")
               and "No space left on device" in line for line in lines), err
    assert any(line.startswith("seeds/courtesy.txt: error: not imported: cannot write content/briefings/2022/")
               for line in lines), err
    assert "2 rejected" in out
    briefings = archive.content / "briefings"
    assert [p.name for p in briefings.rglob("*") if p.is_file()] == ["2022"]  # no half-written file, no temp file
    (briefings / "2022").unlink()
    code, out, err = archive.run(capsys)
    assert code == 0, err
    assert len(archive.files()) == 2
