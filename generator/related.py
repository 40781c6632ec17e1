"""Related briefings: a score for each pair, found through inverted indexes.

The score of briefing *b* as related to briefing *a* (it is symmetric) is

    score(a, b) =   Σ  w[tax(t)] · idf(t)                     shared terms, rarer ones weigh more
                  t ∈ shared
                + w_text · cos(a, b)                            the wording of the bodies
                + w_time · 0.5 ** (|date(a) − date(b)| / half_life_days)    nearness in time

- ``idf(t) = ln(N / df(t))``: N briefings, df(t) of them name term *t*. A term named by
  every briefing ("NATO" in a NATO archive) weighs 0; a rare one ("New START") weighs most.
  ``w[tax]`` is the weight of the term's taxonomy (topics, people, organizations, places).
- ``cos(a, b)`` is the cosine of the TF-IDF vectors of the two bodies (content words, see
  :mod:`generator.text`), each cut to its ``TEXT_TERMS`` heaviest words: 0 for unrelated
  wording, 1 for the same text. A word's document frequency is rounded down to a quarter
  octave (:func:`word_idf`: its idf is at most ln 2 / 4 ≈ 0.17 higher), so that an edit,
  which changes the frequency of the words it adds or removes by one, seldom changes the
  weights of other bodies: only then can the lists of briefings not near the edit be kept.
- The time part counts only when both are dated: 1 on the same day, ½ after
  ``half_life_days``, ¼ after twice that.
- Nearness alone never makes briefings related: a pair must share a term with idf > 0, or
  have ``cos ≥ MIN_TEXT``. Ties are broken newest first, then by URL. Briefings of the same
  story are not listed as related (the page shows them as "also reported by").

The weights are ``[related]`` in ``site.toml`` (:class:`generator.config.RelatedConfig`).

Scale: no all-pairs comparison. Candidates for *a* are the briefings in the posting lists
(term → briefings, word → briefings) of *a*'s terms and heaviest words, rarest first, until
``CANDIDATES`` are found; lists longer than ``POSTINGS_CAP`` (terms or words too common to
tell anything) are not walked, though such terms still count in the exact score of
candidates found otherwise. The partial scores gathered while walking rank the candidates;
the best ``max(4·count, SHORTLIST)`` are scored exactly. Work per briefing is bounded by
``4·CANDIDATES + POSTINGS_CAP`` postings walked: linear in N. In archives smaller than ``SHORTLIST``
(and ``POSTINGS_CAP``) briefings the result is exact.

Between builds (:func:`link_related` with a ``memo``): a briefing's list is a function of
its own *signature* (text vector, terms, date, URL, the briefings of its story), of the
posting lists of its keys (its terms and words), and of the signatures of the briefings in
the posting lists it walked. So a list is scored again only if its briefing changed, if one
of its keys was gained or lost by some briefing, or if it walked a key of a changed
briefing; every other list is the one the last build found. After a body edit at 10,000
briefings, a few hundred lists are scored instead of 10,000.
"""

from __future__ import annotations

import hashlib
import math
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable
from itertools import compress, repeat
from operator import add, itemgetter, mul, truediv

from generator import parallel
from generator.config import RelatedConfig
from generator.model import TAXONOMIES, Briefing, RelatedLink, Taxonomy
from generator.text import TextFeatures
from generator.text import features as text_features

Features = Callable[[Briefing], TextFeatures]

#: How many of a body's heaviest words make its text vector.
TEXT_TERMS = 40
#: Posting lists longer than this are too common to generate candidates from.
POSTINGS_CAP = 150
#: Candidate generation stops walking posting lists once it has found this many.
CANDIDATES = 200
#: At least this many candidates (ranked by partial score) are scored exactly.
SHORTLIST = 20
#: Below this cosine, alike wording alone does not make two briefings related.
MIN_TEXT = 0.05
#: How many shared terms a reason names.
REASON_TERMS = 3

#: The form of the lists :func:`link_related` keeps (2: signatures hash the vector's weights as bytes).
LISTS_FORMAT = 2

TermKey = tuple[str, str]  # (taxonomy, term slug)
#: Joins a term's taxonomy and slug into one key, beside the words (which never hold it).
TERM_SEP = "\0"


def term_key(tk: TermKey) -> str:
    """A term as a key among a briefing's keys (``taxonomy``, NUL, ``slug``)."""
    return tk[0] + TERM_SEP + tk[1]


