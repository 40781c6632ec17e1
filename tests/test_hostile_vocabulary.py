"""HTML in the editors' vocabulary reaches pages only as text."""

from __future__ import annotations

from bs4 import BeautifulSoup

from conftest import SITE_TOML, THEME
from generator.build import Paths, build
from generator.cli import main
from test_import_cli import FIXTURES

VOCABULARY = """\
topics:
  - name: "<script>window.__pwned=1</script>Arms control"
    aliases: [arms control]
people:
  - name: "Jens <img src=x onerror=alert(1)> Stoltenberg"
    aliases: [Stoltenberg]
organizations:
  - name: "NATO\\" onmouseover=\\"alert(1)"
    aliases: [NATO]
places:
  - name: "<a href='javascript:alert(1)'>Ukraine</a>"
    aliases: [Ukraine]
"""


def test_html_in_vocabulary_names_is_shown_as_text(tmp_path, capsys):
    content = tmp_path / "content"
    (content / "briefings").mkdir(parents=True)
    (content / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    (content / "vocabulary.yaml").write_text(VOCABULARY, encoding="utf-8")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "courtesy.txt").write_bytes((FIXTURES / "credits_related.txt").read_bytes())
    assert main(["import", str(seeds), "--content", str(content)]) == 0, capsys.readouterr()
    result = build(Paths(content=content, theme=THEME, output=tmp_path / "out"))
    assert result.ok, [d.format() for d in result.diagnostics.errors]
    pages = sorted((tmp_path / "out").rglob("*.html"))
    [briefing] = [p for p in pages if "/briefings/2" in p.as_posix() and p.name == "index.html"]
    text = BeautifulSoup(briefing.read_text(encoding="utf-8"), "html.parser").get_text()
    assert "<script>window.__pwned=1</script>Arms control" in text  # the name, visible as written
    assert "Jens <img src=x onerror=alert(1)> Stoltenberg" in text
    for page in pages:
        doc = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        scripts = [s for s in doc.find_all("script") if s.get("type") != "application/ld+json"]
        assert all(s.get("src") for s in scripts), page
        assert not doc.find("img", src="x"), page
        assert not any(a.startswith("on") for el in doc.find_all(True) for a in el.attrs), page
        assert not any(str(el.get("href", "")).lower().startswith("javascript:") for el in doc.find_all("a")), page
        for ld in doc.find_all("script", type="application/ld+json"):
            assert "</script" not in ld.string.lower() and "<img" not in ld.string
