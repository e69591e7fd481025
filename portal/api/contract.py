"""The API's contract in one place: the schema components built from the live vocabularies (served in
/api/v1/openapi.json) and the check every JSON body passes before an operation runs. A body that
is not JSON, nested too deeply, or breaks its schema (wrong type, unknown field, unknown code,
out of range) gives per-field messages; the route turns them into its 400. So the document is
what the code enforces, and the operations never see a value of the wrong type."""
from __future__ import annotations

import json
import math
import re
import threading
from itertools import accumulate

from flask import request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jsonschema import Draft202012Validator, FormatChecker

from ..extensions import db

MAX_DEPTH = 20  # our bodies nest three levels; anything deeper is an attack or a mistake
MAX_BODY = 256 * 1024
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_FORMATS = FormatChecker(formats=("date",))
_cache: dict = {}
_lock = threading.Lock()


class BadBody(ValueError):
    """The body as a whole is unusable (not JSON, too deep, too large)."""


def _bilingual(text) -> tuple[str, str]:
    with force_locale("zh_CN"):
        zh = str(text)
    with force_locale("en"):
        en = str(text)
    return zh, en


def _referral_words(name: str) -> list[tuple[str, str, str]]:
    from ..referrals import labels
    from .referral_schema import CODE_LISTS

    if name == "consent_scope":  # the words of the new-referral form
        return [("referral", *_bilingual(_l("This referral only"))),
                ("organization", *_bilingual(_l("All referrals to this organisation")))]
    codes, table_name = CODE_LISTS[name]
    table = getattr(labels, table_name) if table_name else {**labels.NOT_CONNECTED_REASON, **labels.DECLINE_REASON}
    return [(c, *_bilingual(table.get(c, c))) for c in codes]


def _build(catalog) -> dict:
    from flask_babel import gettext

    from .match_schema import match_schemas
    from .referral_schema import referral_schemas

    terms = {vocab: [(t.code, t.name_zh or t.name_en, t.name_en or t.name_zh) for t in items]
             for vocab, items in catalog.terms.items()}
    areas = sorted((a.code, a.name_zh or a.name_en, a.name_en or a.name_zh) for a in catalog.directory.areas.values()
                   if a.code in catalog.vocabulary.area_ids)

    def zh(text: str) -> str:
        with force_locale("zh_CN"):
            return gettext(text)

    return {**match_schemas(terms, areas, zh), **referral_schemas(_referral_words, lambda v: terms.get(v, []))}


def components() -> dict:
    """The schema components, rebuilt only when the matching catalogue (vocabularies, areas) changes."""
    from ..matching.catalog import get_catalog

    catalog = get_catalog(db.session)
    with _lock:
        if _cache.get("catalog") is not catalog:
            built = _build(catalog)
            _cache.clear()
            _cache.update(catalog=catalog, schemas=built, validators={})
        return _cache["schemas"]


def _validator(name: str) -> Draft202012Validator:
    from .openapi import PAGE_SCHEMA

    schemas = components()
    with _lock:
        found = _cache["validators"].get(name)
        if found is None:
            root = {"$ref": f"#/components/schemas/{name}",
                    "components": {"schemas": {**schemas, "Page": PAGE_SCHEMA}}}
            found = _cache["validators"][name] = Draft202012Validator(root, format_checker=_FORMATS)
        return found


def _too_deep(raw: bytes) -> bool:
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False
    skeleton = _STRING.sub(b"", raw)
    steps = (1 if c in b"[{" else -1 for c in skeleton if c in b"[]{}")
    return max(accumulate(steps), default=0) > MAX_DEPTH


