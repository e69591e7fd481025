"""What every admin view shares: admin-only access, CSRF-protected forms, safe exports."""
from __future__ import annotations

import re

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.tools import iterdecode
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import inspect as sa_inspect
from wtforms import HiddenField
from wtforms.validators import InputRequired


class _FlushingSession:
    """The session as Flask-Admin's views see it. They call ``session.commit()`` after a create,
    edit or delete; here that is a flush (constraints and optimistic locking still fail inside the
    view, which rolls back and shows its message), and the request boundary
    (``portal.transaction``) commits once, as for every other view."""

    def __getattr__(self, name):
        from ..extensions import db

        return getattr(db.session, name)

    def commit(self) -> None:
        from ..extensions import db

        db.session.flush()


FLUSHING_SESSION = _FlushingSession()


class AdminForm(FlaskForm):
    """Flask-WTF form: carries the same CSRF token that ``CSRFProtect`` checks on every POST
    (Flask-Admin's own ``SecureForm`` token would be rejected by ``CSRFProtect``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Flask-Admin's ``Unique`` validator compares with the record being edited through
        # ``form._obj``, which only its own BaseForm sets: without it, saving any existing user (or
        # area, or term) failed with "Already exists." for its own unchanged email (or code).
        self._obj = kwargs.get("obj")


# Flask-Admin's templates carry inline handlers (onclick="return faHelpers.safeConfirm(…)") and
# href="javascript:void(0)". Sent as they are, a browser may report each one against the CSP as it
# reads the page (Chromium 156 does, before any script runs) even though static/js/admin_csp.js
# rewires them before anyone clicks: so they leave the server as data-onclick and a plain "#".
_ONCLICK = re.compile(r"(\s)onclick=", re.IGNORECASE)
_JAVASCRIPT_HREF = re.compile(r"""href=(["'])javascript:[^"']*\1""", re.IGNORECASE)


def without_inline_script(html: str) -> str:
    return _JAVASCRIPT_HREF.sub('href="#" data-inert', _ONCLICK.sub(r"\1data-onclick=", html))


class AdminOnly:
    """Admins only; anonymous users go to the login page, others get 403 (audited)."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and current_user.has_role("admin")

    @property
    def extra_js(self) -> list[str]:
        # Flask-Admin's inline onclick handlers, rewired as listeners: the CSP forbids inline script.
        return [url_for("static", filename="js/admin_csp.js")]

    def render(self, template, **kwargs):
        return without_inline_script(super().render(template, **kwargs))

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.path))
        from ..accounts.permissions import refuse

        refuse(403)


class PortalAdminIndex(AdminOnly, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("admin/index.html")


def primary_key(model, id) -> tuple | None:
    """The primary key values named by an admin URL's ``id`` (Flask-Admin joins a compound key's
    parts with commas), each converted to its column's type; None when it cannot name a row."""
    parts = iterdecode(id or "")
    columns = sa_inspect(model).primary_key
    if len(parts) != len(columns):
        return None
    values = []
    for part, column in zip(parts, columns):
        try:
            kind = column.type.python_type
        except NotImplementedError:
            kind = str
        if kind is int:
            if not part.isdigit() or len(part) > 18:  # also beyond a 64-bit integer
                return None
            values.append(int(part))
        elif not part or "\x00" in part or (getattr(column.type, "length", None) or 10**6) < len(part):
            return None
        else:
            values.append(part)
    return tuple(values)


class PortalModelView(AdminOnly, ModelView):
    def __init__(self, model, db, *args, **kwargs) -> None:
        from .labels import localise

        self.model = model
        localise(self)  # labels and code words in the reader's language (before Flask-Admin builds forms)
        super().__init__(model, db, *args, **kwargs)
        # Set after construction: Flask-Admin takes the session as given from here on (passing a
        # session to the constructor is deprecated, and it would not know this one).
        self.session = FLUSHING_SESSION

    form_base_class = AdminForm
    can_export = False

    # The delete and list-action forms are built on ``form_base_class``; a view whose base form
    # checks its own fields in ``validate`` (the service's ages, the user's roles) made every delete
    # and action there fail with a 500. They get the plain CSRF form instead.
    def get_one(self, id):
        """None ("Record does not exist.", back to the list) for an id that cannot name a row, such
        as ``?id=a,b`` or ``?id=1,2`` on a one-column key, instead of a database error and a 500."""
        if primary_key(self.model, id) is None:
            return None
        return super().get_one(id)

    def get_delete_form(self):
        class DeleteForm(AdminForm):
            id = HiddenField(validators=[InputRequired()])
            url = HiddenField()

        return DeleteForm

    def get_action_form(self):
        class ActionForm(AdminForm):
            action = HiddenField()
            url = HiddenField()

        return ActionForm  # exports go through the HSDS exporter, which escapes and caps output
    can_view_details = True
    page_size = 50
    can_set_page_size = False
