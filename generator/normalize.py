"""The importer: raw scraped seed texts -> clean, editable frontmatter Markdown.

Two layers:

* Pure functions, text in, document out: :func:`decode` (bytes -> text, or the
  reason they are no text), :func:`clean_text` (Unicode and whitespace),
  :func:`normalize` (text -> :class:`Document`: title, date, source, tags,
  summary, review flags and an escaped Markdown body). The page anatomy lives
  in :mod:`generator.chrome`, dates in :mod:`generator.dates`, names in
  :mod:`generator.names`, escaping in :mod:`generator.escape`.
* The file-level import, :func:`import_seeds`, which decides per seed what to
  do with the briefing already in ``content/`` (see "files" below).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from generator.chrome import take_apart
from generator.content import default_slug, dump_briefing, parse_frontmatter, slugify, split_frontmatter
from generator.dates import DateEvidence, find_dates, resolve_date, years_in_path
from generator.diagnostics import Diagnostics
from generator.escape import escape_text
from generator.names import capitalised_names, find_new_people
from generator.progress import ProgressFactory
from generator.vocabulary import VOCABULARY_NAME, Vocabulary, load_vocabulary

MAX_TITLE = 100
MAX_SUMMARY = 300
#: A seed is one article; the longest real ones are a few hundred KB. Larger files are
#: rejected up front, so memory and time stay bounded (a 50 MB file took 90 s and 800 MB).
MAX_SEED_BYTES = 5_000_000
#: A seed needs one paragraph of at least this many words to be an article.
MIN_WORDS = 4

#: Encodings tried, in this order of preference, for seeds that are not UTF-8.
LEGACY_ENCODINGS = ("cp1252", "cp1251", "cp1250", "iso8859_15", "koi8_u", "koi8_r", "iso8859_2", "mac_roman")


class Rejected(Exception):
    """A seed that cannot become a briefing; the message says why, in a few words."""


# -- bytes -> text -------------------------------------------------------------

def _looks_binary(raw: bytes) -> bool:
    if b"\x00" in raw:
        return True
    controls = sum(1 for b in raw[:65536] if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(2, len(raw[:65536]) // 100)


def _legacy(raw: bytes) -> tuple[str, str]:
    try:
        from charset_normalizer import from_bytes
        best = from_bytes(raw, cp_isolation=list(LEGACY_ENCODINGS)).best()
    except Exception:  # noqa: BLE001 - a detector failure must not stop the import
        best = None
    if best is not None:
        text = str(best)
        for encoding in LEGACY_ENCODINGS:  # name the most common of equivalent readings
            try:
                if raw.decode(encoding) == text:
                    return text, encoding
            except UnicodeDecodeError:
                continue
        return text, best.encoding
    for encoding in LEGACY_ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"  # pragma: no cover - mac_roman decodes everything


_MOJIBAKE = re.compile("[ÃÂâÐÑ][\u0080-\u00bf\u2018-\u201e\u2020-\u203a\u20ac\u0152\u0153\u0160\u0161\u017d\u017e\u0178\u02c6\u02dc]")


def _repair_mojibake(text: str) -> tuple[str, bool]:
    """Undo UTF-8 that was decoded as Windows-1252 somewhere upstream ("â€™" -> "’")."""
    if len(_MOJIBAKE.findall(text)) < 2:
        return text, False
    try:
        # browsers read the five bytes cp1252 leaves undefined (0x81, 0x8d, ...) as C1 controls
        data = b"".join(ch.encode("cp1252") if ord(ch) > 255 or not 0x80 <= ord(ch) < 0xa0
                        else bytes([ord(ch)]) for ch in text)
        fixed = data.decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text, False
    return (fixed, True) if len(_MOJIBAKE.findall(fixed)) < len(_MOJIBAKE.findall(text)) else (text, False)


def decode(raw: bytes) -> tuple[str, list[str]]:
    """Text of a seed and review notes on how it was read; :class:`Rejected` if it is no text."""
    if not raw.strip():
        raise Rejected("empty file")
    notes: list[str] = []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise Rejected("broken UTF-16 text") from None
    else:
        if _looks_binary(raw):
            raise Rejected("binary file, not text")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text, encoding = _legacy(raw)
            notes.append(f"encoding: not UTF-8; read as {encoding}; check quotes and accented letters")
    text, repaired = _repair_mojibake(text)
    if repaired:
        notes.append("encoding: repaired garbled characters (UTF-8 read as Windows-1252); check them")
    if _looks_binary(text.encode("utf-8", "surrogatepass")):
        raise Rejected("binary file, not text")
    return text, notes


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\ufffe\uffff"))


def clean_text(text: str) -> str:
    """NFC, "\\n" line ends, plain spaces; no control, invisible or surrogate characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE))
    out = []
    for ch in text:
        if ch == "\n":
            out.append(ch)
        elif ch == "\t" or unicodedata.category(ch) == "Zs":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cs", "Cf", "Co", "Cn") and ch not in "\u200e\u200f":
            continue
        else:
            out.append(ch)
    return "".join(out)


