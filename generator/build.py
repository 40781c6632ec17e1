"""The pipeline: load -> link -> render -> write. The only module importing every stage."""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.cache import BuildCache, markdown_renderer
from generator.config import Config, load_config
from generator.content import read_briefing
from generator.diagnostics import BuildError, Diagnostics
from generator.link import link
from generator.model import Briefing, OutputFile, Site
from generator.progress import ProgressFactory
from generator.render import render_site
from generator.search import SEARCH_DIR, SearchStats, scratch_prefix, search_files
from generator.write import Staging, WriteReport, stage, write_site

BRIEFINGS_DIR = "briefings"


@dataclass
class Paths:
    content: Path = Path("content")
    theme: Path | None = None  # default: themes/<config.theme> beside content/
    output: Path = Path("output")

    def theme_dir(self, config: Config) -> Path:
        return self.theme if self.theme is not None else self.content.absolute().parent / "themes" / config.theme


@dataclass
class BuildResult:
    site: Site | None
    files: list[OutputFile] = field(default_factory=list)
    report: WriteReport | None = None
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    seconds: float = 0.0
    cache: BuildCache | None = None
    #: Search index groups published out of date (``search_later``); see :func:`finish_search`.
    stale_search: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.diagnostics.errors


def load_briefings(content_dir: Path, diags: Diagnostics, cache: BuildCache | None = None,
                   progress: ProgressFactory | None = None) -> list[Briefing]:
    root = content_dir / BRIEFINGS_DIR
    if not root.is_dir():
        diags.error(root, "briefings folder not found", hint=f"create {BRIEFINGS_DIR}/ in the content folder")
        return []
    inside = content_dir.resolve()
    found = []
    for folder, subfolders, files in os.walk(root):  # a link to a folder is not followed: said so
        for name in subfolders:
            entry = Path(folder) / name
            if not entry.is_symlink():
                if name.endswith(".md"):
                    found.append(entry)  # a folder in a briefing's place: read_briefing says so
            elif entry.resolve().is_relative_to(inside):
                diags.warning(entry, "is a link to a folder, which is not followed: its briefings are read "
                                     "only where they are", hint="move the folder here instead of linking it")
            else:
                diags.error(entry, "is a link to a folder outside the content folder; its briefings are not read",
                            hint="move or copy the folder into the content folder instead")
        found += (Path(folder) / name for name in files if name.endswith(".md"))
    paths = []
    for path in sorted(found):
        if path.is_symlink() and not path.resolve().is_relative_to(inside):
            diags.error(path, "is a link to a file outside the content folder; it is not read",
                        hint="copy the file into the content folder instead")
            continue
        paths.append(path)
    if cache is not None:
        read = cache.read_briefings(paths, content_dir, diags, progress)
    else:
        read = [read_briefing(path, content_dir, diags) for path in paths]
    return [b for b in read if b is not None]


def static_files(theme_dir: Path, diags: Diagnostics) -> list[OutputFile]:
    root = theme_dir / "static"
    files = []
    if root.is_dir():
        inside = theme_dir.resolve()
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if not path.resolve().is_relative_to(inside):
                diags.error(path, "is a link outside the theme; it is not copied")
                continue
            files.append(OutputFile("static/" + path.relative_to(root).as_posix(), path.read_bytes()))
    return files


def build(paths: Paths, *, base_url: str | None = None, write: bool = True, search: bool = True,
          cache: BuildCache | None = None, progress: ProgressFactory | None = None,
          save_cache: bool = True, search_later: bool = False) -> BuildResult:
    """Run the whole pipeline. Never raises for bad input: see ``result.diagnostics``.

    ``cache`` (see generator/cache.py) lets unchanged briefings, bodies and pages
    be reused; without one, everything is done afresh. ``progress(label, total)``
    returns a callback that is told how many items were done. ``search=False``
    leaves out the search index (a quicker draft build; the search page then says
    the index is missing). ``save_cache=False`` leaves saving the cache to the
    caller (``result.cache.save(prune=result.ok)``), e.g. after the browser reloads.
    ``search_later=True`` publishes the previous index of each year whose pages
    changed (``result.stale_search``) instead of indexing it; :func:`finish_search`
    then indexes those years and publishes the site a clean build gives."""
    # The build's objects live until it ends, and it makes almost no cyclic garbage; Python's
    # collector would go over the whole site and cache again and again as they grow (the
    # workers collect in their own way, see generator/parallel.py).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(paths, base_url=base_url, write=write, search=search, cache=cache, progress=progress,
                      save_cache=save_cache, search_later=search_later)
    finally:
        if collecting:
            gc.enable()


