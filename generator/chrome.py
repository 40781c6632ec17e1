"""Take a scraped page's text apart: header, article paragraphs, credits, chrome.

Scraped seeds carry the page around the article: breadcrumbs ("Home » News »
Title"), a site or section label, "Published"/"Updated" lines, bylines, photo
and source credits, share buttons, and, after the article, "Related articles",
"You may also like", comment forms and teasers of *other* stories. The rules
here are general, line-shaped ones (what a line looks like and where it is),
in English, French, German, Ukrainian and Russian, not rules for one site:

* Everything from the first *tail marker* line ("Related articles", "Leave a
  Comment", "Читайте також", ...) to the end is dropped: whatever follows such
  a line on a news page belongs to other stories.
* At the top, breadcrumbs, labels, date lines and bylines are taken off; the
  first title-shaped line (short, no closing full stop, followed by text)
  becomes the title.
* Credit lines ("source: ...", "Courtesy: ...", "photo: ...") leave the body;
  the source credit names the outlet, and all credits count as date evidence.
* One-line chrome (share buttons, "Advertisement", punctuation debris) and
  repeated paragraphs are removed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

#: Lines after which the rest of the page is not the article (compared casefolded,
#: without trailing ":" and counts such as "(3)").
TAIL_MARKERS = frozenset("""
related articles|related|related news|related posts|related stories|related content|more on this topic
read also|read more|see also|also read|editor's choice|editors' choice|editor’s choice|you may also like
you might also like|you may be interested in|recommended|recommended for you|hot news|popular|popular posts
most read|most popular|most viewed|trending|latest news|latest|more news|more stories|more from this section
leave a comment|leave a reply|post a comment|comments|add a comment|join the discussion|follow us
share this|share this article|share on|tags|topics|subscribe|newsletter|sign up for our newsletter
articles similaires|à lire aussi|a lire aussi|lire aussi|sur le même sujet|les plus lus|laisser un commentaire
commentaires|suivez-nous|partager|populaire|à la une|weitere artikel|das könnte sie auch interessieren
mehr zum thema|kommentare|teilen|читайте також|читайте также|схожі новини|похожие новости|інші новини
другие новости|останні новини|последние новости|популярне|популярное|коментарі|комментарии
залишити коментар|оставить комментарий|поділитися|поделиться|теги
""".strip().replace("\n", "|").split("|"))

#: Phrases that mark a line as page furniture wherever it appears.
_TAIL_PHRASES = re.compile(
    r"this site uses akismet|learn how your comment data is processed|all rights reserved|"
    r"^©|^copyright\b|your email address will not be published|^(?:\d+\s+)?comments?$|"
    r"tous droits réservés|всі права захищені|все права защищены",
    re.IGNORECASE)

#: One-line furniture inside the article.
_LINE_CHROME = re.compile(
    r"^(?:share|tweet|print|email|e-mail|advertisement|advert|sponsored|ad|close|menu|search|"
    r"facebook|twitter|telegram|whatsapp|linkedin|x|back to top|reklama|реклама|publicité|"
    r"(?:read (?:also|more)|see also|lire aussi|читайте також|читайте также)\b.*|"
    r"follow us\b.*|subscribe\b.*|click here\b.*|(?:photo|image|video)\s+gallery)$",
    re.IGNORECASE)

_CREDIT = re.compile(
    r"^\(?(?P<kind>sources?|courtesy|credits?|photo(?:s|graph)?|pictures?|image|illustration|video|foto|"
    r"фото|джерело|источник|quelle|crédit(?:s)? photo|photo credit)\s*(?:by\b|[:：]|-|–)\s*(?P<value>.+?)\)?$",
    re.IGNORECASE)
_SOURCE_KINDS = ("source", "sources", "courtesy", "credit", "credits", "джерело", "источник", "quelle")
_SOURCE_CUT = re.compile(r"\s+(?:with|and|via|avec|et|з|и)\s+|[,;(|/]|\s[-–—]\s")

_BYLINE = re.compile(r"^(?:by|par|von|автор|author)\s*:?\s+(?P<who>[^\W\d_][\w.'’ -]{1,80})$", re.IGNORECASE)
_DATE_LINE = re.compile(
    r"^(?P<label>published|posted|updated|last updated|last modified|date|publié(?: le)?|mis à jour(?: le)?|"
    r"veröffentlicht(?: am)?|aktualisiert(?: am)?|опубліковано|оновлено|опубликовано|обновлено|дата)\b\s*"
    r"(?:on|le|am)?\s*[:：-]?\s*(?P<rest>.*)$", re.IGNORECASE)
_BREADCRUMB_SEP = re.compile(r"\s+(?:»|›|>|/|\||→|::)\s+")
_HOME = re.compile(r"^(?:home|homepage|main|accueil|startseite|головна|главная)\b", re.IGNORECASE)
_DOMAIN = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.;:,]$|\.[\"”»’')]*$")  # titles may end in ? or !
_TERMINAL = re.compile(r"[.!?:;…\"”»’)\]]$")
_HAS_WORD = re.compile(r"[^\W_]", re.UNICODE)
_DATELINE = re.compile(
    r"^(?P<place>[A-ZÀ-ÞА-ЯІЇЄҐ][A-ZÀ-ÞА-ЯІЇЄҐa-zà-ÿа-яіїєґ' .-]{1,40}?)\s*,\s*(?P<date>[^()–—-]{3,30}?)?\s*"
    r"(?:\((?P<agency>[^)]{2,40})\))?\s*[-–—]\s+")


@dataclass
class Page:
    title: str = ""
    #: Article paragraphs, plain text, one line each.
    paragraphs: list[str] = field(default_factory=list)
    source: str = ""
    byline: str = ""
    #: The dateline that opens the first paragraph, if any ("BRUSSELS, Jan 7 (Reuters) - ").
    dateline: str = ""
    #: Lines that date the page: "Published ...", a date line, a dateline (first = strongest).
    date_lines: list[str] = field(default_factory=list)
    #: Credit and caption lines taken out of the body.
    credits: list[str] = field(default_factory=list)
    #: Removed chrome, for the report and tests.
    removed: list[str] = field(default_factory=list)


def squash(text: str) -> str:
    return " ".join(text.split())


def same_text(a: str, b: str) -> bool:
    def key(s: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKC", s).casefold() if c.isalnum())
    return bool(key(a)) and key(a) == key(b)


def is_tail_marker(line: str) -> bool:
    key = re.sub(r"\s*\(\d+\)$|\s*[:：]$", "", line.strip()).casefold().replace("’", "'")
    return key in TAIL_MARKERS or bool(_TAIL_PHRASES.search(line.strip()))


def has_words(line: str) -> bool:
    return bool(_HAS_WORD.search(line))


def is_title_like(line: str) -> bool:
    words = line.split()
    return (0 < len(words) <= 30 and len(line) <= 220 and has_words(line)
            and not _SENTENCE_END.search(line) and not _CREDIT.match(line))


def _breadcrumb(line: str) -> str | None:
    """The last crumb of a breadcrumb trail, or None if ``line`` is not one."""
    parts = _BREADCRUMB_SEP.split(line)
    if len(parts) >= 3 or (len(parts) == 2 and _HOME.match(parts[0])):
        return parts[-1].strip()
    return None


def _is_label(line: str, following: str | None) -> bool:
    """A site or section label above the title ("news agency", "NEWS", "example.com")."""
    if following is None or not is_title_like(following) or len(following) <= len(line):
        return False
    return len(line.split()) <= 4 and not _TERMINAL.search(line) and has_words(line)


def source_from_credit(value: str) -> str:
    first = _SOURCE_CUT.split(value.strip(), maxsplit=1)[0].strip(" .:-–—")
    return first or value.strip(" .")


def _credit(line: str, page: Page) -> bool:
    m = _CREDIT.match(line)
    if not m or len(line) > 300:
        return False
    page.credits.append(line)
    if m.group("kind").casefold() in _SOURCE_KINDS and not page.source:
        page.source = source_from_credit(m.group("value"))
    return True


def _date_line(line: str, page: Page) -> bool:
    from generator.dates import find_dates  # local: dates does not need chrome

    m = _DATE_LINE.match(line)
    if m and find_dates(m.group("rest")) and len(line) < 120:
        label = m.group("label").casefold()
        if label.startswith(("updated", "last", "mis", "aktual", "онов", "обнов")):
            page.date_lines.append(m.group("rest"))
        else:
            page.date_lines.insert(0, m.group("rest"))
        return True
    dates = find_dates(line)
    if dates and len(line) < 60 and len(re.sub(r"[\d:.,/()\s-]|[ap]\.?m\.?", "", line.replace(dates[0].text, ""))) < 12:
        page.date_lines.append(line)  # a line that is only a date (and a time)
        return True
    return False


def _paragraphs(lines: list[str]) -> list[str]:
    """Blocks between blank lines; inside a block a line is a new paragraph unless
    it continues a sentence the previous line did not finish."""
    out: list[str] = []
    block_start = True
    for line in lines:
        if not line:
            block_start = True
            continue
        if out and not block_start and not _TERMINAL.search(out[-1]) and line[:1].islower():
            out[-1] += " " + line
        else:
            out.append(line)
        block_start = False
    return out


def take_apart(text: str) -> Page:
    """Split cleaned seed text (see ``normalize.clean_text``) into a :class:`Page`."""
    page = Page()
    lines = [squash(line) for line in text.split("\n")]

    # 1. the tail: from the first marker after some text, it is someone else's page
    seen_text = False
    for i, line in enumerate(lines):
        if line and is_tail_marker(line):
            if seen_text:
                page.removed += [x for x in lines[i:] if x]
                lines = lines[:i]
                break
            page.removed.append(line)  # a marker above any text is furniture too
            lines[i] = ""
        elif line and not _CREDIT.match(line) and len(line.split()) > 3:
            seen_text = True

    # 2. the header: labels, breadcrumbs, date lines, byline, then the title
    crumb = None
    i = 0
    while i < len(lines):
        line = lines[i]
        rest = [x for x in lines[i + 1:] if x]
        following = rest[0] if rest else None
        if not line:
            i += 1
            continue
        if page.title and same_text(line, page.title):
            page.removed.append(line)
        elif crumb is None and not page.title and (c := _breadcrumb(line)) is not None:
            crumb = c
            page.removed.append(line)
        elif _date_line(line, page):
            page.removed.append(line)
        elif (m := _BYLINE.match(line)) and len(line.split()) <= 8:
            page.byline = m.group("who").strip()
            page.removed.append(line)
        elif _credit(line, page):
            pass
        elif not page.title and crumb and same_text(line, crumb):
            page.title = line
        elif not page.title and (_DOMAIN.match(line) or _is_label(line, following)):
            page.removed.append(line)
        elif not page.title and is_title_like(line) and following is not None:
            page.title = line
        else:
            break
        i += 1
    if not page.title and crumb and is_title_like(crumb) and len(crumb.split()) > 2:
        page.title = crumb
    body = lines[i:]

    # 3. paragraphs, without credits, furniture, debris and repeats
    seen: list[str] = [page.title] if page.title else []
    for para in _paragraphs(body):
        if _credit(para, page) or (len(page.paragraphs) < 3 and _date_line(para, page)):
            continue
        if _LINE_CHROME.match(para) or _TAIL_PHRASES.search(para) or not has_words(para):
            page.removed.append(para)
            continue
        if any(same_text(para, s) for s in seen):
            page.removed.append(para)
            continue
        seen.append(para)
        page.paragraphs.append(para)

    # 4. a dateline ("BRUSSELS, 7 January (Reuters) - ...") dates and credits the text
    if page.paragraphs:
        m = _DATELINE.match(page.paragraphs[0])
        if m:
            page.dateline = m.group(0)
            if m.group("date"):
                page.date_lines.append(m.group("date"))
            if m.group("agency") and not page.source:
                page.source = m.group("agency").strip()
    if not page.source and page.byline:
        page.source = page.byline
    return page
