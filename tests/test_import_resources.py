"""The importer under hostile load: a huge seed, many tiny seeds, and being killed."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from generator.content import read_briefing
from generator.diagnostics import Diagnostics
from generator.normalize import MAX_SEED_BYTES
from test_import_cli import FIXTURES, Archive


def test_a_50_mb_seed_is_rejected_up_front_and_the_others_import(tmp_path, capsys):
    archive = Archive(tmp_path)
    archive.add("courtesy.txt")
    paragraph = (FIXTURES / "breadcrumb.txt").read_text(encoding="utf-8")
    with open(archive.seeds / "huge.txt", "w", encoding="utf-8") as f:
        for _ in range(50_000_000 // len(paragraph) + 1):
            f.write(paragraph)
    assert (archive.seeds / "huge.txt").stat().st_size > 50_000_000 > MAX_SEED_BYTES
    started = time.monotonic()
    code, out, err = archive.run(capsys)
    assert time.monotonic() - started < 30  # bounded: never read, never normalized (was 90 s, 800 MB)
    assert code == 1
    [line] = err.strip().splitlines()
    assert "huge.txt: error: rejected:" in line and "MB is more than one briefing can be" in line
    assert len(archive.files()) == 1  # courtesy.txt still imported


def test_thousands_of_tiny_seeds_import_with_unique_slugs(tmp_path, capsys):
    archive = Archive(tmp_path)
    for i in range(2_000):  # 100,000 behave the same; 2,000 keep the suite fast
        (archive.seeds / f"{i:06d}.txt").write_text(f"Briefing number {i} about NATO and Ukraine.\n",
                                                   encoding="utf-8")
    code, out, err = archive.run(capsys)
    assert code == 0, err[:500]
    files = archive.files()
    assert len(files) == 2_000 and len(set(files)) == 2_000
    assert "2000 seeds: 2000 imported" in out


def test_killing_import_never_leaves_a_truncated_briefing(tmp_path):
    archive = Archive(tmp_path)
    text = (FIXTURES / "credits_related.txt").read_text(encoding="utf-8")
    for i in range(300):
        (archive.seeds / f"seed-{i:03d}.txt").write_text(f"Report {i}: " + text, encoding="utf-8")
    rng = random.Random(7)
    cmd = [sys.executable, "-m", "generator", "import", str(archive.seeds), "--content", str(archive.content)]
    for _ in range(6):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        diags = Diagnostics()
        for path in (archive.content / "briefings").rglob("*.md"):
            assert read_briefing(path, archive.content, diags) is not None, [d.format() for d in diags.items]
        assert not diags.errors
    # a last, complete run finishes the job from wherever the kills left it
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
    assert len(list((archive.content / "briefings").rglob("*.md"))) == 300
    assert list((archive.content / "briefings").rglob(".*.md.tmp")) == []  # killed runs' temp files cleared
