"""Request input no screen accepts, refused before any view runs."""

from flask import abort, request


def _has_nul(multidict):
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in multidict.lists())


def init_app(app):
    @app.before_request
    def _refuse_nul_characters():
        # No field of ours holds a NUL, and PostgreSQL cannot even compare one
        # (the driver raises): a search, filter or form with one is a 400.
        if _has_nul(request.args) or (request.method == "POST" and _has_nul(request.form)):
            abort(400)
