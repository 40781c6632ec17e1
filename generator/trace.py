"""What a page's template read: the dependencies of one rendered page, recorded.

The build cache reuses a rendered page only if everything the template read
is the same as last time. Rather than keep a dependency graph up to date by
hand (the source of the stale pages in Hugo, Jekyll and Eleventy), the
renderer hands the template *tracing proxies* instead of the real objects:
every object reached, item, length, method call, comparison or conversion the
template (or a Python helper it calls) performs is recorded as a *node*: a
step (``("a", "related")``, ``("i", 0)``, ``("n",)``...) from an earlier node
or from a context name, with the value it produced. Jinja is deterministic, so
a template that observes the same values takes the same branches and writes
the same bytes; if every recorded node evaluates to the same value on the new
site, the old output is still right.

Values are recorded as follows. Leaves (text, numbers, dates, tuples of
leaves) by value. A dataclass object (a briefing, a term...) by its *own
digest*: one hash of all its fields, leaves by value and other fields by type,
recorded as soon as the template reaches the object. Its leaf fields are then
handed to the template as plain attributes of the proxy (reading them costs
nothing and needs no record of its own: the digest covers them); what is read
through its other fields (lists, other objects) is traced apart. So are the
fields marked ``metadata={"trace": "apart"}`` (``model.TRACE_APART``): a briefing's
body and HTML, which the pages listing a briefing never read, so that editing
a body re-renders the pages that show it, not every list that names the
briefing. Anything else (a list, a dict) by its type, then by what is read from it.

A page's record is a *program*: the tuple of its nodes as ``(parent index,
step)``, parents first (a root has parent ``-1`` and its context name as step),
plus a digest of the values. :class:`Replayer` evaluates a program on the new
site in one pass and compares digests.

Whatever cannot be replayed exactly (hashing an object, ordering objects, a
field that holds a function, an unknown kind of object) marks the page
*opaque*: it is always rendered, never cached.

Rule for theme helpers (Jinja globals and filters): compute only from the
arguments they are given, never from module state, so that what they read is
traced. The randomised test in ``tests/test_incremental.py`` compares every
incremental build with a clean one to catch any dependency that escapes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import types
from enum import Enum
from pathlib import PurePath
from zoneinfo import ZoneInfo

Program = tuple  # ((parent index, step), ...): see the module's docstring

LEAF_TYPES = (str, int, float, bool, type(None), bytes, dt.date, dt.time, dt.timedelta, PurePath, ZoneInfo, Enum)
_METHOD_TYPES = (types.MethodType, types.BuiltinMethodType, types.MethodWrapperType)
_VIEWS = (type({}.keys()), type({}.values()), type({}.items()))
MISSING = "<missing>"
#: Exact types checked first, for speed (subclasses take the general path).
_SIMPLE = frozenset({int, float, bool, type(None), dt.date})


class Opaque(Exception):
    """Raised while replaying a program that cannot be evaluated again."""


# What a type of value is to the tracer, decided once per type.
_LEAF, _TUPLE, _VIEW, _SEQ, _MAP, _OBJ, _OTHER = range(7)
_KINDS: dict[type, int] = {}


def _kind(t: type) -> int:
    try:
        return _KINDS[t]
    except KeyError:
        pass
    if issubclass(t, LEAF_TYPES):
        k = _LEAF
    elif t is tuple:
        k = _TUPLE  # a leaf when all its items are
    elif issubclass(t, _VIEWS):
        k = _VIEW
    elif issubclass(t, (list, tuple)):
        k = _SEQ
    elif issubclass(t, dict):
        k = _MAP
    elif hasattr(t, "__dataclass_fields__") and not issubclass(t, type):
        k = _OBJ
    else:
        k = _OTHER
    _KINDS[t] = k
    return k


def is_leaf(value: object) -> bool:
    k = _kind(type(value))
    if k == _LEAF:
        return True
    if k == _TUPLE:
        for v in value:
            if type(v) is not str and not is_leaf(v):
                return False
        return True
    return False


def normalize(value: object) -> object:
    """Dict views become lists, so that recording and replaying see the same thing."""
    return list(value) if isinstance(value, _VIEWS) else value


def describe(value: object) -> str:
    """A value as it enters an object's own digest: leaves by value, everything else by type."""
    t = type(value)
    if t is str:
        return f"str:{len(value)}:{value}"
    if t in _SIMPLE or is_leaf(value):
        return f"{t.__qualname__}:{value!r}"
    return f"<{t.__module__}.{t.__qualname__}>"  # the only form that starts with "<"


