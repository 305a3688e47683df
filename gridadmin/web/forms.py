"""Form plumbing shared by every view: CSRF, translations, local times,
labels and translated choices, and the peewee form converter."""

from flask import current_app
from flask_admin.babel import Translations
from flask_admin.contrib.peewee.form import CustomModelConverter, InlineModelFormList
from flask_admin.form import DatePickerWidget, DateTimePickerWidget
from flask_admin.model.fields import AjaxSelectField
from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from peewee import AutoField, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, TextField
from wtforms import fields
from wtforms.validators import Optional, StopValidation, ValidationError
from wtfpeewee.fields import ModelSelectField
from wtfpeewee.orm import ValueRequired

from ..models import VersionedModel, db
from ..models.base import StaleRecord
from ..services import audit, clock, dates, records
from ..services.errors import RuleError
from .i18n import choices
from .validators import NOT_A_CHOICE, parse_id, storable_number


class AdminForm(FlaskForm):
    """Flask-WTF's CSRF token on every create, edit, delete and action form,
    with Flask-Admin's WTForms translations."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return Translations()

    def __init__(self, formdata=_Auto, obj=None, prefix="", **kwargs):
        self._obj = obj
        super().__init__(formdata=formdata, obj=obj, prefix=prefix, **kwargs)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators=extra_validators)
        _plain_errors(self)
        return valid


def _plain_errors(items):
    """Our validators' lazily translated messages as plain strings: Flask-Admin
    only shows a field error that is a ``str`` (inline rows included)."""
    for field in items:
        if isinstance(field, fields.FormField):
            _plain_errors(field.form)
        elif isinstance(field, fields.FieldList):
            _plain_errors(field.entries)
        elif isinstance(field.errors, list):
            field.errors = [str(e) if isinstance(e, LazyString) else e for e in field.errors]


def _tz():
    return current_app.config["TIMEZONE"]


class TypedDateMixin:
    """Takes a date as people type it (services.dates), within 1900–2100;
    anything else is a message on the field, never a 500 or year 1."""

    parse = None  # dates.parse_date or dates.parse_datetime
    invalid = None  # WTForms' own message, translated by its catalogue

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "") or ""
        self.raw_data = valuelist
        self.data = None
        if not text.strip():
            return
        try:
            self.data = type(self).parse(text)
        except dates.OutOfRange:
            self.process_errors.append(gettext(dates.OUT_OF_RANGE))
            return
        if self.data is None:
            self.process_errors.append(self.gettext(self.invalid))

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # what was typed is wrong: say that, not "required"

    def process_data(self, value):
        self.data = value if value is None or dates.in_range(value) else None


class TypedDateField(TypedDateMixin, fields.DateField):
    widget = DatePickerWidget()
    parse = staticmethod(dates.parse_date)
    invalid = "Not a valid date value."


class LocalDateTimeField(TypedDateMixin, fields.DateTimeField):
    """Shown and typed in the configured time zone, stored in UTC."""

    widget = DateTimePickerWidget()
    parse = staticmethod(dates.parse_datetime)
    invalid = "Not a valid datetime value."

    def __init__(self, label=None, validators=None, format="%Y-%m-%d %H:%M:%S", **kwargs):
        super().__init__(label, validators, format=format, **kwargs)

    def process_data(self, value):
        self.data = clock.to_local(value, _tz())

    def populate_obj(self, obj, name):
        setattr(obj, name, clock.to_utc(self.data, _tz()))


class VersionField(fields.HiddenField):
    """The version a record was read at, carried by its edit form. Saving
    names it (a conditional UPDATE, VersionedModel.save), so a form opened
    before someone else's save changes nothing. A missing or malformed value
    (a script that does not send it) means the version read now."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = parse_version(self.data)

    def populate_obj(self, obj, name):
        if isinstance(self.data, int):
            setattr(obj, name, self.data)


def parse_version(value):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**31 else None


class AjaxSelect(AjaxSelectField):
    """A record picked by an ajax lookup. An id naming no record the lookup
    offers (deleted meanwhile, out of scope, typed) is an error, where
    Flask-Admin's field would quietly save a blank."""

    def pre_validate(self, form):
        posted = self.raw_data[0] if self.raw_data else None
        if self.data is None and posted not in (None, "", "__None"):
            raise StopValidation(self.gettext(NOT_A_CHOICE))
        super().pre_validate(form)


class ModelSelect(ModelSelectField):
    """A record picked from a drop-down; a posted value that cannot be an id
    (text, or too large for the driver) is no choice rather than a 500."""

    def get_model(self, pk):
        return super().get_model(pk) if parse_id(pk) is not None else None

    def pre_validate(self, form):
        # A posted value that is no record stays a string here (wtf-peewee
        # forgets it was looked up once a filter touches the data): never
        # hand it to the database, where a huge number is an error.
        data = self.data
        if data is not None and not isinstance(data, self.model) and parse_id(data) is None:
            raise ValidationError(self.gettext(NOT_A_CHOICE))
        super().pre_validate(form)


