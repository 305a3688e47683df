"""Imports: a spreadsheet's rows become records through the same rules,
scope and saves as the forms, all or nothing.

``run(resource, path, …, dry_run=True)`` is the preview: it reads the file,
checks every row and says how many records would be created, updated or left
unchanged, and every error by Excel row and column, in the user's language,
writing nothing. ``dry_run=False`` does the same and then writes, in one
transaction: an error anywhere, even in the last row, writes nothing.

The work is streamed so that a country's division codes (≈ 664,000 rows)
fit in bounded memory: the file is read and parsed row by row into a private
SQLite staging file before any transaction opens (the slow part); the rows
are then checked and written in batches, parents before children, with
references and existing records looked up a batch at a time. Creates of
resources that allow it (grids) are inserted many rows per statement, with
their tree paths computed in bulk; updates always go through the versioned
save (only changed fields, version bumped), so a form opened before the
import is refused instead of silently overwriting it.
"""

import json
import os
import pickle
import secrets
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter
from types import SimpleNamespace

from babel.support import Translations
from peewee import CharField, ForeignKeyField, IntegerField, IntegrityError, SqliteDatabase, chunked, fn

from ..models import ImportLog, User, db, utcnow
from ..models.base import N_, StaleRecord
from . import audit, planner, scope, spreadsheets, trees, users
from .errors import InUse, Label, RuleError
from .resources import CHOICE, REF, CellError, Context, parse_cell

TRANSLATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                            "translations")
LOCALES = ("zh_Hans_CN", "zh_Hant_TW", "en")
DEFAULT_LOCALE = "zh_Hans_CN"
BATCH = 2000
SHOWN_ERRORS = 500  # errors listed in a report; the error file has them all
BULK_CACHE_KB = 96 * 1024  # SQLite's page cache while an import writes

# Who imports as no one in particular (the command line without --as): an
# administrator's rights, logged as the command line.
SYSTEM = SimpleNamespace(id=None, role="admin", username="(cli)", grid_id=None, department_id=None, team_id=None)

NOTHING_TO_CHANGE = N_("Nothing to change: every row matches the records as they are.")
CONFLICT = N_("The record conflicts with existing records and was not saved.")


# --- the user's language, outside a request ----------------------------------------

@lru_cache(maxsize=8)
def _catalogue(locale):
    return Translations.load(TRANSLATIONS, [locale], domain="messages")


def translate(locale, message, **params):
    params = {k: _catalogue(locale).ugettext(v) if isinstance(v, Label) else v for k, v in params.items()}
    text = _catalogue(locale).ugettext(message)
    return text % params if params else text


def header_for(column, locale):
    return translate(locale, column.header)


def _norm(text):
    return "".join(str(text).split()).casefold().rstrip("*").replace("（", "(").replace("）", ")")


@lru_cache(maxsize=64)
def _header_map(resource_name):
    """Every header a column is known by: its field name, its aliases and its
    label in each language."""
    from .resources import get

    found = {}
    for column in get(resource_name).columns:
        names = {column.name, column.header, *column.aliases, *(translate(loc, column.header) for loc in LOCALES)}
        for name in names:
            found.setdefault(_norm(name), column)
    return found


@lru_cache(maxsize=64)
def _choice_map(resource_name, column_name):
    """A choice column's values by code and by label in each language."""
    from .resources import get

    column = get(resource_name).column(column_name)
    found = {}
    for value, label in column.choices:
        for name in (value, label, *(translate(loc, label) for loc in LOCALES)):
            found.setdefault(_norm(name), value)
    return found


def choice_label(column, value, locale):
    labels = dict(column.choices)
    return translate(locale, labels[value]) if value in labels else value


def column_letter(index):
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# --- the report ------------------------------------------------------------------

