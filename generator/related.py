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
  wording, 1 for the same text.
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
"""

from __future__ import annotations

import math
import sys
from collections import Counter, defaultdict
from collections.abc import Callable

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

TermKey = tuple[str, str]  # (taxonomy, term slug)


def text_vectors(briefings: list[Briefing], features: Features | None = None,
                 memo: dict | None = None) -> list[dict[str, float]]:
    """Unit TF-IDF vector of each body, cut to its ``TEXT_TERMS`` heaviest words.

    ``memo`` carries the vectors from one build to the next (the build cache keeps it;
    it is updated in place). A body's vector depends only on its words, the number of
    briefings and the document frequency of its own words, so after an edit only the
    bodies that changed, or that contain a word whose document frequency changed, are
    weighed again; with another number of briefings, all are."""
    features = features or (lambda b: text_features(b.body))
    texts = [features(b).words for b in briefings]
    counts = Counter(texts)  # the same words in two briefings: one vector
    n = len(briefings)
    previous = memo if memo and memo.get("format") == 1 and memo.get("n") == n else None
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
        changed = {w for w in touched if df.get(w) != previous["df"].get(w)}
    else:
        old, df, changed = {}, {}, set()
        for t, k in counts.items():
            for w in set(t.split()):
                df[w] = df.get(w, 0) + k
    idf: dict[str, float] = {}

    def weigh(t: str) -> dict[str, float]:
        if not idf:
            idf.update((w, math.log(n / k)) for w, k in df.items() if k < n)
        c = Counter(t.split())
        weights = [(w, tf * idf[w]) for w, tf in c.items() if w in idf]
        top = sorted(weights, key=lambda kv: (-kv[1], kv[0]))[:TEXT_TERMS]
        norm = math.sqrt(sum(v * v for _, v in top))
        return {sys.intern(w): v / norm for w, v in top} if norm else {}

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
        memo.update({"format": 1, "n": n, "df": df, "bodies": {t: (k, vectors[t]) for t, k in counts.items()}})
    return [vectors[t] for t in texts]


def cosine(u: dict[str, float], v: dict[str, float]) -> float:
    if len(u) > len(v):
        u, v = v, u
    return sum(x * v[w] for w, x in u.items() if w in v)


def nearness(a: Briefing, b: Briefing, half_life_days: float) -> float:
    if a.date is None or b.date is None:
        return 0.0
    return 0.5 ** (abs(a.date.toordinal() - b.date.toordinal()) / half_life_days)


class Scorer:
    """Everything the score needs, computed once per build."""

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
        self.vectors = text_vectors(briefings, features, memo)
        self.word_postings: dict[str, list[int]] = defaultdict(list)
        for i, vec in enumerate(self.vectors):
            for w in vec:
                self.word_postings[w].append(i)

    def term_part(self, i: int, j: int) -> tuple[float, list[tuple[float, TermKey]]]:
        """Sum of weighted idf over shared terms, and each shared term's share (heaviest first)."""
        shared = sorted(((self.weight[tk[0]] * self.idf[tk], tk) for tk in self.terms[i] & self.terms[j]),
                        key=lambda st: (-st[0], self.names[st[1]].casefold(), st[1]))
        shared = [st for st in shared if st[0] > 0]
        return math.fsum(s for s, _ in shared), shared

    def exact(self, i: int, j: int) -> RelatedLink | None:
        """The full score of a pair, or None when they share nothing that counts."""
        c = self.config
        terms, shared = self.term_part(i, j)
        cos = cosine(self.vectors[i], self.vectors[j])
        if not shared and cos < MIN_TEXT:
            return None
        text = c.text * cos
        time = c.time * nearness(self.briefings[i], self.briefings[j], c.half_life_days)
        score = math.fsum((terms, text, time))
        if score <= 0:
            return None
        names = tuple(self.names[tk] for _, tk in shared[:REASON_TERMS])
        return RelatedLink(briefing=self.briefings[j], score=score, shared=names,
                           similar_text=cos >= MIN_TEXT and text >= terms)

    def candidates(self, i: int) -> Counter:
        """Briefings sharing an uncommon term or heavy word with briefing ``i``, with partial scores.

        Posting lists are walked shortest (rarest key) first, and the walk stops once
        ``CANDIDATES`` briefings are found or ``4·CANDIDATES`` postings walked: rare keys carry
        the highest partial scores, and the work per briefing stays bounded whatever the
        archive's size."""
        walks = []  # (length, order, members, gain per member or word weight)
        for tk in self.terms[i]:
            members = self.postings[tk]
            gain = self.weight[tk[0]] * self.idf[tk]
            if gain > 0 and len(members) <= POSTINGS_CAP:
                walks.append((len(members), 0, tk[0] + "\0" + tk[1], members, gain))
        text = self.config.text
        if text > 0:
            for w, x in self.vectors[i].items():
                members = self.word_postings[w]
                if len(members) <= POSTINGS_CAP:
                    walks.append((len(members), 1, w, members, text * x))
        walks.sort(key=lambda walk: walk[:3])
        acc: Counter = Counter()
        vectors = self.vectors
        walked = 0
        for length, is_word, key, members, gain in walks:
            if len(acc) > CANDIDATES or walked > 4 * CANDIDATES:
                break
            walked += length
            if is_word:
                for j in members:
                    acc[j] += gain * vectors[j][key]
            else:
                for j in members:
                    acc[j] += gain
        acc.pop(i, None)
        return acc

    def related(self, i: int, count: int, exclude: frozenset[int] = frozenset()) -> list[RelatedLink]:
        if count <= 0:
            return []
        acc = self.candidates(i)
        for j in exclude:
            acc.pop(j, None)
        shortlist = sorted(acc, key=lambda j: (-acc[j], j))[:max(4 * count, SHORTLIST)]
        links = [link for j in shortlist if (link := self.exact(i, j)) is not None]
        links.sort(key=lambda link: (-link.score, link.briefing.sort_key))
        return links[:count]


def link_related(briefings: list[Briefing], taxonomies: dict[str, Taxonomy], config: RelatedConfig,
                 features: Features | None = None, scorer: Scorer | None = None) -> None:
    """Set ``related`` on every briefing (``briefings`` in site order). Briefings of the same
    story (set by :mod:`generator.stories` before) are left out: the page lists them apart.
    The briefings are scored on all cores (see :mod:`generator.parallel`).

    Every list is scored on every build: a list depends on the text vectors of the
    briefings it may walk, and an edit that changes one body's words changes the
    document frequency of those words, so the vectors of every body that has one of
    them (measured: keyed by all their inputs, 9,763 of 10,000 lists would have to be
    scored again after one added sentence)."""
    scorer = scorer or Scorer(briefings, taxonomies, config, features)

    def one(i: int) -> list[tuple[int, float, tuple[str, ...], bool]]:
        b = briefings[i]
        exclude = frozenset(scorer.index[id(o)] for o in b.story.others(b)) if b.story else frozenset()
        return [(scorer.index[id(link.briefing)], link.score, link.shared, link.similar_text)
                for link in scorer.related(i, config.count, exclude)]

    for b, found in zip(briefings, parallel.run(one, range(len(briefings)))):
        b.related = [RelatedLink(briefing=briefings[j], score=score, shared=shared, similar_text=similar)
                     for j, score, shared, similar in found]
