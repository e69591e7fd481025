"""Every page of the app in both languages (issue 14): walks ``app.url_map``, fills each route's ids
from the demo data, signs in as the role that may see it and fetches it with ``?lang=zh`` and
``?lang=en``. A Chinese page must show no English interface words (the app's own msgids), no raw
codes (statuses, capacity, urgencies, vocabulary codes) and no ASCII ": " after a Chinese character;
an English page must show none of the catalogue's Chinese interface strings. Data is left alone: the
checks look at whole visible text nodes, which data values never equal by accident."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from tests.conftest import DEMO_PASSWORDS, ROLE_USERS, login

ROOT = Path(__file__).resolve().parents[2]

# Routes the walk does not fetch, and why. A new route must be added either to the walk (it is, by
# default) or here, so no page escapes the check silently.
NOT_PAGES = {
    "static", "admin.static", "directory.favicon", "health.healthz", "reports.export_csv",
    "sheet_import.template",  # an .xlsx file
    "accounts.logout",
}
NEEDS_A_TOKEN = {  # pages behind a one-time token made by a POST: covered by their own tests
    "matching.results", "referrals.elsewhere_results", "directory.shared_list", "sheet_import.mapping",
}

# Which demo user opens which part of the site (first prefix wins); referral pages are opened by
# every side of a referral.
ROLES_BY_PREFIX = (
    ("/admin", ("admin",)),
    ("/referrals", ("worker", "agency", "coordinator")),
    ("/listings", ("agency",)),
    ("/reports", ("coordinator",)),
    ("/match", ("worker",)),
    ("/notifications", ("worker",)),
    ("/account", ("worker",)),
    ("/", (None,)),
)

# Msgids that are also ordinary words of data or of pages we do not own the words of.
ENGLISH_ALLOWED = {"English", "OK", "ID", "URL", "Email", "HSDS", "API", "CSV", "PDF"}

_CJK = re.compile(r"[\u4e00-\u9fff]")
_RAW_ID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?")
_ASCII_COLON_AFTER_CJK = re.compile(r"[\u4e00-\u9fff\uff09]\s*:(\s|$)")
_FULL_WIDTH_AFTER_LATIN = re.compile(r"[A-Za-z][：；（]")


# Not read as interface text: scripts, styles, and <code>, which marks a code shown on purpose (the
# admin's code columns, where an administrator types and searches codes).
_HIDDEN = ("script", "style", "template", "noscript", "code")


class _Text(HTMLParser):
    """The visible text nodes of a page (no scripts, styles, attributes, templates or codes)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in _HIDDEN and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._skip:
            self.nodes.append(text)


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.nodes


def _catalogue() -> dict[str, str]:
    path = ROOT / "portal/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="zh_CN")
    table = {}
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.string and message.string != message.id:
            table[message.id] = message.string
    return table


def _known_codes() -> set[str]:
    from portal.directory import models as directory
    from portal.referrals import labels

    codes = set(directory.SERVICE_STATUSES + directory.CAPACITY_STATUSES + directory.AREA_LEVELS
                + directory.VOCABULARIES)
    for table in (labels.STATUS, labels.URGENCY, labels.DECLINE_REASON, labels.NOT_CONNECTED_REASON,
                  labels.CONSENT_ITEM, labels.CONSENT_STATUS, labels.FOLLOW_UP_OUTCOME, labels.MEDICATION_ADHERENCE,
                  labels.DROPOUT_BARRIER, labels.STAY_REASON, labels.FOLLOW_UP_END_REASON):
        codes.update(table)
    vocabularies = json.loads((ROOT / "portal/vocab/data/vocabularies.json").read_text(encoding="utf-8"))
    for vocabulary in vocabularies["vocabularies"]:
        codes.update(term["code"] for term in vocabulary.get("terms", ()) if "code" in term)
    # Only the codes that look like codes or like English words a reader would notice.
    return {c for c in codes if re.fullmatch(r"[a-z][a-z_]{3,}", c)} - {"other"}


def _roles_for(path: str) -> tuple:
    for prefix, roles in ROLES_BY_PREFIX:
        if path.startswith(prefix):
            return roles
    return (None,)


