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
from functools import lru_cache

from babel.dates import format_skeleton, match_skeleton, parse_pattern
from flask import abort, flash, g, has_request_context, redirect, request, url_for
from flask_admin.actions import action
from flask_admin.contrib.peewee import ModelView
from flask_admin.contrib.peewee import filters as pw_filters
from flask_admin.helpers import get_redirect_target
from flask_admin.model import template, typefmt
from flask_babel import format_decimal, get_locale, get_timezone, gettext, lazy_gettext, ngettext
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape
from peewee import JOIN, ForeignKeyField, IntegrityError
from wtforms.widgets import Select as SelectWidget

from ..models import VersionedModel, db
from ..models.base import StaleRecord
from ..services import audit, permissions, records, scope
from ..services import search as search_index
from ..services.errors import InUse, Label, RuleError
from . import conflicts, frame, rowactions
from .ajax import QueryLoader
from .auth import client_address
from .filters import LITERAL_FILTERS, LookupFilter
from .forms import AdminForm, InlineRows, ModelConverter, VersionField, parse_version
from .i18n import choices
from .labels import FIELD_LABELS, MODEL_NAMES
from .transfer import TransferMixin
from .validators import parse_id

MAX_PAGE = 50_000


@lru_cache(maxsize=32)
def _datetime_pattern(locale):
    """The locale's yMd skeleton and short time as one parsed pattern: what
    format_skeleton() + format_time() give, without re-parsing per cell."""
    skeleton = "yMd"
    if skeleton not in locale.datetime_skeletons:
        skeleton = match_skeleton(skeleton, locale.datetime_skeletons)
    return parse_pattern(f"{locale.datetime_skeletons[skeleton]} {locale.time_formats['short'].pattern}")


def format_local_datetime(value):
    """A stored UTC time in the configured zone, in the locale's numeric form
    (2026/11/21 18:24 in Simplified Chinese, 11/21/2026 6:24 PM in English)."""
    # The zone, locale and pattern once a request (a list formats some 40 times).
    kit = g.get("_gridadmin_datetime") if has_request_context() else None
    if kit is None:
        locale = get_locale()
        kit = (get_timezone(), locale, _datetime_pattern(locale))
        if has_request_context():
            g._gridadmin_datetime = kit
    zone, locale, pattern = kit
    return pattern.apply(value.replace(tzinfo=UTC).astimezone(zone), locale)


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
    params = {k: gettext(v) if isinstance(v, Label) else v for k, v in error.params.items()}
    return gettext(error.message, **params)


def in_use_message(error):
    refs = gettext(", ").join(
        gettext("%(model)s (%(count)s)", model=MODEL_NAMES.get(model, model.__name__), count=count)
        for model, count in error.references
    )
    return gettext("Cannot delete “%(name)s”: it is still referred to by %(refs)s.", name=str(error.obj), refs=refs)


# Exports are read by spreadsheets: plain local times and yes/no words.
EXPORT_FORMATTERS = dict(typefmt.EXPORT_FORMATTERS)
EXPORT_FORMATTERS.update({
    type(None): lambda view, value, name=None: "",
    bool: _format_bool,
    datetime: lambda view, value, name=None: value.replace(tzinfo=UTC).astimezone(get_timezone())
    .strftime("%Y-%m-%d %H:%M:%S"),
})


class _WithoutRequired:
    """A select's widget rendering no ``required`` attribute: a select whose
    first choice is a value is always answered, and HTML forbids ``required``
    there (the Nu checker); the field's validators still require it."""

    def __init__(self, widget):
        self.widget = widget

    def __getattr__(self, name):
        return getattr(self.widget, name)

    def __call__(self, field, **kwargs):
        return self.widget(field, **{**kwargs, "required": False})


def _valid_select(field):
    if not field.flags.required or not isinstance(field.widget, SelectWidget):
        return
    if hasattr(field, "allow_blank"):  # a query select (foreign keys)
        blank = field.allow_blank
    else:
        choices = field.choices
        if isinstance(choices, dict) or callable(choices) or not choices:
            return
        first = choices[0]
        value = first[0] if isinstance(first, (tuple, list)) else getattr(first, "value", first)
        blank = value in ("", None)
    if not blank:
        field.widget = _WithoutRequired(field.widget)


