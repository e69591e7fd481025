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
    PeerSupporterAdmin,
    ServiceAdmin,
    TaxonomyAdmin,
    TaxonomyTermAdmin,
    UserAdmin,
)


def init_admin(app: Flask) -> Admin:
    # Built per app inside the factory: a module-level Admin breaks when tests build a second app.
    # Menu words are lazy: Flask-Admin renders them per request, in the reader's language.
    directory, taxonomy, accounts = _l("Directory"), _l("Taxonomy"), _l("Accounts")
    admin = Admin(
        app,
        name=_l("Portal admin"),
        index_view=PortalAdminIndex(url="/admin"),
        theme=Bootstrap4Theme(swatch=app.config.get("FLASK_ADMIN_SWATCH", "default")),
    )
    admin.add_view(OrganizationAdmin(models.Organization, db, name=_l("Organisations"), category=directory))
    admin.add_view(ServiceAdmin(models.Service, db, name=_l("Services"), category=directory))
    admin.add_view(LocationAdmin(models.Location, db, name=_l("Locations"), category=directory))
    admin.add_view(AreaAdmin(models.Area, db, name=_l("Areas"), category=directory))
    admin.add_view(PeerSupporterAdmin(models.PeerSupporter, db, name=_l("Peer supporters and volunteers"),
                                      category=directory))
    admin.add_view(TaxonomyAdmin(models.Taxonomy, db, name=_l("Vocabularies"), category=taxonomy))
    admin.add_view(TaxonomyTermAdmin(models.TaxonomyTerm, db, name=_l("Terms"), category=taxonomy))
    from .directory_import import CrosswalkMappingAdmin, CrosswalkRejectionAdmin, InferredLinkAdmin, SheetImportView
    admin.add_view(CrosswalkMappingAdmin(models.CrosswalkMapping, db, name=_l("Crosswalk"), category=taxonomy,
                                         endpoint="crosswalk"))
    admin.add_view(InferredLinkAdmin(models.Attribute, db, name=_l("Mapped and inferred links"), category=taxonomy,
                                     endpoint="inferred_links"))
    admin.add_view(CrosswalkRejectionAdmin(models.CrosswalkRejection, db, name=_l("Rejected categories"),
                                           category=taxonomy, endpoint="crosswalk_rejections"))
    admin.add_view(SheetImportView(name=_l("Import a spreadsheet"), category=directory, endpoint="sheet_import",
                                   url="/admin/sheet-import"))
    from ..transfer.admin import TransferCriterionAdmin
    admin.add_view(TransferCriterionAdmin(models.TransferCriterion, db, name=_l("Transfer criteria"),
                                          category=taxonomy, endpoint="transfer_criteria"))
    admin.add_view(UserAdmin(models.User, db, name=_l("Users"), category=accounts))
    from .audit import AuditEventAdmin
    admin.add_view(AuditEventAdmin(models.AuditEvent, db, name=_l("Audit trail"), category=accounts))
    return admin