def _ids_for(role: str | None) -> dict[str, str]:
    """One row per kind of id a route takes, chosen among the rows this role may see."""
    from portal.directory.models import Contact, Location, Service
    from portal.referrals.models import Client, Referral
    from portal.referrals.queries import visible_referrals

    service = db.session.scalar(select(Service).where(Service.status == "active").order_by(Service.name_zh))
    ids = {"service_id": service.id, "organization_id": service.organization_id}
    if role is None:
        return ids
    user = db.session.scalar(select(User).where(User.email == ROLE_USERS[role]))
    org = user.organization_id
    referral = db.session.scalar(visible_referrals(user).where(Referral.sent_at.is_not(None))
                                 .order_by(Referral.created_at.desc()))
    if referral is not None:
        ids["referral_id"] = referral.id
    client = db.session.scalar(select(Client).join(Referral, Referral.client_id == Client.id)
                               .where(Client.organization_id == org, Referral.sent_at.is_not(None))) if org else None
    if client is not None:
        ids["client_id"] = client.id
    follow_up = _follow_up_for(user)
    if follow_up is not None:
        ids["follow_up_id"] = follow_up.id
    if org:
        own = db.session.scalar(select(Service).where(Service.organization_id == org))
        location = db.session.scalar(select(Location).where(Location.organization_id == org))
        contact = db.session.scalar(select(Contact).where(Contact.organization_id == org))
        if own is not None and role == "agency":
            ids["service_id"] = own.id
        if location is not None:
            ids["location_id"] = location.id
        if contact is not None:
            ids["contact_id"] = contact.id
        from portal.people.models import PeerSupporter

        person = db.session.scalar(select(PeerSupporter).where(PeerSupporter.organization_id == org))
        if person is not None:
            ids["person_id"] = person.id
    return ids


def _follow_up_for(user):
    """A waiting follow-up the user may record (the record page)."""
    from portal.referrals.followups import may_record
    from portal.referrals.models import FollowUp

    pending = db.session.scalars(select(FollowUp).where(FollowUp.is_pending()).order_by(FollowUp.id))
    return next((f for f in pending if may_record(user, f)), None)


def _admin_id(app, endpoint: str) -> str | None:
    """The first row of an admin model view, for its edit and details pages."""
    view = next((v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint.split(".")[0]), None)
    model = getattr(view, "model", None)
    if model is None:
        return None
    row = db.session.scalar(select(model).limit(1))
    return None if row is None else view.get_pk_value(row)


def pages(app) -> list[tuple[str | None, str]]:
    """(role, path) for every GET route the walk can fill."""
    found, ids_by_role = [], {}
    with app.app_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES | NEEDS_A_TOKEN:
                continue
            if rule.rule.startswith("/api/") or rule.endpoint.endswith(("ajax_lookup", "ajax_update", "export")):
                continue  # JSON and file downloads, not pages
            for role in _roles_for(rule.rule):
                if role not in ids_by_role:
                    ids_by_role[role] = _ids_for(role)
                ids = ids_by_role[role]
                if rule.rule.startswith("/admin/") and rule.arguments == set():
                    if rule.endpoint.endswith(("edit_view", "details_view")):
                        pk = _admin_id(app, rule.endpoint)
                        if pk is None:
                            continue
                        found.append((role, f"{rule.rule}?id={pk}"))
                        continue
                if not rule.arguments <= set(ids):
                    continue  # e.g. a client page for a role with no clients
                found.append((role, rule.build({k: ids[k] for k in rule.arguments})[1]))
    return found


def admin_words(app) -> set[str]:
    """What Flask-Admin shows for a view or column nobody named: its prettified code name
    ("Name Zh", "Capacity Status", "Taxonomy Term"): English on a Chinese page."""
    words = set()
    for view in app.extensions["admin"][0]._views:
        words.update(str(w) for w in (view.name, view.category) if w)
        columns = tuple(getattr(view, "column_list", None) or ()) + tuple(getattr(view, "form_columns", None) or ())
        for column in columns:
            if isinstance(column, str):
                words.add(str(view.get_column_name(column)) if hasattr(view, "get_column_name") else column)
                words.add(column.replace("_", " ").title())
    return words


