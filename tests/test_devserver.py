"""`briefings serve`: real HTTP requests to a dev server on a free port.

One server per test module (building and watching cost time); tests that
break the site fix it again before they end.
"""

from __future__ import annotations

import http.client
import io
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from conftest import THEME, FixtureSite, briefing

import generator.build as build_module
from generator.build import Paths
from generator.devserver import DevServer, resolve


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    # The Pagefind index is not what is tested here, and costs most of a small build.
    original = build_module.search_files
    build_module.search_files = lambda site, files, diags, **_: []
    root = tmp_path_factory.mktemp("serve")
    site = FixtureSite(root)
    site.add("2022/2022-01-07-ministers-meet.md", briefing("Ministers meet", "2022-01-07", "First text.",
                                                           topics="[Diplomacy]"))
    site.add("2022/2022-01-26-answers.md", briefing("Written answers", "2022-01-26", "Answers.",
                                                    topics="[Arms control]"))
    theme = root / "theme"
    import shutil
    shutil.copytree(THEME, theme)
    (root / "secret.txt").write_text("secret", encoding="utf-8")
    (root / "seeds").mkdir()
    log = io.StringIO()
    server = DevServer(Paths(content=site.content, theme=theme, output=site.output), port=0,
                       seeds=root / "seeds", out=log)
    server.start()
    server.site, server.theme, server.log, server.root = site, theme, log, root
    yield server
    server.stop()
    build_module.search_files = original


def request(server: DevServer, path: str, host: str | None = None, method: str = "GET"):
    conn = http.client.HTTPConnection("127.0.0.1", server.httpd.port, timeout=10)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host if host is not None else f"127.0.0.1:{server.httpd.port}")
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


class Events:
    """Reads the server-sent events stream in a thread."""

    def __init__(self, server: DevServer):
        self.events: list[tuple[str, str]] = []
        self.sock = socket.create_connection(("127.0.0.1", server.httpd.port), timeout=30)
        self.sock.sendall(f"GET /__briefings__/events HTTP/1.1\r\nHost: 127.0.0.1:{server.httpd.port}\r\n\r\n"
                          .encode())
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        buf = b""
        try:
            while chunk := self.sock.recv(4096):
                buf += chunk
                while b"\n\n" in buf:
                    block, buf = buf.split(b"\n\n", 1)
                    lines = block.decode().splitlines()
                    name = next((x[7:] for x in lines if x.startswith("event: ")), "")
                    data = next((x[6:] for x in lines if x.startswith("data: ")), "")
                    if name:
                        self.events.append((name, data))
        except OSError:
            pass

    def wait(self, name: str, timeout: float = 20) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for n, data in self.events:
                if n == name:
                    self.events.clear()
                    return data
            time.sleep(0.02)
        raise AssertionError(f"no {name!r} event; got {self.events}")

    def close(self) -> None:
        self.sock.close()


def test_serves_pages_with_the_dev_script_only_in_responses(served: DevServer) -> None:
    resp, body = request(served, "/")
    assert resp.status == 200
    assert resp.getheader("Content-Type") == "text/html; charset=utf-8"
    assert resp.getheader("X-Content-Type-Options") == "nosniff"
    assert b'<script src="/__briefings__/reload.js" defer></script>' in body
    on_disk = (served.site.output / "index.html").read_bytes()
    assert b"__briefings__" not in on_disk
    assert body.replace(b'<script src="/__briefings__/reload.js" defer></script>\n', b"") == on_disk
    resp, js = request(served, "/__briefings__/reload.js")
    assert resp.getheader("Content-Type") == "text/javascript; charset=utf-8" and b"EventSource" in js
    resp, _ = request(served, "/static/style.css")
    assert resp.getheader("Content-Type") == "text/css; charset=utf-8"
    resp, _ = request(served, "/static/favicon.svg")
    assert resp.getheader("Content-Type") == "image/svg+xml"
    resp, _ = request(served, "/briefings/2022/01/ministers-meet")
    assert resp.status == 301 and resp.getheader("Location") == "/briefings/2022/01/ministers-meet/"
    resp, body = request(served, "/no/such/page/")
    assert resp.status == 404 and b"<html" in body
    resp, body = request(served, "/", method="HEAD")
    assert resp.status == 200 and body == b""


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt",
    "/static/..%2f..%2fsecret.txt", "/..\\secret.txt", "/%5c..%5csecret.txt", "/static%5c..%5c..%5csecret.txt",
    "//../secret.txt", "/%252e%252e/secret.txt", "/.%2e/secret.txt", "/%00/index.html", "/%ff%fe",
    "/link-out", "/static/link-out/secret.txt",
])
def test_never_serves_anything_outside_the_output(served: DevServer, path: str) -> None:
    out = served.site.output
    for name, target in (("link-out", served.root / "secret.txt"), ("static/link-out", served.root)):
        link = out / name
        if not link.is_symlink():
            os.symlink(target, link)
    resp, body = request(served, path)
    assert resp.status in (400, 404)
    assert b"secret" not in body


