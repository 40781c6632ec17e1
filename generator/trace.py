"""What a page's template read: the dependencies of one rendered page, recorded.

The build cache reuses a rendered page only if everything the template read
is the same as last time. Rather than keep a dependency graph up to date by
hand (the source of the stale pages in Hugo, Jekyll and Eleventy), the
renderer hands the template *tracing proxies* instead of the real objects:
every attribute, item, length, method call, comparison or conversion the
template (or a Python helper it calls) performs is recorded as a *path* from a
context name (``("briefing", ("a", "related"), ("i", 0), ("a", "title"))``)
with the value it produced. Jinja is deterministic, so a template that
observes the same values takes the same branches and writes the same bytes;
if every recorded path evaluates to the same value on the new site, the old
output is still right.

Whatever cannot be replayed exactly (hashing an object, ordering objects, a
field that holds a function, an unknown kind of object) marks the page
*opaque*: it is always rendered, never cached. Leaves (text, numbers, dates)
are recorded by value; objects by their type, then by what is read from them.

Rule for theme helpers (Jinja globals and filters): compute only from the
arguments they are given, never from module state, so that what they read is
traced. The randomised test in ``tests/test_incremental.py`` compares every
incremental build with a clean one to catch any dependency that escapes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import types
from enum import Enum
from pathlib import PurePath
from zoneinfo import ZoneInfo

Path_ = tuple  # a path: (root name, step, step, ...)

LEAF_TYPES = (str, int, float, bool, type(None), bytes, dt.date, dt.time, dt.timedelta, PurePath, ZoneInfo, Enum)
_METHOD_TYPES = (types.MethodType, types.BuiltinMethodType, types.MethodWrapperType)
_VIEWS = (type({}.keys()), type({}.values()), type({}.items()))
MISSING = "<missing>"
#: Exact types checked first, for speed (subclasses take the general path).
_SIMPLE = frozenset({int, float, bool, type(None), dt.date})


class Opaque(Exception):
    """Raised while replaying a path that cannot be evaluated again."""


def is_leaf(value: object) -> bool:
    if isinstance(value, LEAF_TYPES):
        return True
    return type(value) is tuple and all(is_leaf(v) for v in value)


def normalize(value: object) -> object:
    """Dict views become lists, so that recording and replaying see the same thing."""
    return list(value) if isinstance(value, _VIEWS) else value


def describe(value: object) -> str:
    """The recorded form of a value: leaves by value, everything else by type."""
    t = type(value)
    if t is str:
        return f"str:{len(value)}:{value}"
    if t in _SIMPLE:
        return f"{t.__qualname__}:{value!r}"
    if is_leaf(value):
        return f"{type(value).__qualname__}:{value!r}"
    return f"<{type(value).__module__}.{type(value).__qualname__}>"


@functools.lru_cache(maxsize=None)
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else frozenset()


def own_digest(obj: object, memo: dict[int, str]) -> str:
    """One value standing for all the fields of a dataclass object: leaves by
    value, other fields by type (what is read through them is traced apart)."""
    key = id(obj)
    try:
        return memo[key][1]
    except KeyError:
        pass
    h = hashlib.blake2b(digest_size=16)
    h.update(type(obj).__qualname__.encode())
    for f in dataclasses.fields(obj):
        h.update(b"\x00" + f.name.encode() + b"\x00")
        h.update(describe(getattr(obj, f.name)).encode("utf-8", "surrogatepass"))
    digest = h.hexdigest()
    memo[key] = (obj, digest)  # the object is kept so that its id is not reused during the build
    return digest


class Recorder:
    """The paths one page read, in order, with the values they gave.

    ``keyed`` objects (the configuration) are part of the page's cache key as a
    whole, so they are handed over untraced. ``own`` memoises :func:`own_digest`
    for one build."""

    def __init__(self, global_roots: frozenset[str] = frozenset(), keyed: frozenset[int] = frozenset(),
                 own: dict | None = None):
        self.values: dict[Path_, str] = {}
        self.opaque = False
        self.global_roots = global_roots
        self.keyed = keyed
        self.own = own if own is not None else {}

    def record(self, path: Path_, value: object) -> None:
        if path not in self.values:
            self.values[path] = describe(value) if value is not MISSING else MISSING

    def wrap(self, value: object, path: Path_) -> object:
        t = type(value)
        if t is str or t in _SIMPLE:
            if path not in self.values:
                self.values[path] = describe(value)
            return value
        if id(value) in self.keyed:
            self.record(path, value)
            return value
        value = normalize(value)
        self.record(path, value)
        if is_leaf(value):
            return value
        if isinstance(value, (list, tuple)):
            return SeqProxy(value, path, self)
        if isinstance(value, dict):
            return MapProxy(value, path, self)
        if hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
            return ObjProxy(value, path, self)
        self.opaque = True  # functions, sets, iterators, foreign objects: not replayable
        return value

    def ref(self, value: object) -> object:
        """An argument as it is recorded: a leaf by value, a traced object by its path."""
        if isinstance(value, _Proxy):
            return ("@", object.__getattribute__(value, "_t_path"))
        if is_leaf(value):
            return value
        self.opaque = True
        return ("?", describe(value))

    def digest(self) -> bytes:
        return digest_values(self.values.items())

    def paths(self) -> tuple[Path_, ...]:
        return tuple(self.values)


def digest_values(items) -> bytes:  # noqa: ANN001 - iterable of (path, recorded value)
    h = hashlib.blake2b(digest_size=20)
    for path, value in items:
        h.update(repr(path).encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
        h.update(value.encode("utf-8", "surrogatepass"))
        h.update(b"\x01")
    return h.digest()


def _real(value: object) -> object:
    return object.__getattribute__(value, "_t_obj") if isinstance(value, _Proxy) else value


class _Proxy:
    __slots__ = ("_t_obj", "_t_path", "_t_rec")

    def __init__(self, obj: object, path: Path_, rec: Recorder):
        object.__setattr__(self, "_t_obj", obj)
        object.__setattr__(self, "_t_path", path)
        object.__setattr__(self, "_t_rec", rec)

    # -- helpers -------------------------------------------------------------
    def _t(self) -> tuple[object, Path_, Recorder]:
        return self._t_obj, self._t_path, self._t_rec

    def _t_step(self, step: tuple, compute) -> object:  # noqa: ANN001
        obj, path, rec = self._t()
        try:
            value = compute(obj)
        except (AttributeError, LookupError, TypeError):
            rec.record(path + (step,), MISSING)
            raise
        return rec.wrap(value, path + (step,))

    @property
    def __class__(self):  # noqa: ANN204 - isinstance(proxy, Briefing) stays true for helpers
        return type(object.__getattribute__(self, "_t_obj"))

    def __getattr__(self, name: str) -> object:
        obj, path, rec = self._t_obj, self._t_path, self._t_rec
        if name[:2] == "__" and name[-2:] == "__":
            if hasattr(obj, name):  # e.g. __html__: not replayable, so never cached
                rec.opaque = True
            return getattr(obj, name)
        try:
            value = getattr(obj, name)
        except AttributeError:
            rec.record(path + (("a", name),), MISSING)
            raise
        if name in _field_names(type(obj)):
            t = type(value)
            if t is str or t in _SIMPLE or is_leaf(value):  # covered by the object's own digest
                own = path + (_OWN,)
                if own not in rec.values:
                    rec.values[own] = describe(own_digest(obj, rec.own))
                return value
        if isinstance(value, _METHOD_TYPES):
            return _Method(self, name)
        if callable(value) and not isinstance(value, type):
            rec.opaque = True
            return value
        return rec.wrap(value, path + (("a", name),))

    def __setattr__(self, name: str, value: object) -> None:
        raise TypeError("templates may not change the site's data")

    def __getitem__(self, key: object) -> object:
        obj, path, rec = self._t()
        if isinstance(key, slice):
            step = ("s", key.start, key.stop, key.step)
            if not all(is_leaf(x) for x in step):
                rec.opaque = True
                return obj[key]
        else:
            step = ("i", rec.ref(key))
        return self._t_step(step, lambda o: o[_real(key)])

    def __len__(self) -> int:
        obj, path, rec = self._t()
        n = len(obj)
        rec.record(path + (("n",),), n)
        return n

    def __bool__(self) -> bool:
        obj, path, rec = self._t()
        b = bool(obj)
        rec.record(path + (("b",),), b)
        return b

    def __str__(self) -> str:
        obj, path, rec = self._t()
        s = str(obj)
        rec.record(path + (("str",),), s)
        return s

    def __contains__(self, item: object) -> bool:
        obj, path, rec = self._t()
        r = _real(item) in obj
        rec.record(path + (("in", rec.ref(item)),), r)
        return r

    def __eq__(self, other: object) -> bool:
        obj, path, rec = self._t()
        r = obj == _real(other)
        rec.record(path + (("eq", rec.ref(other)),), r)
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
        obj, path, rec = self._t()
        if isinstance(obj, dict):
            keys = tuple(obj)
            rec.record(path + (("it",),), keys)
            if not is_leaf(keys):
                rec.opaque = True
            return iter(keys)
        if isinstance(obj, (list, tuple)):
            n = len(obj)
            rec.record(path + (("n",),), n)
            return (rec.wrap(obj[i], path + (("i", i),)) for i in range(n))
        rec.opaque = True
        return iter(obj)

    def __reversed__(self):  # noqa: ANN204
        obj, path, rec = self._t()
        if not isinstance(obj, (list, tuple)):
            rec.opaque = True
            return reversed(obj)
        n = len(obj)
        rec.record(path + (("n",),), n)
        return (rec.wrap(obj[i], path + (("i", i),)) for i in range(n - 1, -1, -1))

    def __repr__(self) -> str:
        obj, _, _ = self._t()
        return f"<traced {obj!r}>"


class ObjProxy(_Proxy):
    __slots__ = ()


class SeqProxy(_Proxy):
    __slots__ = ()


class MapProxy(_Proxy):
    __slots__ = ()


class _Method:
    """A method of a traced object: its call is one recorded step."""

    __slots__ = ("owner", "name")

    def __init__(self, owner: _Proxy, name: str):
        self.owner, self.name = owner, name

    def __call__(self, *args: object, **kwargs: object) -> object:
        obj, path, rec = self.owner._t()
        step = ("c", self.name, tuple(rec.ref(a) for a in args),
                tuple((k, rec.ref(v)) for k, v in sorted(kwargs.items())))
        real_args = [_real(a) for a in args]
        real_kwargs = {k: _real(v) for k, v in kwargs.items()}
        try:
            value = getattr(obj, self.name)(*real_args, **real_kwargs)
        except Exception as exc:
            rec.record(path + (step,), f"<raised {type(exc).__qualname__}>")
            raise
        return rec.wrap(value, path + (step,))


# -- replay ------------------------------------------------------------------

def _resolve(arg: object, lookup) -> object:  # noqa: ANN001
    if type(arg) is tuple and len(arg) == 2 and arg[0] == "@":
        return lookup(arg[1])
    if type(arg) is tuple and len(arg) == 2 and arg[0] == "?":
        raise Opaque("argument cannot be replayed")
    return arg


def apply_step(obj: object, step: tuple, lookup) -> object:  # noqa: ANN001
    """What ``step`` gives on ``obj`` (raises like the template would)."""
    kind = step[0]
    if kind == "a":
        return getattr(obj, step[1])
    if kind == "i":
        return obj[_resolve(step[1], lookup)]
    if kind == "c":
        args = [_resolve(a, lookup) for a in step[2]]
        kwargs = {k: _resolve(v, lookup) for k, v in step[3]}
        try:
            return getattr(obj, step[1])(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the recorded outcome was the same failure
            return _Raised(exc)
    if kind == "s":
        return obj[slice(step[1], step[2], step[3])]
    if kind == "n":
        return len(obj)
    if kind == "b":
        return bool(obj)
    if kind == "str":
        return str(obj)
    if kind == "in":
        return _resolve(step[1], lookup) in obj
    if kind == "eq":
        return obj == _resolve(step[1], lookup)
    if kind == "it":
        return tuple(obj)
    if kind == "own":
        return own_digest(obj, lookup.own)
    raise Opaque(f"unknown step {kind!r}")


def _is_ref(arg: object) -> bool:
    return type(arg) is tuple and len(arg) == 2 and arg[0] == "@"


def _refers(step: tuple) -> bool:
    """Whether a step names another path (which may belong to one page only)."""
    if step[0] in ("i", "in", "eq"):
        return _is_ref(step[1])
    if step[0] == "c":
        return any(_is_ref(a) for a in step[2]) or any(_is_ref(v) for _, v in step[3])
    return False


class _Raised:
    def __init__(self, exc: Exception):
        self.text = f"<raised {type(exc).__qualname__}>"


class Replayer:
    """Evaluates recorded paths on a new context; shares work across pages
    for paths that start at a context name common to every page."""

    def __init__(self, common: dict[str, object]):
        self.common = common
        self.shared: dict[Path_, object] = {}
        self._is_shared: dict[Path_, bool] = {}
        self.own: dict = {}

    def shareable(self, path: Path_) -> bool:
        try:
            return self._is_shared[path]
        except KeyError:
            pass
        ok = path[0] in self.common and not any(_refers(step) for step in path[1:])
        self._is_shared[path] = ok
        return ok

    def values(self, paths: tuple[Path_, ...], context: dict[str, object]):  # noqa: ANN201
        local: dict[Path_, object] = {}

        def lookup(path: Path_) -> object:
            memo = self.shared if self.shareable(path) else local
            try:
                return memo[path]
            except KeyError:
                pass
            if len(path) == 1:
                if path[0] in context:
                    value = context[path[0]]
                elif path[0] in self.common:
                    value = self.common[path[0]]
                else:
                    raise Opaque(f"unknown name {path[0]!r}")
            else:
                parent = lookup(path[:-1])
                if parent is _MISSING_OBJ or isinstance(parent, _Raised):
                    raise Opaque("path through a missing value")
                try:
                    value = normalize(apply_step(parent, path[-1], lookup))
                except (AttributeError, LookupError, TypeError):
                    value = _MISSING_OBJ
            memo[path] = value
            return value

        lookup.own = self.own
        for path in paths:
            value = lookup(path)
            if value is _MISSING_OBJ:
                yield path, MISSING
            elif isinstance(value, _Raised):
                yield path, value.text
            else:
                yield path, describe(value)


_MISSING_OBJ = object()
_OWN = ("own",)


def traced_context(context: dict[str, object], rec: Recorder) -> dict[str, object]:
    """The template context with every value wrapped for recording."""
    return {name: rec.wrap(value, (name,)) for name, value in context.items()}
