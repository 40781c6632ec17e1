"""The ``briefings`` command line: a thin layer over the pipeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator import __version__
from generator.build import Paths, build
from generator.diagnostics import Diagnostics
from generator.normalize import format_report, run_import
from generator.vocabulary import VOCABULARY_NAME
from generator.write import UnsafeOutput


def _print_diagnostics(diags: Diagnostics) -> None:
    for d in diags.sorted():
        print(d.format(), file=sys.stderr)


def _paths(args: argparse.Namespace) -> Paths:
    return Paths(content=Path(args.content), theme=Path(args.theme) if args.theme else None,
                 output=Path(getattr(args, "output", "output")))


def cmd_build(args: argparse.Namespace) -> int:
    try:
        result = build(_paths(args), base_url=args.base_url, write=True)
    except UnsafeOutput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _print_diagnostics(result.diagnostics)
    if not result.ok:
        n = len(result.diagnostics.errors)
        print(f"build failed: {n} error{'s' * (n != 1)}; {args.output}/ was left as it was", file=sys.stderr)
        return 1
    r = result.report
    print(f"built {len(result.site.briefings)} briefings: {len(result.files)} files "
          f"({r.written} written, {r.unchanged} unchanged) in {result.seconds:.2f}s -> {args.output}/")
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
    report = run_import(seeds, content, diags)
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
    p.set_defaults(func=cmd_build)

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
    p.set_defaults(func=cmd_import)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
