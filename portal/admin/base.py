"""What every admin view shares: admin-only access, CSRF-protected forms, safe exports."""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from flask_wtf import FlaskForm


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


class AdminOnly:
    """Admins only; anonymous users go to the login page, others get 403 (audited)."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and current_user.has_role("admin")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.path))
        from ..accounts.permissions import refuse

        refuse(403)


class PortalAdminIndex(AdminOnly, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("admin/index.html")


class PortalModelView(AdminOnly, ModelView):
    def __init__(self, model, db, *args, **kwargs) -> None:
        super().__init__(model, db, *args, **kwargs)
        # Set after construction: Flask-Admin takes the session as given from here on (passing a
        # session to the constructor is deprecated, and it would not know this one).
        self.session = FLUSHING_SESSION

    form_base_class = AdminForm
    can_export = False  # exports go through the HSDS exporter, which escapes and caps output
    can_view_details = True
    page_size = 50
    can_set_page_size = False
