from pathlib import Path

import pytest

from generator.config import Config, load_config
from generator.diagnostics import BuildError, Diagnostics


def load(tmp_path: Path, text: str, **kw) -> Config:
    (tmp_path / "site.toml").write_text(text, encoding="utf-8")
    return load_config(tmp_path, Diagnostics(root=tmp_path), **kw)


def errors(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(BuildError) as info:
        load(tmp_path, text)
    return [d.format() for d in info.value.diagnostics.errors]


def test_valid_config_is_typed(tmp_path):
    c = load(tmp_path, 'title = "T"\nbase_url = "https://x.org/sub"\ntimezone = "Europe/Kyiv"\nhome_count = 5\n')
    assert c.title == "T"
    assert c.base_url == "https://x.org/sub/"
    assert c.base_path == "/sub/"
    assert c.absolute("/topics/nato/") == "https://x.org/sub/topics/nato/"
    assert c.tz.key == "Europe/Kyiv"
    assert c.home_count == 5


def test_defaults_apply_to_missing_keys(tmp_path):
    c = load(tmp_path, 'title = "Only a title"\n')
    assert c.language == "en" and c.timezone == "UTC"


def test_unknown_key_is_named_with_suggestion(tmp_path):
    [msg] = errors(tmp_path, 'titel = "T"\n')
    assert msg == "site.toml: error: unknown configuration key 'titel' (did you mean 'title'?)"


@pytest.mark.parametrize("line, key", [
    ('base_url = "example.org"', "base_url"),
    ('base_url = 5', "base_url"),
    ('timezone = "Mars/Olympus"', "timezone"),
    ('language = "English"', "language"),
    ('home_count = 0', "home_count"),
    ('home_count = true', "home_count"),
    ('title = 3', "title"),
    ('theme = "../x"', "theme"),
])
def test_each_bad_value_names_its_key(tmp_path, line, key):
    [msg] = errors(tmp_path, line + "\n")
    assert msg.startswith(f"site.toml: error: configuration key '{key}'")
    assert "\n" not in msg


def test_all_problems_reported_at_once(tmp_path):
    msgs = errors(tmp_path, 'base_url = "x"\ntimezone = "Nowhere/Land"\nfoo = 1\n')
    assert len(msgs) == 3


def test_toml_syntax_error_has_line(tmp_path):
    [msg] = errors(tmp_path, 'title = "ok"\nbase_url = https://x\n')
    assert msg.startswith("site.toml:2: error: invalid TOML")


def test_missing_config_file(tmp_path):
    with pytest.raises(BuildError) as info:
        load_config(tmp_path, Diagnostics(root=tmp_path))
    [d] = info.value.diagnostics.errors
    assert d.path == "site.toml" and "not found" in d.message


def test_cli_base_url_override_is_validated(tmp_path):
    assert load(tmp_path, 'title = "T"\n', base_url="https://y.org").base_url == "https://y.org/"
    with pytest.raises(BuildError):
        load(tmp_path, 'title = "T"\n', base_url="ftp://y.org/")
