import datetime as dt

import pytest

from generator.render import long_date, relative_url


@pytest.mark.parametrize("target, page, expected", [
    ("/topics/nato/", "/briefings/2022/01/x/", "../../../../topics/nato/"),
    ("/", "/topics/nato/", "../../"),
    ("/static/style.css", "/", "static/style.css"),
    ("/", "/", "./"),
    ("/topics/", "/topics/", "./"),
    ("/topics/nato/", "/topics/", "nato/"),
])
def test_relative_url(target, page, expected):
    assert relative_url(target, page) == expected


def test_pages_without_a_fixed_address_link_from_the_base_path():
    assert relative_url("/topics/", None, "/archive/") == "/archive/topics/"
    assert relative_url("/topics/", None, "/") == "/topics/"


def test_long_date_is_locale_independent():
    assert long_date(dt.date(2022, 1, 7)) == "7 January 2022"
    assert long_date(None) == "Undated"


def test_a_page_s_url_helper_gives_what_relative_url_gives():
    """render.PageLinks is relative_url made fast; anything unusual falls back to it."""
    import random

    from generator.render import PageLinks
    rng = random.Random(7)
    segments = ["a", "b", "topics", "nato", "x.css", "#k", "..", ".", "", "é", "a b", "feed.xml"]

    def path() -> str:
        p = "/" + "/".join(rng.choice(segments) for _ in range(rng.randint(0, 4)))
        return p + "/" if rng.random() < 0.5 and not p.endswith("/") else p

    for _ in range(20000):
        page = path() if rng.random() < 0.95 else None
        target = path() if rng.random() < 0.97 else path().lstrip("/") or "x"
        assert PageLinks(page, "/base/")(target) == relative_url(target, page, "/base/"), (page, target)


def test_the_page_context_calls_like_jinja(tmp_path):
    """render.PageContext calls some callables directly: same results, same errors as Jinja's."""
    import jinja2

    from generator.render import PageLinks, make_environment
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.html").write_text(
        "{% for x in xs %}{{ url(x) }} {{ x.startswith('/a') }} {{ d.isoformat() }}|{% endfor %}"
        "{% block b %}{{ url('/a/b/') }}{{ (1).__add__(2) }}{% endblock %}", encoding="utf-8")
    (tmp_path / "templates" / "stop.html").write_text("{{ it.__next__() }}", encoding="utf-8")
    ours = make_environment(tmp_path)
    plain = make_environment(tmp_path)
    plain.context_class = jinja2.runtime.Context
    values = {"xs": ["/a/", "/b/c/"], "d": dt.date(2022, 1, 7), "url": PageLinks("/a/x/", "/")}
    assert ours.get_template("t.html").render(values) == plain.get_template("t.html").render(values) == (
        "../ True 2022-01-07|../../b/c/ False 2022-01-07|../b/3")
    for env in (ours, plain):
        with pytest.raises(jinja2.UndefinedError, match="StopIteration"):
            env.get_template("stop.html").render(it=iter([]))
