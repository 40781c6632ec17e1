"""Stories: the same event told by several outlets, grouped.

Two dated briefings tell the same story when all of these hold:

- their dates are at most ``STORY_DAYS`` apart;
- they do not come from the same (named) source: an outlet's follow-up is not a second telling;
- their bodies overlap: the share of shingles (runs of three content words, see
  :mod:`generator.text`) they have in common, over the shingles of the shorter body, is at
  least ``MIN_OVERLAP``; or at least ``QUOTE_OVERLAP`` when they also share
  ``MIN_SHARED_QUOTE`` shingles inside quotation marks (both quote the same words).

Stop words are dropped before shingling, so two translations of one statement still share
most of their shingles ("will have significant consequences" / "would have significant
consequences"), while briefings that merely cover the same subject share almost none
(measured on the seed texts: 0.14 for two reports of one meeting, at most 0.03 otherwise).

Pairs join into groups transitively (union-find), as long as a group spans at most
``MAX_STORY_DAYS``: a chain of look-alikes over weeks is not one event. A group is a :class:`Story`.

Scale: briefings are visited in date order with a sliding window of ``STORY_DAYS``; each
briefing is compared only with its neighbours in time (one set intersection each, in C, with
the few of its shingles that some briefing of the last two weeks has), and memory stays bounded
by the window. Shingles found in more than ``WINDOW_CAP`` briefings of one window (boilerplate)
are not counted. Quoted shingles are only made for the pairs whose overlap needs them.

Between builds (:func:`kept_pairs`): the pairs a briefing makes with the briefings of its
window depend only on it and on them (their words, quotations, source, date and URL), so
only the briefings whose window holds a briefing that changed are compared again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from itertools import chain

from generator.model import Briefing, Story
from generator.text import TextFeatures
from generator.text import features as text_features

STORY_DAYS = 7
#: A story spans at most this many days: pairs that would chain look-alikes further are not joined.
MAX_STORY_DAYS = 14
MIN_OVERLAP = 0.10
QUOTE_OVERLAP = 0.05
MIN_SHARED_QUOTE = 3
WINDOW_CAP = 50
#: Bodies with fewer shingles than this are too short to judge.
MIN_SHINGLES = 8


def _same_source(a: Briefing, b: Briefing) -> bool:
    return bool(a.source and b.source and a.source.casefold() == b.source.casefold())


def dated_order(briefings: list[Briefing]) -> list[Briefing]:
    """The dated briefings in the order :func:`story_pairs` visits them."""
    return sorted((b for b in briefings if b.date is not None), key=lambda b: (b.date, b.url or b.path))


def story_pairs(briefings: list[Briefing], features: Callable[[Briefing], TextFeatures] | None = None,
                part: tuple[int, int] | None = None, dated: list[Briefing] | None = None,
                ) -> list[tuple[Briefing, Briefing]]:
    """Every pair of briefings that tell the same story, in date order.

    ``features(b)`` gives a body's words (default: computed from ``b.body``; the build
    passes the cached ones). ``part=(lo, hi)``: only the pairs whose later briefing is
    at a position in ``range(lo, hi)`` of :func:`dated_order`, so that parts can be found
    in parallel; their concatenation, in order, is the whole list. ``dated``: :func:`dated_order`
    of ``briefings``, if the caller has it."""
    features = features or (lambda b: text_features(b.body))
    dated = dated if dated is not None else dated_order(briefings)
    lo, hi = part if part is not None else (0, len(dated))
    start = lo  # the window of ``dated[lo]`` reaches back STORY_DAYS
    while start > 0 and (dated[lo].date - dated[start - 1].date).days <= STORY_DAYS:
        start -= 1
    window: deque[int] = deque()  # positions in ``dated`` of the briefings in the window
    bodies: dict[int, set] = {}  # window member -> its shingles
    quotes: dict[int, set] = {}  # window member -> its quoted shingles, once needed
    # The shingles of the briefings of this period of STORY_DAYS + 1 days and of the one before
    # (a window lies in both): what a briefing shares with its window is in what it shares with
    # them, a set much smaller than its own, so that each member is compared with that only.
    span = STORY_DAYS + 1
    period, seen_now, seen_before = None, set(), set()
    pairs = []
    for i in range(start, hi):
        a = dated[i]
        while window and (a.date - dated[window[0]].date).days > STORY_DAYS:
            j = window.popleft()
            del bodies[j]
            quotes.pop(j, None)
        f = features(a)
        mine = f.shingles()
        if len(mine) < MIN_SHINGLES:
            continue
        day = a.date.toordinal() // span
        if period != day:
            seen_before = seen_now if period == day - 1 else set()
            period, seen_now = day, set()
        if i >= lo and window:
            if len(window) > WINDOW_CAP:  # only then can a shingle be in more than WINDOW_CAP members
                seen = Counter(chain.from_iterable(bodies[j] for j in window))
                mine_counted = mine - {s for s in mine if seen[s] > WINDOW_CAP}
            else:
                mine_counted = mine
            candidates = mine_counted & seen_now
            candidates |= mine_counted & seen_before
            my_quotes = None
            for j in window if candidates else ():  # in date order, as positions grow with it
                theirs = bodies[j]
                shared = len(candidates & theirs)
                if not shared:
                    continue
                overlap = shared / min(len(mine), len(theirs))
                if overlap < QUOTE_OVERLAP:
                    continue
                b = dated[j]
                if _same_source(a, b):
                    continue
                if overlap >= MIN_OVERLAP:
                    pairs.append((b, a))
                elif overlap >= QUOTE_OVERLAP:
                    if my_quotes is None:
                        my_quotes = f.quote_shingles()
                    if j not in quotes:
                        quotes[j] = features(b).quote_shingles()
                    if len(my_quotes & quotes[j]) >= MIN_SHARED_QUOTE:
                        pairs.append((b, a))
        window.append(i)
        bodies[i] = mine
        seen_now |= mine
    return pairs


def _signature(b: Briefing, f: TextFeatures) -> bytes:
    """What the pairs a briefing makes depend on, of itself."""
    parts = (b.date.toordinal(), b.url or b.path, b.source.casefold() if b.source else "", f.words, f.quotes)
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def signatures(briefings: list[Briefing], features: Callable[[Briefing], TextFeatures] | None = None,
               ) -> list[bytes]:
    """What the pairs of each briefing of :func:`dated_order` depend on, of itself (see :func:`kept_pairs`)."""
    features = features or (lambda b: text_features(b.body))
    return [_signature(b, features(b)) for b in dated_order(briefings)]


def kept_pairs(briefings: list[Briefing], features: Callable[[Briefing], TextFeatures] | None, memo: dict,
               ) -> tuple[list[tuple[int, int]], Callable[..., list]]:
    """Where :func:`story_pairs` must look again since the build ``memo`` remembers.

    Returns ``(parts, finish)``: the parts of :func:`dated_order` whose pairs an edit can
    have changed (``part=`` values for :func:`story_pairs`, to run as the caller likes), and
    ``finish(found, signed=None)``, which takes the pairs found there (in any order) and returns
    all the pairs, as :func:`story_pairs` of the whole archive gives them. ``finish`` updates
    ``memo``. When ``memo`` holds no pairs, every part is looked at again, and the caller may
    hand :func:`signatures` of the briefings, computed where it likes, to ``finish``."""
    features = features or (lambda b: text_features(b.body))
    dated = dated_order(briefings)
    keys = [b.path for b in dated]
    old = memo.get("pairs") if memo.get("format") == 1 else None
    signature: list[bytes] | None = None
    if old is None:
        dirty = [True] * len(dated)
    else:
        signature = [_signature(b, features(b)) for b in dated]
        days: set[int] = set()  # days whose briefings have a changed briefing in their window
        for i, k in enumerate(keys):
            entry = old.get(k)
            if entry is None or entry[0] != signature[i]:
                for d in {dated[i].date.toordinal(), entry[1] if entry else None} - {None}:
                    days.update(range(d, d + STORY_DAYS + 1))
        seen = set(keys)
        for k, entry in old.items():
            if k not in seen:
                days.update(range(entry[1], entry[1] + STORY_DAYS + 1))
        dirty = [old.get(k) is None or old[k][0] != signature[i] or dated[i].date.toordinal() in days
                 for i, k in enumerate(keys)]
    parts, lo = [], None
    for i, d in enumerate(dirty + [False]):
        if d and lo is None:
            lo = i
        elif not d and lo is not None:
            parts.append((lo, i))
            lo = None

    def finish(found_pairs: list[tuple[Briefing, Briefing]], signed: list[bytes] | None = None,
               ) -> list[tuple[Briefing, Briefing]]:
        nonlocal signature
        if signature is None:
            signature = signed if signed is not None else [_signature(b, features(b)) for b in dated]
        found: dict[str, list[tuple[int, str]]] = defaultdict(list)
        position = {k: i for i, k in enumerate(keys)}
        for b, a in found_pairs:
            found[a.path].append((position[b.path], b.path))
        pairs, kept = [], {}
        for i, k in enumerate(keys):
            mine = tuple(j for _, j in sorted(found.get(k, ()))) if dirty[i] else old[k][2]
            kept[k] = (signature[i], dated[i].date.toordinal(), mine)
            pairs += [(dated[position[j]], dated[i]) for j in mine]
        memo.clear()
        memo.update({"format": 1, "pairs": kept, "compared": sum(dirty)})
        return pairs

    return parts, finish


def group_stories(briefings: list[Briefing], features: Callable[[Briefing], TextFeatures] | None = None,
                  pairs: list[tuple[Briefing, Briefing]] | None = None) -> list[Story]:
    """Stories of two or more briefings, newest first; sets ``story`` on each member.
    ``pairs``: :func:`story_pairs` of the briefings, when already found."""
    parent: dict[int, Briefing] = {}

    def find(b: Briefing) -> Briefing:
        root = b
        while parent.get(id(root), root) is not root:
            root = parent[id(root)]
        while parent.get(id(b), b) is not root:  # path compression
            nxt = parent[id(b)]
            parent[id(b)] = root
            b = nxt
        return root

    for b in briefings:
        b.story = None
    span: dict[int, tuple[dt.date, dt.date]] = {}  # root -> (first date, last date) of its group

    def dates(root: Briefing) -> tuple[dt.date, dt.date]:
        return span.get(id(root), (root.date, root.date))

    for a, b in (pairs if pairs is not None else story_pairs(briefings, features)):
        ra, rb = find(a), find(b)
        if ra is rb:
            continue
        (a0, a1), (b0, b1) = dates(ra), dates(rb)
        first, last = min(a0, b0), max(a1, b1)
        if (last - first).days > MAX_STORY_DAYS:
            continue  # a chain of look-alikes, not one event
        parent[id(rb)] = ra
        span[id(ra)] = (first, last)
    groups: dict[int, list[Briefing]] = defaultdict(list)
    for b in briefings:
        groups[id(find(b))].append(b)
    stories = []
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda b: (b.date, b.url))
        first = members[0]
        story = Story(key=f"{first.date.isoformat()}-{first.slug}", briefings=members)
        for b in members:
            b.story = story
        stories.append(story)
    stories.sort(key=lambda s: (-s.briefings[-1].date.toordinal(), s.key))
    return stories
