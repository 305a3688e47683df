"""Exports and import templates, from the resources' declarations.

An export writes the columns a resource declares (those the user may see),
headers in the user's language, choice labels rather than codes, yes/no
words, references by the key the import reads back (a grid's code, a
category's name), and local times: the import takes such a file back
unchanged. Rows are streamed (openpyxl's write-only workbook, or CSV line
by line), so memory stays bounded however long the list.
"""

import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal

from peewee import chunked

from ..models.base import N_
from . import clock, spreadsheets
from .imports import header_for, translate
from .resources import BOOL, CHOICE, DATE, DATETIME, LINES, REF

EXAMPLE = N_("Example")
NOTES_REQUIRED = N_("Required.")
NOTES_CHOICES = N_("One of: %(values)s.")
TEMPLATE_ROWS = 2000  # rows of the template that get the drop-downs


def local_time(value, tz):
    return value.replace(tzinfo=UTC).astimezone(clock.zone(tz)).replace(tzinfo=None)


class Formatter:
    """Turns a record's stored values into the cells of an export row."""

    def __init__(self, resource, locale, tz, columns, text=False):
        self.resource = resource
        self.locale = locale
        self.tz = tz
        self.columns = columns
        self.text = text  # CSV: every value as text
        self.yes = translate(locale, N_("Yes"))
        self.no = translate(locale, N_("No"))
        self._labels = {c.name: {v: translate(locale, label) for v, label in c.choices}
                        for c in columns if c.kind == CHOICE}
        self._converters = {}

    def headers(self):
        return [header_for(c, self.locale) for c in self.columns]

    def cell(self, column, value):
        if value is None:
            return None
        return self._converter(column)(value)

    def _converter(self, column):
        """One function per column turning a stored value into its cell."""
        found = self._converters.get(column.name)
        if found is not None:
            return found
        kind, text, zone = column.kind, self.text, clock.zone(self.tz)
        if kind == CHOICE:
            labels = self._labels[column.name]
            found = lambda v: labels.get(v, v)  # noqa: E731
        elif kind == BOOL:
            yes, no = self.yes, self.no
            found = lambda v: yes if v else no  # noqa: E731
        elif kind == DATETIME:
            def found(v):
                if not isinstance(v, datetime):
                    return v
                local = v.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
                return local.strftime("%Y-%m-%d %H:%M:%S") if text else local
        elif kind == DATE:
            found = (lambda v: v.isoformat() if isinstance(v, date) else v) if text else (lambda v: v)  # noqa: E731
        elif kind == LINES:
            found = lambda v: "\n".join(v) if isinstance(v, (list, tuple)) else v  # noqa: E731
        else:
            def found(v):
                if isinstance(v, Decimal):
                    return str(v) if text else (int(v) if v == v.to_integral_value() else float(v))
                return v
        self._converters[column.name] = found
        return found

    def row(self, obj):
        return [self.cell(c, self.resource.export_value(obj, c)) for c in self.columns]

    def converters(self):
        return [self._converter(c) for c in self.columns]


REF_CACHE_LIMIT = 200_000  # referenced names kept across batches of one export


def query_rows(resource, query, locale, tz, allowed=None, text=False, size=2000):
    """The header row, then the rows of ``query`` (a list's query: scope,
    filters, sort) streamed from one cursor as plain tuples: referenced rows'
    keys (a grid's code, a category's name) looked up once per export and
    batch, never one query per row, and no model objects built."""
    columns = visible_columns(resource, allowed)
    formatter = Formatter(resource, locale, tz, columns, text=text)
    yield formatter.headers()
    if not resource.plain_export:
        for obj in batched(resource, query.iterator()):
            yield formatter.row(obj)
        return
    model = resource.model
    fields = [getattr(model, c.name) for c in columns]
    refs = [(i, c, {}) for i, c in enumerate(columns) if c.kind == REF]
    converters = formatter.converters()
    batch = []

    def emit(batch):
        for index, column, cache in refs:
            if len(cache) > REF_CACHE_LIMIT:
                cache.clear()
            missing = {row[index] for row in batch} - cache.keys() - {None}
            if missing:
                rel = column.ref.model
                show = getattr(rel, column.ref.show)
                for chunk in chunked(list(missing), 500):
                    cache.update(rel.select(rel.id, show).where(rel.id.in_(chunk)).tuples())
        for row in batch:
            values = list(row)
            for index, _column, cache in refs:
                values[index] = cache.get(values[index])
            yield [None if v is None else convert(v) for convert, v in zip(converters, values, strict=True)]

    for row in query.select(*fields).tuples().iterator():
        batch.append(row)
        if len(batch) >= size:
            yield from emit(batch)
            batch = []
    if batch:
        yield from emit(batch)


def visible_columns(resource, allowed=None):
    """The resource's columns, less those the user may not see."""
    return [c for c in resource.columns if allowed is None or c.name in allowed]