def _build(paths: Paths, *, base_url: str | None, write: bool, search: bool, cache: BuildCache | None,
           progress: ProgressFactory | None, save_cache: bool, search_later: bool) -> BuildResult:
    started = time.perf_counter()
    diags = Diagnostics(root=paths.content.absolute().parent)
    result = BuildResult(site=None, diagnostics=diags)
    cache = cache if cache is not None else BuildCache()  # in memory only: nothing kept
    result.cache = cache
    saving: _Saving | None = None
    staging: Staging | None = None
    try:
        config = load_config(paths.content, diags, base_url=base_url)
        theme_dir = paths.theme_dir(config)
        if not (theme_dir / "templates").is_dir():
            diags.error(theme_dir, "theme not found (no templates/ folder)",
                        hint="pass --theme DIR or set 'theme' in site.toml")
            raise BuildError(diags)
        cache.begin(paths.content, paths.output if write else None)
        briefings = load_briefings(paths.content, diags, cache, progress)
        renderer = markdown_renderer(cache, briefings, progress)
        site = link(config, briefings, diags, renderer=renderer, features=renderer.features,
                    memo=cache.link_memo)
        result.site = site
        if write and not diags.errors:  # a new site's folder: the render workers write the pages into it
            staging = stage(paths.output, [paths.content, theme_dir], cache.read_from_output)
        if save_cache and not cache.pages:
            # A first build (no page to reuse): its pages are written as they are rendered, and no
            # write phase is left to hide the cache save in, so what linking leaves final is saved
            # while the pages render. After an edit, that would only compete with checking them.
            saving = _Saving(cache.save_early)
        files = render_site(site, theme_dir, diags, cache=cache, progress=progress, staging=staging)
        files += static_files(theme_dir, diags)
        if write and search and not diags.errors:  # the search index joins the same atomic write
            stats = SearchStats()
            files += search_files(site, files, diags, cache=cache, stats=stats, stale_ok=search_later,
                                  scratch=scratch_prefix(paths.output))
            result.stale_search = stats.stale
        result.files = files
        if write and not diags.errors:
            if save_cache:  # the cache is final: saved while the site is written
                saving = saving.then(lambda: cache.save(prune=True)) if saving is not None \
                    else _Saving(lambda: cache.save(prune=True), final=True)
            result.report = write_site(files, paths.output, cache.read_from_output, staging)
    except BuildError:
        pass
    except BaseException:
        if saving is not None and not saving.final:
            saving.thread.join()
            cache.abandon_save()  # what save_early began: nothing is saved
        raise
    finally:
        if staging is not None:
            staging.discard()  # unless published
        if saving is not None:
            saving.join()  # raises here what saving raised there, as cache.save() would have
    if save_cache and not saving_done(saving):
        cache.save(prune=result.ok)
    result.seconds = time.perf_counter() - started
    return result


class _Saving:
    """A step of saving the cache (``cache.save_early``, then ``cache.save``) in a thread of its
    own; :meth:`join` waits for it and raises what it raised."""

    def __init__(self, step: Callable[[], None], after: _Saving | None = None, final: bool = False):
        self.failed: BaseException | None = None
        self.final = final or after is not None  # the cache is saved once this is done
        self.thread = threading.Thread(target=self._run, args=(step, after), name="save-cache")
        self.thread.start()

    def _run(self, step: Callable[[], None], after: _Saving | None) -> None:
        try:
            if after is not None:
                after.join()
            step()
        except BaseException as exc:  # noqa: BLE001 - handed to the building thread
            self.failed = exc

    def then(self, step: Callable[[], None]) -> _Saving:
        """``step()`` in another thread, once this one is done."""
        return _Saving(step, after=self)

    def join(self) -> None:
        self.thread.join()
        if self.failed is not None:
            raise self.failed


def saving_done(saving: _Saving | None) -> bool:
    """Whether the cache was saved by ``saving`` (else the build saves it as it ends)."""
    return saving is not None and saving.final


def finish_search(paths: Paths, result: BuildResult) -> BuildResult:
    """Index the years a ``build(search_later=True)`` published out of date, and publish
    the site again with them: the output is then what ``build()`` alone writes.
    Returns ``result``, updated (its diagnostics get any indexing error, and then
    the published site keeps its out-of-date years)."""
    if not result.ok or not result.stale_search or result.site is None:
        return result
    started = time.perf_counter()
    prefix = SEARCH_DIR + "/"
    pages = [f for f in result.files if not f.path.startswith(prefix)]
    index = search_files(result.site, pages, result.diagnostics, cache=result.cache,
                         scratch=scratch_prefix(paths.output))
    if result.diagnostics.errors:
        return result
    result.files = pages + index
    result.report = write_site(result.files, paths.output, result.cache.read_from_output)
    result.stale_search = []
    result.seconds += time.perf_counter() - started
    return result
