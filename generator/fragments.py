"""``reuse(macro, *args)``: a theme macro rendered once per build for the same arguments.

A card (a briefing in a list) is the same HTML on every page that lists the
briefing, but for its links, which are relative to the page. The term pages,
the archive and the timeline of 10,000 briefings hold about 100,000 cards, and
rendering each through Jinja was a third of the render stage. In a template::

    {{ reuse(card, b, heading) }}

renders ``card(b, heading)`` the first time these arguments are seen by a
rendering process, and from then on gives the same HTML with the links made
relative to the page at hand. This is exact when the macro's output depends only
on its arguments and on ``url()`` (whose results it only writes out), which is
the theme's rule for macros called through ``reuse``.

Tracing (:mod:`generator.trace`): the macro is rendered with arguments traced
by a recorder of its own, whose roots are the arguments. Every page that uses
the fragment gets that recording added to its own, rooted at the page's nodes
for the same arguments, so a page that reuses a card records what the card read
exactly as if it had rendered it.

Links: while the macro renders for the memo, the page's ``url()`` writes a
numbered marker instead of a link; each use puts in the links relative to its
page. The marker holds a control character that no content can hold (the loader
rejects them), and a fragment whose markers do not all come back intact, in
order, is not memoised: it is rendered for each page like any other macro call.
"""

from __future__ import annotations

import re

import jinja2
from markupsafe import Markup, escape

from generator.trace import Recorder, is_object, own, replay_into, traced_root

#: Marker of the n-th link in a memoised fragment: "\x1e" n "&" "\x1f". The "&" tells
#: whether the template escaped the link (it is then "&amp;"), as it does by default.
_MARK = re.compile("\x1e([0-9]+)(&|&amp;)\x1f")

#: The fragments of the build being rendered, in this process: key -> (html with markers,
#: link targets, recording). Cleared by :func:`clear` at the start and end of each render.
_memo: dict = {}


def clear() -> None:
    _memo.clear()


@jinja2.pass_context
def reuse(ctx: jinja2.runtime.Context, macro: jinja2.runtime.Macro, *args: object) -> object:
    """``macro(*args)``, rendered once per build (per process) for the same arguments."""
    links = ctx.get("url")  # the page's generator.render.PageLinks, if it has one
    func = getattr(macro, "_func", None)
    if getattr(links, "deferred", False) is not None or func is None:  # no PageLinks, or inside a fragment
        return macro(*args)
    key: list = [func.__code__]
    nodes: list[int | None] = []
    rec = None
    for a in args:
        real, node = traced_root(a)
        nodes.append(node)
        if node is not None:
            key.append(id(real))
            rec = object.__getattribute__(a, "_t_rec")
        else:
            try:
                hash(a)
            except TypeError:
                return macro(*args)
            key.append((type(a), a))
    found = _found(tuple(key), macro, args, links, rec)
    if found is _NOT_MEMOISED:
        return macro(*args)
    return _use(found, links, rec, nodes)


