"""A content folder full of hostile input: script injection everywhere an editor
or a scraped page can put text. Shared by the XSS tests, the HTML validator and
the accessibility checks, so every checker also sees the worst input.

Every payload, if it ever ran, would call ``alert()`` or set ``window.__pwned``:
the browser test watches for both.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FixtureSite, briefing

PAYLOADS = [
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=\"window.__pwned=2\">",
    "<svg onload=alert(3)>",
    "\"><script>alert(4)</script>",
    "'><img src=x onerror=alert(5)>",
    "</title><script>alert(6)</script>",
    "</script><script>alert(7)</script>",
    "<iframe srcdoc=\"<script>parent.__pwned=8</script>\"></iframe>",
    "javascript:alert(9)",
    "{{ 7*7 }}{% raw %}",
]

BODY = """\
A paragraph with <script>window.__pwned=10</script> inline and <b onclick="alert(11)">bold</b> HTML.

<div onmouseover="alert(12)">A raw HTML block</div>

<script>
window.__pwned = 13;
</script>

<style>body { display: none }</style>

[a javascript link](javascript:alert(14)) and [an encoded one](jav&#x61;script:alert(15))
and [a spaced one]( javascript:alert(16)) and [a data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxNyk8L3NjcmlwdD4=)
and [a vbscript link](vbscript:msgbox(18)) and [a tabbed one](java\tscript:alert(19)).

![an image](javascript:alert(20)) ![a data image](data:image/svg+xml,<svg onload=alert(21)>)

<a href="javascript:alert(22)">raw anchor</a> <http://example.org/"onmouseover="alert(23)>

[ref link][evil]

[evil]: javascript:alert(24)

Footnote[^x] with `<script>alert(25)</script>` in code.

[^x]: <img src=x onerror=alert(26)>

```html
<script>alert(27)</script>
```

| <script>alert(28)</script> | cell |
|---|---|
| <img src=x onerror=alert(29)> | [x](javascript:alert(30)) |
"""


def y(value: object) -> str:
    """A YAML scalar or list holding ``value`` exactly (JSON is YAML)."""
    return json.dumps(value)


def make_hostile_site(root: Path) -> FixtureSite:
    site = FixtureSite(root)
    toml = site.content / "site.toml"
    toml.write_text(toml.read_text().replace('"A fixture archive."', y("Archive <script>alert(31)</script>")))
    for i, payload in enumerate(PAYLOADS):
        site.add(f"2022/2022-02-{i + 1:02d}-hostile-{i}.md", briefing(
            y(f"Title {payload}"), f"2022-02-{i + 1:02d}", BODY,
            source=y(f"Source {payload}"), summary=y(f"Summary {payload}"),
            topics=y([f"Topic {payload}", "Shared"]), people=y([f"Person {payload}"]),
            organizations=y([payload]), places=y([f"Place {payload}"]),
            review=y([f"Check {payload}"]), seed=y(f"seed-{i}.txt"), seed_hash=y(f"sha256:{payload}")))
    return site
