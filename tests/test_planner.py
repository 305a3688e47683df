"""Planner statistics: taken when the app starts, after the day's backup and
after an import that adds many rows; without them SQLite guessed, and at a
million tickets some pages took three to four times as long."""

import factories as f
import pytest

from gridadmin.models import Worker, db
from gridadmin.services import backups, planner, setup
from tests.conftest import TEST_DB_URL
from tests.test_imports import run, world, write_csv  # noqa: F401 - the fixture

IS_SQLITE = not TEST_DB_URL


def _stamp(table):
    """What shows ANALYZE took statistics of ``table``: SQLite's rows of
    them, PostgreSQL's time it last did (kept across the tests' resets)."""
    if IS_SQLITE:
        if not db.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return 0  # ANALYZE never ran
        return db.execute_sql("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = ?", (table,)).fetchone()[0]
    return db.execute_sql("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s", (table,)).fetchone()[0]


def _taken(before, table):
    after = _stamp(table)
    return bool(after) and after != before


def test_refresh_takes_statistics_the_planner_reads(database):
    t = f.tree()
    for i in range(30):
        f.worker(t["g1"], f"网格员{i}", mobile=f"1390000{i:04d}")
    before = _stamp("worker")
    assert planner.refresh() is True
    assert _taken(before, "worker")


def test_an_import_of_many_rows_refreshes_them(world, tmp_path, monkeypatch):  # noqa: F811 - the fixture
    calls = []
    monkeypatch.setattr(planner, "refresh", lambda *a: calls.append("refresh"))
    monkeypatch.setattr(planner, "AFTER_IMPORTED_ROWS", 20)
    header = ["姓名", "性别", "手机号", "网格"]
    few = [[f"网格员{i}", "男", f"1390000{i:04d}", "320102001001G1"] for i in range(5)]
    assert run("worker", write_csv(tmp_path / "few.csv", [header, *few])).created == 5
    assert calls == []  # a few rows: the statistics still hold
    many = [[f"网格员{i}", "男", f"1390001{i:04d}", "320102001001G1"] for i in range(25)]
    assert run("worker", write_csv(tmp_path / "many.csv", [header, *many]), dry_run=True).created == 25
    assert calls == []  # a preview writes nothing
    assert run("worker", write_csv(tmp_path / "many.csv", [header, *many])).created == 25
    assert calls == ["refresh"]
    assert Worker.select().count() == 31


@pytest.mark.skipif(not IS_SQLITE, reason="the daily backup is the embedded SQLite database's")
def test_the_days_backup_then_refreshes_them(app, database, tmp_path):
    from gridadmin import db as dbmod

    calls = []
    daily = backups.Daily(dbmod.sqlite_path(app.config["DATABASE_URL"]), str(tmp_path / "b"),
                          log=lambda message: None, then=lambda: calls.append("then"))
    assert daily.run_once() is not None and calls == ["then"]
    assert daily.run_once() is None and calls == ["then"]  # no backup made: nothing more


def test_the_app_takes_them_when_it_starts(app, database):
    from gridadmin import serve

    setup.fill_dictionaries()
    before = _stamp("category")
    db.close()
    serve.prepare(app, log=lambda *a: None)
    with app.app_context():
        db.connect(reuse_if_open=True)
        assert _taken(before, "category")


@pytest.mark.skipif(not IS_SQLITE, reason="the daily backup is the embedded SQLite database's")
def test_a_failure_after_the_backup_leaves_the_backup(app, database, tmp_path):
    from gridadmin import db as dbmod

    said = []

    def fail():
        raise RuntimeError("disk full")

    daily = backups.Daily(dbmod.sqlite_path(app.config["DATABASE_URL"]), str(tmp_path / "b"), log=said.append,
                          then=fail)
    assert daily.run_once() is not None
    assert len(backups.existing(str(tmp_path / "b"))) == 1
    assert said[-1] == "after the backup, FAILED: disk full"
