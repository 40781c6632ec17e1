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
