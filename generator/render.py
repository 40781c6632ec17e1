"""The render stage: ``Site -> [OutputFile]`` through the theme's Jinja2 templates.

Links between pages are written relative to the page that holds them, so the
site works under any base path and even opened from disk; only the 404 page,
which a server shows at any address, links from the base path. Never writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import posixpath
import types
from collections import defaultdict
from pathlib import Path

import jinja2

from generator import fragments, publish
from generator import render_links
from generator.cache import BuildCache, tree_fingerprint
from generator.diagnostics import BuildError, Diagnostics
from generator.link import term_slug
from generator.model import OutputFile, Site
from generator.pages import render_pages
from generator.progress import ProgressFactory
from generator.trace import TracedMethod
from generator.write import KeptFile, StagedFile, Staging

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def long_date(d: dt.date | None) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}" if d else "Undated"


@functools.lru_cache(maxsize=1 << 16)
def relative_url(target: str, page_url: str | None, base_path: str = "/") -> str:
    """``target`` (a site path such as ``/topics/nato/``) as seen from ``page_url``."""
    if page_url is None:
        return base_path.rstrip("/") + target
    start = page_url if page_url.endswith("/") else posixpath.dirname(page_url) + "/"
    rel = posixpath.relpath(target, start)
    if target.endswith("/") and not rel.endswith("/"):
        rel = "./" if rel == "." else rel + "/"
    return rel


@jinja2.pass_context
def _url(ctx: jinja2.runtime.Context, target: str) -> str:
    return relative_url(target, ctx.get("page_url"), ctx["config"].base_path)


def _plain_segments(path: str) -> list[str] | None:
    """The segments of an absolute path that ``posixpath.relpath`` would not
    normalise (no empty, ``.`` or ``..`` segment inside); None for any other."""
    parts = path.split("/")
    if parts[0] != "" or len(parts) < 2:
        return None
    if parts[-1] == "":
        parts.pop()
    del parts[0]
    for part in parts:
        if part == "" or part == "." or part == "..":
            return None
    return parts


class PageLinks:
    """``url(target)`` of one page: :func:`relative_url` for that page, fast.

    The page's own segments are split once; a target is compared with them
    segment by segment. Anything posixpath would normalise takes
    :func:`relative_url` itself, so the result is always the same."""

    __slots__ = ("page_url", "base_path", "start", "memo", "deferred", "up", "own_first")

    def __init__(self, page_url: str | None, base_path: str = "/"):
        self.page_url, self.base_path = page_url, base_path
        #: While a fragment renders for :func:`generator.fragments.reuse`: the targets so far,
        #: and ``url()`` writes a marker for each, made into a link where the fragment is used.
        self.deferred: list | None = None
        self.start = None
        if page_url is not None:
            start = page_url if page_url.endswith("/") else posixpath.dirname(page_url) + "/"
            self.start = _plain_segments(start)
        self.memo: dict[str, str] = {}
        #: For a target outside the page's first folder: "../" for each of the page's folders.
        self.up = "../" * len(self.start) if self.start else ""
        self.own_first = "/" + self.start[0] if self.start else None

    def __call__(self, target: str) -> str:
        if self.deferred is not None:
            self.deferred.append(target)
            return f"\x1e{len(self.deferred) - 1}&\x1f"
        if type(target) is str:  # a Markup or anything else takes relative_url, as before
            try:
                return self.memo[target]
            except KeyError:
                pass
            # Most links lead out of the page's first folder (from a briefing to a term, the
            # stylesheet, home): the way up and the target's own path, when the target has no
            # segment posixpath would normalise ("//", "/.", "/..").
            own_first = self.own_first
            if own_first is not None and target[:1] == "/" and not target.startswith(own_first) \
                    and "//" not in target and "/." not in target:
                rel = self.memo[target] = self.up + target[1:]
                return rel
            start = self.start
            parts = _plain_segments(target) if start is not None else None
            if parts is not None:
                i, n = 0, min(len(start), len(parts))
                while i < n and start[i] == parts[i]:
                    i += 1
                rel = "/".join([".."] * (len(start) - i) + parts[i:]) or "."
                if target.endswith("/"):
                    rel = "./" if rel == "." else rel + "/"
                self.memo[target] = rel
                return rel
        return relative_url(target, self.page_url, self.base_path)


class PageContext(jinja2.runtime.Context):
    """Jinja's template context, which calls the callables a page calls most (``url()``,
    a traced object's methods, built-in methods such as ``date.isoformat``) directly.

    ``Context.call`` first asks every callable whether it wants the context, the
    evaluation context or the environment passed in (four attribute lookups, about
    1.6 us: a tenth of a briefing page's rendering, 800,000 calls at 10,000 briefings).
    None of these types can ask for it (they have no ``jinja_pass_arg`` and cannot be
    given one), so the answer is known; everything else takes ``Context.call``."""

    def call(__self, __obj, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN204, N805 - Jinja's signature
        if type(__obj) in _DIRECT_CALL:
            if kwargs:
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
            try:
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception")
        return super().call(__obj, *args, **kwargs)


def make_environment(theme_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(theme_dir / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # A build's templates do not change while it runs, and an environment is kept
        # between builds only for the same theme fingerprint (BuildCache.environment):
        # no need to look at every template file's time for every page.
        auto_reload=False,
    )
    env.context_class = PageContext
    env.globals["url"] = _url
    env.globals["term_slug"] = term_slug
    env.globals["reuse"] = fragments.reuse
    env.globals["reuse_each"] = fragments.reuse_each
    env.filters["long_date"] = long_date
    render_links.register(env)  # timeline chart and helpers
    publish.install(env)
    return env


#: Callables that never take Jinja's context, evaluation context or environment.
_DIRECT_CALL = frozenset({PageLinks, TracedMethod, types.BuiltinMethodType, types.MethodWrapperType})


def _out_path(url: str) -> str:
    return url.strip("/") + "/index.html" if url.strip("/") else "index.html"


def render_site(site: Site, theme_dir: Path, diags: Diagnostics, *, cache: BuildCache | None = None,
                progress: ProgressFactory | None = None, staging: Staging | None = None) -> list[OutputFile]:
    """Every page of the site; a template error becomes a diagnostic naming file and line.

    Pages whose inputs did not change since the build that filled ``cache`` are
    reused, the others rendered on all cores (see generator/pages.py). With ``staging``
    (a new site's folder, see generator/write.py), the workers write the pages they render
    into it, and those are :class:`~generator.write.StagedFile`."""
    theme_key = tree_fingerprint(theme_dir)
    env = cache.environment(f"{theme_dir.absolute()}\x00{theme_key}", lambda: make_environment(theme_dir)) \
        if cache is not None \
        else make_environment(theme_dir)
    pages: list[tuple[str, str | None, str, dict]] = []  # (output path, page url, template, context)

    pages.append(("index.html", "/", "home.html", {"briefings": site.briefings[: site.config.home_count]}))
    by_year: dict[str, list] = defaultdict(list)
    for b in site.briefings:
        by_year[str(b.date.year) if b.date else "Undated"].append(b)
    pages.append(("briefings/index.html", "/briefings/", "archive.html", {"years": list(by_year.items())}))
    for b in site.briefings:
        pages.append((_out_path(b.url), b.url, "briefing.html", {"briefing": b}))
    for tax in site.taxonomies.values():
        pages.append((_out_path(tax.url), tax.url, "taxonomy.html", {"taxonomy": tax}))
        for term in tax.terms:
            pages.append((_out_path(term.url), term.url, "term.html", {"taxonomy": tax, "term": term}))
    pages += render_links.pages(site, _out_path)  # by-count indexes, timeline, stories
    pages.append(("search/index.html", "/search/", "search.html", {}))  # Pagefind UI, see generator/search.py
    pages.append(("404.html", None, "404.html", {}))
    pages += render_links.feed_pages(site)  # Atom: the site's and one per term, cached like pages

    def page_error(exc: BaseException, out: str, template_name: str) -> tuple:
        """(file, message, line, hint) of a diagnostic for a page that failed to render."""
        if isinstance(exc, jinja2.TemplateSyntaxError):
            return Path(exc.filename or template_name), f"template syntax error: {exc.message}", exc.lineno, ""
        if isinstance(exc, jinja2.TemplateNotFound):
            return theme_dir / "templates", f"template {exc.name!r} not found", None, "the theme must provide it"
        line, name = _template_frame(exc, theme_dir)  # any runtime error is the theme's, reported not raised
        return name, f"template error while rendering {out}: {type(exc).__name__}: {exc}", line, ""

    common = {"site": site, "config": site.config, "taxonomies": site.taxonomies}
    files: list[OutputFile] = []
    fragments.clear()  # memoised by the objects of this build only
    try:
        rendered = render_pages(env, pages, common, page_error=page_error, cache=cache, progress=progress,
                                theme_key=theme_key, config_key=repr(dataclasses.astuple(site.config)),
                                helpers=lambda page_url: {"url": PageLinks(page_url, site.config.base_path)},
                                renderers=render_links.RENDERERS, put=staging.put if staging is not None else None)
    finally:
        fragments.clear()
    for (out, *_), page in zip(pages, rendered):
        if page.error is not None:
            where, message, line, hint = page.error
            diags.error(where, message, line=line, hint=hint)
            break
        if page.kept is not None:
            files.append(KeptFile(out, cache.output_dir, page.kept, page.facts))
        elif page.put is not None:
            staging.put_files[out] = page.put
            files.append(StagedFile(out, staging, page.size, page.facts))
        else:
            files.append(OutputFile(out, page.data, page.facts))
    if diags.errors:
        raise BuildError(diags)
    return files + publish.publish_files(site, files)


def _template_frame(exc: BaseException, theme_dir: Path) -> tuple[int | None, Path]:
    """The innermost template file and line in a traceback."""
    tb = exc.__traceback__
    found: tuple[int | None, Path] = (None, theme_dir / "templates")
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html") or filename.endswith(".xml"):
            found = (tb.tb_lineno, Path(filename))
        tb = tb.tb_next
    return found
