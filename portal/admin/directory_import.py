"""Admin pages for bringing a directory in: the spreadsheet import (upload → map columns → preview
with problems per cell → dry run → import) and the taxonomy crosswalk (mapping rows; inferred
links to confirm).

The uploaded file is kept in the instance folder under a random name until it is imported (at most
a day); the mapping travels in the form. The import flushes; the request boundary commits.
"""
from __future__ import annotations

import secrets
import time
from pathlib import Path

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select

from ..directory import models as m
from ..extensions import db
from .base import AdminOnly, PortalModelView

MAX_BYTES = 10 * 1024 * 1024
KEEP_SECONDS = 24 * 3600


class UploadForm(FlaskForm):
    file = FileField(_l("Spreadsheet (.xlsx or .csv)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["xlsx", "csv"], _l("Only .xlsx and .csv files can be imported."))])


class ActionForm(FlaskForm):
    """CSRF for the mapping page; the per-column choices are read from the request."""


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "sheet-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.iterdir():
        if now - old.stat().st_mtime > KEEP_SECONDS:
            old.unlink(missing_ok=True)
    return folder


def _upload(token: str) -> Path:
    if not token.replace("-", "").replace("_", "").isalnum():
        abort(404)
    found = [p for p in _folder().glob(f"{token}.*") if p.suffix in (".xlsx", ".csv")]
    if not found:
        abort(404)
    return found[0]


class SheetImportView(AdminOnly, BaseView):
    @expose("/", methods=["GET", "POST"])
    def index(self):
        form = UploadForm()
        if form.validate_on_submit():
            data = form.file.data.read(MAX_BYTES + 1)
            if len(data) > MAX_BYTES:
                form.file.errors = [_("The file is larger than 10 MB.")]
            else:
                suffix = ".xlsx" if form.file.data.filename.lower().endswith(".xlsx") else ".csv"
                token = secrets.token_urlsafe(12)
                (_folder() / f"{token}{suffix}").write_bytes(data)
                return redirect(url_for(".mapping", token=token, name=form.file.data.filename[:120]))
        return self.render("admin/sheet_upload.html", form=form)

    @expose("/template.xlsx")
    def template(self):
        from io import BytesIO

        from ..hsds.spreadsheet import template_xlsx

        return send_file(BytesIO(template_xlsx()), as_attachment=True, download_name="directory-template.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @expose("/<token>", methods=["GET", "POST"])
    def mapping(self, token):
        from ..hsds.spreadsheet import FIELDS, SheetError, cell_problems, import_sheet, read_sheet, suggest_mapping

        path = _upload(token)
        name = request.values.get("name") or f"sheet{path.suffix}"
        if not name.lower().endswith(path.suffix):
            name = f"sheet{path.suffix}"
        data = path.read_bytes()
        try:
            headers, rows = read_sheet(data, name)
        except SheetError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".index"))
        form = ActionForm()
        lang_fields = [(f.key, f"{f.label_zh} / {f.label_en}" + (" *" if f.required else "")) for f in FIELDS]
        choices = [("", _("(not imported)"))] + lang_fields
        mapping = suggest_mapping(headers)
        errors: dict[int, str] = {}
        report = problems = None
        action = request.form.get("action")
        if request.method == "POST":
            if not form.validate():
                abort(400)
            mapping = {}
            valid = {f.key for f in FIELDS}
            for index in range(len(headers)):
                key = request.form.get(f"col_{index}", "")
                if key and key not in valid:
                    errors[index] = _("Unknown field.")
                elif key and key in mapping.values():
                    errors[index] = _("Another column is already mapped to this field.")
                elif key:
                    mapping[index] = key
            for required in ("organization_name", "service_name"):
                if required not in mapping.values():
                    label = next(label for key, label in lang_fields if key == required)
                    errors[-1] = _("Map a column to %(field)s.", field=label)
            if not errors and action in ("preview", "dry_run", "import"):
                report = import_sheet(db.session, data, name, mapping, partial=True, dry_run=action != "import")
                problems = {where: ("problem" if any(t.startswith("error") for t in texts) else "warn", texts)
                            for where, texts in cell_problems(report, headers, mapping).items()}
                if action != "import" or report.errors and not report.partial:
                    db.session.rollback()  # a preview or dry run changes nothing
                else:
                    path.unlink(missing_ok=True)
                    flash(_("Imported. Services are searchable and can be matched."), "success")
        selects = [(index, header, mapping.get(index, ""), errors.get(index)) for index, header in enumerate(headers)]
        preview = rows[:50]
        return self.render("admin/sheet_mapping.html", form=form, token=token, name=name, selects=selects,
                           choices=choices, headers=headers, preview=preview, total=len(rows), report=report, problems=problems or {},
                           action=action, mapping=mapping, general_error=errors.get(-1))


class CrosswalkMappingAdmin(PortalModelView):
    column_list = ("source_vocabulary", "source_code", "source_name", "target_term", "value", "shipped_in")
    column_searchable_list = ("source_code", "source_name", "source_vocabulary")
    column_filters = ("source_vocabulary", "shipped_in", "value")
    column_default_sort = "source_name"
    form_columns = ("source_vocabulary", "source_code", "source_name", "target_term", "value", "note")
    form_choices = {"value": [("serves", "serves"), ("only", "only")]}
    column_labels = {"target_term": _l("Our term"), "source_vocabulary": _l("Source vocabulary ('*' = any)")}
    form_args = {"target_term": {"query_factory": lambda: db.session.scalars(
        select(m.TaxonomyTerm).join(m.Taxonomy).where(
            m.Taxonomy.name.in_(("category", "population", "condition", "care_stage")))
        .order_by(m.Taxonomy.name, m.TaxonomyTerm.position)).all()}}

    def on_model_change(self, form, model, is_created):
        if not (model.source_code or model.source_name):
            from wtforms.validators import ValidationError

            raise ValidationError(str(_l("Give the source term's code or its name.")))


class InferredLinkAdmin(PortalModelView):
    """Links the crosswalk made (mapped) or proposed (inferred): confirm them, or delete the wrong ones."""

    can_create = False
    can_edit = False
    column_list = ("service", "taxonomy_term", "origin", "origin_note")
    column_filters = ("origin",)
    column_labels = {"taxonomy_term": _l("Our term"), "origin_note": _l("Why")}
    def get_query(self):
        return super().get_query().filter(m.Attribute.origin.in_(("mapped", "inferred")))

    def get_count_query(self):
        return super().get_count_query().filter(m.Attribute.origin.in_(("mapped", "inferred")))

    def delete_model(self, model) -> bool:
        """Deleting an inferred link is rejecting it (``reject_link``): remembered, so the next
        import does not infer it again; it then shows under "Rejected categories"."""
        if model.origin != "inferred":
            return super().delete_model(model)
        from ..crosswalk.operations import reject_link

        reject_link(db.session, model)
        self.after_model_delete(model)
        return True

    @action("confirm", _l("Confirm"), _l("Confirm the selected links?"))
    def action_confirm(self, ids):
        from ..crosswalk.operations import confirm_link

        for attribute in db.session.scalars(select(m.Attribute).where(m.Attribute.id.in_(ids))):
            confirm_link(db.session, attribute)
        flash(_("Confirmed: %(n)d.", n=len(ids)), "success")


class CrosswalkRejectionAdmin(PortalModelView):
    """Categories people rejected for a service (read-only). Deleting one goes through
    ``crosswalk.operations.withdraw_rejection``: the crosswalk runs again for that service, so the
    category its words point at may come back."""

    can_create = False
    can_edit = False
    can_delete = True
    can_view_details = False
    column_list = ("service", "taxonomy_term", "note", "rejected_at")
    column_default_sort = ("rejected_at", True)
    column_filters = ("rejected_at",)
    column_labels = {"service": _l("Service"), "taxonomy_term": _l("Rejected category"),
                     "note": _l("Why it had been inferred"), "rejected_at": _l("Rejected at")}

    def delete_model(self, model) -> bool:
        from ..crosswalk.operations import withdraw_rejection

        withdraw_rejection(db.session, model)
        self.after_model_delete(model)
        return True

    @action("delete", _l("Delete"), _l("Delete the selected rejections? The crosswalk may propose "
                                       "these categories again."))
    def action_delete(self, ids):
        from ..crosswalk.models import CrosswalkRejection

        rejections = db.session.scalars(select(CrosswalkRejection).where(CrosswalkRejection.id.in_(ids))).all()
        for rejection in rejections:
            self.delete_model(rejection)
        flash(_("Deleted: %(n)d.", n=len(rejections)), "success")