def _number(text: str) -> float | int:
    """JSON numbers with a fraction or exponent: finite only, and whole ones as int. JSON Schema
    counts 252.0 as an integer, so the code behind an "integer" field must get 252, not 252.0."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def read_json() -> object:
    """The request's JSON body; ``BadBody`` when it cannot be one of ours."""
    if not request.is_json:
        raise BadBody(_("Send a JSON object."))
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise BadBody(_("The request body is too large."))
    if _too_deep(raw):
        raise BadBody(_("The JSON is nested too deeply."))
    try:
        return json.loads(raw, parse_float=_number, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise BadBody(_("Send a JSON object.")) from None


def _path(parts) -> str:
    return ".".join(str(p) for p in parts)[:120]


def _message(error) -> str:
    rule, limit = error.validator, error.validator_value
    if rule == "type":
        expected = " / ".join(limit) if isinstance(limit, list) else limit
        return _("Wrong type: give %(expected)s.", expected=expected)
    if rule == "enum":
        return _("Unknown code: %(value)s.", value=str(error.instance)[:60])
    if rule in ("minimum", "exclusiveMinimum"):
        return _("Must be more than %(n)s.", n=limit) if rule == "exclusiveMinimum" else \
            _("Must be at least %(n)s.", n=limit)
    if rule == "maximum":
        return _("Must be at most %(n)s.", n=limit)
    if rule == "maxLength":
        return _("At most %(n)s characters.", n=limit)
    if rule == "minLength":
        return _("Must not be empty.")
    if rule in ("maxItems", "minItems"):
        return _("At most %(n)s items.", n=limit) if rule == "maxItems" else _("At least %(n)s items.", n=limit)
    if rule == "format":
        return _("Give a date as YYYY-MM-DD.")
    if rule == "uniqueItems":
        return _("Give each item once.")
    return _("Not a valid value.")


VALUE_RULES = frozenset({"enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                         "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "format"})


def _add(errors: dict, field: str, message: str, rules: dict | None = None, rule: str = "type") -> None:
    field = field or "body"
    messages = errors.setdefault(field, [])
    if message not in messages:
        messages.append(message)
    if rules is not None:
        rules.setdefault(field, set()).add(rule)


def validate(name: str, body) -> dict[str, list[str]]:
    """Per-field messages (dotted paths; an unknown field is named as its own key); empty when valid."""
    return checked(name, body)[0]


def checked(name: str, body) -> tuple[dict[str, list[str]], set[str]]:
    """``validate``, plus the top-level fields whose only faults are their values (a code not in the
    list, a number out of range): their types are right, so a domain parser may read them to give
    its own, more precise message."""
    errors: dict[str, list[str]] = {}
    rules: dict[str, set[str]] = {}
    for error in _validator(name).iter_errors(body):
        _report(error, errors, rules)
        if len(errors) >= 20:
            break
    for where in _nul_paths(body, []):
        _add(errors, _path(where), _("NUL characters are not allowed."), rules)
    top: dict[str, set[str]] = {}
    for field, kinds in rules.items():
        top.setdefault(field.split(".")[0], set()).update(kinds)
    return errors, {field for field, kinds in top.items() if kinds <= VALUE_RULES}


def _report(error, errors: dict, rules: dict) -> None:
    if error.validator in ("anyOf", "oneOf") and error.context:
        # "an object or null": say what is wrong inside the branch of the value's own type
        inside = [e for e in error.context if e.relative_path or e.validator != "type"]
        for sub in inside:
            _report(sub, errors, rules)
        if not inside:
            expected = [t for e in error.context for t in ([e.validator_value] if isinstance(e.validator_value, str)
                                                            else e.validator_value)]
            _add(errors, _path(error.absolute_path),
                 _("Wrong type: give %(expected)s.", expected=" / ".join(dict.fromkeys(expected))), rules)
        return
    where = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        for key in sorted(str(k) for k in error.instance if k not in known)[:20]:
            _add(errors, _path([*where, key[:80]]), _("Unknown field: %(name)s.", name=key[:80]), rules, "unknown")
    elif error.validator == "required" and isinstance(error.instance, dict):
        for key in error.validator_value:
            if key not in error.instance:
                _add(errors, _path([*where, key]), _("Required."), rules, "required")
    else:
        _add(errors, _path(where), _message(error), rules, error.validator)


def _nul_paths(value, where: list):
    """Where a string holds NUL, which PostgreSQL text cannot store (the body is at most MAX_DEPTH deep)."""
    if isinstance(value, str):
        if "\x00" in value:
            yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_paths(item, [*where, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, [*where, index])
