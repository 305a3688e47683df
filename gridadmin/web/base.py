"""The one base view every screen shares.

It fixes Flask-Admin 2.2's peewee pitfalls (DESIGN.md) once:
- single-record fetches (details, edit, delete, bulk delete) go through the
  same ``get_query()`` as the list, and a missing or malformed id is a 404;
- deletes go through the safe delete service (no silent cascade);
- saves, with their inline rows, are one transaction; rule errors show on
  the form in the user's language;
- list pages load related rows in one query per foreign key (no N+1), page
  through ids first (deep pages stay fast), and skip the COUNT subquery;
- URL parameters a user edited (page, sort) never cause a 500.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from babel.dates import format_skeleton, format_time
from flask import abort, flash, redirect, request, url_for
from flask_admin.actions import action
from flask_admin.contrib.peewee import ModelView
from flask_admin.contrib.peewee import filters as pw_filters
from flask_admin.model import typefmt
from flask_babel import format_decimal, get_locale, get_timezone, gettext, lazy_gettext, ngettext
from flask_login import current_user
from markupsafe import Markup
from peewee import ForeignKeyField, IntegrityError

from ..models import db
from ..services import records
from ..services.errors import InUse, RuleError
from .ajax import QueryLoader
from .filters import LookupFilter
from .forms import AdminForm, InlineRows, ModelConverter
from .i18n import choices
from .labels import FIELD_LABELS, MODEL_NAMES

MAX_PAGE = 50_000


def format_local_datetime(value):
    """A stored UTC time in the configured zone, in the locale's numeric form
    (2026/11/21 18:24 in Simplified Chinese, 11/21/2026 6:24 PM in English)."""
    local = value.replace(tzinfo=UTC).astimezone(get_timezone())
    return f"{format_skeleton('yMd', local, locale=get_locale())} {format_time(local, 'short', locale=get_locale())}"


def _format_bool(view, value, name=None):
    return gettext("Yes") if value else gettext("No")


def _format_number(view, value, name=None):
    return format_decimal(value)


TYPE_FORMATTERS = dict(typefmt.BASE_FORMATTERS)
TYPE_FORMATTERS.update({
    type(None): lambda view, value, name=None: "",
    bool: _format_bool,
    int: _format_number,
    float: _format_number,
    Decimal: _format_number,
    datetime: lambda view, value, name=None: format_local_datetime(value),
    date: lambda view, value, name=None: format_skeleton("yMd", value, locale=get_locale()),
})


def rule_message(error):
    """A RuleError's message, translated, with its parameters filled in."""
    return gettext(error.message, **error.params)


def in_use_message(error):
    refs = gettext(", ").join(
        gettext("%(model)s (%(count)s)", model=MODEL_NAMES.get(model, model.__name__), count=count)
        for model, count in error.references
    )
    return gettext("Cannot delete “%(name)s”: it is still referred to by %(refs)s.", name=str(error.obj), refs=refs)