_QUARTER_OCTAVE = math.log(2) / 4


def word_idf(n: int, df: int) -> float:
    """``ln(n / df')``, ``df'`` being ``df`` rounded down to a power of 2^¼ (exact integer
    arithmetic: the largest ``b`` with ``2^b <= df^4``)."""
    return math.log(n) - ((df ** 4).bit_length() - 1) * _QUARTER_OCTAVE


def _weight_class(n: int, df: int | None) -> int | None:
    """What a word's weight depends on, given its document frequency (None: no weight)."""
    if df is None or df >= n:
        return None
    return (df ** 4).bit_length()


def text_vectors(briefings: list[Briefing], features: Features | None = None,
                 memo: dict | None = None) -> list[dict[str, float]]:
    """Unit TF-IDF vector of each body, cut to its ``TEXT_TERMS`` heaviest words.

    ``memo`` carries the vectors from one build to the next (the build cache keeps it;
    it is updated in place). A body's vector depends only on its words, the number of
    briefings and the rounded document frequency of its own words, so after an edit only
    the bodies that changed, or that contain a word whose rounded frequency changed, are
    weighed again; with another number of briefings, all are."""
    features = features or (lambda b: text_features(b.body))
    texts = [features(b).words for b in briefings]
    counts = Counter(texts)  # the same words in two briefings: one vector
    n = len(briefings)
    previous = memo if memo and memo.get("format") == 2 and memo.get("n") == n else None
    if previous is not None:
        old: dict[str, tuple[int, dict]] = previous["bodies"]
        df = dict(previous["df"])
        delta = {t: counts.get(t, 0) - k for t, (k, _) in old.items() if counts.get(t, 0) != k}
        delta.update((t, k) for t, k in counts.items() if t not in old)
        touched: set[str] = set()
        for t, d in delta.items():
            for w in set(t.split()):
                df[w] = df.get(w, 0) + d
                touched.add(w)
        for w in touched:
            if df[w] == 0:
                del df[w]
        changed = {w for w in touched
                   if _weight_class(n, df.get(w)) != _weight_class(n, previous["df"].get(w))}
    else:
        old, changed = {}, set()
        counted: Counter = Counter()
        for t, k in counts.items():
            if k == 1:
                counted.update(set(t.split()))  # counted in C
            else:
                for w in set(t.split()):
                    counted[w] += k
        df = dict(counted)
    idf: dict[str, float] = {}  # every word; 0 for a word in every body (no weight)

    def weigh(t: str) -> dict[str, float]:
        if not idf:
            by_df: dict[int, float] = {}
            for w, k in df.items():
                x = by_df.get(k)
                if x is None:
                    x = by_df[k] = word_idf(n, k) if k < n else 0.0
                idf[w] = x
        c = Counter(t.split())
        # tf · idf of each word: > 0 unless the word is in every body (its df < n makes ln(n / df') > 0).
        values = list(map(mul, c.values(), map(idf.__getitem__, c)))
        ranked = sorted(values, reverse=True)
        cut = ranked[min(TEXT_TERMS, len(ranked)) - 1] if ranked else 0.0
        if cut <= 0:
            cut = math.ulp(0.0)  # fewer than TEXT_TERMS weighed words: all of them
        # The heaviest TEXT_TERMS words, ties by word: (-weight, word) order, with no key
        # computed per word: by word, then (stable) by weight, heaviest first.
        top = list(compress(zip(c, values), map(cut.__le__, values)))
        top.sort()
        top.sort(key=itemgetter(1), reverse=True)
        del top[TEXT_TERMS:]
        weights = [v for _, v in top]
        norm = math.sqrt(sum(map(mul, weights, weights)))
        return dict(zip(map(sys.intern, [w for w, _ in top]), map(truediv, weights, repeat(norm)))) if norm else {}

    def still_right(t: str) -> bool:
        if t not in old:
            return False
        if len(changed) <= 32:
            padded = f" {t} "
            return not any(f" {w} " in padded for w in changed)
        return changed.isdisjoint(t.split())

    vectors = {t: old[t][1] if still_right(t) else weigh(t) for t in counts}
    if memo is not None:
        memo.clear()
        memo.update({"format": 2, "n": n, "df": df, "bodies": {t: (k, vectors[t]) for t, k in counts.items()}})
    return [vectors[t] for t in texts]


