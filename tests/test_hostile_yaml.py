"""Broken and hostile frontmatter beyond tests/test_content.py (which covers malformed
YAML, non-mapping frontmatter, python object tags, alias bombs, duplicate keys):
every case is refused quickly with ONE line naming the file and line, no traceback.
"""

from __future__ import annotations

import json
import time

import pytest

from conftest import briefing


def only_error(site, result) -> str:
    errors = [d.format() for d in result.diagnostics.errors]
    assert 1 <= len(errors) <= 2, errors  # at most a consequence: a title that cannot be read is also missing
    assert all("\n" not in e and len(e) < 400 for e in errors), errors
    return errors[0]


@pytest.mark.parametrize("frontmatter, expected", [
    # thousands of nested levels: PyYAML composes recursively
    ("title: T\ntopics: " + "[" * 20000 + "]" * 20000, "x.md:2: error: frontmatter is nested too deeply"),
    ("title: T\n" + "".join(" " * i + "a:\n" for i in range(3000)), "x.md:2: error: frontmatter is nested too deeply"),
    # values a web page cannot contain, made by YAML escapes
    ('title: "a\\0b"', "x.md:2: error: title contains a NUL byte"),
    ('title: T\nsource: "bell \\a"', "x.md:3: error: source contains the character U+0007"),
    ('title: "\\ud800 lone surrogate"', "x.md:2: error: title contains the character U+D800"),
    ('title: T\npeople: ["ok", "esc \\e"]', "x.md:3: error: people has a name that contains the character U+001B"),
    ('title: "\\uFFFE"', "x.md:2: error: title contains the character U+FFFE"),
    # numbers too long to print, as key or value: no ValueError escapes
    ("title: T\ndate: 0x" + "f" * 100_000, "x.md:3: error: date must be written YYYY-MM-DD, not a number too long"),
    ("? " + "9" * 5000 + "\n: x\ntitle: T", "x.md:2: error: frontmatter key '99999"),
    ("title: " + "9" * 5000, "x.md:2: error: title: invalid value '99999"),
    # other tags that build objects or non-text values
    ("title: !!binary aGVsbG8=", "x.md:2: error: title must be text, not bytes"),
    ("title: T\ntopics: !!set {a, b}", "x.md:3: error: topics must be a list, not set"),
    ("title: !!python/name:os.system", "x.md:2: error: invalid frontmatter YAML"),
    ("title: !!python/object/new:subprocess.Popen [[ls]]", "x.md:2: error: invalid frontmatter YAML"),
    ("title: !custom x", "x.md:2: error: invalid frontmatter YAML: could not determine a constructor"),
    ("? [a, b]\n: c\ntitle: T", "x.md:2: error: frontmatter key"),
    ("title: T\n<<: *base", "x.md:3: error: invalid frontmatter YAML: aliases (*name) are not allowed"),
    ("title: T\n\ttopics: [a]", "x.md:3: error: invalid frontmatter YAML: found character '\\t'"),
    ('title: "unterminated', "x.md:3: error: invalid frontmatter YAML"),
])
def test_hostile_frontmatter_is_one_clear_error(site, frontmatter, expected):
    site.add("2022/x.md", f"---\n{frontmatter}\n---\n\nBody.\n")
    started = time.perf_counter()
    result = site.build(write=False)
    elapsed = time.perf_counter() - started
    message = only_error(site, result)
    assert message.startswith("content/briefings/2022/"), message
    assert expected in message, message
    assert elapsed < 30  # bounded work; generous so a slow CI machine never flakes


def test_a_stray_control_character_in_the_file_names_its_line(site):
    site.add("2022/x.md", "---\ntitle: T\n---\n\nFine.\n\nA \x1b[31mcoloured\x1b[0m line.\n")
    message = only_error(site, site.build(write=False))
    assert message == ("content/briefings/2022/x.md:7: error: file contains the character U+001B, which a web page "
                       "cannot show (delete it (editors may show it as a box, ^ or \\x); it is a leftover of copying)")


def test_nul_bytes_name_their_line(site):
    site.add("2022/x.md", "---\ntitle: T\n---\n\nok\nbad\x00\n")
    assert only_error(site, site.build(write=False)) == \
        "content/briefings/2022/x.md:6: error: file contains NUL bytes; it is not a text file"


def test_bad_files_do_not_stop_the_others_and_output_is_untouched(sample):
    assert sample.build().ok
    from conftest import tree_digest
    before = tree_digest(sample.output)
    sample.add("2022/bomb.md", "---\ntitle: T\ntopics: " + "[" * 5000 + "]" * 5000 + "\n---\n")
    sample.add("2022/nul.md", briefing(json.dumps("a\u0000b")))
    result = sample.build()
    assert not result.ok and len(result.diagnostics.errors) == 2
    assert tree_digest(sample.output) == before
    assert len(result.site.briefings) == 4  # the good ones were all read


def test_printable_unicode_is_accepted(site):
    title = "Zeitenwende \u2014 \u201cквітень\u201d \u202eRTL\u202c, tab\tand emoji \U0001F30D"
    site.add("2022/x.md", briefing(json.dumps(title), summary=json.dumps("form\u000cfeed")))
    result = site.build(write=False)
    assert result.ok, [d.format() for d in result.diagnostics.errors]
    assert result.site.briefings[0].title == title
