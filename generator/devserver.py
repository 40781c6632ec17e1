"""``briefings serve``: build, serve ``output/``, rebuild on save, reload open tabs.

* Builds go through :func:`generator.build.build` with one build cache kept in
  memory, so a save re-renders only the pages it affects, and the output is
  exactly what ``briefings build`` writes (no dev code in ``output/``). One
  difference in timing only: the search index of the years a save changed is
  rebuilt just after the browser reloads (:func:`generator.build.finish_search`;
  Pagefind takes longer than the rest of a one-file rebuild), so for that moment
  the search shows those years as they were.
* watchdog watches ``content/``, the theme and ``seeds/``; events are debounced
  (a burst of saves gives one rebuild). New or changed seeds are imported first.
* Tabs reload through server-sent events (``/__briefings__/events``): the
  dev server adds one ``<script src>`` (an external file it serves itself, so
  the pages' strict CSP holds) to the HTML *it sends*, never to the files.
* A broken edit keeps the last good site online; the error, with file and
  line, goes to the terminal and, as an overlay, to every open tab. Fixing the
  file recovers without a restart.
* Safety: binds 127.0.0.1 unless told otherwise; serves only regular files
  inside the output folder (no ``..``, encoded or not, no backslashes, no
  symlinks leading out); answers only requests whose Host header names this
  server (DNS rebinding); sends explicit content types and ``nosniff``.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import mimetypes
import os
import posixpath
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO
from urllib.parse import unquote, urlsplit

from generator.build import BuildResult, Paths, build, finish_search
from generator.cache import BuildCache

DEV_PREFIX = "/__briefings__/"
#: Quiet time after the last file event before rebuilding, and the longest wait.
DEBOUNCE = 0.08
MAX_WAIT = 1.0
#: After a reload is sent: how long no page must have been asked for before the search
#: index of the changed years is built, and the longest wait for that.
QUIET = 0.25
MAX_QUIET_WAIT = 2.0

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json", ".xml": "application/xml", ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8", ".wasm": "application/wasm", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".ico": "image/x-icon",
    ".woff2": "font/woff2", ".atom": "application/atom+xml", ".webmanifest": "application/manifest+json",
}

RELOAD_JS = """\
// Dev server only (briefings serve): reload on rebuild, show build errors.
(() => {
  const source = new EventSource("/__briefings__/events");
  let overlay = null;
  function show(errors) {
    if (!overlay) {
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = "/__briefings__/overlay.css";
      document.head.appendChild(css);
      overlay = document.createElement("section");
      overlay.id = "briefings-dev-error";
      overlay.setAttribute("role", "alert");
      document.body.appendChild(overlay);
    }
    overlay.replaceChildren();
    const h = document.createElement("h2");
    h.textContent = "Build failed: the last good version is shown";
    const pre = document.createElement("pre");
    pre.textContent = errors.join("\\n");
    const p = document.createElement("p");
    p.textContent = "Fix the file and save: this page reloads by itself.";
    overlay.append(h, pre, p);
  }
  source.addEventListener("reload", () => location.reload());
  source.addEventListener("failed", (e) => show(JSON.parse(e.data).errors));
})();
"""

OVERLAY_CSS = """\
#briefings-dev-error { position: fixed; inset: auto 1rem 1rem 1rem; z-index: 2147483647; max-height: 60vh;
  overflow: auto; padding: 1rem 1.25rem; background: #fff5f5; color: #5c0000; border: 3px solid #b00020;
  border-radius: .5rem; font: 15px/1.45 system-ui, sans-serif; box-shadow: 0 .5rem 2rem rgb(0 0 0 / .3); }
