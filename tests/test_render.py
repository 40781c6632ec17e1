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


def test_a_rendered_page_leaves_nothing_for_the_collector_and_errors_keep_their_line(tmp_path):
    """pages._render_template renders as Jinja does, then empties the page's context: a macro
    the page defines would otherwise keep it, and the page's traced values, in a cycle."""
    import gc
    import traceback

    from generator.pages import _render_template
    from generator.render import make_environment
    from generator.trace import Recorder, traced_context
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        # a macro that calls a function of the page (as base.html's header calls url()) closes over its context
        "{% macro item(x) %}<li>{{ upper(x) }}</li>{% endmacro %}"
        "<ul>{% for x in xs %}{{ item(x) }}{% endfor %}</ul>\n"
        "{{ xs[1] }}", encoding="utf-8")
    (tmp_path / "templates" / "broken.html").write_text("line one\n{{ xs[7] }}\n", encoding="utf-8")
    env = make_environment(tmp_path)
    template = env.get_template("page.html")

    def leftovers(render) -> int:  # noqa: ANN001
        enabled = gc.isenabled()
        gc.collect()
        gc.disable()
        try:
            html = render(template, {**traced_context({"xs": ["a", "b"]}, Recorder()), "upper": str.upper})
            assert html == "<ul><li>A</li><li>B</li></ul>\nb"
            return gc.collect()
        finally:
            if enabled:
                gc.enable()

    assert leftovers(lambda t, values: t.render(values)) > 0  # what Jinja's own render leaves
    assert leftovers(_render_template) == 0
    with pytest.raises(Exception) as raised:
        _render_template(env.get_template("broken.html"), {"xs": []})
    frames = traceback.extract_tb(raised.value.__traceback__)
    assert any(f.filename.endswith("broken.html") and f.lineno == 2 for f in frames)


def test_a_traced_method_read_twice_leaves_no_cycle(tmp_path):
    """A proxy keeps the methods read through it; the method must not keep the proxy."""
    import dataclasses
    import gc

    from generator.pages import _render_template
    from generator.render import make_environment
    from generator.trace import Recorder, traced_context

    @dataclasses.dataclass
    class Item:
        name: str
        tags: list

        def shout(self, suffix: str) -> str:
            return self.name.upper() + suffix

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("{{ item.shout('!') }} {{ item.shout('?') }}", encoding="utf-8")
    template = make_environment(tmp_path).get_template("page.html")
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        assert _render_template(template, traced_context({"item": Item("a", ["t"])}, Recorder())) == "A! A?"
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
