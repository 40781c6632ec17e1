"""The CLI as a user runs it: exit codes, one-line errors, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import THEME, briefing
from generator.cli import make_parser


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True, text=True, cwd=cwd)


def site_args(site, *extra):
    return ["--content", str(site.content), "--theme", str(THEME), *extra]


def test_every_subcommand_has_help():
    parser = make_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"build", "check"} <= set(sub.choices)
    for name, p in sub.choices.items():
        assert p.description, name
        result = run(name, "--help")
        assert result.returncode == 0 and "usage: briefings " + name in result.stdout


def test_build_succeeds_and_summarises(sample):
    r = run("build", *site_args(sample, "--output", str(sample.output)))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("built 4 briefings:")
    assert "has no date" in r.stderr  # the undated fixture is a warning, not an error
    assert (sample.output / "index.html").is_file()


def test_what_a_command_prints_reaches_a_pipe_although_it_ends_without_teardown(sample):
    # cli.run() ends the process with os._exit: whatever is still buffered must be written first.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    cases = [(["build", *site_args(sample, "--output", str(sample.output))], 0, "built 4 briefings:", ""),
             (["check", *site_args(sample)], 0, "check passed: 4 briefings", ""),
             (["build", "--content", str(sample.root / "missing")], 1, "", "site configuration not found")]
    for command, code, out, err in cases:
        r = subprocess.run([sys.executable, "-m", "generator", *command], capture_output=True, text=True, env=env)
        assert (r.returncode, r.stdout[:len(out)]) == (code, out) and err in r.stderr, r
        assert out == "" or r.stdout.endswith("\n")


def test_no_search_leaves_out_the_index_and_nothing_else(sample, tmp_path):
    r = run("build", *site_args(sample, "--output", str(sample.output), "--no-search", "--no-cache"))
    assert r.returncode == 0, r.stderr
    full = tmp_path / "full"
    assert run("build", *site_args(sample, "--output", str(full), "--no-cache")).returncode == 0
    draft = {p.relative_to(sample.output) for p in sample.output.rglob("*") if p.is_file()}
    published = {p.relative_to(full) for p in full.rglob("*") if p.is_file()}
    assert draft and not any(p.parts[0] == "pagefind" for p in draft)
    assert draft == {p for p in published if p.parts[0] != "pagefind"}
    assert all((sample.output / p).read_bytes() == (full / p).read_bytes() for p in draft)


def test_base_url_option_sets_canonical_links(sample):
    r = run("build", *site_args(sample, "--output", str(sample.output), "--base-url", "https://news.example.com/"))
    assert r.returncode == 0
    assert '<link rel="canonical" href="https://news.example.com/">' in (sample.output / "index.html").read_text()


@pytest.mark.parametrize("name, text, expected", [
    ("bad-yaml.md", "---\ntitle: [x\n---\n", "content/briefings/bad-yaml.md:3: error: invalid frontmatter YAML"),
    ("no-title.md", "---\ndate: 2022-01-01\n---\n", "content/briefings/no-title.md:2: error: missing title"),
    ("bad-date.md", "---\ntitle: T\ndate: 2022-02-30\n---\n", "content/briefings/bad-date.md:3: error: date"),
    ("escape.md", "---\ntitle: T\nslug: ../../../etc\n---\n", "content/briefings/escape.md:3: error: slug"),
])
def test_bad_input_is_one_clear_line_and_exit_1(sample, name, text, expected):
    sample.add(name, text)
    r = run("build", *site_args(sample, "--output", str(sample.output)), cwd=sample.root)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith(expected), r.stderr
    assert "build failed: 1 error;" in r.stderr
    assert not sample.output.exists()


def test_check_lists_every_problem_and_writes_nothing(sample):
    sample.add("a.md", "---\ntitle: 5\n---\n")
    sample.add("b.md", "---\ntitle: T\ntopics: x\n---\n")
    r = run("check", *site_args(sample), cwd=sample.root)
    assert r.returncode == 1
    assert sum(": error: " in line for line in r.stderr.splitlines()) == 2
    assert not sample.output.exists()


def test_check_passes_on_good_content(sample):
    r = run("check", *site_args(sample))
    assert r.returncode == 0 and r.stdout.startswith("check passed: 4 briefings")


def test_bad_config_is_named(sample):
    (sample.content / "site.toml").write_text('title = "x"\nbase_url = "nope"\n')
    r = run("build", *site_args(sample, "--output", str(sample.output)), cwd=sample.root)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "content/site.toml: error: configuration key 'base_url' must be an absolute http(s) URL" in r.stderr


def test_missing_content_folder(tmp_path):
    r = run("build", "--content", str(tmp_path / "nope"), "--output", str(tmp_path / "out"), cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "nope/site.toml: error: site configuration not found" in r.stderr


def test_output_over_content_is_refused(sample):
    r = run("build", *site_args(sample, "--output", str(sample.root)))
    assert r.returncode == 1 and "Traceback" not in r.stderr and "refusing" in r.stderr
    assert (sample.content / "site.toml").exists()


def test_console_script_is_installed():
    import shutil
    exe = shutil.which("briefings") or str(__import__("pathlib").Path(sys.executable).parent / "briefings")
    r = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("briefings ")


def test_shipped_content_builds_cleanly(tmp_path):
    from conftest import ROOT
    # --no-cache: the repo's own .cache/ is neither read (a stale one prints a note) nor written
    r = run("build", "--content", str(ROOT / "content"), "--output", str(tmp_path / "out"), "--no-cache", cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # no warnings either: the shipped archive is curated
    html = (tmp_path / "out" / "index.html").read_text()
    assert html.count('class="card"') == 5




@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_while_writing_is_one_line_and_leaves_output_as_it_was(tmp_path, monkeypatch, capsys, jobs):
    """The pages are written by the render workers (on two cores, in another process): a write
    that fails there reaches the command as the OSError it was, and is reported in one line."""
    import sys as _sys

    from conftest import ROOT, FailsOnCall
    _sys.path.insert(0, str(ROOT))
    from bench.linking import generate_archive
    from generator import write as write_module
    from generator.cli import main

    content = generate_archive(40, tmp_path / "content", seed=1)
    out = tmp_path / "output"
    monkeypatch.setenv("BRIEFINGS_JOBS", jobs)
    assert main(["build", "--quiet", "--no-search", "--content", str(content), "--theme", str(THEME),
                 "--output", str(out)]) == 0
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    monkeypatch.setattr(write_module, "_write_new", FailsOnCall(write_module._write_new, 5, lambda _: OSError(
        28, "No space left on device", str(out / "x.html"))))
    (content / "briefings" / "new.md").write_text(briefing("A new one", "2022-01-30"), encoding="utf-8")
    assert not (tmp_path / ".output.previous").exists()  # so the new site is staged, written by the workers
    code = main(["build", "--quiet", "--no-search", "--no-cache", "--content", str(content), "--theme", str(THEME),
                 "--output", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error: cannot write ") and "No space left on device" in err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cache", "content", "output"]  # no half-written folder
