"""Render the pages of a site: reuse the ones whose inputs did not change, render
the others on every core, and record what each template read for next time.

Called by :func:`generator.render.render_site`, which decides the pages and
owns the error messages. See :mod:`generator.trace` for why a reused page is
always the page a fresh render would give.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import NamedTuple

import jinja2

from generator import parallel
from generator.cache import BuildCache, PageEntry, generator_fingerprint
from generator.progress import ProgressFactory
from generator.trace import Opaque, Recorder, Replayer, digest_values, traced_context

#: (output path, page URL, template name, page context), as built by render.py.
Page = tuple[str, "str | None", str, dict]


class Rendered(NamedTuple):
    data: bytes | None
    #: When rendering failed: (file, message, line, hint) for a diagnostic.
    error: tuple | None = None


def page_scope(theme_key: str, config_key: str, template: str, names: list[str]) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    for part in (generator_fingerprint(), theme_key, config_key, template, "\x00".join(sorted(names))):
        h.update(part.encode("utf-8", "surrogatepass") + b"\x01")
    return h.digest()


def render_pages(env: jinja2.Environment, pages: list[Page], common: dict, *,
                 page_error: Callable[[BaseException, str, str], tuple],
                 cache: BuildCache | None, theme_key: str, config_key: str,
                 progress: ProgressFactory | None = None) -> list[Rendered]:
    """One :class:`Rendered` per page, in order."""
    cache = cache if cache is not None else BuildCache()
    replayer = Replayer(common)
    results: list[Rendered | None] = [None] * len(pages)
    scopes: list[bytes] = []
    todo: list[int] = []
    for i, (out, page_url, template, context) in enumerate(pages):
        names = ["page_url", *context]
        scope = page_scope(theme_key, config_key, template, names)
        scopes.append(scope)
        entry = cache.page(out)
        if entry is not None and entry.scope == scope:
            try:
                digest = digest_values(replayer.values(entry.paths, {"page_url": page_url, **context}))
            except Opaque:
                digest = None
            except Exception:  # noqa: BLE001 - a helper failing on new data: render it and report
                digest = None
            if digest == entry.digest:
                data = cache.previous_output(out, entry)
                if data is not None:
                    results[i] = Rendered(data)
                    cache.keep_page(out)
                    cache.stats.render_hits += 1
                    continue
        todo.append(i)

    own: dict = {}
    keyed = frozenset({id(common["config"])}) if "config" in common else frozenset()

    def render(i: int) -> tuple:
        out, page_url, template_name, context = pages[i]
        rec = Recorder(frozenset(common), keyed, own)
        try:
            template = env.get_template(template_name)
            html = template.render(traced_context({**common, "page_url": page_url, **context}, rec))
        except Exception as exc:  # noqa: BLE001 - reported as a diagnostic by the caller
            return (None, page_error(exc, out, template_name), None, None, True)
        return (html.encode("utf-8"), None, rec.paths(), rec.digest(), rec.opaque)

    interned: dict = {}
    tick = progress("Rendering pages", len(todo)) if progress else None
    for i, (data, error, paths, digest, opaque) in zip(todo, parallel.run(render, todo, tick)):
        results[i] = Rendered(data, error)
        cache.stats.rendered += 1
        if data is None or opaque:
            continue
        paths = interned.setdefault(paths, paths)
        cache.store_page(pages[i][0], PageEntry(scopes[i], paths, digest, hashlib.sha256(data).digest(), len(data)))
    return results  # type: ignore[return-value]
