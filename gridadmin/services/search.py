"""The search index of the large lists: every 1-, 2- and 3-character piece
(overlapping unigrams, bigrams and trigrams) of each searched column, kept by triggers in
the same transaction as the row, so that a search narrows to the rows that
can match before the literal check (every word in some searched column,
``%`` and ``_`` literal) runs on those rows only.

- SQLite: a contentless FTS5 table ``<table>_search`` (detail=none: rowids
  only) whose tokens are the hex of each piece (``u``, ``b``, ``t`` + hex
  for 1, 2, 3 characters), so the unicode61 tokenizer never splits one.
  Triggers build them from a table of positions (triggers cannot use CTEs).
- PostgreSQL: a table ``<table>_search(id, grams text[])`` with a GIN index,
  filled by a trigger calling ``gridadmin_grams()``.

A word of up to 3 characters needs itself as a piece of the row, a longer
one its trigrams (on SQLite the rarest few, on PostgreSQL every other one
and the last): a superset of the rows it is a substring of, in any case
folding LIKE/ILIKE does, so the literal check keeps the result exact.
"""

import time

from peewee import SQL, PostgresqlDatabase, SqliteDatabase

from ..models import AuditLog, Grid, LoginAttempt, PartyMember, Ticket, Volunteer, Worker, db

# Model: the columns its search index holds (what its list searches).
INDEXED = {
    Ticket: ("number", "title", "place"),
    Worker: ("name", "mobile"),
    Grid: ("code", "name"),
    PartyMember: ("name", "mobile", "employer"),
    Volunteer: ("name", "mobile"),
    AuditLog: ("username", "address"),
    LoginAttempt: ("username", "address"),
}

POSITIONS = 512  # longest indexed value (the columns are at most 128 characters); rebuild grows it
# SQLite: a search whose words match more rows than this walks the list's own
# order instead (20 matches are then near its start); fewer, and the index
# hands over their ids. Either way a page costs about the same.
DENSE = 4000


def table(model):
    return model._meta.table_name


def index_table(model):
    return f"{table(model)}_search"


def is_sqlite(database=None):
    return isinstance(database or db.obj, SqliteDatabase)


def is_postgres(database=None):
    return isinstance(database or db.obj, PostgresqlDatabase)


# --- the pieces, as the database computes them --------------------------

def _fold(text):
    """SQLite's lower(): ASCII letters only (so is its LIKE)."""
    return "".join(c.lower() if c < "\x80" else c for c in text)


def query_pieces(word):
    """The pieces a row must hold to contain ``word`` (already case-folded):
    the word itself up to 3 characters, else its trigrams (any subset of
    them narrows to a superset: match_expression keeps the rarest few)."""
    if len(word) <= 3:
        return {word}
    return {word[i:i + 3] for i in range(len(word) - 2)}


PREFIX = {1: "u", 2: "b", 3: "t"}


def tokens(word):
    """The SQLite index tokens a word needs (all of them, in any order)."""
    return {PREFIX[len(p)] + p.encode().hex().upper() for p in query_pieces(_fold(word))}


def match_expression(words, model=None):
    """The FTS5 query for all the words: every token of every word, or (given
    the model, whose index says how common each token is) the rarest few,
    leaving out tokens most rows have (2026 in every ticket number): fewer
    doclists to intersect, and the literal check keeps the result exact."""
    needed = set()
    for word in words:
        needed |= tokens(word)
    if model is not None and len(needed) > 1:
        ranked = sorted(needed, key=lambda t: (_frequency(model, t), t))
        rare = [t for t in ranked if _frequency(model, t) < COMMON] or ranked[:1]
        needed = rare[:MAX_TOKENS]
    return " ".join(f'"{t}"' for t in sorted(needed))


COMMON = 50_000  # a token in this many rows narrows little: left out when rarer ones are at hand
MAX_TOKENS = 4
_frequencies = {}  # (table, token): rows holding it, counted up to COMMON (per process; a hint only)


def forget():
    """Drop the plan hints (a test binds a fresh database)."""
    _frequencies.clear()
    _dense.clear()


