"""`python app.py`: prepare the database on first start, then serve.

On Linux (and other POSIX systems) gunicorn serves from several worker
processes (``GRIDADMIN_WORKERS``, default: the number of CPU cores); on
Windows, or with ``GRIDADMIN_WORKERS=1``, one waitress process as before.
The first-start work (migrations, the first administrator, the planner's
statistics) runs once, in the process that starts the server, before any
worker is forked, and under a lock (a file next to the instance, and on
PostgreSQL an advisory lock), so that two servers started at once do it
once between them. The daily backup runs in the serving processes, after
the fork, one copy at a time (services.backups.Daily).
"""

import os
import sys
from contextlib import contextmanager

from filelock import FileLock

from . import db
from .services import backups, planner
from .services.setup import first_start

THREADS = 4  # a process's request threads (waitress, or each gunicorn worker)
# Any fixed number: the key of the PostgreSQL advisory lock first start holds.
ADVISORY_KEY = 20261113


def workers_setting(value=None, platform=sys.platform):
    """How many processes serve: GRIDADMIN_WORKERS, else the CPU cores; always 1 on Windows."""
    if platform.startswith("win"):
        return 1
    value = os.environ.get("GRIDADMIN_WORKERS", "") if value is None else value
    try:
        count = int(str(value).strip())
    except ValueError:
        count = 0
    return count if count > 0 else (os.cpu_count() or 1)


@contextmanager
def first_start_lock(app):
    """Held while one process prepares the database; others wait, then find it done."""
    path = db.sqlite_path(app.config["DATABASE_URL"])
    lock_path = (path if path else os.path.join(app.instance_path, "gridadmin")) + ".start.lock"
    os.makedirs(os.path.dirname(os.path.abspath(lock_path)), exist_ok=True)
    with FileLock(lock_path, timeout=600):
        if db.is_postgres_url(app.config["DATABASE_URL"]):
            db.db.execute_sql("SELECT pg_advisory_lock(%s)", (ADVISORY_KEY,))
            try:
                yield
            finally:
                db.db.execute_sql("SELECT pg_advisory_unlock(%s)", (ADVISORY_KEY,))
        else:
            yield


def prepare(app, log=print):
    """Migrations and the first administrator, once, then fresh planner
    statistics; returns (migrations applied, the new administrator's
    password or None, dictionaries filled)."""
    with app.app_context():
        db.db.connect(reuse_if_open=True)
        try:
            with first_start_lock(app):
                applied = db.upgrade()
                password, filled = first_start(app.config["ADMIN_PASSWORD"])
                planner.refresh()
        finally:
            db.close_all()  # before any fork: no worker inherits this connection
    for name in applied:
        log(f"applied migration: {name}")
    for name, count in filled.items():
        if count:
            log(f"first start: {count} {name} filled in (editable under 字典 / Lookup tables)")
    if password:
        log("=" * 60)
        log("First start: created administrator 'admin'")
        log(f"password: {password}")
        log("(shown once; change it after logging in)")
        log("=" * 60)
    return applied, password, filled


def start_backups(app):
    source = db.sqlite_path(app.config["DATABASE_URL"])
    if source is None:
        return None
    return backups.Daily(source, app.config["BACKUP_DIR"], app.config["BACKUP_KEEP"],
                         then=planner.refresh_in_thread).start()


def main(app):
    prepare(app)
    host, port = app.config["HOST"], app.config["PORT"]
    workers = workers_setting()
    if workers > 1:
        try:
            import gunicorn  # noqa: F401 - not on Windows
        except ImportError:
            workers = 1
    print(f"gridadmin serving on http://{host}:{port}/ ({workers} process{'es' if workers > 1 else ''})",
          flush=True)
    if workers > 1:
        # The backup thread runs in each worker, started after the fork: a
        # process forked while one of its threads is inside SQLite inherits
        # SQLite's locks held, and its first connection waits forever.
        serve_gunicorn(app, host, port, workers, post_worker_init=lambda worker: start_backups(app))
    else:
        from waitress import serve

        start_backups(app)

        # As many threads as a gunicorn worker: the page is CPU work under one
        # GIL, so more threads add no speed, only a SQLite page cache each
        # (8 threads peaked at 104 MB at 1M tickets, 4 stay under 100 MB).
        serve(app, host=host, port=port, threads=THREADS)


def serve_gunicorn(app, host, port, workers, threads=None, post_worker_init=None):
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            settings = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads or THREADS,
                "timeout": 120,
                "graceful_timeout": 10,
                "accesslog": None,
            }
            if post_worker_init is not None:
                settings["post_worker_init"] = post_worker_init
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    Server().run()