# -- text -> document ----------------------------------------------------------

_ABBREVIATIONS = frozenset("mr mrs ms dr st gen lt col sgt adm prof vs no nos jan feb mar apr jun jul aug "
                           "sep sept oct nov dec inc ltd co corp e.g i.e u.s u.k u.n approx est m mme".split())
_SENTENCE_BREAK = re.compile(r"[.!?…]+[\"”»’)]*\s+(?=[\"“«„(]?[^\W\d_])")


def sentences(paragraph: str) -> list[str]:
    out, start = [], 0
    for m in _SENTENCE_BREAK.finditer(paragraph):
        before = paragraph[start:m.start()].split()
        last = before[-1].casefold().rstrip(".") if before else ""
        if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
            continue
        out.append(paragraph[start:m.end()].strip())
        start = m.end()
    if paragraph[start:].strip():
        out.append(paragraph[start:].strip())
    return out


def cut_at_word(text: str, limit: int) -> str:
    """``text`` if short enough, else cut at a word within ``limit`` characters, with "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–—-") + "…"


def title_from_lead(lead: str) -> str:
    first = sentences(lead)[0] if lead.strip() else lead
    first = re.sub(r"(?<![.])[.]$", "", first.strip())
    return cut_at_word(first, MAX_TITLE)


def summary_from_lead(lead: str) -> str:
    parts = sentences(lead)
    summary = parts[0] if parts else ""
    if len(parts) > 1 and len(summary) + len(parts[1]) < 200:
        summary += " " + parts[1]
    return cut_at_word(summary, MAX_SUMMARY)


@dataclass
class Document:
    """One normalized seed: frontmatter values (without provenance) and body."""

    meta: dict[str, object]
    body: str
    #: Plain-text paragraphs of the body (unescaped).
    paragraphs: list[str] = field(default_factory=list)
    #: People tagged without being in the vocabulary (to propose adding them).
    new_people: list[str] = field(default_factory=list)
    #: Other capitalised names the vocabulary does not cover, with counts.
    names: Counter = field(default_factory=Counter)


def normalize(text: str, vocab: Vocabulary | None = None, *, seed_path: str = "",
              notes: list[str] | None = None) -> Document:
    """Turn the text of one seed into a :class:`Document`; :class:`Rejected` if nothing is left."""
    vocab = vocab or Vocabulary()
    page = take_apart(clean_text(text))
    if not any(len(p.split()) >= MIN_WORDS for p in page.paragraphs):
        raise Rejected("no article text left after removing page chrome")
    lead = page.paragraphs[0][len(page.dateline):]
    review: list[str] = list(notes or [])

    title = page.title
    if not title:
        title = title_from_lead(lead)
        review.append("title: generated from the lead; write a real title")

    article = "\n".join([title, *page.paragraphs])
    evidence = DateEvidence(
        header=[d for line in page.date_lines for d in find_dates(line)],
        body=find_dates("\n".join(page.paragraphs)),
        credits=[d for line in page.credits for d in find_dates(line)],
        path_years=years_in_path(seed_path),
    )
    day, date_flags = resolve_date(evidence)
    review += date_flags

    tags = vocab.tag(article, day)
    new_people = find_new_people(article, vocab)
    for name in new_people:
        if name not in tags["people"]:
            tags["people"].append(name)
    if new_people:
        review.append("people: not in the vocabulary yet: " + ", ".join(new_people)
                      + "; check the names and add them to the vocabulary")
    if not tags["topics"]:
        review.append("topics: none matched the vocabulary; add topics")

    meta: dict[str, object] = {"title": title}
    if day is not None:
        meta["date"] = day
    if page.source:
        meta["source"] = page.source
    for kind in ("topics", "people", "organizations", "places"):
        meta[kind] = tags[kind]
    meta["summary"] = summary_from_lead(lead)
    meta["review"] = review
    names = capitalised_names(article, vocab)
    for name in new_people:
        names.pop(name, None)
    return Document(meta=meta, body=escape_text(page.paragraphs), paragraphs=page.paragraphs,
                    new_people=new_people, names=names)


def normalize_bytes(raw: bytes, vocab: Vocabulary | None = None, *, seed_path: str = "") -> Document:
    text, notes = decode(raw)
    return normalize(text, vocab, seed_path=seed_path, notes=notes)


# -- files: seeds -> content/briefings -------------------------------------------
#
# How an editor's work is kept safe: every imported file carries, besides the
# hash of its raw seed (``seed_hash``), ``imported_hash``: the SHA-256 of the
# file exactly as the importer wrote it, without that line. On re-import the
# briefing of a seed is found by its ``seed`` name wherever the editor moved
# it, and compared:
#
#   seed unchanged, file as imported       -> unchanged: nothing to do
#   seed unchanged, file edited            -> edited: left alone (reported)
#   seed changed,   file as imported       -> updated: imported again
#   seed changed,   file edited            -> conflict: nothing written
#
# A file without ``imported_hash`` (written by hand) counts as edited. A new
# seed whose bytes equal an imported seed's (``seed_hash``) is a duplicate.

BRIEFINGS_DIR = "briefings"
UNDATED_DIR = "undated"
MAX_SLUG_WORDS = 60  # characters; shorter than content.MAX_SLUG, for readable URLs
_IMPORTED_LINE = re.compile(r"^imported_hash:.*\n", re.MULTILINE)


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def file_text(meta: dict[str, object], body: str) -> str:
    """The briefing file for ``meta`` and ``body``, with its ``imported_hash``."""
    plain = {k: v for k, v in meta.items() if k != "imported_hash"}
    text = dump_briefing(plain, body)
    return dump_briefing({**plain, "imported_hash": sha256(text.encode("utf-8"))}, body)


def edited(text: str, imported_hash: str) -> bool:
    """True if the file ``text`` is not the one the importer wrote."""
    if not imported_hash:
        return True
    text = text.replace("\r\n", "\n")
    parts = split_frontmatter(text)
    if parts is None:
        return True
    head_end = len(text) - len(parts[1])
    head = _IMPORTED_LINE.sub("", text[:head_end], count=1)
    return sha256((head + text[head_end:]).encode("utf-8")) != imported_hash


@dataclass
class Existing:
    """A briefing already in ``content/``, as far as the importer cares."""

    path: Path
    slug: str
    seed: str = ""
    seed_hash: str = ""
    edited: bool = True


def scan_briefings(content_dir: Path) -> list[Existing]:
    out = []
    root = content_dir / BRIEFINGS_DIR
    for path in sorted(root.rglob("*.md")) if root.is_dir() else []:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            out.append(Existing(path, default_slug(path)))
            continue
        parts = split_frontmatter(text.replace("\r\n", "\n"))
        fields = parse_frontmatter(parts[0], path, Diagnostics()) if parts else None
        values = {k: f.value for k, f in (fields or {}).items()}

        def text_of(key: str) -> str:
            return values[key].strip() if isinstance(values.get(key), str) else ""

        out.append(Existing(path, text_of("slug") or default_slug(path), text_of("seed"), text_of("seed_hash"),
                            edited(text, text_of("imported_hash"))))
    return out


@dataclass
class Outcome:
    seed: str
    status: str  # imported, updated, unchanged, edited, duplicate, conflict, rejected
    target: str = ""
    detail: str = ""
    review: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    outcomes: list[Outcome] = field(default_factory=list)
    #: (name, kind, number of briefings) to propose for the vocabulary.
    suggestions: list[tuple[str, str, int]] = field(default_factory=list)

    def with_status(self, *statuses: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in statuses]

    @property
    def ok(self) -> bool:
        """All seeds imported or deliberately skipped: nothing rejected, no conflict."""
        return not self.with_status("rejected", "conflict")


def list_seeds(args: list[Path], diags: Diagnostics) -> list[tuple[Path, str]]:
    """(file, seed name) for files and folders; a folder's files are named by their path inside it."""
    out: list[tuple[Path, str]] = []
    for arg in args:
        if arg.is_dir():
            for p in sorted(arg.rglob("*")):
                rel = p.relative_to(arg)
                if p.is_file() and not any(part.startswith(".") for part in rel.parts):
                    out.append((p, rel.as_posix()))
        elif arg.is_file():
            out.append((arg, arg.name))
        else:
            diags.error(arg, "seed not found", hint="give seed files or folders")
    return out


