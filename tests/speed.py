"""Start-up costs of the test process that are not the code under test.

Most integration tests build their own app (``create_app``) over their own copy of the database, so
building an app is the suite's largest fixed cost. Two things made it slow, neither of them ours:

- **The cyclic garbage collector.** By the time the first app exists the process holds a few
  hundred thousand long-lived objects (SQLAlchemy's, Whoosh's and Flask-Admin's modules), and
  every full collection walks them all again. ``gc.freeze()`` moves what exists after warm-up into
  the permanent generation, so collections only look at what the tests create. This halved
  ``create_app`` in a profile.
- **Werkzeug compiles two Python functions per URL rule** (``Rule._compile_builder``: an AST,
  ``compile()``, ``exec``) for each of the ~480 rules of every app, although the generated code
  depends only on the rule's text, its parsed trace, defaults, converters and ``append_unknown``
  (the function takes the rule itself as its first argument). The memo below keys on exactly those,
  so each distinct rule is compiled once per process. If a Werkzeug upgrade changes that method,
  ``memoize_url_builders`` leaves it alone (the suite is slower, never wrong), and
  ``tests/unit/test_test_speedups.py`` fails to say so.
- **Flask-Admin builds every model view's forms when the view is created** (``_refresh_forms_cache``:
  create, edit, delete and action forms, scaffolded from the model's columns), which was most of
  what was left of ``create_app``. The form classes depend only on the view class and its model,
  so ``memoize_admin_forms`` builds them once per process per view class and hands the same classes
  to every later app (``test_test_speedups.py`` checks they are field for field what a fresh build
  gives, and that the memo still fits this Flask-Admin).
"""
from __future__ import annotations

import gc
import inspect
import tempfile

from werkzeug.routing import rules as _rules

_SIGNATURE = "(self, append_unknown: 'bool' = True) -> 't.Callable[..., tuple[str, str]]'"


def memoize_url_builders() -> bool:
    original = _rules.Rule._compile_builder
    if getattr(original, "_memoized", False):
        return True
    if str(inspect.signature(original)) != _SIGNATURE:
        return False
    cache: dict = {}

    def compile_builder(self, append_unknown: bool = True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())),
               tuple((name, type(conv)) for name, conv in sorted(self._converters.items())),
               append_unknown)
        built = cache.get(key)
        if built is None:
            built = cache[key] = original(self, append_unknown)
        return built

    compile_builder._memoized = True
    compile_builder.__wrapped__ = original
    _rules.Rule._compile_builder = compile_builder
    return True


_ADMIN_FORM_ATTRIBUTES = ("_form_ajax_refs", "form_widget_args", "_create_form_class", "_edit_form_class",
                          "_delete_form_class", "_action_form_class", "_list_form_class", "column_editable_list")


def memoize_admin_forms() -> bool:
    from flask_admin.model import base

    original = base.BaseModelView._refresh_forms_cache
    if getattr(original, "_memoized", False):
        return True
    source = inspect.getsource(original)
    if not all(f"self.{name}" in source for name in _ADMIN_FORM_ATTRIBUTES):
        return False  # Flask-Admin changed what the method sets: build forms per app (slower, never wrong)
    cache: dict = {}

    def refresh_forms_cache(self) -> None:
        key = (type(self), self.model, self.endpoint)
        built = cache.get(key)
        if built is None:
            original(self)
            built = cache[key] = {name: getattr(self, name) for name in _ADMIN_FORM_ATTRIBUTES if hasattr(self, name)}
        else:
            for name, value in built.items():
                setattr(self, name, value)

    refresh_forms_cache._memoized = True
    refresh_forms_cache.__wrapped__ = original
    base.BaseModelView._refresh_forms_cache = refresh_forms_cache
    return True


def warm_up_and_freeze(make_app) -> None:
    """Build one throwaway app (loads the segmenter's words, the models, the admin, the templates'
    environment), then freeze everything alive into the permanent generation."""
    with tempfile.TemporaryDirectory(prefix="portal-warmup-") as folder:
        app = make_app(f"sqlite:///{folder}/warmup.db", f"{folder}/index")
        from portal.extensions import db

        with app.app_context():
            db.engine.dispose()
        del app
    from portal.search.analyzers import init_jieba

    init_jieba()
    gc.collect()
    gc.freeze()