def _frequency(model, token):
    key = (table(model), token)
    found = _frequencies.get(key)
    if found is None:
        if len(_frequencies) > 20_000:
            _frequencies.clear()
        s = index_table(model)
        found = _frequencies[key] = len(db.execute_sql(
            f"SELECT rowid FROM {s} WHERE {s} MATCH ? LIMIT ?", (f'"{token}"', COMMON)).fetchall())
    return found


def _sqlite_pieces(row, columns):
    """SQL (for a trigger, ``row`` = new/old) giving a row's tokens, space-separated."""
    parts = []
    for c in columns:
        value = f'{row}."{c}"'
        parts.append(f"SELECT 'u' || hex(lower(substr({value}, n, 1))) AS t FROM search_position "
                     f"WHERE n <= length({value})")
        parts.append(f"SELECT 'b' || hex(lower(substr({value}, n, 2))) AS t FROM search_position "
                     f"WHERE n < length({value})")
        parts.append(f"SELECT 't' || hex(lower(substr({value}, n, 3))) AS t FROM search_position "
                     f"WHERE n < length({value}) - 1")
    return f"(SELECT coalesce(group_concat(t, ' '), '') FROM ({' UNION '.join(parts)}))"


PG_GRAMS = """
CREATE OR REPLACE FUNCTION gridadmin_grams(VARIADIC cols text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
    SELECT substr(lower(c), n, 1) AS g FROM unnest(cols) AS c, generate_series(1, length(c)) AS n
    UNION
    SELECT substr(lower(c), n, 2) FROM unnest(cols) AS c, generate_series(1, length(c) - 1) AS n
    UNION
    SELECT substr(lower(c), n, 3) FROM unnest(cols) AS c, generate_series(1, length(c) - 2) AS n
  ) AS pieces
$$;
CREATE OR REPLACE FUNCTION gridadmin_query_grams(VARIADIC words text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
    SELECT lower(w) AS g FROM unnest(words) AS w WHERE length(w) <= 3
    UNION
    SELECT substr(lower(w), n, 3) FROM unnest(words) AS w,
      generate_series(1, length(w) - 2) AS n WHERE length(w) > 3 AND (mod(n, 2) = 1 OR n = length(w) - 2)
  ) AS pieces
$$"""


def _pg_grams(row, columns):
    return "gridadmin_grams(" + ", ".join(f'{row}."{c}"' for c in columns) + ")"


# --- installing, rebuilding, checking ----------------------------------

def _sqlite_ddl(model, columns):
    t, s = table(model), index_table(model)
    cols = ", ".join(f'"{c}"' for c in columns)
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {s} USING fts5(grams, content='', detail='none', "
        "tokenize='unicode61')",
        f"CREATE TRIGGER IF NOT EXISTS {s}_insert AFTER INSERT ON \"{t}\" BEGIN "
        f"INSERT INTO {s}(rowid, grams) VALUES (new.id, {_sqlite_pieces('new', columns)}); END",
        f"CREATE TRIGGER IF NOT EXISTS {s}_delete AFTER DELETE ON \"{t}\" BEGIN "
        f"INSERT INTO {s}({s}, rowid, grams) VALUES ('delete', old.id, {_sqlite_pieces('old', columns)}); END",
        f"CREATE TRIGGER IF NOT EXISTS {s}_update AFTER UPDATE OF {cols} ON \"{t}\" BEGIN "
        f"INSERT INTO {s}({s}, rowid, grams) VALUES ('delete', old.id, {_sqlite_pieces('old', columns)}); "
        f"INSERT INTO {s}(rowid, grams) VALUES (new.id, {_sqlite_pieces('new', columns)}); END",
    ]


def _pg_ddl(model, columns):
    t, s = table(model), index_table(model)
    cols = ", ".join(f'"{c}"' for c in columns)
    return [
        f'CREATE TABLE IF NOT EXISTS {s} (id integer PRIMARY KEY REFERENCES "{t}"(id) ON DELETE CASCADE, '
        "grams text[] NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {s}_grams ON {s} USING gin (grams)",
        f"CREATE OR REPLACE FUNCTION {s}_keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO {s}(id, grams) VALUES (NEW.id, {_pg_grams('NEW', columns)}) "
        "ON CONFLICT (id) DO UPDATE SET grams = EXCLUDED.grams; RETURN NULL; END $$",
        f'DROP TRIGGER IF EXISTS {s}_keep ON "{t}"',
        f'CREATE TRIGGER {s}_keep AFTER INSERT OR UPDATE OF {cols} ON "{t}" '
        f"FOR EACH ROW EXECUTE FUNCTION {s}_keep()",
    ]


