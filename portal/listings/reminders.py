"""Reminder digests of stale listings: one mail per agency user, in that user's language, naming each
listing not confirmed for too long and linking to the page where one click confirms it.

A digest names listings and the organisation only — never clients — and goes through the mail
outbox, so delivery failures are retried by ``flask mail send``.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from ..directory.models import Organization
from ..extensions import db
from ..notifications.operations import queue_mail, users_of_organization
from .operations import StaleListing, stale_listings

MAIL_KIND = "stale_listings_digest"


@dataclass
class ReminderResult:
    organizations: int = 0
    listings: int = 0
    messages: int = 0
    without_recipient: int = 0


def digest(organization_name: str, listings: list[StaleListing], lang: str, stale_after_days: int,
           link: str) -> tuple[str, str]:
    """(subject, body) of one digest, in ``lang`` ('zh_CN' or 'en')."""
    with force_locale(lang):
        subject = ngettext("%(num)s listing of %(org)s needs checking",
                           "%(num)s listings of %(org)s need checking", len(listings), org=organization_name)
        lines = [
            _("These listings have not been confirmed for more than %(days)s days. Social workers see them "
              "marked as possibly out of date.", days=stale_after_days),
            "",
        ]
        for item in listings:
            name = (item.name_en or item.name_zh) if lang == "en" else item.name_zh
            when = (_("never confirmed") if item.days is None
                    else _("last confirmed %(days)s days ago", days=item.days))
            lines.append(f"- {name}: {when}")
        lines += ["", _("Open your listings, check each one and press \"Still correct\" (or update it):"), link]
        return subject, "\n".join(lines)


def queue_stale_digests(stale_after_days: int, base_url: str = "") -> ReminderResult:
    result = ReminderResult()
    link = f"{base_url}/listings/"
    for org_id, listings in stale_listings(stale_after_days).items():
        result.organizations += 1
        result.listings += len(listings)
        organization = db.session.get(Organization, org_id)
        recipients = users_of_organization(org_id, "agency")
        if not recipients:
            result.without_recipient += 1
            continue
        for user in recipients:
            lang = "en" if user.locale == "en" else "zh_CN"
            org_name = (organization.name_en or organization.name_zh) if lang == "en" else organization.name_zh
            subject, body = digest(org_name, listings, lang, stale_after_days, link)
            queue_mail(user.email, MAIL_KIND, subject, body)
            result.messages += 1
    db.session.flush()
    return result