class Scorer:
    """Everything the score needs, computed once per build.

    Inside, a term is a number, its *rank*: terms ordered by what a reason lists first
    (heaviest weighted idf, then name, then key), so that the shared terms of two briefings
    come sorted by ``sorted()`` of two sets' intersection, in C."""

    def __init__(self, briefings: list[Briefing], taxonomies: dict[str, Taxonomy], config: RelatedConfig,
                 features: Features | None = None, memo: dict | None = None):
        self.briefings = briefings
        self.config = config
        self.index = {id(b): i for i, b in enumerate(briefings)}
        n = len(briefings)
        self.weight = {key: getattr(config, key) for key in TAXONOMIES}
        self.idf: dict[TermKey, float] = {}
        self.names: dict[TermKey, str] = {}
        self.postings: dict[TermKey, list[int]] = {}
        self.terms: list[set[TermKey]] = [set() for _ in briefings]
        for key, tax in taxonomies.items():
            for term in tax.terms:
                tk = (key, term.slug)
                self.idf[tk] = math.log(n / term.count) if term.count else 0.0
                self.names[tk] = term.name
                members = [self.index[id(b)] for b in term.briefings if id(b) in self.index]
                self.postings[tk] = members
                for i in members:
                    self.terms[i].add(tk)
        gain = {tk: self.weight[tk[0]] * idf for tk, idf in self.idf.items()}
        ranked = sorted(self.idf, key=lambda tk: (-gain[tk], self.names[tk].casefold(), tk))
        rank = {tk: r for r, tk in enumerate(ranked)}
        self._gain = [gain[tk] for tk in ranked]  # by rank
        self._name = [self.names[tk] for tk in ranked]
        self._term_sets = [{rank[tk] for tk in terms} for terms in self.terms]
        self.vectors = text_vectors(briefings, features, memo)
        self.word_postings: dict[str, list[int]] = defaultdict(list)
        self._word_x: dict[str, list[float]] = defaultdict(list)  # beside word_postings: each one's weight
        for i, vec in enumerate(self.vectors):
            for w, x in vec.items():
                self.word_postings[w].append(i)
                self._word_x[w].append(x)
        self._day = [b.date.toordinal() if b.date is not None else None for b in briefings]
        # Place in the site's order (newest first, then URL), the ties' order among related briefings.
        sort_keys = [b.sort_key for b in briefings]
        place = {key: k for k, key in enumerate(sorted(set(sort_keys)))}
        self._place = [place[key] for key in sort_keys]

    def _score(self, i: int, others: list[int]) -> list[tuple[int, float, tuple[str, ...], bool]]:
        """``(k, score, shared term names, similar text)`` of each pair ``(i, others[k])`` that
        shares something that counts: a term of positive weight, or wording alike at least
        ``MIN_TEXT``; the score is the module's formula, and must be above 0."""
        c = self.config
        text_weight, time_weight, half_life = c.text, c.time, c.half_life_days
        gain, name, term_sets, vectors = self._gain, self._name, self._term_sets, self.vectors
        days = self._day
        mine, vector, day = term_sets[i], vectors[i], days[i]
        fsum = math.fsum
        found = []
        for k, j in enumerate(others):
            shared = mine & term_sets[j]
            if shared:
                shared = [r for r in sorted(shared) if gain[r] > 0]  # heaviest first (ranks)
                terms = fsum(map(gain.__getitem__, shared))
            else:
                shared, terms = (), 0.0
            u, v = vector, vectors[j]
            if len(u) > len(v):
                u, v = v, u
            common = list(filter(v.__contains__, u))  # in u's order: the sum's order
            cos = sum(map(mul, map(u.__getitem__, common), map(v.__getitem__, common)))
            if not shared and cos < MIN_TEXT:
                continue
            text = text_weight * cos
            other = days[j]
            time = time_weight * (0.0 if day is None or other is None else 0.5 ** (abs(day - other) / half_life))
            score = fsum((terms, text, time))
            if score <= 0:
                continue
            found.append((k, score, tuple(map(name.__getitem__, shared[:REASON_TERMS])),
                          cos >= MIN_TEXT and text >= terms))
        return found

    def keys(self, i: int) -> list[str]:
        """Briefing ``i``'s keys: its terms (:func:`term_key`) and the words of its text vector."""
        return [term_key(tk) for tk in self.terms[i]] + list(self.vectors[i])

    def candidates(self, i: int, walked: list[str] | None = None) -> dict[int, float]:
        """Briefings sharing an uncommon term or heavy word with briefing ``i``, with partial scores.

        Posting lists are walked shortest (rarest key) first, and the walk stops once
        ``CANDIDATES`` briefings are found or ``4·CANDIDATES`` postings walked: rare keys carry
        the highest partial scores, and the work per briefing stays bounded whatever the
        archive's size. ``walked`` gets the keys of the posting lists walked."""
        walks = []  # (length, order, key, members, gain per member or word weight); the first three differ
        for tk in self.terms[i]:
            members = self.postings[tk]
            gain = self.weight[tk[0]] * self.idf[tk]
            if gain > 0 and len(members) <= POSTINGS_CAP:
                walks.append((len(members), 0, term_key(tk), members, gain))
        text = self.config.text
        if text > 0:
            postings = self.word_postings
            for w, x in self.vectors[i].items():
                members = postings[w]
                if len(members) <= POSTINGS_CAP:
                    walks.append((len(members), 1, w, members, text * x))
        walks.sort()
        acc: dict[int, float] = {}
        get, update, word_x = acc.get, acc.update, self._word_x
        zero = repeat(0)
        steps = 0
        for length, is_word, key, members, gain in walks:
            if len(acc) > CANDIDATES or steps > 4 * CANDIDATES:
                break
            steps += length
            if walked is not None:
                walked.append(key)
            # acc[j] += gain (· the word's weight in j) for each member j, in C: a member is
            # once in a list, so it is read before it is written.
            if is_word:
                update(zip(members, map(add, map(get, members, zero), map(mul, repeat(gain), word_x[key]))))
            else:
                update(zip(members, map(add, map(get, members, zero), repeat(gain))))
        acc.pop(i, None)
        return acc

    def related(self, i: int, count: int, exclude: frozenset[int] = frozenset(),
                walked: list[str] | None = None) -> list[RelatedLink]:
        return [RelatedLink(briefing=self.briefings[j], score=score, shared=shared, similar_text=similar)
                for j, score, shared, similar in self._related(i, count, exclude, walked)]

    def _related(self, i: int, count: int, exclude: frozenset[int] = frozenset(),
                 walked: list[str] | None = None) -> list[tuple[int, float, tuple[str, ...], bool]]:
        """:meth:`related` as ``(position, score, shared term names, similar text)``."""
        if count <= 0:
            return []
        acc = self.candidates(i, walked)
        for j in exclude:
            acc.pop(j, None)
        # The best ``size`` by partial score, ties by position: those at or above the size-th score, then
        # ordered by (-score, position) with no key computed per candidate.
        size = max(4 * count, SHORTLIST)
        shortlist = list(acc)
        if len(shortlist) > size:
            cut = sorted(acc.values(), reverse=True)[size - 1]
            shortlist = [j for j, s in acc.items() if s >= cut]
        shortlist.sort()
        shortlist.sort(key=acc.__getitem__, reverse=True)
        del shortlist[size:]
        place = self._place
        found = [(-score, place[shortlist[k]], k, shared, similar)
                 for k, score, shared, similar in self._score(i, shortlist)]
        found.sort()  # best first, ties newest first then by URL (the site's order), then as listed
        return [(shortlist[k], -score, shared, similar) for score, _, k, shared, similar in found[:count]]


