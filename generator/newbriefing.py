"""``briefings new "Title"``: a new briefing file, dated today in the site's time zone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from generator.config import Config
from generator.content import default_slug, dump_briefing, slugify
from generator.model import TAXONOMIES

BODY = "Write the briefing here, in Markdown.\n"


def today(config: Config, now: dt.datetime | None = None) -> dt.date:
    """Today's date where the site is (``timezone`` in site.toml), not where the machine is."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.astimezone(config.tz).date()


def new_briefing(content_dir: Path, config: Config, title: str, now: dt.datetime | None = None) -> Path:
    """Create ``briefings/YYYY/YYYY-MM-DD-slug.md`` and return its path.

    The slug is unique among the briefings of the same month (their URLs would
    collide otherwise), so ``-2``, ``-3``... is added when needed."""
    title = " ".join(title.split())
    if not title:
        raise ValueError("the title is empty")
    day = today(config, now)
    folder = content_dir / "briefings" / f"{day.year:04d}"
    taken = {default_slug(p) for p in (content_dir / "briefings").rglob(f"{day.year:04d}-{day.month:02d}-*.md")}
    base = slugify(title)
    slug, n = base, 1
    while slug in taken or (folder / f"{day.isoformat()}-{slug}.md").exists():
        n += 1
        slug = f"{base[:75]}-{n}"
    meta: dict[str, object] = {"title": title, "date": day, "source": "",
                               **{key: [] for key in TAXONOMIES}, "summary": ""}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{day.isoformat()}-{slug}.md"
    f = open(path, "x", encoding="utf-8")  # noqa: SIM115 - never overwrite; removed if not written whole
    try:
        with f:
            f.write(dump_briefing(meta, BODY))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
