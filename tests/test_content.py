"""The frontmatter contract: strict types, line numbers, hints, safe YAML."""

import datetime as dt

import pytest

from generator.content import dump_briefing, read_briefing
from generator.diagnostics import Diagnostics


def read(site, text, name="2022/x.md"):
    path = site.add(name, text)
    diags = Diagnostics(root=site.root)
    return read_briefing(path, site.content, diags), [d.format() for d in diags.sorted()]


def test_reads_all_fields(site):
    b, msgs = read(site, "---\ntitle: T\ndate: 2022-01-07\nsource: Wire\ntopics: [A, B]\npeople:\n- P\n"
                         "organizations: []\nplaces: [X]\nsummary: S\nseed: 000.txt\nseed_hash: sha256:ab\n"
                         "review: [check date]\n---\n\nBody *here*.\n")
    assert msgs == []
    assert (b.title, b.date, b.source, b.topics, b.people, b.places) == \
        ("T", dt.date(2022, 1, 7), "Wire", ("A", "B"), ("P",), ("X",))
    assert b.provenance.seed == "000.txt" and b.provenance.seed_hash == "sha256:ab"
    assert b.review == ("check date",) and b.slug == "x" and b.body.strip() == "Body *here*."


@pytest.mark.parametrize("yaml_line, expected", [
    ("title: no", "no"),  # YAML 1.1 would make this False
    ("title: 10:00", "10:00"),  # YAML 1.1 would make this 600
    ("title: on", "on"),
    ("title: '2022'", "2022"),
])
def test_yaml_11_traps_keep_the_text_as_written(site, yaml_line, expected):
    b, msgs = read(site, f"---\n{yaml_line}\n---\nx\n")
    assert msgs == [] and b.title == expected


@pytest.mark.parametrize("yaml_line, message", [
    ("title: 2022", "x.md:2: error: title must be text, not the number 2022 (put the value in quotes"),
    ("title: true", "x.md:2: error: title must be text, not the boolean true"),
    ("title: 2022-01-07", "x.md:2: error: title must be text, not the date 2022-01-07"),
    ("title: [a]", "x.md:2: error: title must be text, not a list"),
])
def test_wrong_type_is_an_error_with_a_hint(site, yaml_line, message):
    b, msgs = read(site, f"---\n{yaml_line}\n---\nx\n")
    assert b is None
    assert msgs[0].startswith("content/briefings/2022/" + message)


@pytest.mark.parametrize("value, part", [
    ("2022-02-30", "date: invalid value '2022-02-30'"),
    ("30 November", "date must be written YYYY-MM-DD"),
    ("20220107", "date must be written YYYY-MM-DD"),
    ("2022-01-07 10:00:00", "date must be a day (YYYY-MM-DD), not a date and time"),
    ("2022-01-07 10:00", "date must be written YYYY-MM-DD, not '2022-01-07 10:00'"),
    ("'2022-13-01'", "is not a valid day"),
])
def test_bad_dates_name_file_and_line(site, value, part):
    b, msgs = read(site, f"---\ntitle: T\ndate: {value}\n---\nx\n")
    assert b is None
    assert msgs[0].startswith("content/briefings/2022/x.md:3: error:") and part in msgs[0]


def test_quoted_iso_date_is_accepted(site):
    b, _ = read(site, "---\ntitle: T\ndate: '2022-01-07'\n---\nx\n")
    assert b.date == dt.date(2022, 1, 7)


def test_list_fields_must_be_lists_of_names(site):
    _, msgs = read(site, "---\ntitle: T\ntopics: Ukraine\n---\nx\n")
    assert msgs == ["content/briefings/2022/x.md:3: error: topics must be a list, not str "
                    "(write topics: [\"First\", \"Second\"] or one '- item' per line)"]
    _, msgs = read(site, "---\ntitle: T\npeople: [Stoltenberg, 1949]\n---\nx\n")
    assert "people must list names, but has the number 1949" in msgs[0]


def test_missing_title(site):
    b, msgs = read(site, "---\ndate: 2022-01-07\n---\nx\n")
    assert b is None and msgs == ["content/briefings/2022/x.md:2: error: missing title "
                                  "(add a line 'title: ...' to the frontmatter)"]


def test_malformed_yaml_has_line(site):
    b, msgs = read(site, "---\ntitle: T\ntopics: [a, b\nsummary: s\n---\nx\n")
    assert b is None and msgs[0].startswith("content/briefings/2022/x.md:4: error: invalid frontmatter YAML")


def test_non_mapping_frontmatter(site):
    b, msgs = read(site, "---\n- a\n- b\n---\nx\n")
    assert b is None and "frontmatter must be a mapping" in msgs[0] and ":2:" in msgs[0]


def test_missing_frontmatter(site):
    b, msgs = read(site, "# Just markdown\n")
    assert b is None and msgs[0] == ("content/briefings/2022/x.md:1: error: no frontmatter found (a briefing "
                                     "starts with a '---' line, then 'title: ...', then a closing '---' line)")


def test_alias_bomb_is_refused_without_expanding(site):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi"))
    b, msgs = read(site, "---\ntitle: T\n" + bomb + "---\nx\n")
    assert b is None and "aliases (*name) are not allowed" in msgs[0]


def test_object_tags_are_refused(site):
    b, msgs = read(site, "---\ntitle: !!python/object/apply:os.system ['echo hi']\n---\nx\n")
    assert b is None and "invalid frontmatter YAML" in msgs[0] and ":2:" in msgs[0]


def test_duplicate_key(site):
    b, msgs = read(site, "---\ntitle: T\ntitle: U\n---\nx\n")
    assert b is None and msgs[0] == ("content/briefings/2022/x.md:3: error: duplicate frontmatter key 'title' "
                                     "(it is first set on line 2)")


