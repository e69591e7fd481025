"""Confirming a category the import inferred from a listing's words: the agency that runs the service
(or an administrator) confirms it from the service page, and it then counts as stated. One button,
CSRF-protected; the request boundary commits."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.permissions import can_act_for_organization, refuse
from ..directory import models as m
from ..extensions import db
from .operations import confirm_link, reject_link

bp = Blueprint("inferred_categories", __name__)


def may_confirm(user, organization_id: str | None) -> bool:
    """An administrator, or the agency's own staff (the agency role, not a referring worker)."""
    return can_act_for_organization(user, organization_id) and (user.has_role("admin") or user.has_role("agency"))


def _link(service_id: str, attribute_id: str) -> m.Attribute:
    attribute = db.session.get(m.Attribute, attribute_id)
    if attribute is None or attribute.service_id != service_id or attribute.origin != "inferred":
        refuse(404)
    if not may_confirm(current_user, attribute.service.organization_id):
        refuse(403)
    return attribute


@bp.route("/services/<service_id>/inferred/<attribute_id>/confirm", methods=["POST"])
@login_required
def confirm(service_id, attribute_id):
    confirm_link(db.session, _link(service_id, attribute_id))
    flash(_("Confirmed: this kind of help is now stated for the service."), "success")
    return redirect(url_for("directory.service_page", service_id=service_id))


@bp.route("/services/<service_id>/inferred/<attribute_id>/reject", methods=["POST"])
@login_required
def reject(service_id, attribute_id):
    reject_link(db.session, _link(service_id, attribute_id))
    flash(_("Removed: this kind of help is no longer listed for the service."), "success")
    return redirect(url_for("directory.service_page", service_id=service_id))