@dataclass
class RowError:
    row: int  # Excel's row number (the header is row 1)
    column: str | None  # "C (上级代码)", or None for the whole row
    message: str  # in the user's language

    def __str__(self):
        where = f"{self.row}" + (f" {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class Report:
    resource: str
    file_name: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    errors: list = field(default_factory=list)  # the first SHOWN_ERRORS RowErrors
    log: object = None  # the ImportLog, once written
    passwords: list = field(default_factory=list)  # [(username, one-time password)] of new users
    versions: dict = field(default_factory=dict)  # {id: version} of the records to update, as read
    rows: int = 0

    @property
    def ok(self):
        return self.error_count == 0

    @property
    def changes(self):
        return self.created + self.updated


class _Abort(Exception):
    """Rolls the import's transaction back when any row failed."""


# --- staging: the parsed file, outside the database ------------------------------

class Staging:
    """The parsed rows in a private SQLite file (never the app's database):
    bounded memory, however large the upload."""

    def __init__(self):
        fd, self.path = tempfile.mkstemp(prefix="gridadmin-import-", suffix=".db")
        os.close(fd)
        self.conn = sqlite3.connect(self.path)
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("CREATE TABLE rows (row INTEGER PRIMARY KEY, sort INTEGER, key TEXT, data BLOB, bad INTEGER)")
        self.conn.execute("CREATE TABLE errors (row INTEGER, col INTEGER, message TEXT, params BLOB)")

    def close(self):
        self.conn.close()
        try:
            os.remove(self.path)
        except OSError:
            pass

    def add_rows(self, rows):
        self.conn.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?)", rows)

    def add_error(self, row, col, message, params=None):
        self.conn.execute("INSERT INTO errors VALUES (?, ?, ?, ?)",
                          (row, col, message, pickle.dumps(params or {})))

    def index(self):
        self.conn.execute("CREATE INDEX rows_key ON rows (key)")
        self.conn.execute("CREATE INDEX rows_sort ON rows (sort, row)")
        self.conn.execute("CREATE INDEX errors_row ON errors (row)")

    def duplicates(self):
        return self.conn.execute("SELECT key, GROUP_CONCAT(row) FROM rows WHERE key IS NOT NULL "
                                 "GROUP BY key HAVING COUNT(*) > 1")

    def batches(self, size=BATCH):
        """Good rows in write order, a batch never spanning two sort keys (a
        parent and its child are never in one batch)."""
        cursor = self.conn.execute("SELECT row, sort, data, bad FROM rows ORDER BY sort, row")
        batch, sort = [], None
        for row, key, data, bad in cursor:
            if batch and (key != sort or len(batch) >= size):
                yield batch
                batch = []
            sort = key
            values = pickle.loads(data)
            if bad:
                values[BAD] = True
            batch.append((row, values))
        if batch:
            yield batch

    def by_keys(self, keys):
        found = {}
        for chunk in chunked(list(keys), 500):
            marks = ",".join("?" * len(chunk))
            for key, data in self.conn.execute(f"SELECT key, data FROM rows WHERE key IN ({marks})", chunk):
                found[key] = pickle.loads(data)
        return found

    def error_count(self):
        return self.conn.execute("SELECT COUNT(*) FROM errors").fetchone()[0]

    def errors(self, limit=None):
        sql = "SELECT row, col, message, params FROM errors ORDER BY row, col"
        if limit:
            sql += f" LIMIT {int(limit)}"
        for row, col, message, params in self.conn.execute(sql):
            yield row, col, message, pickle.loads(params)


def _key_text(values):
    if len(values) == 1:
        return None if values[0] is None else str(values[0])
    if any(v is None for v in values):
        return None
    return json.dumps([str(v) for v in values], ensure_ascii=False)


def _select_in(model, clause_fields, values, fields=None):
    """``model`` rows whose ``clause_fields`` (any of them) hold one of
    ``values``, with only ``fields`` loaded when given (besides the id): plain
    SQL through the cursor, since building a long IN list through the query
    builder costs more than running it."""
    values = list(values)
    found = []
    table = model._meta.table_name
    names = ["id", *(f for f in fields if f != "id")] if fields else [f.name for f in model._meta.sorted_fields]
    loaded = [model._meta.fields[n] for n in names]
    columns = ", ".join(f'"{f.column_name}"' for f in loaded)
    convert = [(i, f.python_value) for i, f in enumerate(loaded) if not isinstance(f, (CharField, IntegerField,
                                                                                        ForeignKeyField))]
    for chunk in chunked(values, 500):
        marks = ", ".join([db.obj.param] * len(chunk))
        where = " OR ".join(f'"{getattr(model, f).column_name}" IN ({marks})' for f in clause_fields)
        for row in db.execute_sql(f'SELECT {columns} FROM "{table}" WHERE {where}', list(chunk) * len(clause_fields)):
            row = list(row)
            for index, conv in convert:
                if row[index] is not None:
                    row[index] = conv(row[index])
            obj = model.__new__(model)
            obj.__data__ = dict(zip(names, row, strict=True))
            obj._dirty = set()
            obj.__rel__ = {}
            found.append(obj)
    return found


# --- running an import -------------------------------------------------------------

