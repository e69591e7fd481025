"""The matching page: intake form, ranked suggestions, care plan, relaxations, exclusions.

The form is posted (not sent in the URL) because it describes a person's health. A valid profile is
stored on the server under a random token (``stored.py``) and the answer is a redirect to
``/match/results/<token>`` (POST-redirect-GET): Back and reload show the results without a resubmit
prompt, the resource list and "Refer" come back to them, and the profile itself never goes into the
session cookie or a URL. Only its author can open it, until it expires."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.permissions import refuse, staff_required
from ..directory.place_queries import resolve as resolve_place
from ..directory.places import label
from ..directory.presenters import place_ambiguous, place_not_found
from ..extensions import db
from ..i18n_fields import current_lang
from .catalog import Catalog
from .engine import PAYMENT_KINDS
from .explain import LANGUAGES, WORDS
from .forms import MatchForm
from .operations import RELAX_RULES, apply_relaxation, record_unmet_needs, relax_value, run_match
from .present import Presenter
from .profile import FIELDS, render_error, with_place
from .stored import load_profile, store_profile

bp = Blueprint("matching", __name__)

# Where older versions kept the last profile in the signed (readable) cookie: dropped when seen.
LEGACY_SESSION_KEY = "matching.last_profile"
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


def _render(form, catalog, lang, outcome=None, relaxed=None, token=None, place=None):
    presented = None
    if outcome is not None and outcome.result is not None:
        presented = Presenter(catalog, _, lang).result(outcome.result, limit=SHOWN)
        for item, relaxation in zip(presented["relax"], outcome.result.relaxations):
            item["value"] = relax_value(relaxation)
    return render_template("matching/match.html", form=form, catalog=catalog, lang=lang,
                           result=presented, relaxed=relaxed, relax_rules=RELAX_RULES, token=token,
                           place_choices=[(c.ref, label(c, lang)) for c in place.candidates] if place else [],
                           place_more=bool(place and place.more))


@bp.route("/match", methods=["GET", "POST"])
@staff_required
def match_page():
    lang = current_lang()
    session.pop(LEGACY_SESSION_KEY, None)
    if request.method == "GET":
        form = MatchForm(formdata=None)
        catalog = _catalog()
        _choices(form, catalog, lang)
        return _render(form, catalog, lang)

    form = MatchForm()
    catalog = _catalog()
    _choices(form, catalog, lang)
    if not form.validate():
        # Only the CSRF token can fail here: the values are checked by parse_profile below.
        return _render(form, catalog, lang), 400
    relaxed = request.form.get("relax") or None
    raw, place = _with_place(form, catalog)
    if place is not None and place.place is None:
        return _render(form, catalog, lang, place=place)
    raw = apply_relaxation(raw, relaxed)
    if relaxed:
        # Show the loosened value in the form, so what is on screen is what was matched.
        for name in FIELDS:
            getattr(form, name).data = raw[name]
    outcome = run_match(db.session, raw)
    if outcome.errors:
        _attach_errors(form, outcome.errors)
        return _render(form, catalog, lang)
    if not relaxed:  # a relaxed re-run is the same client: count an unmet need once
        record_unmet_needs(db.session, outcome, current_user.organization_id, worker=current_user.id)
    stored = store_profile(db.session, current_user.id, raw, relaxed)
    return redirect(url_for("matching.results", token=stored.id), 303)


@bp.route("/match/results/<token>")
@staff_required
def results(token):
    """The results of a stored profile: its author only (404 for anyone else, or once expired)."""
    stored = load_profile(db.session, current_user.id, token)
    if stored is None:
        refuse(404)
    raw, relaxed = stored.data.get("raw") or {}, stored.data.get("relaxed")
    lang = current_lang()
    form = MatchForm(formdata=None, data=raw)
    catalog = _catalog()
    _choices(form, catalog, lang)
    outcome = run_match(db.session, raw)
    _attach_errors(form, outcome.errors)  # e.g. an area removed since
    return _render(form, catalog, lang, outcome, relaxed, token=stored.id)


def _with_place(form: MatchForm, catalog: Catalog):
    """The form's values, with the area and point of the typed address or landmark if there is one
    (shown in the form: what is on screen is what was matched). Returns (raw, resolution or None);
    a text that matches nothing or several places gets its message next to the field."""
    raw = form.raw()
    typed = (form.place.data or "").strip()
    if not typed:
        return raw, None
    place = resolve_place(db.session, typed, request.form.get("place_ref"))
    if place.place is None:
        form.place.errors = [place_ambiguous(typed) if place.candidates else place_not_found(typed)]
        return raw, place
    area = place.place.area
    raw = with_place(raw, area.lineage if area else (), place.place.point, catalog.vocabulary.area_ids)
    for name in ("area", "latitude", "longitude"):
        getattr(form, name).data = raw[name]
    form.place.description = _("Used: %(place)s", place=label(place.place, current_lang()))
    return raw, place


def _attach_errors(form: MatchForm, errors) -> None:
    for name, field_errors in errors.items():
        getattr(form, name).errors = [render_error(e, _) for e in field_errors]


def _catalog() -> Catalog:
    from .catalog import get_catalog

    return get_catalog(db.session)
