"""Public directory pages."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from ..extensions import db
from .models import Organization, Service

bp = Blueprint("directory", __name__)


@bp.route("/")
def home():
    counts = {
        "services": db.session.scalar(select(func.count(Service.id)).where(Service.status == "active")),
        "organizations": db.session.scalar(select(func.count(Organization.id))),
    }
    return render_template("directory/home.html", counts=counts)