class Importer:
    def __init__(self, resource, user, tz, today, locale, file_name):
        self.resource = resource
        self.user = user or SYSTEM
        self.tz = tz
        self.today = today
        self.locale = locale
        self.file_name = file_name
        self.staging = Staging()
        self.columns = {}  # file column index -> Column
        self.headers = {}  # column name -> (index, header as typed)

    # pass 1: read and parse every row into staging (no database) ---------------

    def read(self, rows):
        rows = iter(rows)
        header = next(rows, None)
        if not header:
            self.error(1, None, N_("The file is empty: the first row must hold the column headers."))
            return
        known = _header_map(self.resource.name)
        for index, text in enumerate(header):
            if text is None:
                continue
            column = known.get(_norm(text))
            if column is None:
                self.error(1, index, N_("Unknown column “%(name)s”."), name=str(text))
            elif column.name in self.headers:
                self.error(1, index, N_("The column “%(name)s” appears twice."), name=str(text))
            else:
                self.columns[index] = column
                self.headers[column.name] = (index, str(text))
        for column in self.resource.columns:
            if column.required and column.name not in self.headers:
                self.error(1, None, N_("The required column “%(name)s” is missing."),
                           name=header_for(column, self.locale))
        for name in self.resource.key:
            column = self.resource.column(name)
            if name not in self.headers and not column.required and not self.resource.key_optional:
                self.error(1, None, N_("The required column “%(name)s” is missing."),
                           name=header_for(column, self.locale))
        if self.bad_header:
            return
        batch = []
        for number, cells in enumerate(rows, start=2):
            if not any(c is not None for c in cells):
                continue  # a blank row
            values, bad = {}, False
            # Every headed column is known by now: a value elsewhere has no header.
            stray = next((i for i, c in enumerate(cells) if c is not None and i not in self.columns), None)
            if stray is not None:
                self.error(number, stray, N_("A value in a column without a header."))
                bad = True
            for index, column in self.columns.items():
                raw = cells[index] if index < len(cells) else None
                try:
                    value = parse_cell(column, raw, self.tz)
                    if value is not None and column.kind == CHOICE:
                        value = self._choice(column, value)
                except CellError as error:
                    self.error(number, index, error.message, **error.params)
                    bad = True
                    continue
                values[column.name] = value
            for name in self.resource.key:
                if name in self.headers and values.get(name) is None and not self.resource.key_optional \
                        and not self.resource.column(name).required:
                    self.error(number, self.headers[name][0], N_("Required."))
                    bad = True
            key = _key_text([values.get(name) for name in self.resource.key])
            batch.append((number, self.resource.sort_key(values), key, pickle.dumps(values), int(bad)))
            if len(batch) >= BATCH:
                self.staging.add_rows(batch)
                batch = []
        self.staging.add_rows(batch)
        self.staging.index()
        for _key, numbers in self.staging.duplicates().fetchall():
            numbers = sorted(int(n) for n in numbers.split(","))
            index = self.headers[self.resource.key[0]][0] if self.resource.key[0] in self.headers else None
            for number in numbers[1:]:
                self.error(number, index, N_("The same key as row %(row)s: each record may appear once in a file."),
                           row=numbers[0])
                self.staging.conn.execute("UPDATE rows SET bad = 1 WHERE row = ?", (number,))

    @property
    def bad_header(self):
        return self.staging.conn.execute("SELECT 1 FROM errors WHERE row = 1 LIMIT 1").fetchone() is not None

    def _choice(self, column, value):
        found = _choice_map(self.resource.name, column.name).get(_norm(value))
        if found is None:
            labels = "、".join(translate(self.locale, label) for _v, label in column.choices)
            raise CellError(N_("Not one of: %(values)s."), values=labels)
        return found

    def error(self, _row, _col, _message, **params):
        self.staging.add_error(_row, _col, _message, params)

    # pass 2: check (and write) batch by batch ---------------------------------------

    def check(self, write, prepared=None, expected_versions=None):
        ctx = Context(user=self.user, tz=self.tz, today=self.today, prepared=prepared or {})
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        versions = {}
        for batch in self.staging.batches():
            self._batch(batch, ctx, write, counts, versions, expected_versions)
        return counts, versions, ctx

    def _batch(self, batch, ctx, write, counts, versions, expected_versions):
        resource, model = self.resource, self.resource.model
        refs = self._resolve(batch)
        existing = self._existing(batch, refs)
        self._mark_scope([o for o in existing.values() if o is not None and o != "ambiguous"])
        defaults = model._meta.get_default_dict()  # once a batch (its rows share a creation time)
        self._stubs = {}
        column_of = {c.name: c for c in resource.columns}
        creates = []
        for number, values in batch:
            if values.get(BAD):
                for name, value in values.items():
                    problem = refs.get(name, {}).get(value, (None, None))[1] if name != BAD else None
                    if problem:
                        self.error(number, self._col(name), problem, value=value)
                continue
            obj = existing.get(number)
            if obj == "ambiguous":
                self.error(number, self._col(resource.key[0]),
                           N_("More than one existing record has this key; correct them first."))
                continue
            if obj is not None and not obj.in_scope:
                self.error(number, self._col(resource.key[0]), N_("This record is outside your part of the grid."))
                continue
            is_created = obj is None
            obj = obj if obj is not None else self._new(defaults)
            read = None if is_created else dict(obj.__data__)
            changed, bad = [], False
            for name, value in values.items():
                column = column_of[name]
                if column.kind == REF and value is not None:
                    target, problem = refs[name].get(value, (None, None))
                    if problem:
                        self.error(number, self._col(name), problem, value=value)
                        bad = True
                        continue
                    in_scope = target is None or target is _IN_FILE or target.in_scope
                    value = target
                    if not in_scope and (is_created or obj.__data__.get(name) != value.id):
                        self.error(number, self._col(name), N_("“%(value)s” is outside your part of the grid."),
                                   value=values[name])
                        bad = True
                        continue
                if value is None:
                    field_ = model._meta.fields.get(name)
                    # Empty: the default for a new record; for a stored one,
                    # cleared where the field may be empty, else kept.
                    if is_created or field_ is None or not field_.null:
                        continue
                if value is _IN_FILE:
                    value = self._stub(values[name])
                if is_created or not resource.compare(obj, name, value):
                    changed.append(name)
                    resource.assign(obj, name, value)
            if bad:
                continue
            if not is_created and not changed:
                counts["unchanged"] += 1
                continue
            try:
                resource.fill(obj, values, ctx)
                if is_created and self.user.role != "admin" and resource.scope_refs and not any(
                        obj.__data__.get(name) is not None or obj.__rel__.get(name) is not None
                        for name in resource.scope_refs):
                    raise RuleError(N_("This record would be outside your part of the grid."),
                                    field=resource.scope_refs[0])
                resource.check(obj, values, ctx)
            except RuleError as error:
                self.error(number, self._col(error.field), error.message, **error.params)
                continue
            if is_created:
                counts["created"] += 1
                creates.append((number, obj, values))
                continue
            counts["updated"] += 1
            versions[obj.id] = obj.version
            if expected_versions is not None and expected_versions.get(obj.id, obj.version) != obj.version:
                self.error(number, None, N_("Someone changed this record after the preview; preview the file again."))
                continue
            if write:
                self._update(number, obj, values, ctx, read)
        if write and creates:
            self._create(creates, ctx)

    def _col(self, name):
        return self.headers[name][0] if name in self.headers else None

    def _mark_scope(self, objs):
        """Set ``in_scope`` on stored records: one query for a batch."""
        model = self.resource.model
        clause = scope.condition(model, self.user)
        ids = [o.id for o in objs]
        if clause is None:
            seen = set(ids)
        else:
            seen = set()
            for chunk in chunked(ids, 500):
                seen.update(i for (i,) in model.select(model.id).where(clause & model.id.in_(chunk)).tuples())
        for obj in objs:
            obj.in_scope = obj.id in seen

    def _new(self, defaults):
        """A new record with the model's defaults (computed once a batch):
        what ``Model()`` makes, without its per-field work."""
        model = self.resource.model
        obj = model.__new__(model)
        obj.__data__ = dict(defaults)
        obj._dirty = set(defaults)
        obj.__rel__ = {}
        return obj

    def _stub(self, typed):
        """A parent that is a row of the same file, not written yet (preview);
        one per parent and batch."""
        stub = self._stubs.get(typed)
        if stub is None:
            data = self._in_file.get(typed, {})
            stub = self.resource.model(**{k: v for k, v in data.items()
                                          if self.resource.column(k).kind not in (REF,) and k != "items"})
            self.resource.fill(stub, data, None)
            self._stubs[typed] = stub
        return stub

    def _resolve(self, batch):
        """{column: {typed value: (object with .in_scope, or _IN_FILE, error)}},
        one query per referenced column and batch."""
        resource = self.resource
        found = {}
        self._in_file = {}
        for column in resource.columns:
            if column.kind != REF or column.name not in self.headers:
                continue
            typed = {values[column.name] for _n, values in batch if values.get(column.name) is not None}
            results = found[column.name] = {}
            if not typed:
                continue
            ref = column.ref
            rel = ref.model
            # By code first; by name only what no code matched.
            candidates = _select_in(rel, ref.by[:1], typed, ref.fields)
            if len(ref.by) > 1:
                matched = {str(getattr(c, ref.by[0])) for c in candidates}
                rest = [v for v in typed if v not in matched]
                if rest:
                    seen_ids = {c.id for c in candidates}
                    candidates += [c for c in _select_in(rel, ref.by[1:], rest, ref.fields) if c.id not in seen_ids]
            visible = scope.condition(rel, self.user)
            if visible is None or not candidates:
                seen = {c.id for c in candidates}
            else:
                seen = {i for (i,) in rel.select(rel.id).where(visible & rel.id.in_([c.id for c in candidates]))
                        .tuples()}
            for obj in candidates:
                obj.in_scope = obj.id in seen
            for value in typed:
                hits = []
                for name in ref.by:
                    hits = [c for c in candidates if str(getattr(c, name)) == value]
                    if hits:
                        break
                if len(hits) > 1:
                    mine = [c for c in hits if c.in_scope]
                    hits = mine if mine else hits
                if len(hits) == 1:
                    results[value] = (hits[0], None)
                elif hits:
                    results[value] = (None, N_("More than one record is called “%(value)s”; use its code."))
                elif column.name == resource.tree_parent:
                    results[value] = (_IN_FILE, None)
                else:
                    results[value] = (None, N_("No record “%(value)s” found."))
            if column.name == resource.tree_parent:
                pending = [v for v, (obj, _e) in results.items() if obj is _IN_FILE]
                in_file = self.staging.by_keys(_key_text([v]) for v in pending) if pending else {}
                for value in pending:
                    data = in_file.get(_key_text([value]))
                    if data is None:
                        results[value] = (None, N_("No record “%(value)s” found, neither stored nor in this file."))
                    else:
                        self._in_file[value] = data
        return found

    def _existing(self, batch, refs):
        """{row number: the stored record its natural key matches, or "ambiguous"}."""
        resource, model = self.resource, self.resource.model
        key = resource.key
        found = {}
        if len(key) == 1 and resource.column(key[0]).kind != REF:
            typed = [values.get(key[0]) for _n, values in batch if values.get(key[0]) is not None]
            stored = {}
            for obj in _select_in(model, key, typed, resource.loaded_fields):
                value = getattr(obj, key[0])
                stored[value] = "ambiguous" if value in stored else obj
            for number, values in batch:
                if values.get(key[0]) is not None and not values.get(BAD):
                    found[number] = stored.get(values[key[0]])
            return found
        for number, values in batch:
            if values.get(BAD):
                continue
            clause = None
            for name in key:
                value = values.get(name)
                if resource.column(name).kind == REF:
                    value, problem = refs.get(name, {}).get(value, (None, None))
                    if value is None or value is _IN_FILE:
                        clause = None
                        break
                    value = value.id
                if value is None:
                    clause = None
                    break
                part = getattr(model, name) == value
                clause = part if clause is None else clause & part
            if clause is not None:
                hits = list(model.select().where(clause).limit(2))
                found[number] = "ambiguous" if len(hits) > 1 else (hits[0] if hits else None)
        return found

    # writing ----------------------------------------------------------------

    def _update(self, number, obj, values, ctx, read):
        before = audit.snapshot(SimpleNamespace(__data__=read))
        try:
            with db.atomic():
                self.resource.update(obj, values, ctx)
        except IntegrityError:
            self.error(number, None, CONFLICT)
            return
        except RuleError as error:
            self.error(number, self._col(error.field), error.message, **error.params)
            return
        except StaleRecord:
            self.error(number, None, N_("Someone changed this record during the import; try again."))
            return
        audit.record("update", user=self.user if self.user.id else None, address=self.address, obj=obj,
                     changes=audit.diff(before, audit.snapshot(obj)), username=self.username)

    def _create(self, creates, ctx):
        resource, model = self.resource, self.resource.model
        name = model.__name__
        if resource.bulk:
            objs = [obj for _number, obj, _values in creates]
            parents = [obj.__rel__.get(resource.tree_parent) for obj in objs]
            if isinstance(db.obj, SqliteDatabase) and all(p is None or p.id is not None for p in parents):
                # The transaction holds SQLite's write lock: the next ids are
                # ours, so each row goes in once, with its path.
                first = (model.select(fn.MAX(model.id)).scalar() or 0) + 1
                for offset, (obj, parent) in enumerate(zip(objs, parents, strict=True)):
                    obj.id = first + offset
                    obj.path, obj.depth = trees.node_path(parent, obj.id)
                _insert_many(model, objs, with_ids=True)
                new_ids = [obj.id for obj in objs]
            else:  # other databases number rows themselves: paths follow in one statement
                _insert_many(model, objs)
                new_ids = [i for (i,) in model.select(model.id).where(model.path == "").tuples()]
                _compute_paths(model)
            ctx.created.setdefault(name, []).extend(new_ids)
            return
        ids = ctx.created.setdefault(name, [])  # first: undo deletes in the reverse order
        for number, obj, values in creates:
            try:
                with db.atomic():
                    resource.create(obj, values, ctx)
            except IntegrityError:
                self.error(number, None, CONFLICT)
                continue
            except RuleError as error:
                self.error(number, self._col(error.field), error.message, **error.params)
                continue
            ids.append(obj.id)

    address = None
    username = None


