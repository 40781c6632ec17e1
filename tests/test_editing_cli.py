"""`briefings new`, the build cache switches and `briefings serve`'s life cycle, from the command line."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import THEME

from generator.cli import main
from generator.config import Config
from generator.content import read_briefing
from generator.diagnostics import Diagnostics
from generator.newbriefing import new_briefing

ROOT = Path(__file__).resolve().parent.parent


def test_new_uses_the_site_time_zone_and_a_unique_slug(site) -> None:
    late = dt.datetime(2022, 1, 6, 23, 30, tzinfo=dt.timezone.utc)  # already the 7th in Brussels
    config = Config(timezone="Europe/Brussels")
    first = new_briefing(site.content, config, "Ministers meet: “again”", now=late)
    assert first == site.content / "briefings/2022/2022-01-07-ministers-meet-again.md"
    second = new_briefing(site.content, config, "Ministers meet again", now=late)
    assert second.name == "2022-01-07-ministers-meet-again-2.md"
    # Still the 6th in Adak; same month, so the URL /briefings/2022/01/<slug>/ must differ too.
    assert new_briefing(site.content, Config(timezone="America/Adak"), "Ministers meet again",
                        now=late).name == "2022-01-06-ministers-meet-again-3.md"
    diags = Diagnostics()
    b = read_briefing(first, site.content, diags)
    assert not diags.items
    assert b.title == "Ministers meet: “again”" and b.date == dt.date(2022, 1, 7)
    assert b.topics == b.people == b.organizations == b.places == ()
    text = first.read_text(encoding="utf-8")
    assert "topics: []" in text and "places: []" in text


def test_new_from_the_command_line(site, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "A fresh note", "--content", str(site.content)]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.is_file() and path.name.endswith("-a-fresh-note.md")
    assert main(["new", "   ", "--content", str(site.content)]) == 1
    assert "title" in capsys.readouterr().err


def test_build_uses_the_cache_unless_told_not_to(sample, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["build", "--content", str(sample.content), "--theme", str(THEME), "--output", str(sample.output)]
    assert main(args) == 0
    assert (sample.root / ".cache/briefings/build.cache").is_file()
    first = capsys.readouterr().out
    assert main(args) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("built 4 briefings") and "0 written" in line and line.count("\n") == 0, first
    assert main([*args, "--no-cache"]) == 0
    assert "0 written" in capsys.readouterr().out
    assert main([*args, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "warning" in captured.err and "built" not in captured.err  # problems still show


def test_serve_starts_serves_and_stops_on_ctrl_c(sample) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--content", str(sample.content), "--theme", str(THEME),
         "--output", str(sample.output), "--port", "0"],
        cwd=sample.root, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if " at http://" in line:
                url = line.split(" at ", 1)[1].split()[0]
        assert url and url.startswith("http://localhost:")
        with urllib.request.urlopen(url) as resp:
            assert resp.status == 200 and b"Test Archive" in resp.read()
        proc.send_signal(signal.SIGINT)
        rest = proc.communicate(timeout=20)[1]
        assert proc.returncode == 0
        assert "Traceback" not in rest and "stopping" in rest
    finally:
        if proc.poll() is None:
            proc.kill()


def test_new_that_cannot_write_is_one_line_and_leaves_nothing(site, capsys, monkeypatch) -> None:
    import generator.newbriefing as newbriefing_module
    year = site.content / "briefings" / str(dt.date.today().year)
    year.write_text("a file where the year's folder goes")
    assert main(["new", "A fresh note", "--content", str(site.content)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write ") and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    year.unlink()

    def full_disk(*args, **kwargs):  # noqa: ANN002, ANN003
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(newbriefing_module, "dump_briefing", lambda meta, body: "---\ntitle: x\n")
    real_open = open

    class Failing:
        def __init__(self, f):  # noqa: ANN001
            self.f = f

        def __enter__(self):  # noqa: ANN204
            return self

        def __exit__(self, *exc):  # noqa: ANN002, ANN204
            self.f.close()

        def write(self, text):  # noqa: ANN001, ANN201
            self.f.write(text[:5])
            full_disk()

    monkeypatch.setattr(newbriefing_module, "open", lambda *a, **k: Failing(real_open(*a, **k)), raising=False)
    assert main(["new", "A fresh note", "--content", str(site.content)]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert not list((site.content / "briefings").rglob("*.md"))  # nothing half-written


def test_serve_whose_first_build_cannot_be_written_is_one_line(sample, capsys, monkeypatch) -> None:
    """A failed write later is reported by the running server (and the last good site kept); the
    first build has no site to fall back on: the command says why in one line and ends."""
    from conftest import FailsOnCall

    from generator import write as write_module
    monkeypatch.setattr(write_module, "_write_new", FailsOnCall(write_module._write_new, 1, lambda _: OSError(
        28, "No space left on device", str(sample.output / "x.html"))))
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = main(["serve", "--content", str(sample.content), "--theme", str(THEME),
                     "--output", str(sample.output), "--port", "0"])
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error: cannot write ") and "No space left on device" in err
    assert not sample.output.exists()
