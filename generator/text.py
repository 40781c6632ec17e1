"""Words, shingles and quotations of a briefing body: the text features that
:mod:`generator.related` and :mod:`generator.stories` compare. Pure functions.
"""

from __future__ import annotations

import re
from itertools import filterfalse
from typing import NamedTuple

#: Common English words that say nothing about what a briefing is about.
STOPWORDS = frozenset("""
a about above after again against all also although am among an and any are around as at be because been
before being below between both but by can could did do does doing down during each either even ever every
few for from further had has have having he her here hers him his how however i if in into is it its itself
just least less let like made make many may me might more most much must my near neither no nor not now of
off on once one only or other others our ours out over own per rather said same says she should since so
some still such than that the their theirs them then there these they this those though through thus to too
toward under until up upon us very via was we well were what when where whether which while who whom whose
why will with within without would yet you your also according told today yesterday tomorrow
""".split())

_WORD = re.compile(r"[^\W\d_]{3,}")
#: A quotation: text between paired quotation marks, curly, guillemets, low-high or straight.
#: Each with the mark that opens it: a text without that mark holds no such quotation, and
#: ``in`` tells so about ten times faster than the expression does (two marks are rare in English).
_QUOTES = (("“", re.compile(r"“([^“”]+)”")), ("«", re.compile(r"«([^«»]+)»")),
           ("„", re.compile(r"„([^„“”]+)[“”]")), ('"', re.compile(r'"([^"\n]+)"')))


#: Where the only letters are ASCII ones, a word is a run of them: the same matches as
#: :data:`_WORD`, found faster (Unicode classes are tested character by character), by
#: bytes methods rather than this expression (see :func:`_words`).
_ASCII_WORD = re.compile(r"[A-Za-z]{3,}")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_LETTER = re.compile(r"[^\W\d_]")


def _word_pattern(folded: str) -> re.Pattern:
    """:data:`_WORD`, or :data:`_ASCII_WORD` where it finds the same: an article's non-ASCII
    characters are mostly typographic quotes and dashes, and when none of them is a letter,
    the words are exactly the runs of ASCII letters (so in any part of the text, too)."""
    return _WORD if any(map(_LETTER.match, set(_NON_ASCII.findall(folded)))) else _ASCII_WORD


def words(text: str) -> list[str]:
    """Lower-case content words of three letters or more, in order (no digits, no stop words)."""
    folded = text.casefold()
    return _words(folded, _word_pattern(folded))


def _words(folded: str, pattern: re.Pattern) -> list[str]:
    if pattern is _ASCII_WORD:  # its matches, found in C by bytes methods, 1.7 times as fast
        letters = folded.encode("ascii", "replace").translate(_LETTERS_ONLY).decode("ascii")
        return list(filterfalse(_is_short_or_stopword, letters.split()))
    return list(filterfalse(_is_stopword, pattern.findall(folded)))


_is_stopword = STOPWORDS.__contains__
#: The text's bytes with every byte but an ASCII letter made a space: its runs of ASCII letters
#: are then its words in the sense of ``split()`` (a character beyond ASCII is encoded as "?").
_LETTERS_ONLY = bytes(c if 65 <= c <= 90 or 97 <= c <= 122 else 32 for c in range(256))
_ASCII_LETTERS = [chr(c) for c in range(65, 91)] + [chr(c) for c in range(97, 123)]
#: A run of ASCII letters that is no word: a stop word, or one or two letters ([A-Za-z]{3,} skips them).
_is_short_or_stopword = (STOPWORDS | set(_ASCII_LETTERS) | {a + b for a in _ASCII_LETTERS for b in _ASCII_LETTERS}
                         ).__contains__


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    """Every run of ``n`` consecutive content words (as a tuple of words).

    Stop words are dropped first, so "will have significant consequences" and
    "would have significant consequences" share their shingles: two outlets
    translating or paraphrasing the same statement keep its content words.
    """
    return word_shingles(words(text), n)


def quotations(text: str, min_words: int = 4) -> list[str]:
    """Passages inside quotation marks with at least ``min_words`` content words."""
    found = []
    for mark, pattern in _QUOTES:
        if mark in text:
            found += [q for q in pattern.findall(text) if len(words(q)) >= min_words]
    return found


def quote_shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    """The shingles of the quotations."""
    return features(text).quote_shingles(n)


class TextFeatures(NamedTuple):
    """What :mod:`generator.related` and :mod:`generator.stories` read of a body, computed
    once per body (in the Markdown workers, and kept in the build cache)."""

    #: The body's content words (:func:`words`), separated by spaces.
    words: str
    #: The content words of each quotation (:func:`quotations`), separated by spaces.
    quotes: tuple[str, ...]

    def shingles(self, n: int = 3) -> set[tuple[str, ...]]:
        """:func:`shingles` of the body."""
        return word_shingles(self.words.split(), n)

    def quote_shingles(self, n: int = 3) -> set[tuple[str, ...]]:
        """:func:`quote_shingles` of the body."""
        out: set[tuple[str, ...]] = set()
        for q in self.quotes:
            out |= word_shingles(q.split(), n)
        return out


def features(text: str) -> TextFeatures:
    # casefold() folds each character alone: a quotation's folded text is part of the body's
    folded = text.casefold()
    pattern = _word_pattern(folded)
    quotes = []  # the words of each of quotations(text), each quotation read once
    for mark, quoted in _QUOTES:
        for q in quoted.findall(text) if mark in text else ():
            found = _words(q.casefold(), pattern)
            if len(found) >= 4:
                quotes.append(" ".join(found))
    return TextFeatures(" ".join(_words(folded, pattern)), tuple(quotes))


def word_shingles(w: list[str], n: int = 3) -> set[tuple[str, ...]]:
    """Every run of ``n`` consecutive words of ``w``."""
    return set(zip(*(w[i:] for i in range(n))))