def link_related(briefings: list[Briefing], taxonomies: dict[str, Taxonomy], config: RelatedConfig,
                 features: Features | None = None, scorer: Scorer | None = None,
                 memo: dict | None = None) -> int:
    """Set ``related`` on every briefing (``briefings`` in site order). Briefings of the same
    story (set by :mod:`generator.stories` before) are left out: the page lists them apart.
    The briefings are scored on all cores (see :mod:`generator.parallel`).

    ``memo`` carries the lists from one build to the next (updated in place): a list is
    scored again only when what it depends on changed (see the module's docstring); the
    others are taken as they were. Returns how many lists were scored."""
    scorer = scorer or Scorer(briefings, taxonomies, config, features)
    keys = [b.path for b in briefings]
    position = {k: i for i, k in enumerate(keys)}
    story = [tuple(o.path for o in b.story.others(b)) if b.story else () for b in briefings]
    own_keys = [scorer.keys(i) for i in range(len(briefings))]
    scope = repr((len(briefings), config))
    names = {term_key(tk): name for tk, name in scorer.names.items()}
    valid = memo and memo.get("format") == LISTS_FORMAT and memo.get("scope") == scope
    old = memo["lists"] if valid else None
    if valid:
        signature: list[bytes] | None = [_signature(scorer, b, own_keys[i], story[i]) for i, b in enumerate(briefings)]
        todo = _dirty(old, keys, own_keys, signature, scorer, memo["names"], names)
    else:  # every list is scored: each briefing is signed where its list is (on all cores)
        signature, todo = None, range(len(briefings))

    def one(i: int) -> tuple[bytes, tuple[str, ...], tuple]:
        exclude = frozenset(position[k] for k in story[i])
        walked: list[str] = []
        found = scorer._related(i, config.count, exclude, walked)
        signed = signature[i] if signature is not None else _signature(scorer, briefings[i], own_keys[i], story[i])
        return signed, tuple(walked), tuple((keys[j], score, shared, similar) for j, score, shared, similar in found)

    def links(found: tuple) -> list[RelatedLink]:
        return [RelatedLink(briefing=briefings[position[j]], score=score, shared=shared, similar_text=similar)
                for j, score, shared, similar in found]

    lists = dict(old) if old is not None else {}
    for i, (signed, walked, found) in zip(todo, parallel.run(one, todo)):  # taken in as they come
        lists[keys[i]] = (signed, own_keys[i], walked, found)
        briefings[i].related = links(found)
    if old is not None:
        scored = set(todo)
        for i, b in enumerate(briefings):
            if i not in scored:
                b.related = links(lists[keys[i]][3])
    lists = {k: lists[k] for k in keys}  # removed briefings dropped
    if memo is not None:
        memo.clear()
        memo.update({"format": LISTS_FORMAT, "scope": scope, "lists": lists, "names": names, "scored": len(todo)})
    return len(todo)