def _ensure_positions(database, longest=POSITIONS):
    database.execute_sql("CREATE TABLE IF NOT EXISTS search_position (n INTEGER PRIMARY KEY)")
    have = database.execute_sql("SELECT coalesce(max(n), 0) FROM search_position").fetchone()[0]
    if have < longest:
        database.execute_sql("INSERT INTO search_position (n) VALUES " +
                             ", ".join(f"({n})" for n in range(have + 1, longest + 1)))


def _longest(database, model, columns):
    expr = ", ".join(f'coalesce(max(length("{c}")), 0)' for c in columns)
    values = database.execute_sql(f'SELECT {expr} FROM "{table(model)}"').fetchone()
    return max(values or (0,))


def install(database=None, models=None):
    """Create the index tables and triggers (idempotent) and fill them."""
    database = database or db.obj
    if is_postgres(database):
        database.execute_sql(PG_GRAMS)
    elif is_sqlite(database):
        _ensure_positions(database)
    else:
        return
    for model in models or INDEXED:
        for statement in (_sqlite_ddl if is_sqlite(database) else _pg_ddl)(model, INDEXED[model]):
            database.execute_sql(statement)
        fill(database, model)


def fill(database, model):
    """Empty one model's index and index every row again."""
    t, s, columns = table(model), index_table(model), INDEXED[model]
    if is_sqlite(database):
        _ensure_positions(database, max(POSITIONS, _longest(database, model, columns)))
        database.execute_sql(f"INSERT INTO {s}({s}) VALUES ('delete-all')")
        database.execute_sql(f'INSERT INTO {s}(rowid, grams) SELECT id, {_sqlite_pieces(t, columns)} FROM "{t}"')
    else:
        database.execute_sql(f"TRUNCATE {s}")
        database.execute_sql(f'INSERT INTO {s}(id, grams) SELECT id, {_pg_grams(t, columns)} FROM "{t}"')


def uninstall(database=None, models=None):
    database = database or db.obj
    for model in models or INDEXED:
        s = index_table(model)
        if is_sqlite(database):
            for suffix in ("insert", "delete", "update"):
                database.execute_sql(f"DROP TRIGGER IF EXISTS {s}_{suffix}")
            database.execute_sql(f"DROP TABLE IF EXISTS {s}")
        elif is_postgres(database):
            database.execute_sql(f'DROP TRIGGER IF EXISTS {s}_keep ON "{table(model)}"')
            database.execute_sql(f"DROP FUNCTION IF EXISTS {s}_keep()")
            database.execute_sql(f"DROP TABLE IF EXISTS {s}")
    if is_sqlite(database) and not models:
        database.execute_sql("DROP TABLE IF EXISTS search_position")
    if is_postgres(database) and not models:
        database.execute_sql("DROP FUNCTION IF EXISTS gridadmin_grams(VARIADIC text[])")
        database.execute_sql("DROP FUNCTION IF EXISTS gridadmin_query_grams(VARIADIC text[])")


def rebuild(models=None):
    """Index every row of the models again (all indexed models by default)."""
    counts = {}
    with db.atomic():
        uninstall(db.obj, models or None)  # triggers as this release writes them
        install(db.obj, models)
        for model in models or INDEXED:
            counts[model] = model.select().count()
    return counts


def _indexed_ids(model):
    s = index_table(model)
    column = "rowid" if is_sqlite() else "id"
    return {row[0] for row in db.execute_sql(f"SELECT {column} FROM {s}")}


