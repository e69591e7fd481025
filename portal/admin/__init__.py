"""Flask-Admin at ``/admin``, for administrators only.

The admin is a shell: views set columns, filters, validators and permissions; rules live in the
domain code and in database constraints.
"""
from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from .. import models
from ..extensions import db
from .base import PortalAdminIndex
from .views import (
    AreaAdmin,
    LocationAdmin,
    OrganizationAdmin,
    ServiceAdmin,
    TaxonomyAdmin,
    TaxonomyTermAdmin,
    UserAdmin,
)


def init_admin(app: Flask) -> Admin:
    # Built per app inside the factory: a module-level Admin breaks when tests build a second app.
    admin = Admin(
        app,
        name="Portal admin",
        index_view=PortalAdminIndex(url="/admin"),
        theme=Bootstrap4Theme(swatch=app.config.get("FLASK_ADMIN_SWATCH", "default")),
    )
    admin.add_view(OrganizationAdmin(models.Organization, db, category="Directory"))
    admin.add_view(ServiceAdmin(models.Service, db, category="Directory"))
    admin.add_view(LocationAdmin(models.Location, db, category="Directory"))
    admin.add_view(AreaAdmin(models.Area, db, category="Directory"))
    admin.add_view(TaxonomyAdmin(models.Taxonomy, db, category="Taxonomy"))
    admin.add_view(TaxonomyTermAdmin(models.TaxonomyTerm, db, category="Taxonomy"))
    from .directory_import import CrosswalkMappingAdmin, InferredLinkAdmin, SheetImportView
    admin.add_view(CrosswalkMappingAdmin(models.CrosswalkMapping, db, name=_l("Crosswalk"), category="Taxonomy",
                                         endpoint="crosswalk"))
    admin.add_view(InferredLinkAdmin(models.Attribute, db, name=_l("Mapped and inferred links"), category="Taxonomy",
                                     endpoint="inferred_links"))
    admin.add_view(SheetImportView(name=_l("Import a spreadsheet"), category="Directory", endpoint="sheet_import",
                                   url="/admin/sheet-import"))
    admin.add_view(UserAdmin(models.User, db, category="Accounts"))
    from .audit import AuditEventAdmin
    admin.add_view(AuditEventAdmin(models.AuditEvent, db, name="Audit trail", category="Accounts"))
    return admin
