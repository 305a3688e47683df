"""A fresh database per test: SQLite in a temp dir by default, or the server
named by GRIDADMIN_TEST_DATABASE_URL (CI runs the suite again on PostgreSQL)."""

import os
import re

import pytest
from peewee import PostgresqlDatabase

from gridadmin import create_app
from gridadmin import db as dbmod
from gridadmin.models import db

TEST_DB_URL = os.environ.get("GRIDADMIN_TEST_DATABASE_URL")


def _reset_server_database(database):
    """Drop every table so each test starts from an empty schema."""
    if isinstance(database, PostgresqlDatabase):
        database.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    else:
        database.execute_sql("SET FOREIGN_KEY_CHECKS = 0")
        for table in database.get_tables():
            database.execute_sql(f"DROP TABLE `{table}`")
        database.execute_sql("SET FOREIGN_KEY_CHECKS = 1")


@pytest.fixture
def app(tmp_path):
    url = TEST_DB_URL or f"sqlite:///{tmp_path}/test.db"
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "ADMIN_PASSWORD": "admin-pass-1",
    })
    if TEST_DB_URL:
        db.connect(reuse_if_open=True)
        _reset_server_database(db.obj)
    with app.app_context():
        db.connect(reuse_if_open=True)
        dbmod.upgrade()
        from gridadmin.services.users import ensure_first_admin

        ensure_first_admin("admin-pass-1")
        db.close()
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


@pytest.fixture
def browser(app):
    client = app.test_client()
    response = login(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return Browser(client)