@jinja2.pass_context
def reuse_each(ctx: jinja2.runtime.Context, macro: jinja2.runtime.Macro, items: object, *args: object) -> list:
    """``[reuse(macro, item, *args) for item in items]``, as a template loop over ``items`` would
    call it, and recording the same reads: the list's length, then each item. A card list of a
    term page or the archive, thousands of cards, then costs no proxy and no template call per card.

    ``args`` are the same for every item (a heading level); where they are not plain values,
    where ``items`` is not a traced list, or for an item that is not a dataclass object, this is
    the loop itself."""
    links = ctx.get("url")
    func = getattr(macro, "_func", None)
    seq, list_node = traced_root(items)
    if getattr(links, "deferred", False) is not None or func is None or list_node is None \
            or type(seq) not in (list, tuple) or not all(type(a) in _PLAIN for a in args):
        return [reuse(ctx, macro, item, *args) for item in items]
    rec = object.__getattribute__(items, "_t_rec")
    n = len(seq)
    rec.record(list_node, ("n",), n)  # what iterating the traced list records first (trace._Proxy.__iter__)
    keyed, memo = rec.keyed, rec.memo
    head = (func.__code__,)
    rest = tuple((type(a), a) for a in args)
    nodes: list[int | None] = [None, *(None for _ in args)]
    out = []
    for i in range(n):
        item = seq[i]
        if not is_object(item) or id(item) in keyed:  # what Recorder.wrap would hand over as something else
            out.append(reuse(ctx, macro, rec.wrap(item, list_node, ("i", i)), *args))
            continue
        nodes[0] = rec.node(list_node, ("i", i), own(item, memo)[0])  # as Recorder.wrap records it
        key = (*head, id(item), *rest)  # the key reuse() makes for these arguments
        found = _memo.get(key) or _found(key, macro, (rec.wrap(item, list_node, ("i", i)), *args), links, rec)
        if found is _NOT_MEMOISED:
            out.append(macro(rec.wrap(item, list_node, ("i", i)), *args))
        else:
            out.append(_use(found, links, rec, nodes))
    return out


def _found(key: tuple, macro: jinja2.runtime.Macro, args: tuple, links, rec: Recorder | None) -> tuple:  # noqa: ANN001
    """The memoised fragment for ``key``, rendered now (with ``args``) if it is not yet."""
    found = _memo.get(key)
    if found is None:
        found = _memo[key] = _render(macro, args, links, rec)
    return found


#: Arguments that ``reuse_each`` keys by value (those of a loop's every call).
_PLAIN = frozenset({str, int, float, bool, type(None)})


def _use(found: tuple, links, rec: Recorder | None, nodes: list[int | None]) -> Markup:  # noqa: ANN001
    """A memoised fragment on the page at hand: its recording added to the page's, rooted at
    ``nodes`` (the page's nodes for the arguments), and its links made relative to the page."""
    head, links_and_text, recording = found
    if recording is not None and rec is not None:
        replay_into(rec, recording, nodes)
    out = [head]
    for target, escaped, text in links_and_text:
        url = links(target)
        out.append(escape(url) if escaped and _SPECIAL.search(url) is not None else url)
        out.append(text)
    return Markup("".join(out))


_NOT_MEMOISED = (None, None, None)
_SPECIAL = re.compile("[&<>\"']")


def _render(macro: jinja2.runtime.Macro, args: tuple, links, rec: Recorder | None) -> tuple:  # noqa: ANN001
    """(html before the first link, [(link target, whether it is escaped, html after it)...],
    recording or None), or :data:`_NOT_MEMOISED`. A link is escaped again where it is used,
    if it holds a character to escape (a page without an address links from the base path)."""
    sub = Recorder(rec.keyed, rec.memo) if rec is not None else Recorder()
    sub_args = []
    for k, a in enumerate(args):
        real, node = traced_root(a)
        sub_args.append(sub.wrap(real, -1, k) if node is not None else a)
    targets: list = []
    links.deferred = targets
    try:
        html = str(macro(*sub_args))
    finally:
        links.deferred = None
    pieces = _MARK.split(html)  # text, (number, "&" or "&amp;", text) for each marker
    numbers = [int(n) for n in pieces[1::3]]
    if numbers != list(range(len(targets))) or html.count("\x1e") != len(targets) \
            or html.count("\x1f") != len(targets):
        return _NOT_MEMOISED
    # (target, whether the template escaped it, the html after it) for each link
    links_and_text = [(targets[n], mark == "&amp;", text)
                      for n, (mark, text) in enumerate(zip(pieces[2::3], pieces[3::3]))]
    # Nothing to add to a page's record when the fragment read only what its arguments'
    # own digests cover (a card reads only a briefing's leaf fields).
    recording = sub if sub.opaque or any(parent >= 0 for parent, _ in sub.steps) else None
    return pieces[0], links_and_text, recording
