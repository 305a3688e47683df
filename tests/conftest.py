"""A fresh database per test: SQLite in a temp dir by default, or the server
named by GRIDADMIN_TEST_DATABASE_URL (CI runs the suite again on PostgreSQL)."""

import os
import re
import shutil
import threading

import pytest
from peewee import PostgresqlDatabase, sort_models

from gridadmin import create_app
from gridadmin import db as dbmod
from gridadmin.models import ALL_MODELS, User, db
from gridadmin.services import search
from gridadmin.services.users import hash_password
from gridadmin.web import frame


def _worker_database(url):
    """Under pytest-xdist each worker gets its own server database (the URL's
    name + ``_gw0``, ``_gw1``…), created on first use, so that workers never
    empty each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    base, name = url.rsplit("/", 1)
    own = f"{name}_{worker}"
    from playhouse.db_url import connect

    server = connect(url)
    with server.connection_context():
        if isinstance(server, PostgresqlDatabase):
            conn = server.connection()
            conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (own,))
                if not cursor.fetchone():
                    cursor.execute(f'CREATE DATABASE "{own}"')
        else:
            server.execute_sql(f"CREATE DATABASE IF NOT EXISTS `{own}`")
    return f"{base}/{own}"


TEST_DB_URL = _worker_database(os.environ.get("GRIDADMIN_TEST_DATABASE_URL"))


def _reset_server_database(database):
    """Drop every table so each test starts from an empty schema."""
    if isinstance(database, PostgresqlDatabase):
        database.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    else:
        database.execute_sql("SET FOREIGN_KEY_CHECKS = 0")
        for table in database.get_tables():
            database.execute_sql(f"DROP TABLE `{table}`")
        database.execute_sql("SET FOREIGN_KEY_CHECKS = 1")


ADMIN_PASSWORD = "admin-pass-1"
_cache = {}


def _admin_hash():
    # Hashing with scrypt is slow on purpose: do it once per session.
    if "hash" not in _cache:
        _cache["hash"] = hash_password(ADMIN_PASSWORD)
    return _cache["hash"]


def _add_admin():
    User.create(username="admin", password_hash=_admin_hash(), display_name="系统管理员", role="admin")


def _sqlite_template(factory):
    """One migrated SQLite file per session, copied for each test."""
    if "template" not in _cache:
        path = factory.mktemp("template") / "template.db"
        dbmod.bind(f"sqlite:///{path}")
        db.connect()
        dbmod.upgrade()
        _add_admin()
        db.close()
        _cache["template"] = path
    return _cache["template"]


def _fresh_server_database():
    """Empty the tables (fast) when the schema is complete, else rebuild it."""
    db.connect(reuse_if_open=True)
    expected = {m._meta.table_name for m in ALL_MODELS} | {"schema_migration"} | \
        {search.index_table(m) for m in search.INDEXED}
    if set(db.obj.get_tables()) != expected or dbmod.pending() or not isinstance(db.obj, PostgresqlDatabase):
        _reset_server_database(db.obj)
        dbmod.upgrade()
    else:
        # DELETE, children first, and sequences back to 1: on tables this
        # small it is ten times faster than TRUNCATE (which makes new files).
        # One round trip: every DELETE and setval in one statement string.
        if "reset_sql" not in _cache:
            sequences = [row[0] for row in db.execute_sql(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
            _cache["reset_sql"] = "".join(
                f'DELETE FROM "{model._meta.table_name}";' for model in reversed(sort_models(ALL_MODELS))
            ) + "SELECT " + ", ".join(f"setval('\"{name}\"', 1, false)" for name in sequences)
        with db.atomic():
            db.execute_sql(_cache["reset_sql"])
    _add_admin()
    db.close()


BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "ADMIN_PASSWORD": ADMIN_PASSWORD,
    "TIMEZONE": "Asia/Shanghai",
}


@pytest.fixture(scope="session")
def _shared_app(tmp_path_factory):
    """One app for the session (building Flask-Admin and compiling its
    templates per test would dominate the run); each test rebinds it to a
    fresh database."""
    url = TEST_DB_URL or f"sqlite:///{_sqlite_template(tmp_path_factory)}"
    return create_app({**BASE_CONFIG, "DATABASE_URL": url})


@pytest.fixture
def app(_shared_app, tmp_path, tmp_path_factory):
    app = _shared_app
    if TEST_DB_URL:
        url = TEST_DB_URL
    else:
        url = f"sqlite:///{tmp_path}/test.db"
        shutil.copy(_sqlite_template(tmp_path_factory), tmp_path / "test.db")
    if not db.is_closed():
        db.close()
    dbmod.bind(url)
    frame.forget(app)  # menus, badges, filter menus kept from the last test's database
    search.forget()  # and the search index's plan hints
    app.config.update({**BASE_CONFIG, "DATABASE_URL": url})
    if TEST_DB_URL:
        with app.app_context():
            _fresh_server_database()
    yield app
    if not db.is_closed():
        db.close()


@pytest.fixture
def database(app):
    """The bound database, connected, for service tests without HTTP."""
    db.connect(reuse_if_open=True)
    with app.app_context(), app.test_request_context():
        yield db
    if not db.is_closed():
        db.close()


def csrf_token(html):
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html) or \
        re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Browser:
    """A logged-in test client that posts forms with their CSRF token."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kw):
        return self.client.get(url, **kw)

    def token(self, url):
        return csrf_token(self.client.get(url).get_data(as_text=True))

    def post_form(self, url, data, token_url=None, **kw):
        data = dict(data)
        data.setdefault("csrf_token", self.token(token_url or url))
        return self.client.post(url, data=data, **kw)


def login(client, username="admin", password="admin-pass-1"):
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_token(page)})


def client_for(app, user):
    """A test client logged in as ``user`` through a real server-side session."""
    from gridadmin.services import sessions

    client = app.test_client()
    with app.app_context():
        db.connect(reuse_if_open=True)
        key = sessions.start(user)
    with client.session_transaction() as session:
        session["_user_id"] = key
        session["_fresh"] = True
    return client


@pytest.fixture
def browser(app):
    """The administrator, logged in through a server-side session (the login
    form's scrypt check costs 0.1 s; tests/test_sessions.py covers it)."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        admin = User.get(User.username == "admin")
    return Browser(client_for(app, admin))


@pytest.fixture
def sql_log(app):
    """Every statement the database runs while the fixture is active."""
    statements = []
    database = db.obj
    original = database.execute_sql

    def execute_sql(sql, params=None, *args, **kwargs):
        statements.append(sql)
        return original(sql, params, *args, **kwargs)

    database.execute_sql = execute_sql
    yield statements
    del database.execute_sql


def race(app, *jobs):
    """Run each job in its own thread with its own connection, all released
    at once; returns what they raised (repr), for a test to assert empty."""
    if not db.is_closed():
        db.close()
    barrier = threading.Barrier(len(jobs), timeout=30)
    errors = []

    def run(job):
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                barrier.wait()
                job()
            except Exception as error:  # pragma: no cover - shown on failure
                errors.append(repr(error))
            finally:
                db.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.connect(reuse_if_open=True)
    return errors