_IN_FILE = object()
BAD = "__bad__"  # a row with errors already: only its references are still checked


def _insert_many(model, objs, with_ids=False):
    """New rows in one prepared statement run for the whole batch (the
    driver's executemany): each value through its field's db_value where
    the driver needs it, version 0, and (without ids) an empty path that
    ``_compute_paths`` fills in."""
    fields = [f for f in model._meta.sorted_fields if with_ids or not f.primary_key]
    names = [f.name for f in fields]
    # Text, numbers and keys go to the driver as they are; times, decimals
    # and booleans through their field.
    plain = (CharField, IntegerField, ForeignKeyField)
    convert = [(i, f.db_value, {}) for i, f in enumerate(fields) if not isinstance(f, plain)]
    get = itemgetter(*names)
    rows = []
    for obj in objs:
        data = obj.__data__
        data["version"] = 0
        if not with_ids:
            data["path"] = ""
        for name in names:  # what a row leaves out is NULL, as in an INSERT naming it
            data.setdefault(name, None)
        row = list(get(data))
        for index, conv, seen in convert:
            value = row[index]
            if value is not None:
                # A batch's rows share their defaults (one creation time): each converted once.
                key = (type(value), value)
                if key not in seen:
                    seen[key] = conv(value)
                row[index] = seen[key]
        rows.append(row)
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    marks = ", ".join([db.obj.param] * len(fields))
    db.cursor().executemany(f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})', rows)