def data_values(app) -> set[str]:
    """Names the demo data holds in either language (a term called "女性" is data on an English page)."""
    from portal.directory.models import Area, Organization, Service, TaxonomyTerm

    values = set()
    with app.app_context():
        for model in (Area, Organization, Service, TaxonomyTerm):
            for zh, en in db.session.execute(select(model.name_zh, model.name_en)):
                values.update(v.strip() for v in (zh, en) if v)
    return values


def _with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def _problems_zh(nodes, english: set[str], codes: set[str]) -> list[str]:
    problems = []
    for node in nodes:
        if node in english:
            problems.append(f"English: {node!r}")
        elif node in codes:
            problems.append(f"raw code: {node!r}")
        elif _RAW_ID.fullmatch(node):
            problems.append(f"raw id: {node!r}")
        elif _ASCII_COLON_AFTER_CJK.search(node):
            problems.append(f"ASCII colon: {node!r}")
    return problems


def _problems_en(nodes, chinese: set[str]) -> list[str]:
    problems = []
    for node in nodes:
        if node in chinese:
            problems.append(f"Chinese: {node!r}")
        elif _RAW_ID.fullmatch(node):
            problems.append(f"raw id: {node!r}")
        elif _FULL_WIDTH_AFTER_LATIN.search(node):
            problems.append(f"full-width punctuation: {node!r}")
    return problems


def test_every_page_speaks_the_readers_language(app):
    # A year of demo referrals (every state, declines, disclosures), so referral and client pages exist.
    assert app.test_cli_runner().invoke(args=["seed", "history"]).exit_code == 0
    table = _catalogue()
    english = {msgid.strip() for msgid in table if re.search(r"[A-Za-z]{2}", msgid) and "%(" not in msgid
               and "{" not in msgid} - ENGLISH_ALLOWED
    chinese = {text.strip() for text in table.values() if _CJK.search(text) and "%(" not in text}
    data = data_values(app)
    with app.test_request_context("/?lang=en"):
        english |= admin_words(app)
    english -= data | ENGLISH_ALLOWED
    chinese -= data
    codes = _known_codes()
    walk = pages(app)
    assert len(walk) > 40, "the walk should reach most pages"
    for kind in (r"/referrals/[0-9a-f-]{36}", r"/referrals/clients/[0-9a-f-]{36}", r"/admin/service/edit/\?id=.+"):
        assert any(re.fullmatch(kind, path) for _, path in walk), f"no page like {kind} in the walk"
    clients = {}
    failures: dict[str, list[str]] = {}
    fetched = 0
    for role, path in walk:
        if role not in clients:
            clients[role] = app.test_client()
            if role is not None:
                email = ROLE_USERS[role]
                assert login(clients[role], email, DEMO_PASSWORDS[email]).status_code == 302
        client = clients[role]
        for lang in ("zh", "en"):
            response = client.get(_with_lang(path, lang))
            if response.status_code != 200 or "html" not in (response.mimetype or ""):
                continue
            fetched += 1
            nodes = visible_text(response.get_data(as_text=True))
            found = _problems_zh(nodes, english, codes) if lang == "zh" else _problems_en(nodes, chinese)
            if found:
                failures[f"{role or 'anonymous'} {lang} {path}"] = sorted(set(found))[:12]
    assert fetched > 80
    assert not failures, "\n".join(f"{page}: {found}" for page, found in sorted(failures.items()))


def test_a_referral_page_is_named_by_its_service_and_date_not_the_client_code(world):
    station, clinic = world.organization("社工站"), world.organization("门诊")
    worker = world.user("worker", org=station)
    client = world.client(station, code="K000042")
    service = world.service(clinic, "美沙酮门诊")
    referral = world.referral(client, service, worker)
    browser = world.sign_in(worker)
    for lang, heading in (("zh", "转介 · 美沙酮门诊 · "), ("en", "Referral · 美沙酮门诊 · ")):
        html = browser.get(f"/referrals/{referral.id}?lang={lang}").get_data(as_text=True)
        h1 = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert heading in h1 and heading in title
        assert "K000042" not in h1 and "K000042" not in title
    page = browser.get(f"/referrals/{referral.id}?lang=zh").get_data(as_text=True)
    assert '服务对象：<span id="client-code">K000042</span>' in page
