"""Form plumbing shared by every view: CSRF, translations, local times,
labels and translated choices, and the peewee form converter."""

from flask import current_app
from flask_admin.babel import Translations
from flask_admin.contrib.peewee.form import CustomModelConverter, InlineModelFormList
from flask_admin.form import DateTimePickerWidget
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from peewee import AutoField, DateTimeField
from wtforms import fields

from ..models import db
from ..services import clock
from .i18n import choices


class AdminForm(FlaskForm):
    """Flask-WTF's CSRF token on every create, edit, delete and action form,
    with Flask-Admin's WTForms translations."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return Translations()

    def __init__(self, formdata=_Auto, obj=None, prefix="", **kwargs):
        self._obj = obj
        super().__init__(formdata=formdata, obj=obj, prefix=prefix, **kwargs)


def _tz():
    return current_app.config["TIMEZONE"]


class LocalDateTimeField(fields.DateTimeField):
    """Shown and typed in the configured time zone, stored in UTC."""

    widget = DateTimePickerWidget()

    def __init__(self, label=None, validators=None, format="%Y-%m-%d %H:%M:%S", **kwargs):
        super().__init__(label, validators, format=format, **kwargs)

    def process_data(self, value):
        self.data = clock.to_local(value, _tz())

    def process_formdata(self, valuelist):
        # Accept times typed without seconds as well.
        if valuelist and valuelist[0] and len(valuelist[0].strip()) == 16:
            valuelist = [valuelist[0].strip() + ":00"]
        super().process_formdata(valuelist)
        if not self.data and valuelist and valuelist[0]:
            self.process_errors.append(self.gettext("Not a valid datetime value."))

    def populate_obj(self, obj, name):
        setattr(obj, name, clock.to_utc(self.data, _tz()))


class ModelConverter(CustomModelConverter):
    """Labels from the view's column labels, translated choices, local times,
    and a hidden id for inline rows (AutoField had no converter)."""

    def __init__(self, view, additional=None):
        super().__init__(view, additional)
        self.converters[AutoField] = self.handle_pk
        self.converters[DateTimeField] = self.handle_local_datetime

    def handle_local_datetime(self, model, field, **kwargs):
        return field.name, LocalDateTimeField(**kwargs)

    def convert(self, model, field, field_args):
        args = dict(field_args or {})
        args.setdefault("label", self.view.get_column_name(field.name))
        if field.choices and "choices" not in args:
            args["choices"] = choices(field.choices)
            args.setdefault("allow_blank", field.null)
            if field.null:
                args.setdefault("blank_text", lazy_gettext("(none)"))
        return super().convert(model, field, args)


class InlineRows(InlineModelFormList):
    """Inline child rows that can also be created (not only edited), saved in
    the parent's transaction, deleted through the safe delete service."""

    def save_related(self, obj):
        from ..services.records import delete_record

        parent_id = obj.id
        attr = getattr(self.model, self.prop)
        existing = {str(row.id): row for row in self.model.select().where(attr == parent_id)}
        with db.atomic():
            for entry in self.entries:
                row_id = entry.get_pk()
                row = existing.get(str(row_id)) if row_id else None
                if row is not None and self.should_delete(entry):
                    delete_record(row)
                    continue
                if row is None and self.should_delete(entry):
                    continue
                is_created = row is None
                if is_created:
                    row = self.model()
                for name, field in entry.form._fields.items():
                    if name != "id":
                        field.populate_obj(row, name)
                setattr(row, self.prop, parent_id)
                self.inline_view._on_model_change(entry, row, is_created)
                row.save(force_insert=is_created)