def _row_found(model, row_id, values):
    """Whether the index finds the row by all of its own pieces."""
    words = [v for v in values if v]
    if not words:
        return True
    if is_sqlite():
        s = index_table(model)
        found = db.execute_sql(f"SELECT 1 FROM {s} WHERE {s} MATCH ? AND rowid = ?",
                               (match_expression(words), row_id)).fetchone()
    else:
        found = db.execute_sql(f"SELECT 1 FROM {index_table(model)} WHERE id = %s AND grams @> "
                               f"gridadmin_query_grams({', '.join(['%s'] * len(words))})",
                               (row_id, *words)).fetchone()
    return found is not None


def check(model, sample=None):
    """What is wrong with one model's index: {"missing": ids not indexed,
    "extra": indexed ids with no row, "stale": rows the index does not find
    by their own text}. ``sample``: check the text of that many rows only."""
    ids = {row[0] for row in model.select(model.id).tuples()}
    indexed = _indexed_ids(model)
    problems = {"missing": sorted(ids - indexed), "extra": sorted(indexed - ids), "stale": []}
    fields = [getattr(model, c) for c in INDEXED[model]]
    query = model.select(model.id, *fields).order_by(model.id)
    if sample is not None:
        query = query.order_by(SQL("random()")).limit(sample)
    for row_id, *values in query.tuples():
        if row_id in indexed and not _row_found(model, row_id, values):
            problems["stale"].append(row_id)
    return problems


# --- searching ----------------------------------------------------------

def literal(fields, words):
    """The literal search: every word in some field (LIKE/ILIKE, ``%`` and
    ``_`` escaped by peewee); None without words or fields."""
    clause = None
    for word in words:
        any_field = None
        for field in fields:
            like = field.contains(word)
            any_field = like if any_field is None else any_field | like
        if any_field is not None:
            clause = any_field if clause is None else clause & any_field
    return clause


def covers(model, fields):
    """Whether the model's index holds every field searched."""
    indexed = INDEXED.get(model)
    return bool(indexed) and all(f.model is model and f.name in indexed for f in fields)


_dense = {}  # (table, match, limit): (monotonic time, answer), a plan hint kept DENSE_SECONDS
DENSE_SECONDS = 600


def dense(model, words, limit=DENSE):
    """Whether the words match at least ``limit`` rows (SQLite; counts at
    most that many). The answer only picks the plan (both give the same
    rows), so it is kept a while: a page of a common word's list no longer
    walks thousands of index entries first."""
    s = index_table(model)
    expression = match_expression(words, model)
    key, now = (s, expression, limit), time.monotonic()
    kept = _dense.get(key)
    if kept is not None and now - kept[0] < DENSE_SECONDS:
        return kept[1]
    if len(_dense) > 20_000:
        _dense.clear()
    # The limit-th match, if any: the index stops there (no count of them all).
    found = db.execute_sql(f"SELECT rowid FROM {s} WHERE {s} MATCH ? LIMIT 1 OFFSET ?",
                           (expression, limit - 1)).fetchone() is not None
    _dense[key] = (now, found)
    return found


def candidates(model, words):
    """A condition on ``model.id``: the rows the index says may match (a
    superset of the literal search's rows)."""
    s = index_table(model)
    if is_sqlite():
        return model.id.in_(SQL(f"(SELECT rowid FROM {s} WHERE {s} MATCH ?)", [match_expression(words, model)]))
    placeholders = ", ".join(["%s"] * len(words))
    return model.id.in_(SQL(f"(SELECT id FROM {s} WHERE grams @> gridadmin_query_grams({placeholders}))", list(words)))


def narrowing(model, fields, words, adaptive=True):
    """The index condition to add to a literal search of ``fields`` for
    ``words``, or None when the index cannot (fields it does not hold, a
    database without one) or should not (SQLite: words so common that the
    list's order finds a page sooner) narrow it."""
    if not words or not covers(model, fields) or not (is_sqlite() or is_postgres()):
        return None
    if adaptive and is_sqlite() and dense(model, words):
        return None
    return candidates(model, words)


def search(query, model, fields, words, adaptive=True):
    """``query`` narrowed to the rows where every word is in some field."""
    clause = literal(fields, words)
    if clause is None:
        return query
    narrow = narrowing(model, fields, words, adaptive=adaptive)
    return query.where(clause if narrow is None else (narrow & clause))