class BaseModelView(TransferMixin, ModelView):
    form_base_class = AdminForm
    model_form_converter = ModelConverter
    inline_model_form_converter = None  # set below, once the class exists
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    column_type_formatters_export = EXPORT_FORMATTERS
    can_view_details = True
    can_set_page_size = False
    page_size = 20
    # COUNT over a million-row subquery costs more than the page: show
    # previous/next instead of a total. Small lookup lists turn it back on.
    simple_list_pager = True
    column_display_pk = False
    details_template = "admin/gridadmin_details.html"
    list_template = "admin/gridadmin_list.html"
    export_max_rows = 100_000
    column_default_sort = ("id", True)
    action_disallowed_list = []
    # Foreign keys picked by an ajax lookup: {field name: (fields searched)}.
    ajax_lookups = {}
    # Foreign keys in the list whose related rows need only some fields (what
    # __str__ and the column's formatter read): {field name: (field names)}.
    # Like Django's only(); the others load whole rows.
    list_related_fields = {}
    # The model's own fields a list row reads besides its columns (formatters,
    # row actions, labels): the list then loads only those and its columns.
    # None loads whole rows. Building a row costs peewee per column (a ticket
    # has forty), so the ticket list loads a third of them.
    list_row_fields = None
    # On a phone a list shows each row as a card of these columns (default:
    # the first five), the title column first and large.
    column_card_list = None
    column_card_title = None

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

    # --- access: Django-style has_*_permission hooks over the one matrix ---

    # Which action each Flask-Admin page is (anything else needs "view").
    PAGE_ACTIONS = {
        "create_view": permissions.CREATE,
        "edit_view": permissions.EDIT,
        "delete_view": permissions.DELETE,
        "export": permissions.EXPORT,
    }

    def has_permission(self, action, obj=None):
        user = current_user._get_current_object() if has_request_context() else None
        if obj is None:
            return permissions.allowed(user, self.endpoint, action)
        return permissions.allowed_on(user, self.endpoint, action, obj)

    def is_accessible(self):
        return current_user.is_authenticated and self.has_permission(permissions.VIEW)

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            abort(403)
        return redirect(url_for("auth.login", next=request.full_path))

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        if name == "ajax_lookup":
            # Lookups serve forms: only for those who may fill one in.
            if not (self.has_permission(permissions.CREATE) or self.has_permission(permissions.EDIT)):
                abort(403)
        elif name == "action_view" and request.form.get("action") == "delete":
            if not self.has_permission(permissions.DELETE):
                abort(403)
        elif name in self.PAGE_ACTIONS and not self.has_permission(self.PAGE_ACTIONS[name]):
            abort(403)
        return None

    # Flask-Admin reads these flags to show buttons and guard its pages.
    can_create = property(lambda self: self.has_permission(permissions.CREATE))
    can_edit = property(lambda self: self.has_permission(permissions.EDIT))
    can_delete = property(lambda self: self.has_permission(permissions.DELETE))
    can_export = property(lambda self: self.has_permission(permissions.EXPORT))

    # --- columns a role may not see (party members' details for grid workers)

    def _visible(self, columns):
        allowed = permissions.visible_columns(current_user, self.endpoint) if has_request_context() else None
        return columns if allowed is None else [c for c in columns if c[0] in allowed]

    _list_columns = property(lambda self: self._visible(self._all_list_columns),
                             lambda self, value: setattr(self, "_all_list_columns", value))
    _details_columns = property(lambda self: self._visible(self._all_details_columns),
                                lambda self, value: setattr(self, "_all_details_columns", value))
    _export_columns = property(lambda self: self._visible(self._all_export_columns),
                               lambda self, value: setattr(self, "_all_export_columns", value))

    @property
    def _search_fields(self):
        allowed = permissions.visible_columns(current_user, self.endpoint) if has_request_context() else None
        fields = self._all_search_fields
        return fields if allowed is None else [f for f in fields if f.name in allowed]

    @_search_fields.setter
    def _search_fields(self, value):
        self._all_search_fields = value

    def _filter_allowed(self, flt):
        allowed = permissions.visible_columns(current_user, self.endpoint)
        column = getattr(flt, "column", None)
        return allowed is None or getattr(column, "name", None) in allowed

    # --- queries: the list and every single-record path share get_query() -

    def get_query(self):
        return scope.visible(self.model, current_user)

    def search_placeholder(self):
        """What the search box searches, by label (the peewee backend said "None")."""
        names = [name if isinstance(name, str) else name.name for name in self.column_searchable_list or ()]
        return gettext(", ").join(str(self.get_column_name(name)) for name in names)

    def lookup_query_for(self, name):
        """The rows an ajax lookup for foreign key ``name`` may offer: the
        related model within the user's scope (also what a POST may name)."""
        rel_model = getattr(self.model, name).rel_model
        return lambda: scope.visible(rel_model, current_user)

    def get_one(self, id):
        pk = parse_id(id)
        if pk is None:
            abort(404)
        obj = self.get_query().where(self.model.id == pk).first()
        if obj is None:
            abort(404)  # out of scope looks exactly like missing
        action = self.PAGE_ACTIONS.get((request.endpoint or "").rsplit(".", 1)[-1])
        if action in (permissions.EDIT, permissions.DELETE) and not self.has_permission(action, obj):
            abort(403)
        return obj

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        args.page = min(max(args.page or 0, 0), MAX_PAGE)
        column = self._get_column_by_idx(args.sort)
        if column is None or column[0] not in self._sortable_columns:
            args.sort = None
        return args

    def list_query(self, page, sort_column, sort_desc, search, filters, page_size=None):
        """(count or None, the query) of a list page: scope, filters, search, sort."""
        # A filter on a column the role may not see would reveal it: ignore it.
        filters = [f for f in filters or () if self._filter_allowed(self._filters[f[0]])]
        count, query = super().get_list(page, sort_column, sort_desc, None, filters,
                                         execute=False, page_size=page_size)
        if search and self._search_supported:
            query = self._search(query, search)
            if count is not None:
                count = query.order_by().limit(None).offset(None).count()
        return count, query

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        count, query = self.list_query(page, sort_column, sort_desc, search, filters, page_size=page_size)
        if not execute:  # export: stream in batches, related rows loaded per batch
            return count, self._batches(query, self._export_columns)
        return count, self._page(query, self._list_columns)

    def _search(self, query, search):
        """Flask-Admin's search (every word in some searched column), with the
        words taken literally (``%`` and ``_`` are no wildcards), narrowed by
        the model's search index where it has one (services/search.py)."""
        joined = {dest for joins in query._joins.values() for dest, *_rest in joins}
        fields = self._search_fields
        for field in fields:
            if field.model is not self.model and field.model not in joined:
                query = query.switch(self.model).join(field.model, JOIN.LEFT_OUTER)
                joined.add(field.model)
        return search_index.search(query, self.model, fields, search.split())

    def _page(self, query, columns):
        # Ids first: a deep page walks an index, not whole rows.
        ids = [row[0] for row in query.select(self.model.id).tuples()]
        by_id = {obj.id: obj for obj in self._rows_by_id(ids, columns)} if ids else {}
        rows = [by_id[i] for i in ids if i in by_id]
        self.decorate_rows(rows)
        return rows

    def _rows_by_id(self, ids, columns):
        """The rows of ``ids`` with their related rows (``_with_related``).
        Its SQL (thirty-odd columns and four joins: peewee took as long to
        write it as the database to run it) is written once per columns,
        database and number of ids, then run with each page's ids."""
        database = db.obj
        key = (tuple(name for name, _label in columns), type(database), len(ids))  # labels are lazy strings
        kept = self.__dict__.setdefault("_gridadmin_row_sql", {}).get(key)
        if kept is None:
            query = self._with_related(columns).where(self.model.id.in_(ids))
            sql, params = query.sql()
            if list(params) != list(ids):  # other parameters: not worth keeping
                return list(query)
            kept = self._gridadmin_row_sql[key] = (query, sql)
        query, sql = kept
        return list(query._get_cursor_wrapper(database.execute_sql(sql, list(ids))))

    def _with_related(self, columns):
        """The model's rows with the related rows the columns show, LEFT
        JOINed: one query for a page (one a foreign key cost as much)."""
        model = self.model
        selected, joins = [model], []
        if self.list_row_fields is not None:
            fields = model._meta.fields
            names = dict.fromkeys(["id", *(name for name, _label in columns), *self.list_row_fields])
            selected = [fields[name] for name in names if name in fields]
        for name, _label in columns:
            field = model._meta.fields.get(name)
            if not isinstance(field, ForeignKeyField):
                continue
            rel = field.rel_model.alias()
            only = [getattr(rel, f) for f in self.list_related_fields.get(name, ())]
            selected += [rel.id, *only] if only else [rel]
            joins.append((rel, field, name))
        query = model.select(*selected)
        for rel, field, name in joins:
            query = query.switch(model).join(rel, JOIN.LEFT_OUTER, on=(field == rel.id), attr=name)
        return query

    def _batches(self, query, columns, size=1000):
        """The query's rows streamed from one cursor (an export: never all in
        memory), with related rows loaded and computed columns attached a
        batch at a time."""
        batch = []
        for obj in query.iterator():
            batch.append(obj)
            if len(batch) >= size:
                self.load_related(batch, columns)
                self.decorate_rows(batch)
                yield from batch
                batch = []
        if batch:
            self.load_related(batch, columns)
            self.decorate_rows(batch)
            yield from batch

    def load_related(self, rows, columns=None):
        """One query per foreign key shown, instead of one a row."""
        for name, _label in columns if columns is not None else self._list_columns:
            field = self.model._meta.fields.get(name)
            if not isinstance(field, ForeignKeyField):
                continue
            ids = {row.__data__.get(name) for row in rows} - {None}
            if not ids:
                continue
            rel = field.rel_model
            # Only the fields the list shows (list_related_fields), else all.
            only = [getattr(rel, f) for f in self.list_related_fields.get(name, ())]
            query = rel.select(rel.id, *only) if only else rel.select()
            related = {obj.id: obj for obj in query.where(rel.id.in_(list(ids)))}
            for row in rows:
                obj = related.get(row.__data__.get(name))
                if obj is not None:
                    row.__rel__[name] = obj

    def decorate_rows(self, rows):
        """Attach computed columns (sums, counts) to a page of rows."""

    def _get_list_value(self, context, model, name, column_formatters, column_type_formatters):
        """Flask-Admin's cell value, cheaper: the type formatter found by the
        value's exact type first (Flask-Admin tries isinstance against each),
        and a choice column's label translated once a page (it is a lazy
        string translated twice per cell otherwise)."""
        column_fmt = column_formatters.get(name)
        if column_fmt is not None:
            value = column_fmt(self, context, model, name)
        else:
            value = self._get_field_value(model, name)
        choices_map = self._column_choices_map.get(name)
        if choices_map:
            if column_fmt is not None:
                return choices_map.get(value) or value
            labels = g.setdefault("_gridadmin_choice_labels", {})
            key = (id(choices_map), value)
            if key not in labels:
                label = choices_map.get(value)
                labels[key] = (str(label) if label is not None else "") or ("" if value is None else value)
            return labels[key]
        kind = type(value)
        if kind is str and str not in column_type_formatters:  # most cells: text needs no formatter
            return value
        type_fmt = column_type_formatters.get(kind)
        if type_fmt is None:
            type_fmt = next((fmt for typeobj, fmt in column_type_formatters.items() if isinstance(value, typeobj)),
                            None)
        return value if type_fmt is None else type_fmt(self, value, name)

    @pass_context
    def render_list_row(self, context, row, list_columns, actions, list_row_actions):
        """One list row's cells (gridadmin_list.html: a table row on the desk,
        a card on a phone), built here in one pass instead of a template
        block per cell: the labelled selection box, the row actions this row
        allows, each column's value, and the card's open button."""
        kit = self._row_kit(context, list_columns)
        pk = self.get_pk_value(row)
        parts = []
        if actions:
            label = escape(kit["select"] % {"record": self.row_label(row)})
            parts.append(f'<td class="list-checkbox-column"><label class="row-check"><input type="checkbox" '
                         f'name="rowid" class="action-checkbox" value="{escape(pk)}" aria-label="{label}"></label></td>')
        if self.column_display_actions:
            parts.append('<td class="list-buttons-column">')
            parts.extend(str(action.render_ctx(context, pk, row)) for action in list_row_actions
                         if self.row_action_allowed(action, row))
            parts.append("</td>")
        formatters, type_formatters = self.column_formatters, self.column_type_formatters
        for name, cell in kit["cells"]:
            value = self._get_list_value(context, row, name, formatters, type_formatters)
            # Markup.format() runs string.Formatter in Python: escape() and an f-string are the same, faster.
            parts.append(f"{cell}{escape(value)}</td>")
        parts.append('<td class="list-card-only">')
        if kit["open"]:
            parts.append(kit["open"].replace(rowactions.PLACEHOLDER, str(escape(pk))))
        parts.append("</td>")
        return Markup("".join(parts))

    def _row_kit(self, context, list_columns):
        """What every row of this page shares, worked out once a request."""
        kits = g.setdefault("_gridadmin_row_kits", {})
        if id(self) not in kits:
            cards, title = self.card_columns(), self.card_title_column()
            cells = []
            for name, label in list_columns:
                css = f"col-{escape(name)}"
                css += " list-card-hide" if name not in cards else (" list-card-title" if name == title else "")
                data = "" if name == title else f' data-label="{escape(label)}"'
                cells.append((name, f'<td class="{css}"{data}>'))
            open_button = ""
            if self.can_view_details:
                url = self.get_url(".details_view", id=rowactions.PLACEHOLDER, url=context.get("return_url"))
                open_button = f'<a class="btn btn-primary btn-block" href="{escape(url)}">{escape(gettext("Open"))}</a>'
            kits[id(self)] = {"cells": cells, "open": open_button, "select": gettext("Select %(record)s")}
        return kits[id(self)]

    # --- the list's rows: cards, labels, the actions each row allows ------

    def card_columns(self):
        names = [name for name, _label in self._list_columns]
        return [name for name in (self.column_card_list or names[:5]) if name in names]

    def card_title_column(self):
        columns = self.card_columns()
        if self.column_card_title in columns:
            return self.column_card_title
        return columns[0] if columns else None

    def row_label(self, row):
        """How a row's checkbox is named to a screen reader."""
        return str(row)

    ROW_ACTIONS = {template.EditRowAction: permissions.EDIT, template.EditPopupRowAction: permissions.EDIT,
                   template.DeleteRowAction: permissions.DELETE}

    def row_action_allowed(self, action, row):
        """Show a row's edit or delete button only where the user may take
        it on that row (a final ticket offers no edit icon that answers 403)."""
        needed = self.ROW_ACTIONS.get(type(getattr(action, "action", action)))
        return needed is None or self.has_permission(needed, row)

    def get_list_row_actions(self):
        # View / edit / delete buttons: rendered once per page, each row's id
        # swapped in (a third of a list page's time otherwise; rowactions.py).
        return rowactions.once_per_page(super().get_list_row_actions())
    # --- filters: choices become drop-downs, in the user's language -------

    def scaffold_filters(self, name):
        field = getattr(self.model, name, None) if isinstance(name, str) else name
        if field is not None and getattr(field, "choices", None) and field.model is self.model:
            label = self.get_column_name(field.name)
            opts = choices(field.choices)
            return [pw_filters.FilterEqual(field, label, options=opts),
                    pw_filters.FilterNotEqual(field, label, options=opts)]
        found = super().scaffold_filters(name)
        # Text filters take what is typed literally, like the search box.
        return [LITERAL_FILTERS[type(f)](f.column, f.name, f.options, f.data_type) if type(f) in LITERAL_FILTERS
                else f for f in found or ()] or found

    def _get_filter_groups(self):
        role = getattr(current_user, "role", None) if has_request_context() else None
        return frame.filter_groups((self.endpoint, str(get_locale()), role), self._filter_groups_now)

    def _filter_groups_now(self):
        groups = super()._get_filter_groups()
        if not groups:
            return groups
        shown = {}
        for label, items in groups.items():
            kept = []
            for item in items:
                flt = self._filters[item["index"]]
                if not self._filter_allowed(flt):
                    continue
                if isinstance(flt, LookupFilter):  # admins edit these tables: read them now
                    item = {**item, "options": [(k, str(v)) for k, v in flt.get_options(self) or ()] or None}
                kept.append(item)
            if kept:
                shown[label] = kept
        return shown

    # --- saving: one transaction, rules shown on the form -----------------

    def prepare_save(self, form, obj, is_created):
        """Slow work a save needs (hashing a password, resizing photos), done
        before its transaction opens: on SQLite that transaction holds the
        write lock. Returns what ``save_record`` gets as ``prepared``."""
        return {}

    def save_record(self, obj, is_created, prepared):
        """Write one record (only its changed fields, under its version
        check); views with rules of their own call their service here."""
        records.save(obj, is_created)

    def after_record_save(self, obj, is_created, prepared):
        """Inside the save's transaction, after the record and its log entry."""

    def record_save(self, user, obj, is_created, changes):
        """Log the save; a view whose service logs it already says so here."""
        audit.record("create" if is_created else "update", user=user, address=client_address(), obj=obj,
                     changes=changes)

    def _restrict_form(self, form):
        """Drop the fields a role may not edit or that come from its binding."""
        editable = permissions.editable_fields(current_user, self.endpoint)
        forced = permissions.forced_fields(current_user, self.endpoint)
        for name in list(form._fields):
            if name == "csrf_token":
                continue
            if name in forced or (editable is not None and name not in editable):
                del form[name]
                continue
            _valid_select(form[name])
        return form

    def scaffold_form(self):
        form_class = super().scaffold_form()
        if issubclass(self.model, VersionedModel) and not hasattr(form_class, "version"):
            form_class.version = VersionField()  # the version the edit form was read at
        return form_class

    def create_form(self, obj=None):
        return self._restrict_form(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._restrict_form(super().edit_form(obj))

    def _save(self, form, obj, is_created):
        user = current_user._get_current_object()
        before = {} if is_created else audit.snapshot(obj)
        read = {} if is_created else dict(obj.__data__)
        try:
            prepared = self.prepare_save(form, obj, is_created)
            with db.atomic():
                form.populate_obj(obj)  # the version field sets the version the form was read at
                for field, source in permissions.forced_fields(user, self.endpoint).items():
                    setattr(obj, f"{field}_id", getattr(user, f"{source}_id") if source else None)
                self._on_model_change(form, obj, is_created)
                if not is_created:
                    if getattr(obj, "version", None) != read.get("version"):
                        raise StaleRecord(obj, obj.version)  # someone saved since the form was opened
                    obj.keep_changes(read)  # write only what the user changed
                self.save_record(obj, is_created, prepared)
                for field in form._fields.values():
                    if isinstance(field, InlineRows):
                        field.save_related(obj, actor=user, address=client_address())
                # A record may only be saved where its author can see it: a
                # POST naming a grid, team or org out of scope changes nothing.
                if not scope.can_see(user, obj):
                    raise RuleError("You can only save records within your own part of the grid.")
                self.record_save(user, obj, is_created, audit.diff(before, audit.snapshot(obj)))
                self.after_record_save(obj, is_created, prepared)
        except StaleRecord as error:
            self._restore(obj, read)
            flash(conflicts.message(error, self), "error")
            return False
        except InUse as error:
            self._restore(obj, read)
            flash(in_use_message(error), "error")
            return False
        except RuleError as error:
            self._restore(obj, read)
            message = rule_message(error)
            if error.field and error.field in form:
                form[error.field].errors = [*form[error.field].errors, message]
            flash(message, "error")
            return False
        except IntegrityError:
            self._restore(obj, read)
            flash(gettext("The record conflicts with existing records and was not saved."), "error")
            return False
        self.after_model_change(form, obj, is_created)
        return obj

    @staticmethod
    def _restore(obj, read):
        """After a refused save, the object is what was read again (the form
        keeps the user's input; the page must not show unsaved values as stored)."""
        if read:
            obj.__data__ = dict(read)
            obj.__rel__ = {}
            obj._dirty = set()

    def create_model(self, form):
        return self._save(form, self.model(), True)

    def update_model(self, form, model):
        return bool(self._save(form, model, False))

    # --- deleting: never a silent cascade ---------------------------------

    def _delete(self, objs, read_versions):
        """Delete all or none (audited by the service); each must be the
        user's to delete, and unchanged since the page showed it."""
        for obj in objs:
            if not self.has_permission(permissions.DELETE, obj):
                abort(403)
            self.on_model_delete(obj)
        return records.delete_records(objs, actor=current_user._get_current_object(), address=client_address(),
                                      read_versions=read_versions)

    def delete_model(self, model):
        try:
            self._delete([model], {model.id: parse_version(request.form.get("version"))})
        except InUse as error:
            flash(in_use_message(error), "error")
            return False
        except StaleRecord as error:
            flash(conflicts.message(error, self, saving=False) + " " + gettext("Nothing was deleted."), "error")
            return False
        self.after_model_delete(model)
        return True

    def get_selected(self, ids):
        """The records a bulk action names that lie in scope (others are left
        alone, as if missing), each unchanged since the list showed it: the
        page posts the version of every ticked row (``version-<id>``,
        static/js/versions.js)."""
        pks = [parse_id(i) for i in ids]
        if None in pks:
            abort(404)
        objs = list(self.get_query().where(self.model.id.in_(pks)))
        for obj in objs:
            read = parse_version(request.form.get(f"version-{obj.id}"))
            if read is not None and getattr(obj, "version", read) != read:
                raise StaleRecord(obj, read)
        return objs

    def selected_versions(self, objs):
        return {obj.id: parse_version(request.form.get(f"version-{obj.id}")) for obj in objs}

    @action("delete", lazy_gettext("Delete"), lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        try:
            objs = self.get_selected(ids)
            count = self._delete(objs, self.selected_versions(objs))
        except InUse as error:
            flash(in_use_message(error) + " " + gettext("Nothing was deleted."), "error")
            return
        except StaleRecord as error:
            flash(conflicts.message(error, self, saving=False) + " " + gettext("Nothing was deleted."), "error")
            return
        flash(ngettext("Record was successfully deleted.", "%(count)s records were successfully deleted.",
                       count, count=count), "success")

    def handle_action(self, return_view=None):
        # Any bulk action refused because a ticked record changed since the
        # page showed it (get_selected) says so, like a refused save.
        try:
            return super().handle_action(return_view)
        except StaleRecord as error:
            flash(conflicts.message(error, self, saving=False) + " " + gettext("Nothing was changed."), "error")
            return redirect(get_redirect_target() or self.get_url(".index_view"))

class InlineConverter(ModelView.inline_model_form_converter):
    inline_field_list_type = InlineRows

    def get_info(self, p):
        info = super().get_info(p)
        # Each inline row carries the version it was read at, like any form.
        columns = info.form_columns
        if columns and issubclass(info.model, VersionedModel) and "version" not in columns:
            info.form_columns = (*columns, "version")
        return info


BaseModelView.inline_model_form_converter = InlineConverter


def link(view_endpoint, obj, text=None):
    """A link to a record's details page, for list and detail formatters."""
    if obj is None:
        return ""
    url = url_for(f"{view_endpoint}.details_view", id=obj.id)
    return Markup('<a href="{}">{}</a>').format(url, text if text is not None else obj)
