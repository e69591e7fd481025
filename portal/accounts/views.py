"""Login and logout. Thin: parse the form, call the account operation, render."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import login_manager
from .forms import LoginForm
from .operations import authenticate, end_session, load_session_user

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def _load_user(session_id: str):
    return load_session_user(session_id)


login_manager.login_message = None  # the login page explains itself


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("directory.home"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        cfg = current_app.config
        result = authenticate(form.email.data, form.password.data,
                              cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_LOCK_MINUTES"])
        if result.user is not None:
            login_user(result.user, remember=form.remember.data)
            flash(_("Signed in."), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("directory.home"))
        if result.error == "locked":
            error = _("Too many failed attempts. This account is locked until %(time)s.",
                      time=format_datetime(result.locked_until, "short"))
        elif result.error == "inactive":
            error = _("This account has been deactivated. Please contact your administrator.")
        else:
            error = _("Wrong email or password.")
    status = 401 if error else 200
    return render_template("accounts/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    end_session(current_user)
    logout_user()
    # Drop whatever else the session held (e.g. the last matching profile, the resource list):
    # the next person at this browser starts clean. Only the language choice survives.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account")
@login_required
def account():
    """The signed-in user's own details: roles, organisation, area, language."""
    return render_template("accounts/account.html", user=current_user)
