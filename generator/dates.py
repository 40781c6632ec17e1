"""Dates written the way news texts write them, and which one dates a briefing.

:func:`find_dates` finds every date mention: ISO (``2022-01-12``), day-month
(``12 January 2022``, ``30 November``, ``Tuesday (1 December)``, ``1er
décembre 2020``, ``12 січня 2022``, ``7. Januar``), month-day (``January 7,
2022``, ``Jan 7``) and numeric European dates (``12.01.2022``,
``12/01/2022``; day first unless that is impossible). A mention without a
year is *partial*.

:func:`resolve_date` chooses the briefing's date from the evidence, strongest
first: a "Published"/"Posted"/"Date" line or a dateline; otherwise the first
date the article text mentions. A partial date gets a year only from evidence:
a full mention of the same day elsewhere (credits and captions included), a
weekday that fits exactly one candidate year, or a year in the seed's path.
Everything guessed comes back with a review flag.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    "january jan janvier januar січня січень января январь enero",
    "february feb février fevrier februar лютого лютий февраля февраль febrero",
    "march mar mars märz maerz березня березень марта март marzo",
    "april apr avril квітня квітень апреля апрель abril",
    "may mai травня травень мая май mayo",
    "june jun juin juni червня червень июня июнь junio",
    "july jul juillet juli липня липень июля июль julio",
    "august aug août aout серпня серпень августа август agosto",
    "september sep sept septembre вересня вересень сентября сентябрь septiembre",
    "october oct octobre oktober жовтня жовтень октября октябрь octubre",
    "november nov novembre листопада листопад ноября ноябрь noviembre",
    "december dec décembre decembre dezember грудня грудень декабря декабрь diciembre",
), start=1):
    for _name in _names.split():
        _MONTHS[_name] = _number

_WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate((
    "monday mon lundi montag понеділок понедельник lunes",
    "tuesday tue tues mardi dienstag вівторок вторник martes",
    "wednesday wed mercredi mittwoch середа среда miércoles",
    "thursday thu thur thurs jeudi donnerstag четвер четверг jueves",
    "friday fri vendredi freitag п'ятниця пятница viernes",
    "saturday sat samedi samstag субота суббота sábado",
    "sunday sun dimanche sonntag неділя воскресенье domingo",
)):
    for _name in _names.split():
        _WEEKDAYS[_name] = _number

_MONTH = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))
_WEEKDAY = "|".join(sorted(map(re.escape, _WEEKDAYS), key=len, reverse=True))
_YEAR = r"(?:19|20)\d\d"
_B = r"(?<![\w.])"  # start boundary
_E = r"(?![\w])"  # end boundary

_PATTERNS = [
    # 2022-01-12
    ("iso", re.compile(_B + r"(?P<y>" + _YEAR + r")-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _E)),
    # 12 January 2022, 1er décembre, 7. Januar, 12 січня 2022 року, 30 November
    ("dm", re.compile(_B + r"(?P<d>\d{1,2})(?:st|nd|rd|th|er|\.)?\s+(?:of\s+)?(?P<m>" + _MONTH + r")\.?"
                      r"(?:,?\s+(?P<y>" + _YEAR + r"))?" + _E, re.IGNORECASE)),
    # January 7, 2022; Jan 7
    ("md", re.compile(_B + r"(?P<m>" + _MONTH + r")\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?"
                      r"(?:,?\s+(?P<y>" + _YEAR + r"))?" + _E, re.IGNORECASE)),
    # 12.01.2022, 12/01/2022
    ("num", re.compile(_B + r"(?P<d>\d{1,2})(?P<sep>[./])(?P<m>\d{1,2})(?P=sep)(?P<y>" + _YEAR + r")" + _E)),
]
_WEEKDAY_BEFORE = re.compile(r"(?:^|(?<=\W))(?P<w>" + _WEEKDAY + r")\.?,?\s*\(?\s*$", re.IGNORECASE)
#: English month names that are also common lowercase words or abbreviations.
_LOWERCASE_WORDS = frozenset("jan feb mar march apr may jun jul aug sep sept oct nov dec".split())
_YEAR_IN_PATH = re.compile(r"(?<![0-9A-Za-z])(" + _YEAR + r")(?![0-9A-Za-z])")  # not inside a hash


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    month: int
    day: int
    year: int | None = None
    weekday: int | None = None  # 0 = Monday

    @property
    def full(self) -> bool:
        return self.year is not None

    def date(self, year: int | None = None) -> dt.date | None:
        try:
            return dt.date(year or self.year or 0, self.month, self.day)
        except ValueError:
            return None


def find_dates(text: str) -> list[DateMention]:
    """Every valid date mention in ``text``, in order, without overlaps."""
    found: list[DateMention] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            year = int(m.group("y")) if m.group("y") else None
            if kind == "num" or kind == "iso":
                day, month = int(m.group("d")), int(m.group("m"))
                if kind == "num" and month > 12 and day <= 12:  # unambiguously month-first
                    day, month = month, day
            else:
                name = m.group("m")
                if name.islower() and name in _LOWERCASE_WORDS:  # "they may 5 ..." is no date
                    continue
                day, month = int(m.group("d")), _MONTHS[name.lower()]
            if not 1 <= month <= 12 or not 1 <= day <= 31:
                continue
            if day > _days_in(month, year):
                continue
            weekday, start, end = None, m.start(), m.end()
            prefix = text[max(0, m.start() - 20):m.start()]
            before = _WEEKDAY_BEFORE.search(prefix)
            if before:
                weekday = _WEEKDAYS[before.group("w").lower()]
                start = m.start() - len(prefix) + before.start("w")
                if "(" in before.group(0) and text[end:end + 1] == ")":
                    end += 1
            if text[end - 1:end] == "." and year is None and m.group("m")[-1:] != "." \
                    and len(m.group("m")) > 4:
                end -= 1  # "on 30 November." ends a sentence
            found.append(DateMention(start, end, text[start:end].strip(), month, day, year, weekday))
    found.sort(key=lambda d: (d.start, -(d.end - d.start)))
    out: list[DateMention] = []
    for d in found:
        if out and d.start < out[-1].end:
            continue
        out.append(d)
    return out


def _days_in(month: int, year: int | None) -> int:
    if month == 2:
        return 29 if year is None or (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def years_in_path(path: str) -> list[int]:
    """Years named in a seed's path, e.g. ``seeds/2021/x.txt`` -> [2021]."""
    return sorted({int(y) for y in _YEAR_IN_PATH.findall(path)})


