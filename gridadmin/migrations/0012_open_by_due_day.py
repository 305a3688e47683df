"""The tally's open tickets by due day (DIM_OPEN, DIM_OPEN_DEPARTMENT), for
"overdue now": filled from the open tickets, as ``flask stats rebuild``
would fill them."""
import os


def _timezone():
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config["TIMEZONE"]
    return os.environ.get("GRIDADMIN_TIMEZONE", "Asia/Shanghai")


def up(migrator, db):
    from gridadmin.services import tally

    tally.fill_open_days(_timezone())


def down(migrator, db):
    db.execute_sql("DELETE FROM tally WHERE dim IN ('o', 'q')")
