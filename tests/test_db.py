"""The schema comes from migrations; upgrades keep data; the CLI commands work."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from playhouse.migrations import Runner
from playhouse.schema_diff import diff_models

from gridadmin import db as dbmod
from gridadmin.models import ALL_MODELS, Grid, User, db
from gridadmin.services import search

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _reset(app):
    """Back to an empty database (the app fixture migrated it already)."""
    from tests.conftest import TEST_DB_URL, _reset_server_database

    db.connect(reuse_if_open=True)
    if TEST_DB_URL:
        _reset_server_database(db.obj)
    else:
        db.obj.execute_sql("PRAGMA foreign_keys = OFF")
        search.uninstall(db.obj)  # FTS5 tables first: their shadow tables go with them
        for table in db.obj.get_tables():
            db.obj.execute_sql(f'DROP TABLE "{table}"')
        db.obj.execute_sql("PRAGMA foreign_keys = ON")


def test_migrations_build_exactly_the_models(app):
    db.connect(reuse_if_open=True)
    diff = diff_models(db.obj, ALL_MODELS)
    assert not diff, f"models and migrations disagree (write a migration):\n{diff}"


def test_upgrade_from_the_first_release_keeps_data(app):
    _reset(app)
    runner = Runner(db.obj, dbmod.MIGRATIONS_DIR)
    first = runner.status()[0].name
    runner.up(first)
    # Data written by the first release, with its own SQL (not today's models).
    db.obj.execute_sql(
        "INSERT INTO grid (code, name, level, path, depth, kind, area_type, households, population,"
        " online_group_members, active, created_at) VALUES ('320106', '示例区', 'district', '/1/', 0,"
        " 'general', 'urban', 10, 30, 0, %s, '2026-01-01 00:00:00')" % ("true" if "postgres" in type(db.obj).__name__.lower() else "1"))
    db.obj.execute_sql(
        "INSERT INTO \"user\" (username, password_hash, active, created_at) VALUES ('old', 'x', %s,"
        " '2026-01-01 00:00:00')" % ("true" if "postgres" in type(db.obj).__name__.lower() else "1"))
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert not dbmod.pending()
    # Everyone was an administrator in the first release, and stays one.
    old = User.get(User.username == "old")
    assert (old.role, old.version, old.grid_id) == ("admin", 0, None)
    grid = Grid.get(Grid.code == "320106")
    assert (grid.name, grid.households, grid.population) == ("示例区", 10, 30)
    assert not diff_models(db.obj, ALL_MODELS)


def test_upgrade_twice_is_a_no_op(app):
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0
    assert "up to date" in result.output


def test_init_db_creates_schema_and_first_admin_once(app):
    _reset(app)
    app.config["ADMIN_PASSWORD"] = None
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    password = re.search(r"password: (\S+)", first.output).group(1)
    from gridadmin.services.users import authenticate

    assert authenticate("admin", password) is not None
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0 and "password" not in second.output
    assert User.select().count() == 1


def test_create_user_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "zhangsan", "--password", "longenough1"])
    assert result.exit_code == 0, result.output
    user = User.get(User.username == "zhangsan")
    assert user.password_hash != "longenough1" and user.password_hash.startswith("scrypt:")
    short = runner.invoke(args=["create-user", "lisi", "--password", "short"])
    assert short.exit_code != 0 and "8" in short.output
    taken = runner.invoke(args=["create-user", "zhangsan", "--password", "longenough2"])
    assert taken.exit_code != 0
    piped = runner.invoke(args=["create-user", "wangwu", "--password-stdin"], input="fromstdin123\n")
    assert piped.exit_code == 0, piped.output
    from gridadmin.services.users import authenticate

    assert authenticate("wangwu", "fromstdin123") is not None


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(tmp_path):
    database = dbmod.make_database(f"sqlite:///{tmp_path}/x.db")
    database.connect()
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 5000
    # Transactions take the write lock at BEGIN (immediate), so writers queue.
    statements = []
    database.connection().set_trace_callback(statements.append)
    with database.atomic():
        pass
    assert any("BEGIN IMMEDIATE" in s.upper() for s in statements), statements
    database.close()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_start_command_creates_database_and_admin_then_serves(tmp_path):
    """`python app.py` on a fresh instance: migrates, prints the admin password once, serves."""
    port = _free_port()
    env = dict(os.environ, GRIDADMIN_DATABASE_URL=f"sqlite:///{tmp_path}/start.db", GRIDADMIN_PORT=str(port),
               GRIDADMIN_SECRET_KEY="k", PYTHONUNBUFFERED="1")
    env.pop("GRIDADMIN_ADMIN_PASSWORD", None)
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.time() + 30
        while time.time() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "serving on" in line:
                break
        output = "".join(lines)
        assert "password:" in output, output
        body = None
        while body is None and time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as response:
                    assert response.status == 200
                    body = response.read().decode("utf-8")
            except OSError:
                time.sleep(0.2)
        assert body is not None and 'name="username"' in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert os.path.exists(tmp_path / "start.db")


def test_postgresql_connections_are_pooled_and_come_back_clean():
    """On PostgreSQL a request reuses a pooled connection (no server process
    forked per page); one handed back inside a transaction is rolled back."""
    from tests.conftest import TEST_DB_URL

    if not (TEST_DB_URL and dbmod.is_postgres_url(TEST_DB_URL)):
        pytest.skip("the PostgreSQL run (CI) checks the pool")
    database = dbmod.make_database(TEST_DB_URL)
    try:
        database.connect()
        first = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
        database.execute_sql("BEGIN")
        database.execute_sql("CREATE TEMP TABLE left_open (x int)")
        database.close()  # back to the pool, mid-transaction
        database.connect()
        assert database.execute_sql("SELECT pg_backend_pid()").fetchone()[0] == first
        assert database.execute_sql("SELECT to_regclass('pg_temp.left_open')").fetchone()[0] is None
        database.close()
        # The server ends that connection (a restart, say): the next page gets a new one, not an error.
        other = dbmod.make_database(TEST_DB_URL)
        other.connect()
        assert other.execute_sql("SELECT pg_terminate_backend(%s)", (first,)).fetchone()[0]
        other.close_all()
        database.connect()
        assert database.execute_sql("SELECT pg_backend_pid()").fetchone()[0] != first
        database.close()
    finally:
        database.close_all()
