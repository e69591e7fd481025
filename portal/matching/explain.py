"""Words for the engine's explanations, exclusion reasons and flags.

The engine speaks in ``Part`` objects (a key and parameters). This module maps each key to an English
message id, marked with ``N_`` so that ``pybabel extract`` collects it (Chinese in
``portal/translations/zh/matching.py``), and renders parts with whatever ``translate`` function the
caller has: ``flask_babel.gettext`` in a request, the identity in tests. No Flask inside.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from .engine import Part


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    return message


MESSAGES = {
    # explanation parts
    "covers": N_("covers %(n)d of %(total)d needs"),
    "km": N_("%(km)s km"),
    "remote": N_("online or by phone"),
    "comes": N_("comes to the client"),
    "distance_unknown": N_("distance unknown"),
    "cost_free": N_("free"),
    "cost_subsidy": N_("subsidised"),
    "cost_sliding_scale": N_("sliding scale"),
    "cost_insurance": N_("insurance accepted"),
    "cost_fixed_fee": N_("fixed fee"),
    "cost_unknown": N_("cost not stated"),
    "capacity_accepting": N_("accepting clients"),
    "capacity_full": N_("full"),
    "capacity_unknown": N_("capacity unknown"),
    "waitlist": N_("waitlist"),
    "waitlist_weeks": N_("waitlist %(weeks)d weeks"),
    "next_stage": N_("next step in care"),
    "speaks": N_("speaks %(langs)s"),
    "verified": N_("verified %(days)d days ago"),
    "stale": N_("not verified for %(days)d days: ranked lower"),
    "never_verified": N_("never verified: ranked lower"),
    "open_24h": N_("open 24 hours"),
    "crisis_line": N_("crisis line"),
    "group_match": N_("suited to the client: %(terms)s"),
    "group_other": N_("meant for %(terms)s, which the client is not noted as: ranked lower"),
    "referrals_closed_ranked": N_("not taking referrals now: ranked lower"),
    # exclusion reasons
    "status": N_("not open: %(status)s"),
    "age_min": N_("only from age %(age)d"),
    "age_max": N_("only up to age %(age)d"),
    "gender": N_("only for %(gender)s"),
    "population_only": N_("only for: %(terms)s"),
    "condition_only": N_("only for: %(terms)s"),
    "residency": N_("only for residents of its service area"),
    "not_accepting": N_("not accepting referrals (urgent)"),
    "full": N_("full (urgent)"),
    "cost": N_("the client cannot pay: %(kinds)s"),
    "too_far": N_("%(km)s km, beyond the %(limit)s km limit"),
    "remote_only": N_("online or phone only"),
    "language": N_("does not speak %(langs)s (the client speaks only that)"),
    "compulsory": N_("a compulsory programme (the client has not accepted compulsory programmes)"),
    "not_anonymous": N_("cannot be used anonymously (the client needs anonymity)"),
    # flags: facts to check with the service
    "age_limits": N_("check the age limits"),
    "gender_restricted": N_("for %(gender)s only: check"),
    "gender_unknown": N_("does not say which genders it accepts"),
    "condition_check": N_("only for: %(terms)s — check"),
    "residency_unknown": N_("outside its service area; residency rule not stated"),
    "residency_check": N_("residents only: check the client's area"),
    "referrals_unknown": N_("does not say whether it takes referrals"),
    "referrals_closed": N_("not taking referrals now"),
    "language_missing": N_("does not list %(langs)s"),
    "anonymous_unknown": N_("does not say whether it can be used anonymously"),
}

WORDS = {
    "female": N_("women"),
    "male": N_("men"),
    "inactive": N_("inactive"),
    "defunct": N_("closed down"),
    "temporarily_closed": N_("temporarily closed"),
    "active": N_("active"),
    "free": N_("free"),
    "subsidy": N_("subsidised"),
    "sliding_scale": N_("sliding scale"),
    "insurance": N_("insurance accepted"),
    "fixed_fee": N_("fixed fee"),
}

# Language codes people enter; the directory may hold others (shown as their code).
LANGUAGES = {
    "zh": N_("Mandarin"),
    "yue": N_("Cantonese"),
    "en": N_("English"),
    "ug": N_("Uyghur"),
    "bo": N_("Tibetan"),
    "ii": N_("Yi"),
    "za": N_("Zhuang"),
    "csl": N_("Chinese Sign Language"),
}


def _identity(text: str) -> str:
    return text


def render(item: Part, translate: Callable[[str], str] = _identity,
           label: Callable[[str], str] | None = None, lang: str = "en") -> str:
    """One part as text. ``label`` turns vocabulary codes into names; ``lang`` picks separators."""
    label = label or (lambda code: code)
    separator = "、" if lang == "zh" else ", "
    params = {}
    for key, value in item.params:
        if key == "terms":
            value = separator.join(label(code) for code in value)
        elif key == "langs":
            value = separator.join(translate(LANGUAGES[c]) if c in LANGUAGES else c for c in value)
        elif key == "kinds":
            value = separator.join(translate(WORDS.get(k, k)) for k in value)
        elif key in ("gender", "status"):
            value = translate(WORDS.get(value, value))
        elif key in ("km", "limit"):
            value = f"{value:g}" if isinstance(value, (int, float)) else value
        params[key] = value
    if item.key == "covers" and params.get("total") == 1:
        return translate(N_("covers the need"))
    if item.key == "verified" and params.get("days") == 0:
        return translate(N_("verified today"))
    if item.key == "age_limits":
        return translate(MESSAGES["age_limits"])
    return translate(MESSAGES[item.key]) % params


def sentence(parts: Iterable[Part], translate: Callable[[str], str] = _identity,
             label: Callable[[str], str] | None = None, lang: str = "en") -> str:
    """Parts joined the way the results page shows them: ``covers 2 of 3 needs · 3.2 km · free``."""
    return " · ".join(render(p, translate, label, lang) for p in parts)