def is_object(value: object) -> bool:
    """Whether ``value`` is a dataclass object (traced by its own digest, see :func:`own`)."""
    return _kind(type(value)) == _OBJ


_FIELDS: dict[type, tuple[str, ...]] = {}


def own(obj: object, memo: dict) -> tuple[str, dict]:
    """(own digest, leaf fields) of a dataclass object, memoised by id for one build.

    The digest stands for all the object's fields: leaves by value, other fields
    by type (what is read through them is traced apart)."""
    try:
        return memo[id(obj)][1]
    except KeyError:
        pass
    cls = type(obj)
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls)
                                     if f.metadata.get("trace") != "apart")  # read: a node of its own
    parts = [f"{cls.__module__}.{cls.__qualname__}"]
    leaves = {}
    for name in names:
        value = getattr(obj, name)
        text = describe(value)
        parts.append(name)
        parts.append(text)
        if text[0] != "<":
            leaves[name] = value
    digest = hashlib.blake2b("\x00".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    found = ("own:" + digest, leaves)
    memo[id(obj)] = (obj, found)  # the object is kept so that its id is not reused during the build
    return found


def own_digest(obj: object, memo: dict) -> str:
    return own(obj, memo)[0]


def describe_node(value: object, keyed: frozenset[int], memo: dict) -> str:
    """The recorded value of a node: leaves by value, dataclass objects by their
    own digest (``keyed`` ones, part of the page's cache key, by type), the rest by type."""
    t = type(value)
    if t is str:
        return f"str:{len(value)}:{value}"
    if t in _SIMPLE:
        return f"{t.__qualname__}:{value!r}"
    k = _KINDS.get(t)
    if k is None:
        k = _kind(t)
    if k == _OBJ and id(value) not in keyed:
        return own(value, memo)[0]
    return describe(value)


def digest_values(values) -> bytes:  # noqa: ANN001 - iterable of recorded values (str)
    """One digest for a page's recorded values, in order (the program fixes what each one is)."""
    h = hashlib.blake2b(digest_size=20)
    h.update("\x01".join(values).encode("utf-8", "surrogatepass"))
    return h.digest()


class Recorder:
    """The nodes one page read, in order, with the values they gave.

    ``keyed`` objects (the configuration) are part of the page's cache key as a
    whole, so they are handed over untraced. ``memo`` memoises :func:`own` for
    one build."""

    def __init__(self, keyed: frozenset[int] = frozenset(), memo: dict | None = None):
        self.steps: list[tuple[int, object]] = []
        self.values: list[str] = []
        self.index: dict[tuple[int, object], int] = {}
        self.opaque = False
        self.keyed = keyed
        self.memo = memo if memo is not None else {}

    def node(self, parent: int, step: object, value: str) -> int:
        """The index of node ``(parent, step)``; recorded with ``value`` if new (the first value read wins)."""
        key = (parent, step)
        i = self.index.get(key)
        if i is None:
            i = self.index[key] = len(self.steps)
            self.steps.append(key)
            self.values.append(value)
        return i

    def record(self, parent: int, step: object, value: object) -> None:
        self.node(parent, step, MISSING if value is MISSING else describe(value))

    def wrap(self, value: object, parent: int, step: object) -> object:
        """``value``, reached by ``step`` from node ``parent``, recorded and proxied if it is not a leaf."""
        t = type(value)
        if t is str or t in _SIMPLE:
            self.node(parent, step, describe(value))
            return value
        k = _KINDS.get(t)
        if k is None:
            k = _kind(t)
        if k == _LEAF or id(value) in self.keyed or (k == _TUPLE and is_leaf(value)):
            self.node(parent, step, describe(value))
            return value
        if k == _OBJ:
            digest, leaves = own(value, self.memo)
            proxy = ObjProxy(value, self.node(parent, step, digest), self)
            object.__setattr__(proxy, "__dict__", dict(leaves))  # see ObjProxy
            return proxy
        if k == _VIEW:
            value, k = list(value), _SEQ
        if k == _SEQ or k == _TUPLE:
            return SeqProxy(value, self.node(parent, step, describe(value)), self)
        if k == _MAP:
            return MapProxy(value, self.node(parent, step, describe(value)), self)
        self.node(parent, step, describe(value))
        self.opaque = True  # functions, sets, iterators, foreign objects: not replayable
        return value

    def ref(self, value: object) -> object:
        """An argument as it is recorded: a leaf by value, a traced object by its node."""
        if isinstance(value, _Proxy):
            return ("@", object.__getattribute__(value, "_t_idx"))
        if is_leaf(value):
            return ("=", value) if type(value) is tuple else value
        self.opaque = True
        return ("?", describe(value))

    def digest(self) -> bytes:
        return digest_values(self.values)

    def program(self) -> Program:
        return tuple(self.steps)


def _real(value: object) -> object:
    return object.__getattribute__(value, "_t_obj") if isinstance(value, _Proxy) else value


class _Proxy:
    __slots__ = ("_t_obj", "_t_idx", "_t_rec")

    def __init__(self, obj: object, idx: int, rec: Recorder):
        object.__setattr__(self, "_t_obj", obj)
        object.__setattr__(self, "_t_idx", idx)
        object.__setattr__(self, "_t_rec", rec)

    # -- helpers -------------------------------------------------------------
    def _t(self) -> tuple[object, int, Recorder]:
        return self._t_obj, self._t_idx, self._t_rec

    def _t_step(self, step: tuple, compute) -> object:  # noqa: ANN001
        obj, idx, rec = self._t()
        try:
            value = compute(obj)
        except (AttributeError, LookupError, TypeError):
            rec.node(idx, step, MISSING)
            raise
        return rec.wrap(value, idx, step)

    @property
    def __class__(self):  # noqa: ANN204 - isinstance(proxy, Briefing) stays true for helpers
        return type(object.__getattribute__(self, "_t_obj"))

    def __getattr__(self, name: str) -> object:
        # Only called for what is not a leaf field (those are plain attributes of an ObjProxy).
        obj, idx, rec = self._t_obj, self._t_idx, self._t_rec
        if name[:2] == "__" and name[-2:] == "__":
            if hasattr(obj, name):  # e.g. __html__: not replayable, so never cached
                rec.opaque = True
            return getattr(obj, name)
        step = ("a", name)
        try:
            value = getattr(obj, name)
        except AttributeError:
            rec.node(idx, step, MISSING)
            raise
        if isinstance(value, _METHOD_TYPES):
            found = TracedMethod(self, name)
        elif callable(value) and not isinstance(value, type):
            rec.opaque = True
            return value
        else:
            found = rec.wrap(value, idx, step)
        if type(self) is ObjProxy:  # read once: the next read finds it as a plain attribute
            object.__getattribute__(self, "__dict__")[name] = found
        return found

    def __setattr__(self, name: str, value: object) -> None:
        raise TypeError("templates may not change the site's data")

    def __getitem__(self, key: object) -> object:
        obj, idx, rec = self._t()
        if isinstance(key, slice):
            step = ("s", key.start, key.stop, key.step)
            if not all(is_leaf(x) for x in step):
                rec.opaque = True
                return obj[key]
        else:
            step = ("i", rec.ref(key))
        return self._t_step(step, lambda o: o[_real(key)])

    def __len__(self) -> int:
        obj, idx, rec = self._t()
        n = len(obj)
        rec.record(idx, ("n",), n)
        return n

    def __bool__(self) -> bool:
        obj, idx, rec = self._t()
        b = bool(obj)
        rec.record(idx, ("b",), b)
        return b

    def __str__(self) -> str:
        obj, idx, rec = self._t()
        s = str(obj)
        rec.record(idx, ("str",), s)
        return s

    def __contains__(self, item: object) -> bool:
        obj, idx, rec = self._t()
        r = _real(item) in obj
        rec.record(idx, ("in", rec.ref(item)), r)
        return r

    def __eq__(self, other: object) -> bool:
        obj, idx, rec = self._t()
        r = obj == _real(other)
        rec.record(idx, ("eq", rec.ref(other)), r)
        return r

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        obj, _, rec = self._t()
        rec.opaque = True
        return hash(obj)

    def _t_opaque(self, other: object, op) -> object:  # noqa: ANN001
        obj, _, rec = self._t()
        rec.opaque = True
        return op(obj, _real(other))

    def __lt__(self, other: object) -> bool:
        return self._t_opaque(other, lambda a, b: a < b)

    def __le__(self, other: object) -> bool:
        return self._t_opaque(other, lambda a, b: a <= b)

    def __gt__(self, other: object) -> bool:
        return self._t_opaque(other, lambda a, b: a > b)

    def __ge__(self, other: object) -> bool:
        return self._t_opaque(other, lambda a, b: a >= b)

    def __add__(self, other: object) -> object:
        return self._t_opaque(other, lambda a, b: a + b)

    def __iter__(self):  # noqa: ANN204
        obj, idx, rec = self._t()
        if isinstance(obj, dict):
            keys = tuple(obj)
            rec.record(idx, ("it",), keys)
            if not is_leaf(keys):
                rec.opaque = True
            return iter(keys)
        if isinstance(obj, (list, tuple)):
            n = len(obj)
            rec.record(idx, ("n",), n)
            wrap = rec.wrap
            return (wrap(obj[i], idx, ("i", i)) for i in range(n))
        rec.opaque = True
        return iter(obj)

    def __reversed__(self):  # noqa: ANN204
        obj, idx, rec = self._t()
        if not isinstance(obj, (list, tuple)):
            rec.opaque = True
            return reversed(obj)
        n = len(obj)
        rec.record(idx, ("n",), n)
        wrap = rec.wrap
        return (wrap(obj[i], idx, ("i", i)) for i in range(n - 1, -1, -1))

    def __repr__(self) -> str:
        obj, _, _ = self._t()
        return f"<traced {obj!r}>"


class ObjProxy(_Proxy):
    """A dataclass object. Its ``__dict__`` holds its leaf fields (covered by the
    node's own digest) and, once read, what was read through its other fields,
    so that reading them again is a plain attribute lookup."""


class SeqProxy(_Proxy):
    __slots__ = ()


class MapProxy(_Proxy):
    __slots__ = ()


class TracedMethod:
    """A method of a traced object: its call is one recorded step.

    It holds what its proxy holds, not the proxy, whose ``__dict__`` keeps it once read:
    a cycle, which only the collector would free, with the page's whole recording."""

    __slots__ = ("obj", "idx", "rec", "name")

    def __init__(self, owner: _Proxy, name: str):
        self.obj, self.idx, self.rec = owner._t()
        self.name = name

    def __call__(self, *args: object, **kwargs: object) -> object:
        obj, idx, rec = self.obj, self.idx, self.rec
        if not kwargs and all(type(a) is str for a in args):  # the usual call, terms("topics"): as ref() gives
            step = ("c", self.name, args, ())
            real_args, real_kwargs = args, kwargs
        else:
            step = ("c", self.name, tuple(rec.ref(a) for a in args),
                    tuple((k, rec.ref(v)) for k, v in sorted(kwargs.items())))
            real_args = [_real(a) for a in args]
            real_kwargs = {k: _real(v) for k, v in kwargs.items()}
        try:
            value = getattr(obj, self.name)(*real_args, **real_kwargs)
        except Exception as exc:
            rec.node(idx, step, f"<raised {type(exc).__qualname__}>")
            raise
        return rec.wrap(value, idx, step)


# -- replay ------------------------------------------------------------------

def _resolve(arg: object, objs: list) -> object:
    if type(arg) is tuple and len(arg) == 2:
        if arg[0] == "@":
            value = objs[arg[1]]
            if value is _MISSING_OBJ or type(value) is _Raised:
                raise Opaque("argument is a missing value")
            return value
        if arg[0] == "=":
            return arg[1]
        if arg[0] == "?":
            raise Opaque("argument cannot be replayed")
    return arg


def apply_step(obj: object, step: tuple, objs: list) -> object:
    """What ``step`` gives on ``obj`` (raises like the template would)."""
    kind = step[0]
    if kind == "a":
        return getattr(obj, step[1])
    if kind == "i":
        return obj[_resolve(step[1], objs)]
    if kind == "c":
        args = [_resolve(a, objs) for a in step[2]]
        kwargs = {k: _resolve(v, objs) for k, v in step[3]}
        try:
            return getattr(obj, step[1])(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the recorded outcome was the same failure
            return _Raised(exc)
    if kind == "n":
        return len(obj)
    if kind == "b":
        return bool(obj)
    if kind == "s":
        return obj[slice(step[1], step[2], step[3])]
    if kind == "str":
        return str(obj)
    if kind == "in":
        return _resolve(step[1], objs) in obj
    if kind == "eq":
        return obj == _resolve(step[1], objs)
    if kind == "it":
        return tuple(obj)
    raise Opaque(f"unknown step {kind!r}")


class _Raised:
    __slots__ = ("text",)

    def __init__(self, exc: Exception):
        self.text = f"<raised {type(exc).__qualname__}>"


_MISSING_OBJ = object()


class Replayer:
    """Evaluates recorded programs on a new site. ``common`` holds the context
    names every page has; ``keyed`` the ids of objects handed over untraced.

    A node reached from a ``common`` name by steps that refer to no other node (the
    site's title, the list of taxonomies every page's navigation reads) has the same
    value on every page of a build: it is evaluated once per build, not once per page."""

    def __init__(self, common: dict[str, object], keyed: frozenset[int] = frozenset()):
        self.common = common
        self.keyed = keyed
        self.memo: dict = {}
        self._plans: dict[int, tuple[Program, list]] = {}   # id(program) -> (program, path of each node)
        self._shared: dict[tuple, tuple[object, str]] = {}  # path -> (value, recorded value)

    def _plan(self, program: Program, context: dict[str, object]) -> list:
        """For each node: its path from a common name, or None if it is the page's own."""
        found = self._plans.get(id(program))
        if found is not None and found[0] is program:
            return found[1]
        paths: list = []
        for parent, step in program:
            if parent < 0:
                paths.append((step,) if step in self.common else None)
            else:
                base = paths[parent]
                paths.append(None if base is None or _refers(step) else (base, step))
        if any(p is not None and p[0] in context for p in paths if p is not None and len(p) == 1):
            return [None] * len(program)  # a page that names a common value otherwise: never shared
        self._plans[id(program)] = (program, paths)
        return paths

    def values(self, program: Program, context: dict[str, object]) -> list[str]:
        """The value of every node of ``program`` on the new site (raises :class:`Opaque`)."""
        objs: list = []
        out: list[str] = []
        keyed, memo, common, shared = self.keyed, self.memo, self.common, self._shared
        plan = self._plan(program, context)
        for i, (parent, step) in enumerate(program):
            path = plan[i]
            if path is not None:
                hit = shared.get(path)
                if hit is not None:
                    objs.append(hit[0])
                    out.append(hit[1])
                    continue
            if parent < 0:
                if step in context:
                    value = context[step]
                elif step in common:
                    value = common[step]
                else:
                    raise Opaque(f"unknown name {step!r}")
            else:
                obj = objs[parent]
                if obj is _MISSING_OBJ or type(obj) is _Raised:
                    raise Opaque("path through a missing value")
                try:
                    kind = step[0]
                    if kind == "a":
                        value = getattr(obj, step[1])
                    elif kind == "i" and type(step[1]) is not tuple:
                        value = obj[step[1]]
                    else:
                        value = apply_step(obj, step, objs)
                    if type(value) in _VIEWS:
                        value = list(value)
                except (AttributeError, LookupError, TypeError):
                    value = _MISSING_OBJ
            objs.append(value)
            if value is _MISSING_OBJ:
                text = MISSING
            elif type(value) is _Raised:
                text = value.text
            else:
                text = describe_node(value, keyed, memo)
            out.append(text)
            if path is not None:
                shared[path] = (value, text)
        return out

    def digest(self, program: Program, context: dict[str, object]) -> bytes:
        return digest_values(self.values(program, context))


def _refers(step: tuple) -> bool:
    """Whether a step takes another node as an argument (its value then depends on the page)."""
    kind = step[0]
    if kind == "c":
        return any(_is_node(a) for a in step[2]) or any(_is_node(v) for _, v in step[3])
    if kind in ("i", "in", "eq"):
        return _is_node(step[1])
    return False


def _is_node(ref: object) -> bool:
    return type(ref) is tuple and len(ref) == 2 and ref[0] == "@"


def traced_root(value: object) -> tuple[object, int | None]:
    """(the real object, its node) of a traced value; (None, None) for anything else."""
    if isinstance(value, _Proxy):
        return object.__getattribute__(value, "_t_obj"), object.__getattribute__(value, "_t_idx")
    return None, None


def replay_into(rec: Recorder, sub: Recorder, roots: list[int | None]) -> None:
    """Add to ``rec`` what ``sub`` recorded: ``sub``'s roots are numbered (0, 1, ...) and stand
    for the nodes ``roots[0]``, ``roots[1]``... of ``rec`` (which hold the same objects). Used
    when a fragment rendered once is written again on another page (generator/fragments.py)."""
    mapped: list[int] = []
    for (parent, step), value in zip(sub.steps, sub.values):
        if parent < 0:
            mapped.append(roots[step])  # type: ignore[index]
        else:
            mapped.append(rec.node(mapped[parent], _remap(step, mapped), value))
    if sub.opaque:
        rec.opaque = True


def _remap(step: tuple, mapped: list[int]) -> tuple:
    """``step`` with the nodes it refers to renumbered by ``mapped``."""
    kind = step[0]
    if kind == "c":
        return ("c", step[1], tuple(_remap_ref(a, mapped) for a in step[2]),
                tuple((k, _remap_ref(v, mapped)) for k, v in step[3]))
    if kind in ("i", "in", "eq"):
        return (kind, _remap_ref(step[1], mapped))
    return step


def _remap_ref(ref: object, mapped: list[int]) -> object:
    return ("@", mapped[ref[1]]) if _is_node(ref) else ref  # type: ignore[index]


def traced_context(context: dict[str, object], rec: Recorder) -> dict[str, object]:
    """The template context with every value wrapped for recording."""
    return {name: rec.wrap(value, -1, name) for name, value in context.items()}
