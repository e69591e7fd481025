"""The admin's words: one label per column name for every model view, and the words shown for code
columns (statuses, capacity, levels, vocabulary terms) instead of the codes. Flask-Admin would show
"Name Zh" and "temporarily_closed"; the label tables themselves live with their domains."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import inspect as sa_inspect

from ..directory import labels as directory_labels
from ..people import labels as people_labels
from ..referrals import labels as referral_labels

# Column name -> label, for lists, details, filters and form fields alike (Flask-Admin's form
# converter takes its field labels from ``column_labels``). A view's own labels win.
COLUMN_LABELS = {
    "name": _l("Name"), "name_zh": _l("Name (Chinese)"), "name_en": _l("Name (English)"),
    "alternate_name": _l("Other name"), "description": _l("Description"),
    "description_zh": _l("Description (Chinese)"), "description_en": _l("Description (English)"),
    "department": _l("Department"), "verified_on": _l("Verified on"), "updated_at": _l("Updated"),
    "email": _l("Email"), "website": _l("Website"), "url": _l("Website"), "legal_status": _l("Legal status"),
    "organization": _l("Organisation"), "status": _l("Status"), "reopens_on": _l("Reopens on"),
    "capacity_status": _l("Capacity"), "accepts_referrals": _l("Accepts referrals"),
    "application_process_zh": _l("How to apply (Chinese)"), "application_process_en": _l("How to apply (English)"),
    "fees_description_zh": _l("Fees (Chinese)"), "fees_description_en": _l("Fees (English)"),
    "eligibility_description_zh": _l("Eligibility (Chinese)"),
    "eligibility_description_en": _l("Eligibility (English)"),
    "minimum_age": _l("Minimum age"), "maximum_age": _l("Maximum age"), "gender_eligibility": _l("Gender"),
    "residency_required": _l("Local residence required"), "interpretation_services": _l("Interpretation"),
    "wait_weeks": _l("Weeks of waiting"), "capacity_available": _l("Places free"),
    "capacity_maximum": _l("Places in all"), "capacity_notes": _l("Capacity notes"),
    "address_zh": _l("Address (Chinese)"), "address_en": _l("Address (English)"), "area": _l("Area"),
    "latitude": _l("Latitude"), "longitude": _l("Longitude"), "location_type": _l("Kind of location"),
    "city": _l("City"), "postal_code": _l("Postal code"),
    "transportation_zh": _l("Getting there (Chinese)"), "transportation_en": _l("Getting there (English)"),
    "accessibility_zh": _l("Accessibility (Chinese)"), "accessibility_en": _l("Accessibility (English)"),
    "code": _l("Code"), "level": _l("Level"), "parent": _l("Parent"), "taxonomy": _l("Vocabulary"),
    "position": _l("Position"), "uri": _l("Address (URI)"), "version": _l("Version"),
    "active": _l("Active"), "last_login_at": _l("Last signed in"), "locale": _l("Language"),
    "service": _l("Service"), "taxonomy_term": _l("Our term"), "origin": _l("Origin"), "note": _l("Note"),
    "source_code": _l("Source code"), "source_name": _l("Source name"), "value": _l("Link"),
    "shipped_in": _l("Shipped in"), "rejected_at": _l("Rejected on"),
    # Service access facts, the network level, peer supporters (flags and people, issue 16).
    **directory_labels.ACCESS_FIELD, "network_level": _l("Network level"),
    "after_hours_phone": _l("After-hours phone"),
    "display_name": _l("Name or initials"), "training_status": _l("Training"),
    "training_date": _l("Training date"), "services": _l("Services"),
}

# Column name -> the domain's label table for its codes.
CODE_WORDS = {
    "status": directory_labels.SERVICE_STATUS,
    "capacity_status": directory_labels.CAPACITY_STATUS,
    "level": directory_labels.AREA_LEVEL,
    "gender_eligibility": directory_labels.GENDER_ELIGIBILITY,
    "location_type": directory_labels.LOCATION_TYPE,
    "urgency": referral_labels.URGENCY,
    "access_mode": directory_labels.ACCESS_MODE,
    "network_level": directory_labels.NETWORK_LEVEL,
    "training_status": people_labels.TRAINING_STATUS,
}
# (model, column) -> label table, for a column whose name means a code only on that model.
MODEL_CODE_WORDS = {("Taxonomy", "name"): directory_labels.VOCABULARY,
                    ("PeerSupporter", "kind"): people_labels.PEOPLE_KIND}
# Columns that hold a code people type and search for: shown as code, marked up as such.
VERBATIM_CODES = ("code", "record_type", "record_id", "source_code", "source_vocabulary")
# Columns holding a code of one of the portal's vocabularies: shown as the term's name.
VOCABULARY_COLUMNS = {"department": "department"}


def _code_words(table):
    def show(view, context, model, name):
        return directory_labels.label(table, getattr(model, name))
    return show


def _vocabulary_name(view, context, model, name):
    taxonomy = getattr(model, name)
    return "" if taxonomy is None else directory_labels.label(directory_labels.VOCABULARY, taxonomy.name)


def _verbatim(view, context, model, name):
    value = getattr(model, name)
    return "" if value is None else Markup("<code>{}</code>").format(value)


def _vocabulary(vocabulary):
    def show(view, context, model, name):
        from flask import g

        from ..directory.queries import term_labels

        if "admin_term_labels" not in g:  # once per request, not once per cell
            g.admin_term_labels = term_labels()
        code = getattr(model, name)
        term = g.admin_term_labels.get(vocabulary, {}).get(code) if code else None
        return str(term.t("name")) if term is not None else (code or "")
    return show


def formatters_for(model, columns) -> dict:
    """The formatters for the code columns among ``columns``."""
    out = {}
    for name in columns:
        if (model.__name__, name) in MODEL_CODE_WORDS:
            out[name] = _code_words(MODEL_CODE_WORDS[model.__name__, name])
        elif name == "taxonomy":
            out[name] = _vocabulary_name
        elif name in CODE_WORDS:
            out[name] = _code_words(CODE_WORDS[name])
        elif name in VERBATIM_CODES:
            out[name] = _verbatim
        elif name in VOCABULARY_COLUMNS:
            out[name] = _vocabulary(VOCABULARY_COLUMNS[name])
    return out


def choices_for(name: str):
    """The select choices of a code column, labelled, or None when it is not a code column."""
    table = CODE_WORDS.get(name)
    return None if table is None else directory_labels.choices(table)


def localise(view) -> None:
    """Give a model view the shared labels, the code formatters and labelled code choices; what the
    view sets itself wins. Called before Flask-Admin builds the view's lists, filters and forms."""
    view.column_labels = {**COLUMN_LABELS, **(view.column_labels or {})}
    names = [c for c in tuple(view.column_list or ()) + tuple(view.column_details_list or ())
             if isinstance(c, str)]
    if not names:
        names = [c.key for c in view.model.__table__.columns]
    every = names + [c.key for c in view.model.__table__.columns] + list(sa_inspect(view.model).relationships.keys())
    # Flask-Admin's details page falls back to the list formatters when it has none of its own.
    own_detail = view.column_formatters_detail if view.column_formatters_detail is not None else view.column_formatters
    view.column_formatters_detail = {**formatters_for(view.model, every), **(own_detail or {})}
    view.column_formatters = {**formatters_for(view.model, names), **(view.column_formatters or {})}
    choices = dict(view.form_choices or {})
    for name in tuple(view.form_columns or ()):
        if isinstance(name, str) and choices_for(name) is not None:
            choices[name] = choices_for(name)
    view.form_choices = choices or None
    if "taxonomy" in tuple(view.form_columns or ()):
        # The vocabulary select lists vocabularies by their words, not their codes.
        args = dict(view.form_args or {})
        args["taxonomy"] = {"get_label": lambda taxonomy: directory_labels.label(directory_labels.VOCABULARY,
                                                                                  taxonomy.name),
                            **args.get("taxonomy", {})}
        view.form_args = args