def _compute_paths(model):
    """Paths and depths of the rows just inserted (path ''), from their
    parents', in one statement: the parents were written before them."""
    table = model._meta.table_name
    db.execute_sql(
        f'UPDATE "{table}" SET '
        f'path = COALESCE((SELECT p.path FROM "{table}" p WHERE p.id = "{table}".parent_id), \'/\') '
        f'|| CAST(id AS VARCHAR(20)) || \'/\', '
        f'depth = COALESCE((SELECT p.depth + 1 FROM "{table}" p WHERE p.id = "{table}".parent_id), 0) '
        f"WHERE path = ''")


@contextmanager
def _bulk_cache():
    """On SQLite, a bigger page cache while a large import writes (its
    indexes are updated row by row), back to the usual size after."""
    if not isinstance(db.obj, SqliteDatabase):
        yield
        return
    old = db.execute_sql("PRAGMA cache_size").fetchone()[0]
    db.execute_sql(f"PRAGMA cache_size = -{BULK_CACHE_KB}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA cache_size = {int(old)}")


def _ranges(ids):
    """[[first, last], …] of sorted ids: an import's rows are mostly consecutive."""
    out = []
    for i in sorted(ids):
        if out and i == out[-1][1] + 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def _expand(ranges):
    for first, last in ranges:
        yield from range(first, last + 1)


