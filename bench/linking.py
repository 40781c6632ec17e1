"""Benchmark of the link stage on synthetic archives made from the seed texts.

    python bench/linking.py [--sizes 1000 10000] [--keep DIR] [--no-build]

For each size, writes a deterministic synthetic archive (``generate_archive``), then prints
the time to load it, to link it (with the share of related briefings, stories, related
terms and the timeline), and the time of the whole build (load, link, render, write) into a
temporary output folder. Numbers only; nothing is asserted.

``generate_archive(n, dest, seed=0)`` is importable for other benchmarks: it writes
``dest/site.toml`` and ``dest/briefings/YYYY/*.md`` (``dest`` is a content folder).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import link as link_module  # noqa: E402
from generator import related, stories, timeline  # noqa: E402
from generator.build import Paths, build, load_briefings  # noqa: E402
from generator.config import load_config  # noqa: E402
from generator.diagnostics import Diagnostics  # noqa: E402

SEEDS = ROOT / "seeds"
TOPICS = ["Arms control", "Deterrence and defence", "Diplomacy", "NATO enlargement", "NATO–Russia relations",
          "Territorial integrity", "Nuclear weapons", "Hybrid threats", "Migration", "Sanctions", "Energy security",
          "Cyber defence", "Air policing", "Missile defence", "Maritime security", "Disinformation",
          "Military exercises", "Defence spending", "Humanitarian aid", "Peace talks", "Elections", "Grain exports",
          "Refugees", "War crimes", "Ceasefire", "Space policy", "Critical infrastructure", "Terrorism",
          "Climate and security", "Partnerships"]
FIRST = ["Anna", "Boris", "Clara", "Dmytro", "Elena", "Frank", "Greta", "Hugo", "Irina", "Jens", "Karl", "Lena",
         "Marek", "Nina", "Olaf", "Petra", "Quentin", "Rasa", "Sergei", "Tomas", "Ulla", "Viktor", "Wanda", "Yuri"]
LAST = ["Andersen", "Brandt", "Costa", "Dvorak", "Eriksen", "Fischer", "Gashi", "Horvat", "Ivanova", "Jansen",
        "Kowalski", "Lindqvist", "Meyer", "Novak", "Ortiz", "Petrov", "Quist", "Rossi", "Sorensen", "Tamm",
        "Ulrich", "Varga", "Weber", "Zielinski"]
OUTLETS = ["Example Wire", "Northern Herald", "Baltic Times Desk", "Continental Post", "Defence Daily",
           "Eastern Monitor", "Capital Gazette", "Harbour Chronicle", "Summit Report", "Field Dispatch"]
SYLLABLES = ["ka", "ro", "vi", "len", "dar", "mo", "sta", "pel", "qua", "tor", "nix", "bra", "zu", "fen", "gol"]


def _sentences() -> list[str]:
    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for s in re.split(r"(?<=[.!?»”\"])\s+", text):
            s = " ".join(s.split())
            if len(s.split()) >= 6 and not s.lower().startswith(("source:", "photo:", "home »")):
                out.append(s)
    return out


def _zipf(rng: random.Random, pool: list[str], k: int) -> list[str]:
    weights = [1 / (i + 1) for i in range(len(pool))]
    picked: list[str] = []
    for name in rng.choices(pool, weights=weights, k=k * 2):
        if name not in picked:
            picked.append(name)
        if len(picked) == k:
            break
    return picked


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()


def _vary(rng: random.Random, sentence: str, words: list[str]) -> str:
    out = sentence.split()
    for k in range(len(out) - 1, 0, -4):
        out.insert(k, rng.choice(words).lower())
    return " ".join(out)


def _yaml(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings and arrays are YAML flow scalars


def generate_archive(n: int, dest: Path, seed: int = 0) -> Path:
    """Write a synthetic content folder of ``n`` briefings into ``dest``; the same ``n`` and
    ``seed`` always give the same files. Returns ``dest``."""
    rng = random.Random(seed)
    sentences = _sentences()
    people = [f"{f} {last}" for f in FIRST for last in LAST]  # 576
    rng.shuffle(people)
    places = [_word(rng) for _ in range(300)]
    organizations = [f"{_word(rng)} {kind}" for kind in ("Council", "Agency", "Forum", "Command")
                     for _ in range(40)]
    codenames = [_word(rng) for _ in range(max(200, n // 5))]  # rare words shared by a few bodies
    dest = Path(dest)
    (dest / "briefings").mkdir(parents=True, exist_ok=True)
    (dest / "site.toml").write_text('title = "Synthetic Archive"\nbase_url = "https://bench.example.org/"\n'
                                    'timezone = "Europe/Brussels"\n', encoding="utf-8")
    start = dt.date(2012, 1, 1)
    span_days = 3652  # a decade, whatever the size
    previous: dict | None = None
    for i in range(n):
        if previous and rng.random() < 0.05:  # the same event told by another outlet, a few days later
            body = previous["sentences"][:]
            rng.shuffle(body)
            body = body[: max(6, len(body) - 2)]
            date = previous["date"] + dt.timedelta(days=rng.randint(0, 3))
            item = dict(previous, sentences=body, date=date,
                        source=rng.choice([o for o in OUTLETS if o != previous["source"]]))
        else:
            # seed sentences, each made this briefing's own by a few invented words, so that
            # two unrelated briefings share little wording (as real ones do)
            body = [_vary(rng, s, codenames) for s in rng.sample(sentences, rng.randint(22, 34))]
            code = codenames[min(int(rng.paretovariate(1.2)) - 1, len(codenames) - 1)
                             if rng.random() < 0.5 else rng.randrange(len(codenames))]
            body.insert(rng.randrange(len(body)), f"Officials referred to the {code} plan again.")
            item = {
                "sentences": body,
                "date": start + dt.timedelta(days=int(i * span_days / n)),
                "source": rng.choice(OUTLETS),
                "topics": _zipf(rng, TOPICS, rng.randint(1, 4)),
                "people": _zipf(rng, people, rng.randint(0, 3)),
                "organizations": _zipf(rng, organizations, rng.randint(0, 3)),
                "places": _zipf(rng, places, rng.randint(0, 3)),
                "code": code,
            }
        previous = item
        title = " ".join(item["sentences"][0].split()[:9]).rstrip(",.;:") + f" ({item['code']})"
        date = item["date"]
        lines = ["---", f"title: {_yaml(title)}", f"date: {date.isoformat()}", f"source: {_yaml(item['source'])}"]
        lines += [f"{key}: {_yaml(item[key])}" for key in ("topics", "people", "organizations", "places")]
        lines += [f"summary: {_yaml(item['sentences'][0])}", "---", ""]
        paragraphs = [" ".join(item["sentences"][k:k + 3]) for k in range(0, len(item["sentences"]), 3)]
        path = dest / "briefings" / f"{date.year:04d}" / f"{date.isoformat()}-b{i:05d}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(lines) + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return dest


def _timed(fn, *args):
    started = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - started


def bench(n: int, work: Path, whole_build: bool = True) -> dict[str, float]:
    content = generate_archive(n, work / f"content-{n}")
    diags = Diagnostics()
    config = load_config(content, diags)
    briefings, t_load = _timed(load_briefings, content, diags)
    site, t_link = _timed(link_module.link, config, briefings, diags)
    # the cross-linking parts alone, again on the linked site
    _, t_related = _timed(related.link_related, site.briefings, site.taxonomies, config.related)
    _, t_stories = _timed(stories.group_stories, site.briefings)
    _, t_terms = _timed(link_module.link_related_terms, site.taxonomies)
    _, t_timeline = _timed(timeline.build_timeline, site.briefings, site.taxonomies["topics"])
    row = {"load": t_load, "link": t_link, "related": t_related, "stories": t_stories,
           "related terms": t_terms, "timeline": t_timeline, "stories found": float(len(site.stories))}
    if whole_build:
        result, t_build = _timed(lambda: build(Paths(content=content, theme=ROOT / "themes" / "default",
                                                     output=work / f"output-{n}")))
        if not result.ok:
            raise SystemExit("\n".join(d.format() for d in result.diagnostics.errors[:5]))
        row["whole build"] = t_build
        row["files"] = float(len(result.files))
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--keep", type=Path, help="write the archives and sites here (default: a temporary folder)")
    parser.add_argument("--no-build", action="store_true", help="time loading and linking only")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="briefings-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"{'briefings':>10} {'load s':>8} {'link s':>8} {'related':>8} {'stories':>8} {'terms':>8} "
              f"{'timeline':>8} {'build s':>8} {'files':>7} {'stories':>8}")
        for n in args.sizes:
            r = bench(n, work, whole_build=not args.no_build)
            build_s = f"{r['whole build']:8.2f}" if "whole build" in r else f"{'-':>8}"
            files = f"{int(r['files']):7d}" if "files" in r else f"{'-':>7}"
            print(f"{n:>10} {r['load']:8.2f} {r['link']:8.2f} {r['related']:8.2f} {r['stories']:8.2f} "
                  f"{r['related terms']:8.2f} {r['timeline']:8.2f} {build_s} {files} {int(r['stories found']):8d}",
                  flush=True)
    print("link s: the whole link stage (permalinks, Markdown, taxonomies and the cross-links); "
          "related/stories/terms/timeline: its cross-linking parts alone.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
