"""Public directory pages: home, service and organisation pages, the resource list (the search page
is in portal/search/views.py).

Thin: parse the request, call a query, hand the result to presenters, render.
Everything here is public; staff-only details on the service page are chosen by role in the
template (intake contact, capacity notes) and never sent to anonymous visitors.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..i18n import local_now
from ..i18n_fields import current_lang
from ..people import queries as people_queries
from ..punctuation import clauses_text, label_text, list_comma, list_text, parens_text
from . import crisis, labels, presenters, queries
from . import hours as hours_mod
from . import resource_list as rlist
from . import shared_lists
from .models import Organization, Service
from .visibility import is_listed, listed_clause, viewer_is_staff

bp = Blueprint("directory", __name__)


PRINT_LANGUAGES = {"zh": "zh_CN", "zh_CN": "zh_CN", "en": "en"}


@bp.route("/")
def home():
    counts = {
        "services": db.session.scalar(select(func.count(Service.id))
                                      .where(listed_clause(Service.status, staff=False))),
        "organizations": db.session.scalar(select(func.count(Organization.id))),
    }
    return render_template("directory/home.html", counts=counts, terms=queries.term_labels())


@bp.route("/favicon.ico")
def favicon():
    # Browsers ask for /favicon.ico whatever the page says; answering avoids a 404 on every visit.
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=7 * 24 * 3600)


@bp.app_template_global("crisis_lines")
def crisis_lines():
    """For the crisis banner (templates/directory/_crisis_banner.html), on any page that includes it."""
    return crisis.lines_for_banner()


def _is_staff() -> bool:
    return viewer_is_staff(current_user)


def _service_or_404(service_id: str) -> Service:
    service = queries.service_for_page(service_id)
    if service is None:
        abort(404)
    return service


def _location_blocks(service, now):
    blocks = []
    for link in sorted(service.location_links, key=lambda k: (k.location.t("name").text, k.id)):
        location = link.location
        blocks.append({
            "location": location,
            "area": presenters.area_text(location),
            "hours": hours_mod.week(link.schedules, now.date()) if link.schedules else None,
            "hour_lines": presenters.hours_lines(hours_mod.week(link.schedules, now.date())),
            "map": presenters.map_links(location),
            "open": hours_mod.is_open(link.schedules, now) if link.schedules else None,
            "phones": location.phones,
        })
    return blocks


@bp.route("/services/<service_id>")
def service_page(service_id):
    service = _service_or_404(service_id)
    now = local_now()
    all_schedules = list(service.schedules) + [s for link in service.location_links for s in link.schedules]
    staff = _is_staff()
    return render_template(
        "directory/service.html", service=service, now=now, staff=staff,
        week=hours_mod.week(service.schedules, now.date()) if service.schedules else None,
        hour_lines=presenters.hours_lines(hours_mod.week(service.schedules, now.date())),
        open_now=hours_mod.is_open(all_schedules, now),
        next_opening=hours_mod.next_opening(all_schedules, now),
        locations=_location_blocks(service, now), freshness=presenters.freshness(service),
        capacity=presenters.capacity_text(service), costs=[presenters.cost_text(c) for c in service.cost_options],
        terms={v: service.terms(v) for v in ("category", "care_stage", "population", "condition", "delivery_mode")},
        # Links the import's crosswalk proposed from words: shown as such until someone confirms them.
        inferred={a.taxonomy_term_id: a.origin_note for a in service.attributes if a.origin == "inferred"},
        inferred_links={a.taxonomy_term_id: a.id for a in service.attributes if a.origin == "inferred"},
        can_confirm=_may_confirm(service),
        languages=[str(presenters.LANGUAGE_LABELS.get(lang.code) or lang.name or lang.code) for lang in service.languages],
        weekdays=presenters.WEEKDAYS, format_windows=lambda w: hours_mod.format_windows(w, list_comma()),
        in_list=service.id in rlist.ids(session),
        can_refer=current_user.is_authenticated and current_user.has_role("worker", "agency"),
        access_facts=labels.access_facts(service), access_unstated=labels.unstated_access_facts(service),
        # Counts only, and to staff only: peer supporters are often people in recovery.
        people_counts=people_queries.counts_for_service(service.id) if staff else [],
        place=presenters.organization_place(service.organization),
    )


@bp.route("/organizations/<organization_id>")
def organization_page(organization_id):
    organization = queries.organization_for_page(organization_id)
    if organization is None:
        abort(404)
    staff = _is_staff()
    services = sorted((s for s in organization.services if is_listed(s.status, staff)),
                      key=lambda s: s.t("name").text)
    return render_template("directory/organization.html", organization=organization, services=services,
                           place=presenters.organization_place(organization),
                           capacity_text=presenters.capacity_text, freshness=presenters.freshness,
                           cost_labels=presenters.COST_LABELS, map_links=presenters.map_links)


# --- resource list ------------------------------------------------------------------------------

@bp.route("/list/add", methods=["POST"])
def list_add():
    service_id = (request.form.get("service_id") or "")[:36]
    fallback = url_for("directory.resource_list")
    target = rlist.safe_next(request.form.get("next"), fallback)
    service = db.session.get(Service, service_id) if service_id else None
    if service is None or service.status == "defunct":
        flash(_("That service could not be found; nothing was added."), "error")
        return redirect(target)
    if rlist.add(session, service.id):
        flash(_("Added to your resource list (%(count)s services).", count=len(rlist.ids(session))), "success")
    else:
        flash(_("Your resource list is full (%(max)s services). Remove one first.", max=rlist.MAX_ITEMS), "error")
    return redirect(target)


@bp.route("/list/remove", methods=["POST"])
def list_remove():
    service_id = (request.form.get("service_id") or "")[:36]
    rlist.remove(session, service_id)
    flash(_("Removed from your resource list."), "success")
    return redirect(rlist.safe_next(request.form.get("next"), url_for("directory.resource_list")))


@bp.route("/list/clear", methods=["POST"])
def list_clear():
    rlist.clear(session)
    flash(_("Your resource list is empty now."), "success")
    return redirect(url_for("directory.resource_list"))


def _list_entries(services, now, lang: str):
    """Per service: what a handout and a text message carry, in ``lang``."""
    entries = []
    for service in services:
        location = service.locations[0] if service.locations else None
        schedules = list(service.schedules) or (list(service.location_links[0].schedules)
                                                if service.location_links else [])
        hour_lines = presenters.hours_lines(hours_mod.week(schedules, now.date()))
        phones = list(service.phones) or (list(location.phones) if location else []) or list(service.organization.phones)
        address = ""
        if location is not None:
            address = " ".join(filter(None, (presenters.area_text(location), str(location.t("address", lang)))))
        url = url_for("directory.service_page", service_id=service.id, _external=True)
        entries.append({
            "service": service,
            "name": str(service.t("name", lang)),
            "organization": str(service.organization.t("name", lang)),
            "address": address,
            "transport": str(location.t("transportation", lang)) if location is not None else "",
            "hours": clauses_text(hour_lines, lang),
            "phone": list_text((p.number + parens_text(p.description, lang) for p in phones[:2]), lang),
            "url": url,
            "cjk": lang == "zh",
            "short_phone": phones[0].number if phones else "",
            "short_address": presenters.short_address(location, lang),
        })
    return entries


def _plain_labels(lang: str) -> dict[str, str]:
    """The words before each line of the copied list ("电话：" / "Phone: ")."""
    return {"address": label_text(_("Address"), lang), "hours": label_text(_("Hours"), lang),
            "phone": label_text(_("Phone"), lang)}


@bp.route("/list")
def resource_list():
    services = queries.services_by_ids(rlist.ids(session))
    lang = current_lang()
    entries = _list_entries(services, local_now(), lang)
    text = rlist.plain_text(entries, _("Services for you"), _plain_labels(lang))
    shared = shared_lists.load(db.session, request.args.get("shared"))
    link = url_for("directory.shared_list", list_id=shared.id, _external=True) if shared else None
    return render_template("directory/list.html", entries=entries, text=text,
                           short=rlist.short_text(entries, _("Services for you"), link), shared_link=link,
                           shared_until=shared.expires_at.date() if shared else None,
                           print_lang=lang, back=rlist.safe_next(request.args.get("back"), url_for("search.search")))


@bp.route("/list/share", methods=["POST"])
def list_share():
    services = queries.services_by_ids(rlist.ids(session))
    ids = [s.id for s in services if is_listed(s.status, staff=False)]
    if not ids:
        flash(_("Add services to the list before sharing it."), "error")
        return redirect(url_for("directory.resource_list"))
    shared = shared_lists.share(db.session, ids)
    return redirect(url_for("directory.resource_list", shared=shared.id) + "#share")


@bp.route("/list/shared/<list_id>")
def shared_list(list_id):
    shared = shared_lists.load(db.session, list_id)
    if shared is None:
        return render_template("directory/shared_list.html", entries=None), 404
    services = [s for s in queries.services_by_ids(shared_lists.ids_of(shared)) if is_listed(s.status, staff=False)]
    entries = _list_entries(services, local_now(), current_lang())
    return render_template("directory/shared_list.html", entries=entries,
                           expires_on=shared.expires_at.date())


@bp.route("/list/print")
def list_print():
    wanted = PRINT_LANGUAGES.get(request.args.get("print_lang") or "", None)
    locale = wanted or ("en" if current_lang() == "en" else "zh_CN")
    lang = "en" if locale == "en" else "zh"
    services = queries.services_by_ids(rlist.ids(session))
    # The handout may be in another language than the screen (a worker reading Chinese prints an
    # English list for a family, or the other way round).
    with force_locale(locale):
        entries = _list_entries(services, local_now(), lang)
        for entry in entries:
            entry["qr"] = rlist.qr_svg(entry["url"])
        return render_template("directory/print.html", entries=entries, print_locale=locale,
                               printed_on=local_now().date())


def _may_confirm(service) -> bool:
    from ..crosswalk.views import may_confirm

    return may_confirm(current_user, service.organization_id)
