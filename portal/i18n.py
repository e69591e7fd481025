"""Language choice: ``?lang=`` (remembered in the session and on the user), then the user's saved
choice, then the browser's ``Accept-Language``; Chinese (zh_CN) by default."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request, session
from flask_login import current_user

_ALIASES = {"zh": "zh_CN", "zh_cn": "zh_CN", "zh-cn": "zh_CN", "zh_CN": "zh_CN", "en": "en", "en_us": "en", "en-us": "en"}


def _normalise(value: str | None) -> str | None:
    if not value:
        return None
    return _ALIASES.get(value.strip()) or _ALIASES.get(value.strip().lower())


def remember_requested_language() -> None:
    wanted = _normalise(request.args.get("lang"))
    if wanted:
        session["lang"] = wanted
        if current_user.is_authenticated and current_user.locale != wanted:
            # Saved by the request's commit (portal/transaction.py), like every other change.
            current_user.locale = wanted


def select_locale() -> str:
    if not has_request_context():  # CLI commands and background work: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    wanted = _normalise(request.args.get("lang")) or _normalise(session.get("lang"))
    if wanted:
        return wanted
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    best = request.accept_languages.best_match(["zh_CN", "zh", "en"])
    return _normalise(best) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def local_now() -> datetime:
    """Now in the city's time zone: what "open now" and the opening hours on every page use."""
    return datetime.now(ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")))


def current_lang() -> str:
    from .i18n_fields import current_lang as lang

    return lang()


def lang_switch_url(lang: str) -> str:
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return request.path + "?" + urlencode(args, doseq=True)