class BaseModelView(ModelView):
    form_base_class = AdminForm
    model_form_converter = ModelConverter
    inline_model_form_converter = None  # set below, once the class exists
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    can_view_details = True
    can_set_page_size = False
    page_size = 20
    # COUNT over a million-row subquery costs more than the page: show
    # previous/next instead of a total. Small lookup lists turn it back on.
    simple_list_pager = True
    column_display_pk = False
    column_default_sort = ("id", True)
    action_disallowed_list = []
    # Foreign keys picked by an ajax lookup: {field name: (fields searched)}.
    ajax_lookups = {}

    def __init__(self, model, **kwargs):
        self.model = model
        self.column_labels = {**FIELD_LABELS, **(self.column_labels or {})}
        self.column_choices = {
            # A blank nullable choice shows as blank, not "None".
            **{f.name: choices(f.choices) + ([(None, "")] if f.null else [])
               for f in model._meta.sorted_fields if f.choices},
            **(self.column_choices or {}),
        }
        self.form_ajax_refs = {
            name: QueryLoader(name, getattr(model, name).rel_model, fields, query=self.lookup_query_for(name))
            for name, fields in self.ajax_lookups.items()
        }
        kwargs.setdefault("name", MODEL_NAMES.get(model))
        super().__init__(model, **kwargs)

    # --- access -----------------------------------------------------------

    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    # --- queries: the list and every single-record path share get_query() -

    def get_query(self):
        return self.model.select()

    def lookup_query_for(self, name):
        """The rows an ajax lookup for foreign key ``name`` may offer."""
        rel_model = getattr(self.model, name).rel_model
        return lambda: rel_model.select()

    def get_one(self, id):
        try:
            pk = int(id)
        except (TypeError, ValueError):
            abort(404)
        obj = self.get_query().where(self.model.id == pk).first()
        if obj is None:
            abort(404)
        return obj

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), MAX_PAGE)
        column = self._get_column_by_idx(args.sort)
        if column is None or column[0] not in self._sortable_columns:
            args.sort = None
        return args

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        count, query = super().get_list(page, sort_column, sort_desc, search, filters,
                                         execute=False, page_size=page_size)
        if not execute:
            return count, query
        # Ids first: a deep page walks an index, not whole rows.
        ids = [row[0] for row in query.select(self.model.id).tuples()]
        by_id = {obj.id: obj for obj in self.model.select().where(self.model.id.in_(ids))} if ids else {}
        rows = [by_id[i] for i in ids if i in by_id]
        self.load_related(rows)
        self.decorate_rows(rows)
        return count, rows

    def load_related(self, rows):
        """One query per foreign key shown in the list, instead of one a row."""
        for name, _label in self._list_columns:
            field = self.model._meta.fields.get(name)
            if not isinstance(field, ForeignKeyField):
                continue
            ids = {row.__data__.get(name) for row in rows} - {None}
            if not ids:
                continue
            rel = field.rel_model
            related = {obj.id: obj for obj in rel.select().where(rel.id.in_(list(ids)))}
            for row in rows:
                obj = related.get(row.__data__.get(name))
                if obj is not None:
                    row.__rel__[name] = obj

    def decorate_rows(self, rows):
        """Attach computed columns (sums, counts) to a page of rows."""

    # --- filters: choices become drop-downs, in the user's language -------

    def scaffold_filters(self, name):
        field = getattr(self.model, name, None) if isinstance(name, str) else name
        if field is not None and getattr(field, "choices", None) and field.model is self.model:
            label = self.get_column_name(field.name)
            opts = choices(field.choices)
            return [pw_filters.FilterEqual(field, label, options=opts),
                    pw_filters.FilterNotEqual(field, label, options=opts)]
        return super().scaffold_filters(name)

    def _get_filter_groups(self):
        for group in (self._filter_groups or {}).values():
            for item in group.filters:
                flt = self._filters[item["index"]]
                if isinstance(flt, LookupFilter):
                    item["options"] = flt.get_options(self) or None
        return super()._get_filter_groups()

    # --- saving: one transaction, rules shown on the form -----------------

    def save_record(self, obj, is_created):
        """Write one record; views with rules of their own call their service here."""
        records.check_unique(obj)
        obj.save(force_insert=is_created)

    def _save(self, form, obj, is_created):
        try:
            with db.atomic():
                form.populate_obj(obj)
                self._on_model_change(form, obj, is_created)
                self.save_record(obj, is_created)
                for field in form._fields.values():
                    if isinstance(field, InlineRows):
                        field.save_related(obj)
        except InUse as error:
            flash(in_use_message(error), "error")
            return False
        except RuleError as error:
            message = rule_message(error)
            if error.field and error.field in form:
                form[error.field].errors = [*form[error.field].errors, message]
            flash(message, "error")
            return False
        except IntegrityError:
            flash(gettext("The record conflicts with existing records and was not saved."), "error")
            return False
        self.after_model_change(form, obj, is_created)
        return obj

    def create_model(self, form):
        return self._save(form, self.model(), True)

    def update_model(self, form, model):
        return bool(self._save(form, model, False))

    # --- deleting: never a silent cascade ---------------------------------

    def delete_model(self, model):
        try:
            self.on_model_delete(model)
            records.delete_record(model)
        except InUse as error:
            flash(in_use_message(error), "error")
            return False
        self.after_model_delete(model)
        return True

    @action("delete", lazy_gettext("Delete"), lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        try:
            pks = [int(i) for i in ids]
        except (TypeError, ValueError):
            abort(404)
        objs = list(self.get_query().where(self.model.id.in_(pks)))
        try:
            count = records.delete_records(objs)
        except InUse as error:
            flash(in_use_message(error) + " " + gettext("Nothing was deleted."), "error")
            return
        flash(ngettext("Record was successfully deleted.", "%(count)s records were successfully deleted.",
                       count, count=count), "success")


class InlineConverter(ModelView.inline_model_form_converter):
    inline_field_list_type = InlineRows


BaseModelView.inline_model_form_converter = InlineConverter


def link(view_endpoint, obj, text=None):
    """A link to a record's details page, for list and detail formatters."""
    if obj is None:
        return ""
    url = url_for(f"{view_endpoint}.details_view", id=obj.id)
    return Markup('<a href="{}">{}</a>').format(url, text if text is not None else obj)
