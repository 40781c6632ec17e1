"""The ``briefings`` command line: a thin layer over the pipeline."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from generator import __version__
from generator.build import Paths, build
from generator.cache import BuildCache
from generator.config import load_config
from generator.diagnostics import BuildError, Diagnostics
from generator.newbriefing import new_briefing
from generator.normalize import format_report, run_import
from generator.progress import terminal_progress
from generator.vocabulary import VOCABULARY_NAME
from generator.write import UnsafeOutput


def _print_diagnostics(diags: Diagnostics) -> None:
    for d in diags.sorted():
        print(d.format(), file=sys.stderr)


def _cannot_write(exc: OSError, output: str, again: str) -> int:
    """One line for a site that could not be written (a full disk, or a page reused from ``output``
    that changed meanwhile, see generator.write.KeptFile): ``output`` is left as it was."""
    if exc.errno == errno.ESTALE:
        print(f"error: {exc.filename}: changed while the site was being built; {output}/ was left as it was "
              f"({again})", file=sys.stderr)
    else:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot write{where}: {exc.strerror or exc}; {output}/ was left as it was "
              f"(free some space or choose another --output, then {again})", file=sys.stderr)
    return 1


def _paths(args: argparse.Namespace) -> Paths:
    return Paths(content=Path(args.content), theme=Path(args.theme) if args.theme else None,
                 output=Path(getattr(args, "output", "output")))


def cmd_build(args: argparse.Namespace) -> int:
    paths = _paths(args)
    cache = None if args.no_cache else BuildCache.for_content(paths.content)
    if cache is not None and cache.note and not args.quiet:
        print(f"note: {cache.note}", file=sys.stderr)
    try:
        result = build(paths, base_url=args.base_url, write=True, search=not args.no_search, cache=cache,
                       progress=terminal_progress(quiet=args.quiet))
    except UnsafeOutput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # writing the site (a full disk, say), here or in a render worker
        return _cannot_write(exc, args.output, "build again")
    _print_diagnostics(result.diagnostics)
    if not result.ok:
        n = len(result.diagnostics.errors)
        print(f"build failed: {n} error{'s' * (n != 1)}; {args.output}/ was left as it was", file=sys.stderr)
        return 1
    r = result.report
    if not args.quiet:
        print(f"built {len(result.site.briefings)} briefings: {len(result.files)} files "
              f"({r.written} written, {r.unchanged} unchanged) in {result.seconds:.2f}s -> {args.output}/")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from generator.devserver import DevServer  # watchdog and http.server only when serving
    try:
        server = DevServer(_paths(args), host=args.host, port=args.port, base_url=args.base_url)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
              " (choose another --port)", file=sys.stderr)
        return 1
    try:
        return server.run()
    except UnsafeOutput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the first build could not write the site; the server reports later ones
        return _cannot_write(exc, args.output, "serve again")  # and keeps serving the last good site


def cmd_new(args: argparse.Namespace) -> int:
    content = Path(args.content)
    diags = Diagnostics(root=content.absolute().parent)
    try:
        config = load_config(content, diags)
    except BuildError:
        _print_diagnostics(diags)
        return 1
    try:
        path = new_briefing(content, config, args.title)
    except ValueError as exc:
        print(f"error: {exc}; give the briefing a title: briefings new \"Title\"", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk, a file where the year's folder goes
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot write{where}: {exc.strerror or exc} (free some space or fix the folder, then "
              "try again)", file=sys.stderr)
        return 1
    print(path.as_posix())
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    result = build(_paths(args), base_url=args.base_url, write=False)
    _print_diagnostics(result.diagnostics)
    errors, warnings = len(result.diagnostics.errors), len(result.diagnostics.warnings)
    if errors:
        print(f"check failed: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
        return 1
    print(f"check passed: {len(result.site.briefings)} briefings, {warnings} warning(s)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    content = Path(args.content)
    diags = Diagnostics(root=content.absolute().parent)
    seeds = [Path(s) for s in args.seeds] or [Path("seeds")]
    report = run_import(seeds, content, diags, progress=terminal_progress(quiet=args.quiet))
    _print_diagnostics(diags)
    if report is None:
        print(f"import stopped: fix {VOCABULARY_NAME} first; no seed was imported", file=sys.stderr)
        return 1
    for line in format_report(report, (content / VOCABULARY_NAME).as_posix()):
        print(line)
    return 0 if report.ok and not diags.errors else 1


def _add_site_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")
    p.add_argument("--theme", default=None, metavar="DIR",
                   help="theme folder (default: themes/<theme from site.toml> beside the content folder)")
    p.add_argument("--base-url", default=None, metavar="URL", help="override base_url from site.toml")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefings", description="Build a static archive site from news briefings.")
    parser.add_argument("--version", action="version", version=f"briefings {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("build", help="build the site into the output folder",
                       description="Load content/, validate it, render the theme and write output/ atomically.")
    _add_site_options(p)
    p.add_argument("--output", default="output", metavar="DIR", help="output folder (default: output)")
    p.add_argument("--no-cache", action="store_true",
                   help="ignore the build cache (.cache/briefings/) and do every step afresh")
    p.add_argument("--no-search", action="store_true",
                   help="leave out the search index (a quicker draft build; the search page will say it is missing)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary line")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", help="build, serve and rebuild on save, reloading the browser",
                       description="Build the site, serve the output folder on 127.0.0.1, watch content/, "
                                   "the theme and seeds/, rebuild what a save changes and reload open tabs. "
                                   "Errors are shown in the terminal and in the browser; Ctrl-C stops.")
    _add_site_options(p)
    p.add_argument("--output", default="output", metavar="DIR", help="output folder (default: output)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0: any free port)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("new", help="create a new briefing dated today",
                       description="Create content/briefings/YYYY/YYYY-MM-DD-slug.md with today's date in the "
                                   "site's time zone, the given title and empty topics, people, organizations "
                                   "and places, and print its path.")
    p.add_argument("title", help="the briefing's title")
    p.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("check", help="validate everything a build would, without writing",
                       description="Run every build step except writing; list all problems; exit 1 if any error.")
    _add_site_options(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "import", help="turn raw seed texts into briefings under content/briefings/",
        description="Normalize scraped seed texts into frontmatter Markdown briefings: title, date, source, "
                    "topics, people, organizations and places (from content/vocabulary.yaml), summary and "
                    "review flags. Re-importing is safe: unchanged seeds do nothing, briefings an editor "
                    "changed are left alone, and a seed that changed under an edited briefing is reported "
                    "as a conflict. Exit status 1 if any seed was rejected or conflicts.")
    p.add_argument("seeds", nargs="*", metavar="SEED",
                   help="seed files or folders (default: seeds)")
    p.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """The ``briefings`` command (and ``python -m generator``): :func:`main`, then the process
    ends without Python freeing the build's objects one by one, which took a quarter of a
    second after a build of 10,000 briefings; the system takes the memory back at once.
    Everything :func:`main` started has ended by then (worker pools, the cache save)."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe, say: Python's own exit reports it
        sys.exit(code)
    os._exit(code)


if __name__ == "__main__":
    run()
