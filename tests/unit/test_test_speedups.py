"""The suite's start-up shortcuts (tests/speed.py) must never change a link a user gets."""
from __future__ import annotations

from werkzeug.routing import Map
from werkzeug.routing import rules as _rules

from tests import speed


def test_url_builder_memo_applies_to_this_werkzeug():
    # False means a Werkzeug upgrade changed Rule._compile_builder: look at tests/speed.py again.
    assert speed.memoize_url_builders() is True
    assert getattr(_rules.Rule._compile_builder, "_memoized", False)


def test_every_link_is_built_the_same_with_and_without_the_memo(tmp_path):
    from portal import create_app
    from portal.config import TestConfig

    app = create_app(TestConfig(f"sqlite:///{tmp_path}/links.db", str(tmp_path / "index")))
    original = _rules.Rule._compile_builder.__wrapped__
    compared = 0
    for rule in app.url_map.iter_rules():
        fresh = next(Map([rule.empty()], converters=app.url_map.converters).iter_rules())
        values = {name: "1" for name in rule.arguments if name not in (rule.defaults or {})}
        for append_unknown, extra in ((False, {}), (True, {"q": "美沙酮 clinic", "page": "2"})):
            memoized = rule._compile_builder(append_unknown)(rule, **values, **extra)
            fresh_built = original(fresh, append_unknown)(fresh, **values, **extra)
            assert memoized == fresh_built, rule.rule
            compared += 1
    assert compared == 2 * len(list(app.url_map.iter_rules())) > 300  # both builders, every rule


def test_admin_form_memo_applies_to_this_flask_admin():
    # False means a Flask-Admin upgrade changed BaseModelView._refresh_forms_cache: see tests/speed.py.
    from flask_admin.model import base

    assert speed.memoize_admin_forms() is True
    assert getattr(base.BaseModelView._refresh_forms_cache, "_memoized", False)


def _fields(form_class) -> list[tuple[str, str, str]]:
    form = form_class(meta={"csrf": False})
    return [(field.name, type(field).__name__, str(field.label.text)) for field in form]


def test_every_admin_form_is_the_same_with_and_without_the_memo(tmp_path):
    from portal import create_app
    from portal.config import TestConfig

    speed.memoize_admin_forms()
    apps = [create_app(TestConfig(f"sqlite:///{tmp_path}/a{i}.db", str(tmp_path / f"index{i}"))) for i in range(2)]
    compared = 0
    with apps[1].test_request_context():
        for view in apps[1].extensions["admin"][0]._views:
            if not hasattr(view, "_create_form_class"):
                continue
            memo = {name: getattr(view, name) for name in ("_create_form_class", "_edit_form_class")}
            type(view)._refresh_forms_cache.__wrapped__(view)  # what this app would build without the memo
            for name, form_class in memo.items():
                assert _fields(form_class) == _fields(getattr(view, name)), (view.endpoint, name)
                compared += 1
    assert compared >= 20  # create and edit forms of every model view