def run(resource, path, *, user=None, file_name=None, tz="Asia/Shanghai", today=None, locale=DEFAULT_LOCALE,
        dry_run=True, expected_versions=None, error_file=None, address=None):
    """Preview (``dry_run``) or import the file at ``path``; returns a Report.
    Writes nothing when any row has an error. ``error_file``: a path where
    the file comes back as .xlsx with the bad cells marked, when it has errors."""
    from . import clock

    today = today or clock.local_today(tz)
    file_name = file_name or os.path.basename(path)
    kind = spreadsheets.kind_of(file_name)
    importer = Importer(resource, user, tz, today, locale, file_name)
    importer.address = address
    importer.username = getattr(user, "username", None) if user is not None else SYSTEM.username
    report = Report(resource.name, file_name, dry_run)
    try:
        try:
            importer.read(spreadsheets.read_rows(path, kind))
        except spreadsheets.UnreadableFile as error:
            importer.error(1, None, str(error.args[0]))
        report.rows = importer.staging.conn.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
        if not importer.bad_header:
            if dry_run:
                counts, versions, _ctx = importer.check(write=False)
            else:
                prepared = _prepare(resource, importer)
                try:
                    with _bulk_cache(), db.atomic():
                        counts, versions, ctx = importer.check(True, prepared, expected_versions)
                        if importer.staging.error_count():
                            raise _Abort
                        if counts["created"] or counts["updated"]:
                            report.log = _log(resource, importer, counts, ctx)
                except _Abort:
                    pass
                except IntegrityError:  # a bulk insert the database refused: nothing was written
                    importer.error(1, None, CONFLICT)
                    counts, versions = {"created": 0, "updated": 0, "unchanged": 0}, {}
                report.passwords = [(u, p) for u, p in prepared.get("passwords", {}).items()
                                    if report.log is not None and u in prepared.get("created_usernames", ())]
            report.created, report.updated, report.unchanged = counts["created"], counts["updated"], counts["unchanged"]
            report.versions = versions
            if report.log is not None and report.created >= planner.AFTER_IMPORTED_ROWS:
                planner.refresh()  # a township's first import: the planner learns the tables' sizes
        report.error_count = importer.staging.error_count()
        if report.error_count:
            report.log = None
            report.passwords = []
        report.errors = [_row_error(importer, *e) for e in importer.staging.errors(SHOWN_ERRORS)]
        if report.error_count and error_file:
            write_error_file(importer, path, kind, error_file)
    finally:
        importer.staging.close()
    return report


