"""Verified backups of the SQLite database, and putting one back.

Copying ``gridadmin.db`` alone is not a backup: in WAL mode the newest
commits live in ``gridadmin.db-wal`` until a checkpoint, and a file copied
while someone writes can be torn. SQLite's online backup API copies a
consistent snapshot (WAL included) while the app keeps running, page by
page, without blocking writers for long. Every copy is then checked with
``PRAGMA integrity_check`` before it counts as a backup.

PostgreSQL has its own tools (``pg_dump`` / ``pg_restore``); the README
says how. These functions are for the embedded SQLite database.
"""

import glob
import os
import sqlite3
import threading
import time
from datetime import datetime

from filelock import FileLock, Timeout

from .errors import RuleError

PREFIX = "gridadmin-"
SUFFIX = ".db"
KEEP = 14  # default number of daily backups kept
PAGES_PER_STEP = 4096  # copy 16 MB at a time, letting writers in between steps
# A copy being written is touched every step; one untouched this long was
# left by a process stopped mid-backup (a power cut, a killed server).
STALE_PARTIAL_SECONDS = 3600


def _connect(path):
    return sqlite3.connect(path, timeout=30)


def check(path):
    """Raise RuleError unless ``path`` is an intact SQLite database of ours."""
    if not os.path.isfile(path):
        raise RuleError("No backup file at %(path)s.", path=path)
    try:
        conn = _connect(path)
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise RuleError("%(path)s is not a usable database: %(error)s", path=path, error=str(error)) from None
    if result != ["ok"]:
        raise RuleError("%(path)s failed the integrity check: %(error)s", path=path, error="; ".join(result[:5]))
    if "schema_migration" not in tables or "ticket" not in tables:
        raise RuleError("%(path)s is not a gridadmin database.", path=path)


def copy(source_path, target_path):
    """A consistent copy of a live database (online backup API), verified.
    The copy is written beside the target and renamed into place only
    once it has passed the check: a half-written file never looks done."""
    if not os.path.isfile(source_path):
        raise RuleError("No database file at %(path)s.", path=source_path)
    os.makedirs(os.path.dirname(os.path.abspath(target_path)), exist_ok=True)
    partial = target_path + ".partial"
    if os.path.exists(partial):
        os.remove(partial)
    source, target = _connect(source_path), _connect(partial)
    try:
        source.backup(target, pages=PAGES_PER_STEP, sleep=0.005)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()
        source.close()
    try:
        check(partial)
    except RuleError:
        os.remove(partial)
        raise
    os.replace(partial, target_path)
    return target_path


def backup_name(now=None):
    return f"{PREFIX}{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}{SUFFIX}"


def existing(folder):
    """The backups in ``folder``, oldest first (their names sort by time)."""
    return sorted(glob.glob(os.path.join(glob.escape(folder), f"{PREFIX}*{SUFFIX}")))


def remove_stale_partials(folder):
    """Remove half-written copies a stopped backup left in ``folder``: each
    can be as big as the database, and as every backup has its own name, no
    later one would write over them. Returns the paths removed."""
    now = time.time()
    removed = []
    for path in glob.glob(os.path.join(glob.escape(folder), f"{PREFIX}*{SUFFIX}.partial*")):
        try:
            if now - os.path.getmtime(path) > STALE_PARTIAL_SECONDS:
                os.remove(path)
                removed.append(path)
        except OSError:  # gone already, or open (Windows): left for the next time
            pass
    return removed


def make(database_path, folder, keep=KEEP, now=None):
    """A new verified backup in ``folder``; older ones beyond ``keep``, and
    copies a stopped backup left half-written, are removed."""
    remove_stale_partials(folder)
    path = copy(database_path, os.path.join(folder, backup_name(now)))
    for old in existing(folder)[:-keep] if keep > 0 else []:
        os.remove(old)
    return path


def made_today(folder, now=None):
    today = (now or datetime.now()).strftime("%Y%m%d")
    return any(os.path.basename(p).startswith(f"{PREFIX}{today}-") for p in existing(folder))


def restore(backup_path, database_path, now=None):
    """Put a verified backup in place of the database, keeping the replaced
    one (``….replaced-<time>``, itself a consistent copy). Returns the path
    of the kept file, or None when there was no database. Stop the app first."""
    check(backup_path)
    kept = None
    if os.path.exists(database_path):
        kept = f"{database_path}.replaced-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}"
        copy(database_path, kept)
    # Through SQLite itself, so the live file and its -wal stay consistent.
    source, target = _connect(backup_path), _connect(database_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    check(database_path)
    return kept


class Daily:
    """The running app's daily backup: checks every ``interval`` seconds and
    makes one when today has none yet, then runs ``then`` (the day's other
    upkeep). Every process that serves runs one;
    a lock file beside the database lets one process at a time copy, and
    the others find the day's backup made."""

    def __init__(self, database_path, folder, keep=KEEP, interval=3600, log=print, then=None):
        self.database_path, self.folder, self.keep = database_path, folder, keep
        self.interval, self.log, self.then = interval, log, then
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="gridadmin-backup", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self._stop.set()

    def run_once(self):
        if made_today(self.folder):
            return None
        lock = FileLock(self.database_path + ".backup.lock")  # beside the database, like its start lock
        try:
            lock.acquire(blocking=False)
        except Timeout:
            return None  # another process is copying
        try:
            if made_today(self.folder):
                return None
            started = time.monotonic()
            path = make(self.database_path, self.folder, self.keep)
        finally:
            lock.release()
        self.log(f"backup written and verified: {path} ({time.monotonic() - started:.1f} s)")
        if self.then is not None:  # the day's other upkeep (planner statistics)
            try:
                self.then()
            except Exception as error:  # the backup stands; say what failed after it
                self.log(f"after the backup, FAILED: {error}")
        return path

    def _run(self):
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception as error:  # a failed backup must never stop the app; say so and retry
                self.log(f"backup FAILED: {error}")
            self._stop.wait(self.interval)
