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
_QUOTES = (re.compile(r"“([^“”]+)”"), re.compile(r"«([^«»]+)»"), re.compile(r"„([^„“”]+)[“”]"),
           re.compile(r'"([^"\n]+)"'))


#: Where the only letters are ASCII ones, a word is a run of them: the same matches as
#: :data:`_WORD`, found about twice as fast (Unicode classes are tested character by character).
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
    return list(filterfalse(_is_stopword, pattern.findall(folded)))


_is_stopword = STOPWORDS.__contains__


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
    for pattern in _QUOTES:
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
    for quoted in _QUOTES:
        for q in quoted.findall(text):
            found = _words(q.casefold(), pattern)
            if len(found) >= 4:
                quotes.append(" ".join(found))
    return TextFeatures(" ".join(_words(folded, pattern)), tuple(quotes))


def word_shingles(w: list[str], n: int = 3) -> set[tuple[str, ...]]:
    """Every run of ``n`` consecutive words of ``w``."""
    return set(zip(*(w[i:] for i in range(n))))
