"""Render the pages of a site: reuse the ones whose inputs did not change, render
the others on every core, and record what each template read for next time.

Called by :func:`generator.render.render_site`, which decides the pages and
owns the error messages. See :mod:`generator.trace` for why a reused page is
always the page a fresh render would give.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable
from typing import NamedTuple

import jinja2

from generator import parallel
from generator.cache import BuildCache, PageEntry, generator_fingerprint
from generator.model import PageFacts
from generator.progress import ProgressFactory
from generator.publish import page_facts
from generator.trace import Recorder, Replayer, traced_context

#: (output path, page URL, template name, page context), as built by render.py.
Page = tuple[str, "str | None", str, dict]


class Rendered(NamedTuple):
    #: The page's bytes; None if rendering failed, or if ``put`` wrote them.
    data: bytes | None
    #: When rendering failed: (file, message, line, hint) for a diagnostic.
    error: tuple | None = None
    #: What ``put`` returned, if it wrote the page (see :func:`render_pages`).
    put: object = None
    #: The page's length in bytes.
    size: int = 0
    #: What the sitemap and the search index need of it (None if rendering failed).
    facts: PageFacts | None = None
    #: For a page taken as it is from the last output: the identity of its file there
    #: (:meth:`generator.cache.BuildCache.verified_output`); ``data`` is then None.
    kept: tuple | None = None


def page_scope(theme_key: str, config_key: str, template: str, names: list[str]) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    for part in (generator_fingerprint(), theme_key, config_key, template, "\x00".join(sorted(names))):
        h.update(part.encode("utf-8", "surrogatepass") + b"\x01")
    return h.digest()


def render_pages(env: jinja2.Environment, pages: list[Page], common: dict, *,
                 page_error: Callable[[BaseException, str, str], tuple],
                 cache: BuildCache | None, theme_key: str, config_key: str,
                 progress: ProgressFactory | None = None,
                 helpers: Callable[[str | None], dict] | None = None,
                 renderers: dict[str, Callable[[dict], bytes]] | None = None,
                 put: Callable[[str, bytes], object] | None = None) -> list[Rendered]:
    """One :class:`Rendered` per page, in order.

    ``put(output path, bytes)``, if given, is called in the worker that rendered a page
    (:class:`generator.write.Staging` writes it there); unless it returns None, the bytes
    are not sent back, and the page's ``put`` is what it returned.

    A page whose template name is in ``renderers`` is written by that Python
    function from its (traced) context instead of a template (the feeds).

    ``helpers(page_url)`` gives per-page template functions (such as ``url``)
    that compute only from the page's URL and the configuration, both part of
    what a page is keyed or recorded by; they are handed over untraced."""
    # The site and everything loaded so far outlive rendering: moved out of the
    # collector's sight, they are not traversed again and again by its full
    # collections where it runs (a third of the render time at 10,000 briefings).
    # (Workers are forked with them frozen in any case: generator/parallel.py.)
    gc.freeze()
    try:
        return _render_pages(env, pages, common, page_error=page_error, cache=cache, theme_key=theme_key,
                             config_key=config_key, progress=progress, helpers=helpers,
                             renderers=renderers or {}, put=put)
    finally:
        gc.unfreeze()


def _render_template(template: jinja2.Template, values: dict) -> str:
    """``template.render(values)``, as Jinja does it, and then the page's context emptied.

    A macro that a template defines keeps the context it was defined in, which keeps the
    macro: a cycle, and with it the page's traced values and recording stay in memory until
    the collector finds them (a render worker's collections took 0.5 s at 10,000 briefings).
    Emptied, they are freed as soon as the page is done."""
    context = template.new_context(values)
    try:
        return template.environment.concat(template.root_render_func(context))  # type: ignore[arg-type]
    except Exception:
        template.environment.handle_exception()  # raises, with the template's lines in the traceback
        raise  # not reached
    finally:
        context.vars.clear()


def _render_pages(env: jinja2.Environment, pages: list[Page], common: dict, *,
                  page_error: Callable[[BaseException, str, str], tuple],
                  cache: BuildCache | None, theme_key: str, config_key: str,
                  progress: ProgressFactory | None,
                  helpers: Callable[[str | None], dict] | None,
                  renderers: dict[str, Callable[[dict], bytes]],
                  put: Callable[[str, bytes], object] | None) -> list[Rendered]:
    cache = cache if cache is not None else BuildCache()
    keyed = frozenset({id(common["config"])}) if "config" in common else frozenset()
    results: list[Rendered | None] = [None] * len(pages)
    scopes: list[bytes] = []
    candidates: list[int] = []
    for i, (out, page_url, template, context) in enumerate(pages):
        scope = page_scope(theme_key, config_key, template, ["page_url", *context])
        scopes.append(scope)
        entry = cache.page(out)
        if entry is not None and entry.scope == scope:
            candidates.append(i)

    replayer = Replayer(common, keyed)

    def unchanged(i: int) -> tuple | None:
        """If everything page ``i`` read last time reads the same on the new site, and its file in
        the last output holds the bytes recorded for it: that file's identity. Checked in the
        workers, so the building process neither reads nor hashes the pages it reuses."""
        out, page_url, _, context = pages[i]
        entry = cache.page(out)
        try:
            if replayer.digest(entry.paths, {"page_url": page_url, **context}) != entry.digest:
                return None
        except Exception:  # noqa: BLE001 - Opaque, or a helper failing on new data: render it and report
            return None
        return cache.verified_output(out, entry) if entry.facts is not None else None

    tick = progress("Checking pages", len(candidates)) if progress and candidates else None
    todo_set = set(range(len(pages)))
    for i, kept in zip(candidates, parallel.run(unchanged, candidates, tick)):
        if kept is not None:
            out = pages[i][0]
            entry = cache.page(out)
            results[i] = Rendered(None, size=entry.size, facts=entry.facts, kept=kept)
            cache.keep_page(out)
            cache.stats.render_hits += 1
            todo_set.discard(i)
    todo = sorted(todo_set)

    own: dict = {}

    def render(i: int) -> tuple:
        out, page_url, template_name, context = pages[i]
        rec = Recorder(keyed, own)
        try:
            values = traced_context({**common, "page_url": page_url, **context}, rec)
            if template_name in renderers:
                data = renderers[template_name](values)
            else:
                template = env.get_template(template_name)
                if helpers is not None:
                    values.update(helpers(page_url))
                data = _render_template(template, values).encode("utf-8")
        except Exception as exc:  # noqa: BLE001 - reported as a diagnostic by the caller
            return (None, page_error(exc, out, template_name), None, None, True, None, 0, None, None)
        # the page's hash and facts, for the cache, are found here: in the workers, not one by one afterwards
        sha, size = hashlib.sha256(data).digest(), len(data)
        facts = page_facts(data, sha)
        done = put(out, data) if put is not None else None
        return (data if done is None else None, None, rec.program(), rec.digest(), rec.opaque, sha, size, done,
                facts)

    interned: dict = {}
    tick = progress("Rendering pages", len(todo)) if progress else None
    for i, (data, error, program, digest, opaque, sha, size, done, facts) in zip(
            todo, parallel.run(render, todo, tick)):
        results[i] = Rendered(data, error, done, size, facts)
        cache.stats.rendered += 1
        if error is not None or opaque:
            continue
        program = interned.setdefault(program, program)
        cache.store_page(pages[i][0], PageEntry(scopes[i], program, digest, sha, size, facts))
    return results  # type: ignore[return-value]
