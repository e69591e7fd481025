"""The admin's view of the transfer criteria (registered in ``portal/admin``): labels, order and
"active" per stage pair. Retire a criterion by unticking "active" (ticks recorded on referrals keep
pointing at it); deleting is off."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import DataRequired

from ..admin.base import PortalModelView
from .install import criterion_id


def _stage_choices():
    from ..referrals.choices import terms

    return terms("care_stage")


def _stage_name(view, context, model, name):
    from ..referrals.choices import term_labels

    code = getattr(model, name)
    return term_labels("care_stage").get(code, code)


class TransferCriterionAdmin(PortalModelView):
    can_delete = False
    column_list = ("from_stage", "to_stage", "name_zh", "name_en", "position", "active")
    column_searchable_list = ("code", "name_zh", "name_en")
    column_filters = ("from_stage", "to_stage", "active")
    column_default_sort = [("from_stage", False), ("to_stage", False), ("position", False)]
    form_columns = ("from_stage", "to_stage", "code", "name_zh", "name_en", "position", "active")
    column_labels = {"from_stage": _l("From care stage"), "to_stage": _l("To care stage")}
    column_formatters = {"from_stage": _stage_name, "to_stage": _stage_name}
    column_formatters_detail = {"from_stage": _stage_name, "to_stage": _stage_name}
    form_overrides = {"from_stage": SelectField, "to_stage": SelectField}
    form_args = {"from_stage": {"choices": [], "validators": [DataRequired()]},
                 "to_stage": {"choices": [], "validators": [DataRequired()]}}

    def _with_stages(self, form):
        choices = _stage_choices()
        form.from_stage.choices = choices
        form.to_stage.choices = choices
        return form

    def create_form(self, obj=None):
        return self._with_stages(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._with_stages(super().edit_form(obj))

    def on_model_change(self, form, model, is_created):
        if is_created and not model.id:
            model.id = criterion_id(model.from_stage, model.to_stage, model.code)