#briefings-dev-error h2 { margin: 0 0 .5rem; font-size: 1.1rem; }
#briefings-dev-error pre { white-space: pre-wrap; font: 14px/1.4 ui-monospace, monospace; margin: 0 0 .5rem; }
"""

SCRIPT_TAG = b'<script src="/__briefings__/reload.js" defer></script>'


@dataclass
class State:
    """What the server tells browsers: the build number, and the errors of a failed build."""

    epoch: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    def publish(self, errors: list[str]) -> None:
        with self.lock:
            if errors:
                self.errors = errors
            else:
                self.errors = []
            self.epoch += 1
            self.lock.notify_all()


def resolve(output_dir: Path, url_path: str) -> Path | None:
    """The file in ``output_dir`` for a request path, or None if it is not one we may serve."""
    path = unquote(url_path, errors="strict")
    if "\\" in path or "\x00" in path or not path.startswith("/"):
        return None
    parts = [p for p in path.split("/") if p]
    if any(p in ("..", ".") for p in parts):
        return None
    root = output_dir.resolve()
    target = root.joinpath(*parts) if parts else root
    if target.is_dir():
        target = target / "index.html"
    try:
        real = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root) or not real.is_file():
        return None
    # No symlink anywhere on the way, even one pointing inside: the output has none.
    probe = target
    while probe != root:
        if probe.is_symlink():
            return None
        probe = probe.parent
    return real


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "briefings-dev"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    server: DevHTTPServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet: the terminal is for build messages

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None,
              head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _host_ok(self) -> bool:
        return (self.headers.get("Host") or "").lower() in self.server.allowed_hosts

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib name
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:  # noqa: N802 - stdlib name
        if urlsplit(self.path).path == DEV_PREFIX + "events":
            self._get(head)  # a stream open as long as the tab: not a request being served
            return
        with self.server.serving():
            self._get(head)

    def _get(self, head: bool) -> None:
        if not self._host_ok():
            self._send(403, b"Forbidden: unknown Host header\n", "text/plain; charset=utf-8", head=head)
            return
        url_path = urlsplit(self.path).path
        if url_path.startswith(DEV_PREFIX):
            name = url_path[len(DEV_PREFIX):]
            if name == "reload.js":
                self._send(200, RELOAD_JS.encode(), CONTENT_TYPES[".js"], head=head)
            elif name == "overlay.css":
                self._send(200, OVERLAY_CSS.encode(), CONTENT_TYPES[".css"], head=head)
            elif name == "events" and not head:
                self._events()
            else:
                self._send(404, b"Not found\n", "text/plain; charset=utf-8", head=head)
            return
        try:
            target = resolve(self.server.output_dir, url_path)
        except UnicodeDecodeError:
            target = None
        if target is not None and not url_path.endswith("/") and target.name == "index.html" \
                and not url_path.endswith("index.html"):
            self._send(301, b"", "text/plain; charset=utf-8", {"Location": url_path + "/"}, head=head)
            return
        status = 200
        if target is None:
            status = 404
            target = self.server.output_dir / "404.html"
            if not target.is_file() or target.is_symlink():
                self._send(404, b"Not found\n", "text/plain; charset=utf-8", head=head)
                return
        try:
            body = target.read_bytes()
        except OSError:
            self._send(404, b"Not found\n", "text/plain; charset=utf-8", head=head)
            return
        content_type = CONTENT_TYPES.get(target.suffix.lower()) or mimetypes.guess_type(target.name)[0] \
            or "application/octet-stream"
        if content_type.startswith("text/html"):
            body = inject(body)
        self._send(status, body, content_type, head=head)

    def _events(self) -> None:
        state = self.server.state
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.close_connection = True
        with state.lock:
            seen = state.epoch
            errors = list(state.errors)
        try:
            self.wfile.write(b"retry: 500\n\n")
            if errors:
                self._event("failed", {"errors": errors})
            self.wfile.flush()
            while not self.server.stopping.is_set():
                with state.lock:
                    state.lock.wait_for(lambda: state.epoch != seen or self.server.stopping.is_set(), timeout=15)
                    epoch, errors = state.epoch, list(state.errors)
                if self.server.stopping.is_set():
                    break
                if epoch == seen:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    seen = epoch
                    if errors:
                        self._event("failed", {"errors": errors})
                    else:
                        self._event("reload", {"epoch": epoch})
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass

    def _event(self, name: str, data: dict) -> None:
        self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())


def inject(html: bytes) -> bytes:
    """The page with the dev script added to its head (only in what the dev server sends)."""
    at = html.find(b"</head>")
    if at < 0:
        return html + SCRIPT_TAG
    return html[:at] + SCRIPT_TAG + b"\n" + html[at:]


class DevHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], output_dir: Path, state: State):
        super().__init__(address, Handler)
        self.output_dir = output_dir
        self.state = state
        self.stopping = threading.Event()
        host, port = self.server_address[:2]
        names = {host}
        if host in ("127.0.0.1", "::1", "localhost"):
            names |= {"127.0.0.1", "localhost", "[::1]"}
        self.allowed_hosts = {f"{n}:{port}".lower() for n in names}
        self.port = port
        self._serving = 0
        self._last_served = 0.0
        self._activity = threading.Lock()

    @contextlib.contextmanager
    def serving(self):  # noqa: ANN201 - a context manager
        """Counts a request while it is answered (see :meth:`wait_quiet`)."""
        with self._activity:
            self._serving += 1
        try:
            yield
        finally:
            with self._activity:
                self._serving -= 1
                self._last_served = time.monotonic()

    def wait_quiet(self, quiet: float, longest: float, interrupt: Callable[[], bool]) -> None:
        """Wait until no request has been answered for ``quiet`` seconds (and at least that
        long), ``longest`` seconds at most, or until ``interrupt()``."""
        started = time.monotonic()
        while time.monotonic() - started < longest and not interrupt():
            with self._activity:
                idle = self._serving == 0 and time.monotonic() - max(self._last_served, started) >= quiet
            if idle:
                return
            time.sleep(0.02)


class DevServer:
    """Builds, serves and rebuilds one site. ``start()``/``stop()`` for tests; ``run()`` for the CLI."""

    def __init__(self, paths: Paths, host: str = "127.0.0.1", port: int = 8000, *, base_url: str | None = None,
                 seeds: Path | None = None, out: TextIO | None = None, cache: BuildCache | None = None):
        self.paths = paths
        self.base_url = base_url
        self.seeds = seeds if seeds is not None else paths.content.absolute().parent / "seeds"
        self.out = out or sys.stderr
        self.cache = cache if cache is not None else BuildCache.for_content(paths.content)
        self.state = State()
        self.httpd = DevHTTPServer((host, port), paths.output.absolute(), self.state)
        self._events: queue.Queue[Path] = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._observer = None
        self.last_result: BuildResult | None = None

    @property
    def url(self) -> str:
        host = self.httpd.server_address[0]
        return f"http://{'localhost' if host == '127.0.0.1' else host}:{self.httpd.port}/"

    # -- building -----------------------------------------------------------------
    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def rebuild(self, changed: set[Path] | None = None) -> BuildResult:
        if changed:
            self._import_seeds(changed)
        # The years whose search index changed are indexed after the browser reloads
        # (until then the search shows their last index): see finish_search.
        result = build(self.paths, base_url=self.base_url, cache=self.cache, save_cache=False,
                       search_later=True)
        self.last_result = result
        for d in result.diagnostics.sorted():
            self.say(d.format())
        if result.ok:
            r = result.report
            self.say(f"rebuilt: {r.written} written, {r.unchanged} unchanged in {result.seconds:.2f}s")
            self.state.publish([])
            if result.stale_search:
                # Open tabs reload now: their requests are answered before the indexer's
                # work competes with them. A new save meanwhile rebuilds first (its build
                # publishes these years' previous index again, and indexes them after).
                self.httpd.wait_quiet(QUIET, MAX_QUIET_WAIT, interrupt=lambda: not self._events.empty()
                                      or self._stop.is_set())
                if not self._events.empty() or self._stop.is_set():
                    self.cache.save(prune=result.ok)
                    return result
                years = ", ".join(result.stale_search)
                started = time.perf_counter()
                finish_search(self.paths, result)
                errors = [d.format() for d in result.diagnostics.sorted() if d.severity == "error"]
                if errors:
                    for line in errors:
                        self.say(line)
                    self.say(f"search index of {years} not updated; the site is served with the previous one")
                    self.state.publish(errors)
                else:
                    self.say(f"search index of {years} updated in {time.perf_counter() - started:.2f}s")
        else:
            errors = [d.format() for d in result.diagnostics.sorted() if d.severity == "error"]
            self.say(f"build failed ({len(errors)} error{'s' * (len(errors) != 1)}); still serving the last good site")
            self.state.publish(errors)
        self.cache.save(prune=result.ok)  # after the reload is sent: the browser need not wait for it
        return result

    def _import_seeds(self, changed: set[Path]) -> None:
        seeds_dir = self.seeds.absolute()
        new = sorted(p for p in changed if p.is_file() and p.is_relative_to(seeds_dir))
        if not new:
            return
        from generator.diagnostics import Diagnostics
        from generator.normalize import format_report, run_import
        diags = Diagnostics(root=self.paths.content.absolute().parent)
        report = run_import(new, self.paths.content, diags)
        for d in diags.sorted():
            self.say(d.format())
        if report is not None:
            for line in format_report(report):
                self.say(line)

    # -- watching -------------------------------------------------------------------
    def _watch(self) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        events = self._events
        ignored = (self.paths.output.absolute(),)

        class OnChange(FileSystemEventHandler):
            def on_any_event(self, event) -> None:  # noqa: ANN001 - watchdog event
                if event.event_type in ("opened", "closed_no_write"):
                    return
                for raw in (event.src_path, getattr(event, "dest_path", "")):
                    if not raw:
                        continue
                    path = Path(os.fsdecode(raw))
                    name = path.name
                    if name.startswith((".#", ".tmp-")) or name.endswith(("~", ".swp", ".swx", ".tmp")) \
                            or any(path.is_relative_to(i) for i in ignored) or ".cache" in path.parts:
                        continue
                    events.put(path)

        observer = Observer()
        config = self.last_result.site.config if self.last_result and self.last_result.site else None
        theme = self.paths.theme_dir(config) if config else self.paths.theme
        for folder in {self.paths.content.absolute(), (theme or self.paths.content).absolute(),
                       self.seeds.absolute()}:
            if folder.is_dir():
                observer.schedule(OnChange(), str(folder), recursive=True)
        observer.start()
        self._observer = observer

    def _builder(self) -> None:
        while not self._stop.is_set():
            try:
                first = self._events.get(timeout=0.2)
            except queue.Empty:
                continue
            changed = {first}
            started = last = time.monotonic()
            while time.monotonic() - started < MAX_WAIT:  # debounce: wait for a quiet moment
                try:
                    changed.add(self._events.get(timeout=max(0.0, DEBOUNCE - (time.monotonic() - last))))
                    last = time.monotonic()
                except queue.Empty:
                    break
            if self._stop.is_set():
                break
            try:
                self.rebuild(changed)
            except Exception as exc:  # noqa: BLE001 - the server must survive anything a build throws
                self.say(f"error: rebuild failed: {type(exc).__name__}: {exc}")
                self.state.publish([f"rebuild failed: {type(exc).__name__}: {exc}"])

    # -- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        """Build once, then serve and watch in background threads."""
        self.rebuild()
        self._watch()
        for target in (self.httpd.serve_forever, self._builder):
            t = threading.Thread(target=target, name=f"briefings-{target.__name__}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        self.httpd.stopping.set()
        with self.state.lock:
            self.state.lock.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        self.httpd.shutdown()
        self.httpd.server_close()
        for t in self._threads:
            t.join(timeout=5)

    def run(self) -> int:
        """Serve until Ctrl-C (SIGINT) or SIGTERM."""
        if threading.current_thread() is threading.main_thread():
            # A shell starts background jobs with SIGINT ignored, and Python then
            # never raises KeyboardInterrupt: take both signals explicitly.
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            self.start()
        except BaseException:  # the first build could not be written: nothing is served
            if self._observer is not None:
                self._observer.stop()
            self.httpd.server_close()
            raise
        self.say(f"serving {self.paths.output}/ at {self.url} (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            self.say("stopping")
        finally:
            self.stop()
        return 0
