"""Connecting to the database, migrations, and the database CLI commands."""

import os
from urllib.parse import urlparse

import click
from flask import current_app
from flask.cli import with_appcontext
from peewee import SqliteDatabase
from playhouse import db_url
from playhouse.migrations import Runner
from playhouse.pool import PooledDatabase

from .models import db

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")
# At most this many connections per process to PostgreSQL. A process uses
# about one per request thread (serve.THREADS); the cap only bounds a burst,
# such as the tests' 50 reporters racing in one process.
POOL_SIZE = 64


SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    # FULL: a commit is on disk before it is acknowledged, so a power cut on
    # the office PC loses nothing it was told was saved (README: the cost).
    "synchronous": "full",
    "cache_size": -32000,  # 32 MB page cache per connection
}


def make_database(url):
    """A peewee database from a db_url; SQLite gets WAL, foreign keys and a busy timeout."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        path = db_url.parse(url)["database"]
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # IMMEDIATE: a transaction takes the write lock when it starts, so two
        # writers queue on the busy timeout instead of failing mid-transaction.
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10, lock_type="IMMEDIATE")
    if scheme in ("mysql", "mysql+pool"):
        return db_url.connect(url, charset="utf8mb4")
    if scheme in ("postgres", "postgresql"):
        # A pool: a new PostgreSQL connection forks a server process (a few
        # ms on every page); pooled ones are reused, rolled back if a request
        # left a transaction open, dropped after 5 idle minutes, and checked
        # with a round trip when taken (peewee's psycopg2 adapter): after a
        # server restart a page gets a new connection, not an error.
        url = url.replace(scheme, scheme + "+pool", 1)
        return db_url.connect(url, max_connections=POOL_SIZE, stale_timeout=300, timeout=30)
    return db_url.connect(url)


def sqlite_path(url):
    """The database file of a SQLite URL, or None for any other database."""
    if urlparse(url).scheme != "sqlite":
        return None
    path = db_url.parse(url)["database"]
    return None if path == ":memory:" else os.path.abspath(path)


def is_postgres_url(url):
    return urlparse(url).scheme.startswith(("postgres", "postgresql"))


def bind(url):
    previous = db.obj
    if isinstance(previous, PooledDatabase):
        previous.close_idle()  # rebinding (tests, restore) must not strand pooled connections
    database = make_database(url)
    db.initialize(database)
    return database


def close_all():
    """Close this process's connection and, on PostgreSQL, every pooled one:
    before a fork, so that no worker inherits a socket another process uses."""
    if not db.is_closed():
        db.close()
    if isinstance(db.obj, PooledDatabase):
        db.obj.close_all()


def upgrade():
    """Apply pending migrations; returns their names."""
    return Runner(db.obj, MIGRATIONS_DIR).up()


def pending():
    return [m.name for m in Runner(db.obj, MIGRATIONS_DIR).status() if not m.applied]


def init_app(app):
    bind(app.config["DATABASE_URL"])

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()

    app.cli.add_command(init_db_command)
    app.cli.add_command(db_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the schema and the first administrator."""
    from .services.setup import first_start

    for name in upgrade():
        click.echo(f"applied: {name}")
    password, filled = first_start(current_app.config["ADMIN_PASSWORD"])
    for name, count in filled.items():
        if count:
            click.echo(f"filled {count} {name}")
    if password:
        click.echo(f"created administrator 'admin' with password: {password}")
    click.echo("database ready.")


@click.group("db")
def db_group():
    """Schema migrations."""


@db_group.command("upgrade")
@with_appcontext
def upgrade_command():
    """Apply pending migrations; data is kept."""
    applied = upgrade()
    for name in applied:
        click.echo(f"applied: {name}")
    if not applied:
        click.echo("database is up to date.")


@db_group.command("status")
@with_appcontext
def status_command():
    """List migrations and whether each is applied."""
    for m in Runner(db.obj, MIGRATIONS_DIR).status():
        click.echo(f"[{'x' if m.applied else ' '}] {m.name}")


def _sqlite_or_fail():
    path = sqlite_path(current_app.config["DATABASE_URL"])
    if path is None:
        raise click.ClickException("backup and restore work on the SQLite database; for PostgreSQL use pg_dump and "
                                   "pg_restore (see the README).")
    return path


@click.command("backup")
@click.argument("path", required=False)
@with_appcontext
def backup_command(path):
    """Make a verified backup now: to PATH, or into the backup folder."""
    from .services import backups
    from .services.errors import RuleError

    source = _sqlite_or_fail()
    try:
        if path:
            written = backups.copy(source, path)
        else:
            written = backups.make(source, current_app.config["BACKUP_DIR"], current_app.config["BACKUP_KEEP"])
    except RuleError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup written and verified: {written}")


@click.command("restore")
@click.argument("path")
@with_appcontext
def restore_command(path):
    """Put the backup PATH back in place of the database (stop the app first).
    A copy that fails the integrity check is refused; the replaced database is kept."""
    from .services import backups
    from .services.errors import RuleError

    target = _sqlite_or_fail()
    if not db.is_closed():
        db.close()
    try:
        kept = backups.restore(path, target)
    except RuleError as error:
        raise click.ClickException(str(error)) from None
    if kept:
        click.echo(f"the replaced database is kept as {kept}")
    click.echo(f"restored {path}")
