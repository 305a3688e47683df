"""The query planner's statistics (SQLite's ``sqlite_stat1``, PostgreSQL's
``pg_statistic``).

Without them SQLite guesses how selective each index is. At a million
tickets the guesses made a street centre's overdue list 5× and the monthly
briefing 11× the bare page (3–4 times slower than with statistics), and
nothing else in the app ever took them. So they are refreshed when the app
starts, after each day's backup, and after an import that adds many rows;
``ANALYZE`` samples each index (``analysis_limit``), which takes well under
a second at a million tickets once the pages are cached.
"""

from peewee import PostgresqlDatabase, SqliteDatabase

from ..models import db

ANALYSIS_LIMIT = 1000  # rows sampled per index (SQLite 3.32+; older versions read them all)
AFTER_IMPORTED_ROWS = 1000  # an import adding this many rows changes the picture


def refresh(database=None):
    """Take fresh planner statistics; False on a database where the app
    leaves them to the server (MySQL, MariaDB)."""
    database = database or db.obj
    if isinstance(database, SqliteDatabase):
        database.execute_sql(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
    elif not isinstance(database, PostgresqlDatabase):
        return False
    database.execute_sql("ANALYZE")
    return True


def refresh_in_thread():
    """``refresh`` from a thread of its own (the daily backup's), on a
    connection of its own."""
    with db.connection_context():
        return refresh()