def _row_error(importer, row, col, message, params):
    column = None
    if col is not None:
        header = importer.columns.get(col)
        name = header_for(header, importer.locale) if header is not None else None
        column = column_letter(col) + (f" ({name})" if name else "")
    return RowError(row, column, translate(importer.locale, message, **params))


def _prepare(resource, importer):
    """Slow work before the transaction: new users' one-time passwords hashed."""
    if resource.name != "user":
        return {}
    names = [values["username"] for batch in importer.staging.batches() for _n, values in batch
             if values.get("username") and not values.get(BAD)]
    taken = set()
    for chunk in chunked(names, 500):
        taken.update(u for (u,) in User.select(User.username).where(User.username.in_(chunk)).tuples())
    passwords, hashes = {}, {}
    for name in names:
        if name not in taken:
            passwords[name] = secrets.token_urlsafe(9)
            hashes[name] = users.hash_password(passwords[name])
    return {"passwords": passwords, "password_hashes": hashes, "created_usernames": set(passwords)}


def _log(resource, importer, counts, ctx):
    created = {name: _ranges(ids) for name, ids in ctx.created.items()}
    log = ImportLog.create(user=importer.user.id, username=importer.username, model=resource.name,
                           file_name=importer.file_name[:255], created=counts["created"], updated=counts["updated"],
                           unchanged=counts["unchanged"], created_ids=json.dumps(created))
    audit.record("import", user=importer.user if importer.user.id else None, username=importer.username,
                 address=importer.address, obj=log,
                 changes={"model": [None, resource.name], "file_name": [None, importer.file_name],
                          "created": [None, counts["created"]], "updated": [None, counts["updated"]],
                          "unchanged": [None, counts["unchanged"]]})
    return log


# --- the error file ----------------------------------------------------------------

def write_error_file(importer, path, kind, target):
    """The user's own rows back as .xlsx: each bad cell red with its message
    as a comment, and every row's messages in a last column. Streamed
    (XlsxWriter's constant-memory mode), like the file it comes from."""
    import xlsxwriter

    errors = {}
    for row, col, message, params in importer.staging.errors():
        errors.setdefault(row, []).append((col, translate(importer.locale, message, **params)))
    workbook = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
    title = translate(importer.locale, N_("Errors"))
    sheet = workbook.add_worksheet(title[:31])
    red = workbook.add_format({"bg_color": "#FFC7CE"})
    bold = workbook.add_format({"bold": True, "font_color": "#9C0006"})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    width = max(importer.columns, default=-1) + 1
    for number, cells in enumerate(spreadsheets.read_rows(path, kind), start=1):
        r = number - 1
        by_col = {}
        for col, message in errors.get(number, ()):
            by_col.setdefault(col, []).append(message)
        if number == 1:
            width = max(width, len(cells))  # the messages' column: right of the headers
        last = max(width, len(cells), *(c + 1 for c in by_col if c is not None))
        for c in range(last):
            value = cells[c] if c < len(cells) else None
            fmt = red if c in by_col else None
            if value is None:
                if fmt is not None:
                    sheet.write_blank(r, c, None, fmt)
            elif isinstance(value, datetime):
                sheet.write_datetime(r, c, value, when)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, value, day)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(r, c, value, fmt)
            else:
                sheet.write_string(r, c, spreadsheets.safe_cell(str(value)), fmt)
            if c in by_col:
                sheet.write_comment(r, c, "\n".join(by_col[c]), {"author": "gridadmin"})
        if number == 1:
            sheet.write_string(r, last, title, bold)
        elif number in errors:
            text = "；".join(m if c is None else f"{column_letter(c)}: {m}" for c, m in errors[number])
            sheet.write_string(r, last, text, bold)
    workbook.close()