def _slug(title: str, fallback: str, taken: set[str]) -> str:
    slug = slugify(title, fallback=slugify(fallback, fallback="briefing"))
    if len(slug) > MAX_SLUG_WORDS:
        slug = slug[:MAX_SLUG_WORDS + 1].rsplit("-", 1)[0]
    unique, n = slug, 2
    while unique in taken:
        unique, n = f"{slug}-{n}", n + 1
    return unique


def target_path(content_dir: Path, day: dt.date | None, slug: str) -> Path:
    root = content_dir / BRIEFINGS_DIR
    if day is None:
        return root / UNDATED_DIR / f"{slug}.md"
    return root / f"{day.year:04d}" / f"{day.isoformat()}-{slug}.md"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # never a half-written briefing, even under another name
        raise


def import_seeds(seeds: list[Path], content_dir: Path, diags: Diagnostics,
                 vocab: Vocabulary | None = None, progress: ProgressFactory | None = None) -> ImportReport:
    """Import every seed; one bad seed never stops the others. Rejections go to ``diags``.
    ``progress(label, total)`` (see :mod:`generator.progress`) is told of each seed."""
    report = ImportReport()
    vocab = vocab if vocab is not None else Vocabulary()
    # Temp files of an import that was killed between writing and renaming.
    for stale in (content_dir / "briefings").rglob(".*.md.tmp"):
        stale.unlink(missing_ok=True)
    existing = scan_briefings(content_dir)
    by_seed = {e.seed: e for e in existing if e.seed}
    by_hash = {e.seed_hash: e for e in existing if e.seed_hash}
    taken = {e.slug for e in existing}
    this_run: dict[str, str] = {}
    people: Counter[str] = Counter()
    names: Counter[str] = Counter()

    def rel(p: Path) -> str:
        return diags.name(p)  # the same short, machine-independent form as diagnostics

    listed = list_seeds(seeds, diags)
    tick = progress("Importing seeds", len(listed)) if progress else None
    for path, name in listed:
        if tick:
            tick(1)
        try:
            size = path.stat().st_size
            if size > MAX_SEED_BYTES:
                detail = (f"{size / 1e6:.1f} MB is more than one briefing can be ({MAX_SEED_BYTES // 10**6} MB); "
                          "split it into one file per article")
                diags.error(path, f"rejected: {detail}")
                report.outcomes.append(Outcome(rel(path), "rejected", detail=detail))
                continue
            raw = path.read_bytes()
        except OSError as exc:
            diags.error(path, f"cannot read seed: {exc.strerror or exc}")
            report.outcomes.append(Outcome(rel(path), "rejected", detail=exc.strerror or str(exc)))
            continue
        digest = sha256(raw)
        old = by_seed.get(name)
        if old is not None and old.seed_hash == digest:
            status = "edited" if old.edited else "unchanged"
            detail = "edited by an editor; left alone" if old.edited else ""
            report.outcomes.append(Outcome(rel(path), status, rel(old.path), detail))
            continue
        if old is not None and old.edited:
            report.outcomes.append(Outcome(rel(path), "conflict", rel(old.path),
                                           "the seed changed since import and the briefing was edited; "
                                           "nothing overwritten"))
            continue
        twin = this_run.get(digest) or (rel(by_hash[digest].path) if digest in by_hash and old is None else None)
        if twin is not None:
            report.outcomes.append(Outcome(rel(path), "duplicate", twin, f"same text as {twin}"))
            continue
        try:
            doc = normalize_bytes(raw, vocab, seed_path=name)
        except Rejected as exc:
            diags.error(path, f"rejected: {exc}")
            report.outcomes.append(Outcome(rel(path), "rejected", detail=str(exc)))
            continue
        meta = {**doc.meta, "seed": name, "seed_hash": digest}
        if old is not None:
            taken.discard(old.slug)
        slug = _slug(str(meta["title"]), Path(name).stem, taken)
        day = meta.get("date")
        target = target_path(content_dir, day if isinstance(day, dt.date) else None, slug)
        if target.exists() and (old is None or target.resolve() != old.path.resolve()):
            slug = _slug(str(meta["title"]), Path(name).stem, taken | {slug})
            target = target_path(content_dir, day if isinstance(day, dt.date) else None, slug)
        taken.add(slug)
        if default_slug(target) != slug:
            meta["slug"] = slug
        try:
            _write(target, file_text(meta, doc.body))
        except OSError as exc:  # a full disk, a file where its folder goes: this seed is not imported
            detail = f"cannot write {rel(target)}: {exc.strerror or exc}"
            diags.error(path, f"not imported: {detail}",
                        hint="free some space or fix the folder, then import again")
            report.outcomes.append(Outcome(rel(path), "rejected", detail=detail))
            continue
        if old is not None and old.path.resolve() != target.resolve():
            old.path.unlink(missing_ok=True)
        this_run[digest] = rel(path)
        report.outcomes.append(Outcome(rel(path), "updated" if old else "imported", rel(target),
                                       review=list(doc.meta["review"])))
        people.update(set(doc.new_people))
        names.update(set(doc.names))
        names.update({n: c - 1 for n, c in doc.names.items() if c > 1})

    report.suggestions = sorted(
        [(n, "people", c) for n, c in people.items()]
        + [(n, "names", c) for n, c in names.items() if c >= 2 and n not in people],
        key=lambda s: (s[1] != "people", -s[2], s[0]))
    return report


