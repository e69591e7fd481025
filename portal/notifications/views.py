from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, update

from ..common import utcnow
from ..extensions import db
from .models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index():
    notes = db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                               .order_by(Notification.created_at.desc()).limit(200)).all()
    return render_template("notifications/index.html", notes=notes)


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    db.session.execute(update(Notification).where(Notification.user_id == current_user.id,
                                                  Notification.read_at.is_(None)).values(read_at=utcnow()))
    return redirect(url_for("notifications.index"))
