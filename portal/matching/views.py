"""The matching page: intake form, ranked suggestions, care plan, relaxations, exclusions.

The form is posted (not sent in the URL) because it describes a person's health; the last profile is
kept in the signed session only so that "back to the results" works after adding a service to the
resource list (``/match?again=1``)."""
from __future__ import annotations

from flask import Blueprint, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.permissions import staff_required
from ..extensions import db
from ..i18n_fields import current_lang
from .catalog import Catalog
from .engine import PAYMENT_KINDS
from .explain import LANGUAGES, WORDS
from .forms import MatchForm
from .operations import RELAX_RULES, apply_relaxation, record_unmet_needs, relax_value, run_match
from .present import Presenter
from .profile import FIELDS, render_error

bp = Blueprint("matching", __name__)

LAST_PROFILE = "matching.last_profile"
SHOWN = 25  # suggestions shown on the page (the API can ask for more)


def _choices(form: MatchForm, catalog: Catalog, lang: str) -> None:
    def terms(vocabulary):
        return [(t.code, t.label(lang)) for t in catalog.terms.get(vocabulary, ())]

    form.needs.choices = terms("category")
    form.conditions.choices = terms("condition")
    form.populations.choices = terms("population")
    form.payment.choices = [(k, _(WORDS[k])) for k in PAYMENT_KINDS]
    form.languages.choices = [(c, _(LANGUAGES[c]) if c in LANGUAGES else c)
                              for c in sorted(catalog.vocabulary.languages, key=lambda c: (c not in LANGUAGES, list(LANGUAGES).index(c) if c in LANGUAGES else 0, c))]
    form.gender.choices = [("", _("Not stated")), ("female", _("Female")), ("male", _("Male"))]
    form.urgency.choices = [("normal", _("Normal")), ("high", _("Urgent: needs help within days"))]
    form.care_stage.choices = [("", _("Not stated"))] + terms("care_stage")
    form.area.choices = [("", "")] + [(code, code) for code in catalog.vocabulary.area_ids]


def _render(form, catalog, lang, outcome=None, relaxed=None):
    presented = None
    if outcome is not None and outcome.result is not None:
        presented = Presenter(catalog, _, lang).result(outcome.result, limit=SHOWN)
        for item, relaxation in zip(presented["relax"], outcome.result.relaxations):
            item["value"] = relax_value(relaxation)
    return render_template("matching/match.html", form=form, catalog=catalog, lang=lang,
                           result=presented, relaxed=relaxed, relax_rules=RELAX_RULES)


@bp.route("/match", methods=["GET", "POST"])
@staff_required
def match_page():
    lang = current_lang()
    outcome = None
    relaxed = None
    if request.method == "GET":
        saved = _saved_profile() if request.args.get("again") else None
        form = MatchForm(formdata=None, data=saved) if saved else MatchForm(formdata=None)
        catalog = _catalog()
        _choices(form, catalog, lang)
        if saved:
            outcome = run_match(db.session, saved)
            _attach_errors(form, outcome.errors)  # e.g. an area removed since
        return _render(form, catalog, lang, outcome)

    form = MatchForm()
    catalog = _catalog()
    _choices(form, catalog, lang)
    if not form.validate():
        # Only the CSRF token can fail here: the values are checked by parse_profile below.
        return _render(form, catalog, lang), 400
    relaxed = request.form.get("relax") or None
    raw = apply_relaxation(form.raw(), relaxed)
    if relaxed:
        # Show the loosened value in the form, so what is on screen is what was matched.
        for name in FIELDS:
            getattr(form, name).data = raw[name]
    outcome = run_match(db.session, raw)
    if outcome.errors:
        _attach_errors(form, outcome.errors)
        return _render(form, catalog, lang)
    if not relaxed:  # a relaxed re-run is the same client: count an unmet need once
        record_unmet_needs(db.session, outcome, current_user.organization_id)
    # Tied to the user, so that on a shared computer the next person to sign in never sees it.
    session[LAST_PROFILE] = {"user": current_user.id, "raw": dict(raw)}
    return _render(form, catalog, lang, outcome, relaxed)


def _saved_profile() -> dict | None:
    saved = session.get(LAST_PROFILE)
    if not isinstance(saved, dict) or saved.get("user") != current_user.id:
        session.pop(LAST_PROFILE, None)
        return None
    return saved.get("raw")


def _attach_errors(form: MatchForm, errors) -> None:
    for name, field_errors in errors.items():
        getattr(form, name).errors = [render_error(e, _) for e in field_errors]


def _catalog() -> Catalog:
    from .catalog import get_catalog

    return get_catalog(db.session)
