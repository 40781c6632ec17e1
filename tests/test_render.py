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
