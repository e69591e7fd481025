"""What every admin view shares: admin-only access, CSRF-protected forms, safe exports."""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from flask_wtf import FlaskForm


class AdminForm(FlaskForm):
    """Flask-WTF form: carries the same CSRF token that ``CSRFProtect`` checks on every POST
    (Flask-Admin's own ``SecureForm`` token would be rejected by ``CSRFProtect``)."""


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
    form_base_class = AdminForm
    can_export = False  # exports go through the HSDS exporter, which escapes and caps output
    can_view_details = True
    page_size = 50
    can_set_page_size = False
