"""In the field, on a phone: the installable web app (its manifest and
service worker) and the large-text mode's cookie.

The service worker is served from the site's root so its scope covers
``/admin/``; it keeps the app's own static files for pages opened offline
and the report form, and leaves every other request to the network (pages
hold records in the user's scope: never cached)."""

from flask import Blueprint, current_app, jsonify, make_response, send_from_directory, url_for
from flask_babel import gettext

bp = Blueprint("field", __name__)

TEXT_SIZE_COOKIE = "text_size"


@bp.route("/manifest.webmanifest")
def manifest():
    data = {
        "name": gettext("Grid governance"),
        "short_name": gettext("Grid governance"),
        "start_url": url_for("ticket.create_view"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#343a40",
        "icons": [
            {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "any maskable"},
        ],
    }
    response = jsonify(data)
    response.headers["Content-Type"] = "application/manifest+json"
    return response


@bp.route("/sw.js")
def service_worker():
    response = make_response(send_from_directory(current_app.static_folder, "js/sw.js"))
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/favicon.ico")
def favicon():
    # Browsers ask for it on pages that name no icon (login, errors): the app's icon, not a 404.
    response = make_response(send_from_directory(current_app.static_folder, "icons/icon-192.png"))
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def init_app(app):
    app.register_blueprint(bp)
