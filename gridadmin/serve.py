"""`python app.py`: prepare the database on first start, then serve with waitress."""

from waitress import serve

from . import db
from .services import backups
from .services.setup import first_start


def main(app):
    with app.app_context():
        db.db.connect(reuse_if_open=True)
        for name in db.upgrade():
            print(f"applied migration: {name}")
        password, filled = first_start(app.config["ADMIN_PASSWORD"])
        db.db.close()
    for name, count in filled.items():
        if count:
            print(f"first start: {count} {name} filled in (editable under 字典 / Lookup tables)")
    if password:
        print("=" * 60)
        print("First start: created administrator 'admin'")
        print(f"password: {password}")
        print("(shown once; change it after logging in)")
        print("=" * 60)
    source = db.sqlite_path(app.config["DATABASE_URL"])
    if source is not None:
        backups.Daily(source, app.config["BACKUP_DIR"], app.config["BACKUP_KEEP"]).start()
    host, port = app.config["HOST"], app.config["PORT"]
    print(f"gridadmin serving on http://{host}:{port}/")
    serve(app, host=host, port=port, threads=8)