def _signature(scorer: Scorer, b: Briefing, keys: list[str], story: tuple[str, ...]) -> bytes:
    """Everything of a briefing that another briefing's list (or its own) may read."""
    i = scorer.index[id(b)]
    # Its terms are among its keys; their weights (idf) change only when some briefing gains
    # or loses the term, which marks every list that has the term (see _dirty).
    # The words of its vector are among its keys (a term's key holds TERM_SEP, a word never
    # does): their weights follow in the words' order, as bytes (repr of 40 floats was most of the time).
    parts = (b.url, b.date.toordinal() if b.date else None, sorted(keys), story)
    h = hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16)
    vector = scorer.vectors[i]
    h.update(array("d", map(vector.__getitem__, sorted(vector))).tobytes())
    return h.digest()


def _dirty(old: dict, keys: list[str], own_keys: list[list[str]], signature: list[bytes],
           scorer: Scorer, old_names: dict[str, str], names: dict[str, str]) -> list[int]:
    """The positions of the briefings whose list must be scored again (see the module's docstring)."""
    changed: set[str] = set()        # briefings whose signature changed (or that are new)
    touched: set[str] = set()        # keys of changed briefings, old and new
    gained_or_lost: set[str] = set()  # keys whose posting list changed
    seen = set(keys)
    for i, k in enumerate(keys):
        entry = old.get(k)
        if entry is not None and entry[0] == signature[i]:
            continue
        changed.add(k)
        before = set(entry[1]) if entry is not None else set()
        now = set(own_keys[i])
        touched |= before | now
        gained_or_lost |= before ^ now
    for k, entry in old.items():
        if k not in seen:  # removed
            touched |= set(entry[1])
            gained_or_lost |= set(entry[1])
    # A term shown by another spelling: the lists that name it among shared terms show it.
    gained_or_lost |= {k for k, name in names.items() if old_names.get(k, name) != name}
    # A word's posting list counts only in the walks, and only while it is short enough to
    # be walked (its length moved by at most one per changed briefing); a term's also gives
    # the term's weight, in every score of the briefings that have it.
    slack = len(changed) + sum(1 for k in old if k not in seen)
    postings = scorer.word_postings
    gained_or_lost = {k for k in gained_or_lost
                      if TERM_SEP in k or len(postings.get(k, ())) <= POSTINGS_CAP + slack}
    todo = []
    for i, k in enumerate(keys):
        entry = old.get(k)
        if k in changed or entry is None or not gained_or_lost.isdisjoint(own_keys[i]) \
                or not touched.isdisjoint(entry[2]):
            todo.append(i)
    return todo
