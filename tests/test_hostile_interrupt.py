"""Interruption and reproducibility, tested on the real `briefings` command in a subprocess.

- SIGKILL at random moments, many times: output/ is always exactly the old
  complete site or the new complete one (compared by tree digest), and a later
  build still equals a clean build.
- Two builds on different days (the clock faked with time-machine inside the
  subprocess) are byte-identical: nothing in the output depends on the build date.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, THEME, tree_digest

CLI = [sys.executable, "-m", "generator"]
# Runs the CLI with the clock set to FAKE_DATE (time.time, datetime.now, date.today all move).
FAKE_CLOCK = ("import sys, time, time_machine; time_machine.travel(sys.argv.pop(1), tick=True).start(); "
              "from generator.cli import main; sys.exit(main(sys.argv[1:]))")


def build_cmd(content: Path, output: Path) -> list[str]:
    return [*CLI, "build", "--content", str(content), "--theme", str(THEME), "--output", str(output)]


@pytest.fixture
def two_states(tmp_path):
    """A content folder, and the digests of its two versions A and B built cleanly."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    target = sorted((content / "briefings").rglob("*.md"))[0]
    a = target.read_text(encoding="utf-8")
    b = a + "\nA paragraph added in version B.\n"
    digests = {}
    for name, text in (("A", a), ("B", b)):
        target.write_text(text, encoding="utf-8")
        out = tmp_path / f"clean-{name}"
        subprocess.run(build_cmd(content, out), check=True, capture_output=True, cwd=tmp_path)
        digests[name] = tree_digest(out)
    assert digests["A"] != digests["B"]
    return content, target, {"A": a, "B": b}, digests


def test_sigkill_at_random_moments_leaves_old_or_new_site(two_states, tmp_path):
    content, target, texts, digests = two_states
    output = tmp_path / "output"
    target.write_text(texts["A"], encoding="utf-8")
    started = time.perf_counter()
    subprocess.run(build_cmd(content, output), check=True, capture_output=True, cwd=tmp_path)
    duration = time.perf_counter() - started
    assert tree_digest(output) == digests["A"]
    rng = random.Random(20220224)
    state, seen = "A", set()
    for _ in range(30):
        other = "B" if state == "A" else "A"
        target.write_text(texts[other], encoding="utf-8")
        proc = subprocess.Popen(build_cmd(content, output), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                cwd=tmp_path, start_new_session=True)
        time.sleep(rng.uniform(0, duration * 1.6))  # from before start-up to after the swap
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        now = tree_digest(output)
        assert now in (digests["A"], digests["B"]), "output/ is neither the old nor the new complete site"
        state = "A" if now == digests["A"] else "B"
        seen.add(state)
    assert seen == {"A", "B"}, "no kill landed after a swap: the delays do not cover a build"
    # interrupted builds must not poison what comes after (the build cache, stale folders)
    target.write_text(texts["B"], encoding="utf-8")
    subprocess.run(build_cmd(content, output), check=True, capture_output=True, cwd=tmp_path)
    assert tree_digest(output) == digests["B"]
    target.write_text(texts["A"], encoding="utf-8")
    subprocess.run(build_cmd(content, output), check=True, capture_output=True, cwd=tmp_path)
    assert tree_digest(output) == digests["A"]
    # ...and a successful build removes what killed builds left beside output/
    assert not list(output.parent.glob(output.name + ".tmp-*"))
    assert not list(output.parent.glob(output.name + ".old-*"))


def test_builds_on_different_days_are_byte_identical(two_states, tmp_path):
    content, target, texts, digests = two_states
    target.write_text(texts["A"], encoding="utf-8")
    trees = []
    for i, day in enumerate(["2001-02-03 04:05:06", "2031-12-31 23:59:30"]):
        out = tmp_path / f"day-{i}"
        subprocess.run([sys.executable, "-c", FAKE_CLOCK, day, *build_cmd(content, out)[3:]],
                       check=True, capture_output=True, cwd=tmp_path,
                       env={**os.environ, "TZ": ["Asia/Tokyo", "America/Los_Angeles"][i], "PYTHONHASHSEED": str(i)})
        trees.append(tree_digest(out))
    assert trees[0] == trees[1] == digests["A"]


def test_the_fake_clock_really_moves_the_clock(tmp_path):
    code = FAKE_CLOCK.replace("from generator.cli import main; sys.exit(main(sys.argv[1:]))",
                              "import datetime; print(datetime.date.today(), time.time() < 1e9)")
    out = subprocess.run([sys.executable, "-c", code, "2001-02-03 04:05:06"], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["2001-02-03", "True"]
