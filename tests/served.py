"""Helpers for the browser checks: serve a built site on a free local port, and
launch Debian's Chromium through Playwright (never a browser Playwright downloads)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from pathlib import Path

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextlib.contextmanager
def serve(directory: Path):
    """Yield the base URL (no trailing slash) of ``directory`` served on 127.0.0.1."""
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def launch(playwright):
    assert CHROMIUM, "chromium is not installed: run `make system-deps` (apt-get install chromium)"
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def site_pages(output: Path) -> list[str]:
    """Every HTML page of a built site as a URL path ('/', '/topics/x/', '/404.html')."""
    paths = []
    for p in sorted(output.rglob("*.html")):
        rel = p.relative_to(output).as_posix()
        paths.append("/" + (rel.removesuffix("index.html") if rel.endswith("index.html") else rel))
    return paths
