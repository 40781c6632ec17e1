"""The site configuration: one typed, validated object from ``content/site.toml``.

TOML (not YAML) because it has no implicit typing traps, and ``tomllib`` is in
the standard library. Every problem is reported at once, each naming its key.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.diagnostics import BuildError, Diagnostics

CONFIG_NAME = "site.toml"
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class RelatedConfig:
    """Weights of the related-briefings score (``[related]`` in site.toml).

    See :mod:`generator.related` for the formula. A weight of 0 switches a signal off.
    """

    #: How many related briefings a briefing page shows (0 hides the section).
    count: int = 5
    #: Weight of one shared term, per taxonomy, multiplied by the term's rarity (IDF).
    topics: float = 1.0
    people: float = 1.0
    organizations: float = 1.0
    places: float = 0.5
    #: Weight of the text similarity of the bodies (a cosine from 0 to 1).
    text: float = 2.0
    #: Weight of nearness in time (1 on the same day, halving every ``half_life_days``).
    time: float = 0.5
    half_life_days: float = 30.0


_RELATED_LIMITS: dict[str, tuple[float, float]] = {
    "count": (0, 50), "topics": (0, 100), "people": (0, 100), "organizations": (0, 100), "places": (0, 100),
    "text": (0, 100), "time": (0, 100), "half_life_days": (1, 36500),
}
assert set(_RELATED_LIMITS) == {f.name for f in fields(RelatedConfig)}


def related_config(value: object, path: Path | str, diags: Diagnostics) -> RelatedConfig | None:
    """The ``[related]`` table, every bad key reported; None if it is not a table."""
    if not isinstance(value, dict):
        diags.error(path, "configuration key 'related' must be a table: [related] followed by key = value lines")
        return None
    values: dict[str, object] = {}
    for key, v in value.items():
        if key not in _RELATED_LIMITS:
            close = difflib.get_close_matches(key, _RELATED_LIMITS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(_RELATED_LIMITS)
            diags.error(path, f"unknown key {key!r} in [related]", hint=hint)
            continue
        low, high = _RELATED_LIMITS[key]
        if key == "count":
            ok = isinstance(v, int) and not isinstance(v, bool) and low <= v <= high
            kind = "a whole number"
        else:
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and low <= v <= high
            kind = "a number"
            v = float(v) if ok else v
        if not ok:
            diags.error(path, f"[related] {key} must be {kind} from {low:g} to {high:g}")
            continue
        values[key] = v
    return replace(RelatedConfig(), **values)


@dataclass(frozen=True)
class Config:
    title: str = "Briefing Archive"
    base_url: str = "http://localhost:8000/"
    language: str = "en"
    description: str = ""
    publisher: str = ""
    timezone: str = "UTC"
    #: How many of the latest briefings the home page lists.
    home_count: int = 20
    #: Name of the theme folder under ``themes/``.
    theme: str = "default"
    #: What the site feed (/feed.xml) carries: "full" bodies or only each briefing's "summary".
    feed_content: str = "full"
    #: Weights of the related-briefings score (the ``[related]`` table).
    related: RelatedConfig = field(default_factory=RelatedConfig)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The path part of the base URL, always ending in ``/``."""
        return urlsplit(self.base_url).path or "/"

    def absolute(self, url: str) -> str:
        """An absolute URL for a site path such as ``/briefings/2022/01/x/``."""
        return self.base_url.rstrip("/") + "/" + url.lstrip("/")


def _check_str(value: object) -> str | None:
    return None if isinstance(value, str) else "must be a string (in quotes)"


def _check_base_url(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be a string such as \"https://example.org/\""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "must be an absolute http(s) URL such as \"https://example.org/archive/\""
    if parts.query or parts.fragment:
        return "must not contain a query or fragment"
    return None


def _check_language(value: object) -> str | None:
    if not isinstance(value, str) or not _LANG.match(value):
        return "must be a language tag such as \"en\" or \"en-GB\""
    return None


def _check_timezone(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be an IANA time zone name such as \"Europe/Brussels\""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {value!r}; use an IANA name such as \"Europe/Brussels\""
    return None


def _check_home_count(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        return "must be a whole number from 1 to 1000"
    return None


def _check_feed_content(value: object) -> str | None:
    if value not in ("full", "summary"):
        return "must be \"full\" (whole briefings in the feed) or \"summary\" (summaries only)"
    return None


def _check_theme(value: object) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", value):
        return "must be the name of a folder under themes/ (letters, digits, - and _)"
    return None


_CHECKS = {
    "title": _check_str,
    "base_url": _check_base_url,
    "language": _check_language,
    "description": _check_str,
    "publisher": _check_str,
    "timezone": _check_timezone,
    "home_count": _check_home_count,
    "theme": _check_theme,
    "feed_content": _check_feed_content,
    "related": lambda value: None,  # a table, validated field by field in validate()
}
assert set(_CHECKS) == {f.name for f in fields(Config)}


def validate(data: dict, path: Path | str, diags: Diagnostics) -> Config:
    """Turn a parsed table into a :class:`Config`, reporting every bad key."""
    values: dict[str, object] = {}
    for key, value in data.items():
        check = _CHECKS.get(key)
        if check is None:
            close = difflib.get_close_matches(key, _CHECKS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(_CHECKS)
            diags.error(path, f"unknown configuration key {key!r}", hint=hint)
            continue
        if key == "related":
            related = related_config(value, path, diags)
            if related is not None:
                values[key] = related
            continue
        problem = check(value)
        if problem:
            diags.error(path, f"configuration key {key!r} {problem}")
            continue
        values[key] = value
    config = replace(Config(), **values)
    if not config.base_url.endswith("/"):
        config = replace(config, base_url=config.base_url + "/")
    return config


def load_config(content_dir: Path, diags: Diagnostics, base_url: str | None = None) -> Config:
    """Read ``content/site.toml``; raise :class:`BuildError` if it is wrong."""
    path = content_dir / CONFIG_NAME
    local = Diagnostics(root=diags.root)
    data: dict = {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        local.error(path, "site configuration not found", hint=f"create {CONFIG_NAME} in the content folder")
    except (OSError, UnicodeDecodeError) as exc:
        local.error(path, f"cannot read the site configuration: {exc}")
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        local.error(path, f"invalid TOML: {exc}", line=int(line.group(1)) if line else None)
    if base_url is not None:
        data["base_url"] = base_url
    config = validate(data, path, local)
    diags.extend(local)
    if local.errors:
        raise BuildError(local)
    return config