def run_import(seeds: list[Path], content_dir: Path, diags: Diagnostics,
               progress: ProgressFactory | None = None) -> ImportReport | None:
    """Load the vocabulary and import; None if the vocabulary has errors (nothing imported)."""
    vocab = load_vocabulary(content_dir, diags)
    if vocab is None:
        return None
    return import_seeds(seeds, content_dir, diags, vocab, progress)


_LABELS = {"imported": "imported", "updated": "updated", "unchanged": "unchanged", "edited": "skipped",
           "duplicate": "skipped", "conflict": "CONFLICT", "rejected": "REJECTED"}


def format_report(report: ImportReport, vocabulary: str = "content/vocabulary.yaml") -> list[str]:
    """The end-of-import report, one item per line."""
    lines = []
    for o in report.outcomes:
        if o.status == "rejected":
            continue  # already said, as a diagnostic naming the file
        where = f" -> {o.target}" if o.target and o.status in ("imported", "updated") else ""
        why = {"edited": f": {o.target} was edited by an editor; left alone",
               "duplicate": f": duplicate of {o.target}",
               "conflict": f": {o.detail} ({o.target}); merge by hand, then delete 'imported_hash'"
                           " to keep the file, or delete the file to import the seed again",
               "unchanged": ""}.get(o.status, "")
        flags = f" ({len(o.review)} review flag{'s' * (len(o.review) != 1)})" if o.review else ""
        lines.append(f"{_LABELS[o.status]:<9} {o.seed}{where}{why}{flags}")
    flagged = [o for o in report.outcomes if o.review]
    if flagged:
        lines.append("")
        lines.append("review flags (resolve them in the file, then empty its 'review' list):")
        for o in flagged:
            lines.append(f"  {o.target}:")
            lines += [f"    - {flag}" for flag in o.review]
    if report.suggestions:
        lines.append("")
        lines.append(f"vocabulary suggestions (add the good ones to {vocabulary}):")
        for name, kind, count in report.suggestions:
            what = "person tagged by role or quote" if kind == "people" else "recurring name"
            lines.append(f"  {name}  ({what}; {count} mention{'s' * (count != 1)})")
    n = {s: len(report.with_status(s)) for s in _LABELS}
    lines.append("")
    lines.append(f"{len(report.outcomes)} seeds: {n['imported']} imported, {n['updated']} updated, "
                 f"{n['unchanged']} unchanged, {n['edited'] + n['duplicate']} skipped, "
                 f"{n['conflict']} conflicts, {n['rejected']} rejected")
    return lines
