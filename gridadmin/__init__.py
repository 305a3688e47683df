"""gridadmin: an admin panel for party-led grid governance (党建引领网格化治理)."""

import os

from flask import Flask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config=None):
    """The app factory: configuration, database, i18n, login, admin, CLI."""
    from . import cli, db
    from .config import load_config
    from .web import admin, auth, errors, field, i18n, inputs

    app = Flask(__name__, instance_path=os.path.join(ROOT, "instance"),
                template_folder=os.path.join(ROOT, "templates"))
    app.config.update(load_config(app.instance_path))
    app.config.update(config or {})
    db.init_app(app)
    inputs.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    admin.init_app(app)
    field.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app