def rows(resource, objs, locale, tz, allowed=None, text=False):
    """The header row, then one row per record."""
    formatter = Formatter(resource, locale, tz, visible_columns(resource, allowed), text=text)
    yield formatter.headers()
    for obj in objs:
        yield formatter.row(obj)


def write(kind, table_rows, title="Sheet1"):
    """The rows as a file: a generator of bytes for CSV, a temporary file
    (rewound) for .xlsx."""
    if kind == spreadsheets.CSV:
        writer = spreadsheets.CsvWriter()
        return (writer.row(r) for r in table_rows)
    target = tempfile.TemporaryFile()
    spreadsheets.write_xlsx(table_rows, target, title=title)
    target.seek(0)
    return target


# --- the import template ---------------------------------------------------------

def template(resource, locale, fileobj, lookups=None):
    """The import template (.xlsx): headers in the user's language with a
    comment saying what each column takes (bold: required), drop-downs for
    choice columns, yes/no and small lookup tables, and an example row on a
    sheet of its own. ``lookups``: {column name: [values]} of the small
    reference tables (categories, sources, departments)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    lookups = lookups or {}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = translate(locale, resource.title)[:31]
    lists = workbook.create_sheet("lists")
    lists.sheet_state = "hidden"
    formatter = Formatter(resource, locale, "Asia/Shanghai", list(resource.columns))
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    list_col = 0
    for index, column in enumerate(resource.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=header_for(column, locale))
        cell.font = Font(bold=column.required, color="C00000" if column.required else "000000")
        cell.fill = header_fill
        sheet.column_dimensions[letter].width = max(12, len(str(cell.value)) * 2 + 4)
        notes = []
        if column.required:
            notes.append(translate(locale, NOTES_REQUIRED))
        if column.note:
            notes.append(translate(locale, column.note))
        values = None
        if column.kind == CHOICE:
            values = [translate(locale, label) for _v, label in column.choices]
        elif column.kind == BOOL:
            values = [formatter.yes, formatter.no]
        elif column.ref is not None and column.ref.small:
            values = [str(v) for v in lookups.get(column.name, ())]
        if values:
            notes.append(translate(locale, NOTES_CHOICES, values="、".join(values[:30])))
            list_col += 1
            list_letter = get_column_letter(list_col)
            for row, value in enumerate(values, start=1):
                lists.cell(row=row, column=list_col, value=value)
            validation = DataValidation(type="list", formula1=f"lists!${list_letter}$1:${list_letter}${len(values)}",
                                        allow_blank=not column.required, showDropDown=False)
            validation.error = translate(locale, N_("Not one of: %(values)s."), values="、".join(values[:30]))
            validation.showErrorMessage = True
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
        if notes:
            cell.comment = Comment("\n".join(notes), "gridadmin", width=300, height=120)
    sheet.freeze_panes = "A2"
    example = workbook.create_sheet(translate(locale, EXAMPLE)[:31])
    example.append(formatter.headers())
    # Examples are written as people type them (times already local).
    example.append([c.example if c.kind == DATETIME else formatter.cell(c, c.example) for c in resource.columns])
    workbook.save(fileobj)


def lookup_values(resource):
    """{column: [names]} of the small lookup tables a template offers in
    drop-downs (active rows, in their sort order)."""
    found = {}
    for column in resource.columns:
        if column.ref is not None and column.ref.small:
            rel = column.ref.model
            query = rel.select(getattr(rel, column.ref.show))
            if hasattr(rel, "active"):
                query = query.where(rel.active == True)  # noqa: E712
            if hasattr(rel, "sort_order"):
                query = query.order_by(rel.sort_order, rel.id)
            found[column.name] = [v for (v,) in query.tuples()]
    return found


# --- records for an export, in batches ---------------------------------------------

def prefetch(resource, objs):
    """Load the related rows a batch's reference columns show: one query per
    column, only for rows that do not have them loaded already."""
    for column in resource.columns:
        if column.ref is None:
            continue
        name = column.name
        missing = {o.__data__.get(name) for o in objs if name not in o.__rel__} - {None}
        if not missing:
            continue
        rel = column.ref.model
        related = {r.id: r for r in rel.select().where(rel.id.in_(list(missing)))}
        for obj in objs:
            target = related.get(obj.__data__.get(name))
            if target is not None:
                obj.__rel__[name] = target
    resource.prefetch(objs)


def batched(resource, objs, size=500):
    """``objs`` again, with their references loaded a batch at a time."""
    batch = []
    for obj in objs:
        batch.append(obj)
        if len(batch) >= size:
            prefetch(resource, batch)
            yield from batch
            batch = []
    if batch:
        prefetch(resource, batch)
        yield from batch


def records(resource, user, size=1000):
    """Every record of the resource the user may see, by id, a page at a time
    (keyset pagination: each page one index range)."""
    from . import scope

    model = resource.model
    last = 0
    while True:
        page = list(scope.visible(model, user).where(model.id > last).order_by(model.id).limit(size))
        if not page:
            return
        prefetch(resource, page)
        yield from page
        last = page[-1].id