@dataclass
class DateEvidence:
    """What the importer collected; :func:`resolve_date` weighs it."""

    #: Full dates from "Published"/"Posted"/"Date" lines or a dateline.
    header: list[DateMention]
    #: Date mentions in the article text, in order.
    body: list[DateMention]
    #: Date mentions in the credits and captions (stripped from the body).
    credits: list[DateMention]
    #: Years named in the seed's path.
    path_years: list[int]


def resolve_date(ev: DateEvidence) -> tuple[dt.date | None, list[str]]:
    """The briefing's date and review flags explaining any guess."""
    for m in ev.header:
        if m.full and m.date():
            return m.date(), []
    header_partial = [m for m in ev.header if not m.full]
    mention = header_partial[0] if header_partial else (ev.body[0] if ev.body else None)
    if mention is None:
        return None, ["date missing: the text names no date; add 'date: YYYY-MM-DD' or leave it undated"]
    if mention.full:
        day = mention.date()
        if mention.weekday is not None and day and day.weekday() != mention.weekday:
            return None, [f"date unclear: {mention.text!r} names the wrong weekday; check the date"]
        return day, [f"date taken from the text ({mention.text!r}); check it is the briefing's date"]
    return _complete(mention, ev)


def _complete(mention: DateMention, ev: DateEvidence) -> tuple[dt.date | None, list[str]]:
    """Find a year for a partial date, only where the evidence supports one."""
    def fits(year: int) -> bool:
        day = mention.date(year)
        return day is not None and (mention.weekday is None or day.weekday() == mention.weekday)

    same_day = [m for m in ev.body + ev.credits
                if m.full and (m.month, m.day) == (mention.month, mention.day) and fits(m.year)]
    years = sorted({m.year for m in same_day})
    if len(years) == 1:
        return mention.date(years[0]), [
            f"date guessed: {mention.text!r} with the year from {same_day[0].text!r}; check it"]
    candidates = sorted({m.year for m in ev.body + ev.credits if m.full} | set(ev.path_years))
    if mention.weekday is not None:
        fitting = [y for y in candidates if fits(y)]
        if len(fitting) == 1:
            return mention.date(fitting[0]), [
                f"date guessed: {mention.text!r} is a {_weekday_name(mention)} in {fitting[0]}; check it"]
    if len(ev.path_years) == 1 and fits(ev.path_years[0]):
        return mention.date(ev.path_years[0]), [
            f"date guessed: {mention.text!r} with the year {ev.path_years[0]} from the seed's path; check it"]
    return None, [f"date incomplete: {mention.text!r} gives no year; add 'date: YYYY-MM-DD'"]


def _weekday_name(m: DateMention) -> str:
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[m.weekday or 0]