# --- who may import --------------------------------------------------------------

# Roles that bring records in from files: the command centre and the community
# secretary into their part of the tree, administrators anywhere. Grid workers,
# departments and volunteers enter records one at a time.
IMPORT_ROLES = frozenset({"admin", "centre", "secretary"})


def may_import(user, resource):
    """May ``user`` import ``resource``'s records at all (rows are then held
    to the user's scope one by one)? They must be allowed to create them."""
    from . import permissions

    if user is None or not getattr(user, "is_authenticated", True) or not getattr(user, "active", True):
        return False
    if user.role not in IMPORT_ROLES or (resource.admin_only and user.role != "admin"):
        return False
    return permissions.allowed(user, resource.name, permissions.CREATE)


def summary(report, locale):
    """The preview's or import's outcome as lines of text (the CLI prints them)."""
    verb = N_("Preview of %(file)s") if report.dry_run else N_("Import of %(file)s")
    lines = [translate(locale, verb, file=report.file_name)]
    lines.append(translate(locale, N_("%(created)s to create, %(updated)s to update, %(unchanged)s unchanged."),
                           created=report.created, updated=report.updated, unchanged=report.unchanged)
                 if report.dry_run or not report.ok else
                 translate(locale, N_("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged."),
                           created=report.created, updated=report.updated, unchanged=report.unchanged))
    if report.error_count:
        lines.append(translate(locale, N_("%(count)s errors: nothing was written."), count=report.error_count))
    elif not report.changes:
        lines.append(translate(locale, NOTHING_TO_CHANGE))
    return lines


# --- the import log: undo ---------------------------------------------------------

def may_undo(log, user):
    return log.undone_at is None and log.created > 0 and bool(log.created_ids) and (
        user.role == "admin" or (log.user_id is not None and log.user_id == user.id))


def undo(log, user, address=None, tz="Asia/Shanghai"):
    """Delete the records an import created, all or none, while nothing else
    refers to them (records it updated stay as they are). Raises InUse."""
    from ..models import ALL_MODELS

    by_name = {m.__name__: m for m in ALL_MODELS}
    created = json.loads(log.created_ids or "{}")
    with db.atomic():
        current = ImportLog.get_by_id(log.id)
        if current.undone_at is not None:
            raise RuleError(N_("This import has already been undone."))
        sets = {by_name[name]: list(_expand(ranges)) for name, ranges in created.items()}
        for model, ids in sets.items():
            for backref in model._meta.backrefs:
                if backref.on_delete in ("SET NULL", "CASCADE"):
                    continue
                owner = backref.model
                own = sets.get(owner, [])
                for chunk in chunked(ids, 500):
                    query = owner.select(owner.id).where(backref.in_(chunk))
                    if own:
                        query = query.where(owner.id.not_in(own) if len(own) < 5000 else
                                            ~owner.id.between(min(own), max(own)))
                    if query.exists():
                        raise InUse(current, [(owner, query.count())])
        from ..models import Ticket
        from . import tally

        for chunk in chunked(sets.get(Ticket, []), 500):  # their figures go with them
            for ticket in Ticket.select().where(Ticket.id.in_(chunk)):
                tally.remove(ticket, tz)
        for name in reversed(list(created)):
            model = by_name[name]
            ids = sets[model]
            for backref in model._meta.backrefs:
                if backref.on_delete == "SET NULL":
                    for chunk in chunked(ids, 500):
                        backref.model.update({backref: None}).where(backref.in_(chunk)).execute()
            if "depth" in model._meta.fields:
                depths = sorted({d for chunk in chunked(ids, 500) for (d,) in
                                 model.select(model.depth).where(model.id.in_(chunk)).distinct().tuples()},
                                reverse=True)
                for depth in depths:
                    for chunk in chunked(ids, 500):
                        model.delete().where(model.id.in_(chunk) & (model.depth == depth)).execute()
            else:
                for chunk in chunked(ids, 500):
                    model.delete().where(model.id.in_(chunk)).execute()
        ImportLog.update(undone_at=utcnow(), undone_by=getattr(user, "username", None)).where(
            ImportLog.id == log.id).execute()
        audit.record("undo_import", user=user if getattr(user, "id", None) else None, address=address, obj=log,
                     username=getattr(user, "username", None),
                     changes={"model": [log.model, None], "created": [log.created, 0]})
    return sum(len(ids) for ids in sets.values())