def test_resolve_refuses_symlinks_even_inside(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("a", encoding="utf-8")
    os.symlink(tmp_path / "a.html", tmp_path / "b.html")
    assert resolve(tmp_path, "/a.html") == (tmp_path / "a.html").resolve()
    assert resolve(tmp_path, "/b.html") is None


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", "", "localhost.evil:{port}"])
def test_rejects_foreign_host_headers(served: DevServer, host: str) -> None:
    resp, body = request(served, "/", host=host.format(port=served.httpd.port))
    assert resp.status == 403
    assert b"Ministers" not in body


def test_accepts_localhost(served: DevServer) -> None:
    resp, _ = request(served, "/", host=f"localhost:{served.httpd.port}")
    assert resp.status == 200


def test_save_rebuilds_and_reloads_and_errors_show_then_recover(served: DevServer) -> None:
    events = Events(served)
    try:
        time.sleep(0.2)
        path = served.site.content / "briefings/2022/2022-01-07-ministers-meet.md"
        path.write_text(briefing("Ministers meet again", "2022-01-07", "Second text.", topics="[Diplomacy]"),
                        encoding="utf-8")
        events.wait("reload")
        _, body = request(served, "/briefings/2022/01/ministers-meet/")
        assert b"Ministers meet again" in body and b"Second text." in body
        _, home = request(served, "/")
        assert b"Ministers meet again" in home  # lists are never stale

        # Ten saves in a burst: one rebuild.
        before = served.log.getvalue().count("rebuilt:")
        for i in range(10):
            path.write_text(briefing(f"Burst {i}", "2022-01-07", "Burst.", topics="[Diplomacy]"), encoding="utf-8")
        events.wait("reload")
        time.sleep(0.5)
        assert served.log.getvalue().count("rebuilt:") - before == 1
        _, body = request(served, "/briefings/2022/01/ministers-meet/")
        assert b"Burst 9" in body

        # A broken file: the error is reported (terminal and browser), the last good site stays.
        path.write_text("---\ntitle: [unclosed\n---\nBody\n", encoding="utf-8")
        data = events.wait("failed")
        assert "2022-01-07-ministers-meet.md:3: error" in data and "invalid frontmatter YAML" in data
        assert "2022-01-07-ministers-meet.md:3: error" in served.log.getvalue()
        resp, body = request(served, "/briefings/2022/01/ministers-meet/")
        assert resp.status == 200 and b"Burst 9" in body

        # A template error names the template and line.
        tpl = served.theme / "templates/briefing.html"
        good = tpl.read_text(encoding="utf-8")
        path.write_text(briefing("Fixed", "2022-01-07", "Fixed text.", topics="[Diplomacy]"), encoding="utf-8")
        events.wait("reload")
        tpl.write_text(good.replace("{% block main %}", "{% block main %}{% if %}", 1), encoding="utf-8")
        data = events.wait("failed")
        assert "briefing.html:" in data and "syntax" in data
        tpl.write_text(good, encoding="utf-8")
        events.wait("reload")
        _, body = request(served, "/briefings/2022/01/ministers-meet/")
        assert b"Fixed text." in body
    finally:
        events.close()


def test_new_seeds_are_imported(served: DevServer) -> None:
    seeds = served.root / "seeds"
    events = Events(served)
    try:
        time.sleep(0.2)
        (seeds / "900_new.txt").write_text(
            "Alliance ministers agree on a new air defence plan\n\n"
            "Brussels, 3 March 2022 - Defence ministers of the alliance agreed on Thursday on a new plan "
            "for air defence on the eastern flank, officials said after the meeting.\n\n"
            "The plan covers radar, interceptors and training over the next five years.\n", encoding="utf-8")
        events.wait("reload", timeout=30)
        assert list((served.site.content / "briefings").rglob("*air-defence*.md"))
    finally:
        events.close()


def test_the_build_cache_is_kept_for_the_next_session(served: DevServer) -> None:
    """serve saves its cache after each rebuild (once the browser was told to reload):
    stopping and running `briefings build` or `serve` again starts warm."""
    from generator.cache import BuildCache
    served.rebuild()
    cache = BuildCache.for_content(served.site.content)
    assert cache.note == "" and cache.pages and cache.markdown and cache.parsed
    result = build_module.build(Paths(content=served.site.content, theme=served.theme, output=served.site.output),
                                cache=cache)
    assert result.ok and result.cache.stats.parsed == 0 and result.cache.stats.rendered == 0


def test_the_search_index_waits_for_the_pages_being_served(served: DevServer) -> None:
    """After a reload, the indexer waits until no page has been asked for a moment, so that
    the reloading tabs are answered first; a new save cuts the wait short."""
    httpd = served.httpd
    order = []

    def request_in_flight() -> None:
        with httpd.serving():
            time.sleep(0.4)
            order.append("request answered")

    worker = threading.Thread(target=request_in_flight)
    worker.start()
    time.sleep(0.05)
    httpd.wait_quiet(0.05, 30, interrupt=lambda: False)
    order.append("indexing may start")
    worker.join()
    assert order == ["request answered", "indexing may start"]

    order.clear()
    worker = threading.Thread(target=request_in_flight)
    worker.start()
    time.sleep(0.05)
    httpd.wait_quiet(0.05, 30, interrupt=lambda: True)  # a new save is waiting
    order.append("wait cut short")
    worker.join()
    assert order == ["wait cut short", "request answered"]
