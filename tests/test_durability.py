"""Nothing acknowledged is lost: SQLite commits with synchronous=FULL, and
backups are consistent copies (WAL included), verified before they count,
made daily by the running app and on demand, and put back safely."""

import os
import shutil
import sqlite3
from datetime import datetime

import factories as f
import pytest

from gridadmin import db as dbmod
from gridadmin.models import Worker, db
from gridadmin.services import backups
from gridadmin.services.errors import RuleError
from tests.conftest import TEST_DB_URL

pytestmark = pytest.mark.skipif(bool(TEST_DB_URL), reason="backups are for the embedded SQLite database")


def _path(app):
    return dbmod.sqlite_path(app.config["DATABASE_URL"])


def _workers(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT COUNT(*) FROM worker").fetchone()[0]
    finally:
        conn.close()


def test_sqlite_commits_are_durable(database):
    assert database.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_copy_misses_what_the_backup_keeps(app, database, tmp_path):
    grid = f.tree()["g1"]
    database.execute_sql("PRAGMA wal_autocheckpoint = 0")  # keep the commits in the -wal, as a busy day does
    for n in range(25):
        with db.atomic():
            f.worker(grid, name=f"员{n}")
    copied = tmp_path / "copied.db"
    shutil.copy(_path(app), copied)  # the database file alone, without its -wal
    try:
        in_copy = _workers(copied)
    except sqlite3.DatabaseError:  # not even the tables
        in_copy = 0
    assert in_copy < 25  # acknowledged writes the file copy lost
    made = backups.copy(_path(app), str(tmp_path / "backup.db"))
    assert _workers(made) == 25
    backups.check(made)
    assert not os.path.exists(made + "-wal")  # one self-contained file


def test_backup_and_restore_commands(app, database, tmp_path):
    grid = f.tree()["g1"]
    f.worker(grid, name="备份前")
    runner = app.test_cli_runner()
    target = tmp_path / "one.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "verified" in result.output
    f.worker(grid, name="备份后")
    db.close()
    result = runner.invoke(args=["restore", str(target)])
    assert result.exit_code == 0, result.output
    kept = result.output.split("kept as ")[1].split()[0]
    assert _workers(kept) == 2  # the replaced database is kept whole
    db.connect(reuse_if_open=True)
    assert [w.name for w in Worker.select()] == ["备份前"]


def test_restore_refuses_a_damaged_or_foreign_file(app, database, tmp_path):
    damaged = tmp_path / "damaged.db"
    made = backups.copy(_path(app), str(damaged))
    with open(made, "r+b") as fh:  # overwrite the middle of the file
        fh.seek(4096 * 3)
        fh.write(b"\xff" * 8192)
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE x (a)").connection.close()
    text_file = tmp_path / "notes.db"
    text_file.write_text("not a database")
    before = _workers(_path(app))
    db.close()
    for path in (damaged, foreign, text_file, tmp_path / "missing.db"):
        result = app.test_cli_runner().invoke(args=["restore", str(path)])
        assert result.exit_code != 0, (path, result.output)
    assert _workers(_path(app)) == before


def test_daily_backup_keeps_the_last_n(app, database, tmp_path):
    folder = str(tmp_path / "backups")
    for day in range(1, 6):
        backups.make(_path(app), folder, keep=3, now=datetime(2026, 11, day, 23, 0))
    assert [os.path.basename(p) for p in backups.existing(folder)] == [
        "gridadmin-20261103-230000.db", "gridadmin-20261104-230000.db", "gridadmin-20261105-230000.db"]
    daily = backups.Daily(_path(app), folder, keep=3, log=lambda message: None)
    assert daily.run_once() is not None  # none today yet
    assert daily.run_once() is None  # one a day
    assert len(backups.existing(folder)) == 3


def test_a_failed_copy_leaves_no_backup(app, database, tmp_path):
    with pytest.raises(RuleError):
        backups.copy(str(tmp_path / "nothing.db"), str(tmp_path / "out.db"))
    assert not os.path.exists(tmp_path / "out.db") and not os.path.exists(tmp_path / "nothing.db")


def test_a_backup_stopped_half_way_is_cleared_by_the_next(app, database, tmp_path):
    """A server stopped mid-backup leaves a half-written copy under a name no
    later backup uses: the next backup removes it, but not one still being
    written (touched within the hour)."""
    folder = tmp_path / "backups"
    folder.mkdir()
    stale = [folder / "gridadmin-20261104-080000.db.partial", folder / "gridadmin-20261104-080000.db.partial-journal"]
    live = folder / "gridadmin-20261105-075959.db.partial"
    other = folder / "notes.db.partial"  # not ours: left alone
    for path in (*stale, live, other):
        path.write_bytes(b"x" * 1024)
    two_hours_ago = datetime.now().timestamp() - 7200
    for path in (*stale, other):
        os.utime(path, (two_hours_ago, two_hours_ago))
    backups.make(_path(app), str(folder))
    assert not any(path.exists() for path in stale)
    assert live.exists() and other.exists()
    assert len(backups.existing(str(folder))) == 1


def test_one_process_copies_at_a_time(app, database, tmp_path):
    """Each serving process runs the daily check; while one copies (holding
    the lock beside the database), another makes no second copy."""
    from filelock import FileLock

    folder = str(tmp_path / "backups")
    daily = backups.Daily(_path(app), folder, log=lambda message: None)
    with FileLock(_path(app) + ".backup.lock"):
        assert daily.run_once() is None
        assert backups.existing(folder) == []
    assert daily.run_once() is not None
    assert len(backups.existing(folder)) == 1