class ModelConverter(CustomModelConverter):
    """Labels from the view's column labels, translated choices, local times,
    and a hidden id for inline rows (AutoField had no converter)."""

    def __init__(self, view, additional=None):
        super().__init__(view, additional)
        self.converters[AutoField] = self.handle_pk
        self.converters[DateTimeField] = self.handle_local_datetime
        self.converters[DateField] = self.handle_typed_date

    def handle_local_datetime(self, model, field, **kwargs):
        return field.name, LocalDateTimeField(**kwargs)

    def handle_typed_date(self, model, field, **kwargs):
        return field.name, TypedDateField(**kwargs)

    def handle_foreign_key(self, model, field, **kwargs):
        loader = getattr(self.view, "_form_ajax_refs", {}).get(field.name)
        if field.null:
            kwargs["allow_blank"] = True
        if loader is not None:
            return field.name, AjaxSelect(loader, **kwargs)
        return field.name, ModelSelect(model=field.rel_model, **kwargs)

    def convert(self, model, field, field_args):
        if field.name == "version" and issubclass(model, VersionedModel):
            return field.name, VersionField()
        args = dict(field_args or {})
        args.setdefault("label", self.view.get_column_name(field.name))
        if isinstance(field, (CharField, TextField)):
            # Text is stripped: whitespace alone is empty (NULL where the column allows it).
            args["filters"] = [strip_text, *args.get("filters", ())]
        in_range = storable_number(field)
        if in_range is not None:
            args["validators"] = [in_range, *args.get("validators", ())]
        if field.choices and "choices" not in args:
            args["choices"] = choices(field.choices)
            args.setdefault("allow_blank", field.null)
            if field.null:
                args.setdefault("blank_text", lazy_gettext("(none)"))
        name, unbound = super().convert(model, field, args)
        if unbound is not None and not field.null and field.default is not None \
                and not isinstance(field, (BooleanField, ForeignKeyField)):
            _blank_is_not_null(field, unbound)
        return name, unbound


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


def _blank_is_not_null(field, unbound):
    """A NOT NULL column with a default, left blank: wtf-peewee makes it
    Optional, which let a blank choice through as "" and a blank number
    through as NULL (a database error). A choice is required instead; a
    blank number means the default (0 households, …)."""
    validators = unbound.kwargs.get("validators") or []
    if any(getattr(v, "field_flags", {}).get("required") for v in validators):
        return  # the view wants it typed
    if field.choices:
        unbound.kwargs["validators"] = [ValueRequired() if isinstance(v, Optional) else v for v in validators]
    else:
        default = field.default

        def default_if_blank(value):
            return default() if value is None and callable(default) else (default if value is None else value)

        unbound.kwargs["filters"] = [*unbound.kwargs.get("filters", ()), default_if_blank]


class InlineRows(InlineModelFormList):
    """Inline child rows that can also be created (not only edited), saved in
    the parent's transaction, deleted through the safe delete service, and
    each change audited like any record's."""

    def save_related(self, obj, actor=None, address=None):
        parent_id = obj.id
        attr = getattr(self.model, self.prop)
        existing = {str(row.id): row for row in self.model.select().where(attr == parent_id)}
        with db.atomic():
            for entry in self.entries:
                row_id = entry.get_pk()
                row = existing.get(str(row_id)) if row_id else None
                if row_id and row is None:
                    if parse_id(row_id) is None:
                        raise RuleError("A row of this form is not one of its records. Reload the page.")
                    # Deleted by someone else since the form was opened (or
                    # not this parent's): never silently re-created.
                    raise StaleRecord(self.model(id=parse_id(row_id)), None)
                if row is not None and self.should_delete(entry):
                    version = entry.form.version.data if "version" in entry.form else None
                    records.delete_record(row, actor, address, read_version=version)
                    continue
                if row is None and self.should_delete(entry):
                    continue
                is_created = row is None
                before = {} if is_created else audit.snapshot(row)
                read = dict(row.__data__) if row is not None else {}
                if is_created:
                    row = self.model()
                for name, field in entry.form._fields.items():
                    if name != "id":
                        field.populate_obj(row, name)
                setattr(row, self.prop, parent_id)
                self.inline_view._on_model_change(entry, row, is_created)
                if is_created:
                    row.version = 0
                else:
                    row.keep_changes(read)
                row.save(force_insert=is_created)
                changes = audit.diff(before, audit.snapshot(row))
                if is_created or changes:
                    audit.record("create" if is_created else "update", user=actor, address=address, obj=row,
                                 changes=changes)