def test_unknown_key_warns_with_suggestion(site):
    b, msgs = read(site, "---\ntitle: T\ntopcis: [a]\n---\nx\n")
    assert b is not None
    assert msgs == ["content/briefings/2022/x.md:3: warning: unknown frontmatter key 'topcis' is ignored "
                    "(did you mean 'topics'?)"]


@pytest.mark.parametrize("slug", ["../../etc", "/etc/passwd", "a/b", "UPPER", "a--b", "x\\y"])
def test_slug_cannot_escape(site, slug):
    b, msgs = read(site, f"---\ntitle: T\nslug: '{slug}'\n---\nx\n")
    assert b is None and "slug" in msgs[0] and ":3:" in msgs[0]


def test_not_utf8(site):
    path = site.content / "briefings" / "bad.md"
    path.write_bytes(b"---\ntitle: caf\xe9\n---\n")
    diags = Diagnostics(root=site.root)
    assert read_briefing(path, site.content, diags) is None
    assert diags.items[0].format() == ("content/briefings/bad.md:2: error: file is not valid UTF-8 "
                                       "(save it with UTF-8 encoding)")


def test_bom_and_crlf_are_accepted(site):
    path = site.content / "briefings" / "bom.md"
    path.write_bytes("\ufeff---\r\ntitle: Café\r\n---\r\nBody\r\n".encode())
    b = read_briefing(path, site.content, Diagnostics())
    assert b.title == "Café" and b.body == "Body\n"


def test_unreadable_file(site):
    path = site.content / "briefings" / "dir.md"
    path.mkdir()
    diags = Diagnostics(root=site.root)
    assert read_briefing(path, site.content, diags) is None
    assert diags.items[0].format().startswith("content/briefings/dir.md: error: cannot read file")


def test_default_slug_drops_date_prefix_and_transliterates(site):
    b, _ = read(site, "---\ntitle: T\n---\nx\n", name="2022/2022-01-07-Зустріч у Києві.md")
    assert b.slug == "zustrich-u-kiievi"


def test_dump_round_trips_tricky_values(site):
    meta = {"title": "no", "date": dt.date(2022, 1, 7), "source": "10:00", "topics": ["yes", "Arms control"],
            "summary": "Quote: \"x\" # not a comment", "review": []}
    text = dump_briefing(meta, "Body")
    assert text.startswith("---\ntitle: 'no'\ndate: 2022-01-07\n")
    b, msgs = read(site, text)
    assert msgs == []
    assert (b.title, b.source, b.topics, b.summary) == ("no", "10:00", ("yes", "Arms control"), meta["summary"])


# -- the shortcuts of read_briefing give what the plain ways give ------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from generator import content, markup  # noqa: E402


def _split_by_splitlines(text):
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1:]), i + 2
    return None


_SPLIT_PARTS = st.sampled_from(["---", "...", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1e", "\x85",
                                "\u2028", "\u2029", " ", "\t", "\xa0", "\u3000", "a", "-", ".", "title: x"])


@settings(max_examples=2000, deadline=None)
@given(st.booleans(), st.lists(_SPLIT_PARTS, max_size=16).map("".join))
def test_split_frontmatter_is_splitlines(opened, text):
    text = "---\n" + text if opened else text
    assert content.split_frontmatter(text) == _split_by_splitlines(text)


_BODY_PARTS = st.sampled_from(["[", "]", "](", "(", ")", "\\", "\\[", "x", "word ", "\n", "\n\n", "\n \n",
                               " " * 9, " " * 40, "\t" * 3, "\t" * 33, "> " * 5, ">" * 33, "- "])


@settings(max_examples=1000, deadline=None)
@given(st.lists(_BODY_PARTS, max_size=60).map("".join), st.integers(0, 3))
def test_complexity_shortcut_agrees_with_markup(body, scale):
    body = body * (10 ** scale)  # long enough for the bracket budget to matter
    assert content._check_complexity(body) == markup.check_complexity(body)


@pytest.mark.parametrize("body", [
    "[" * 20000 + "x" + "](y)" * 20000 + "\n", "[a](" * 20000 + "\n", "> " * 5000 + "deep\n",
    " " * 200 + "indented\n", "x\n" + "\t" * 40 + "tabbed\n", " ".join("[" + "w" * 498 for _ in range(100)),
    " ".join("[" + "w" * 48 for _ in range(1000)), "plain text\n\nand more\n",
])
def test_complexity_shortcut_agrees_on_hostile_bodies(body):
    assert content._check_complexity(body) == markup.check_complexity(body)


def test_read_briefing_from_bytes_already_read(site):
    path = site.add("2022/x.md", "---\ntitle: On disk\n---\nx\n")
    b = read_briefing(path, site.content, Diagnostics(), raw=b"---\ntitle: Given\n---\ny\n")
    assert b.title == "Given" and b.body == "y\n" and b.file == path


_CHARS = st.sampled_from([chr(c) for c in [*range(0, 0x100), 0x2028, 0xD7FF, 0xE000, 0xFDCF, 0xFDD0, 0xFDEF, 0xFDF0,
                                           0xFEFF, 0xFFFD, 0xFFFE, 0xFFFF, 0x1FFFE, 0x1FFFF, 0x2FFFE, 0x10FFFD,
                                           0x10FFFE, 0x10FFFF, 0x1F30D, 0x2019]])


@settings(max_examples=2000, deadline=None)
@given(st.lists(_CHARS, max_size=8).map("".join), st.booleans())
def test_the_unshowable_prefilter_agrees_with_the_expression(text, bom):
    raw = ("\ufeff" if bom else "").encode() + text.encode()
    assert content._may_be_unshowable(raw) == (content.UNSHOWABLE.search(raw.decode("utf-8-sig")) is not None)
