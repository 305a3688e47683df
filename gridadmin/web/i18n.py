"""Chinese first: Babel set-up, the locale switcher, and our catalogues for
Flask-Admin's and WTForms' own messages."""

import os
from urllib.parse import urlparse

import flask_admin.babel
import flask_babel
import flask_wtf.i18n
from flask import Blueprint, current_app, redirect, request
from flask_babel import Babel, Domain, get_locale, lazy_gettext

TRANSLATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "translations")
DEFAULT_LOCALE = "zh_Hans_CN"
LOCALES = {
    "zh_Hans_CN": "简体中文",
    "zh_Hant_TW": "繁體中文",
    "en": "English",
}
LOCALE_COOKIE = "locale"

bp = Blueprint("i18n", __name__)


def select_locale():
    code = request.cookies.get(LOCALE_COOKIE)
    return code if code in LOCALES else DEFAULT_LOCALE


def select_timezone():
    return current_app.config["TIMEZONE"]


@bp.route("/locale/<code>")
def switch_locale(code):
    """Remember the chosen language for a year, then go back where we were."""
    target = request.args.get("next") or request.referrer or "/admin/"
    # Only local paths: never an open redirect (browsers read "/\\host" as "//host").
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or "\\" in target:
        target = "/admin/"
    response = redirect(target)
    if code in LOCALES:
        response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def choices(pairs):
    """Model choices (value, English msgid) -> translated for the current locale."""
    return [(value, lazy_gettext(label)) for value, label in pairs]


class RequestTranslations:
    """A domain's catalogue looked up once a request and locale: Flask-Babel
    looks up the locale and its cache on every string (a list page
    translates some 150), a tenth of the page (issue 13)."""

    def get_translations(self):
        ctx = flask_babel._get_current_context()
        if ctx is None:
            return super().get_translations()
        locale = getattr(ctx, "babel_locale", None) or get_locale()
        memo = ctx.__dict__.setdefault("gridadmin_translations", {})
        kept = memo.get(id(self))
        if kept is None or kept[0] is not locale:  # force_locale() swaps the locale object
            kept = memo[id(self)] = (locale, super().get_translations())
        return kept[1]


class FastDomain(RequestTranslations, Domain):
    pass


class AdminDomain(RequestTranslations, flask_admin.babel.CustomDomain):
    """Flask-Admin's own strings from our complete catalogue. Flask-Admin's
    domain adds our directory only inside an admin view, merges its stale
    shipped catalogue last (so it wins), and caches by locale alone: the first
    page rendered decided for the whole process. Here ours always wins."""

    @property
    def translation_directories(self):
        return [flask_admin.babel.translations.__path__[0], TRANSLATIONS]


def init_app(app):
    flask_admin.babel.domain.__class__ = AdminDomain
    flask_admin.babel.domain.cache.clear()
    babel = Babel(
        app,
        default_locale=DEFAULT_LOCALE,
        default_translation_directories=TRANSLATIONS,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
    )
    # Flask-Admin looks WTForms' messages up in WTForms' own catalogue, which
    # has no zh_Hans_CN; point it at ours (a module global read at call time).
    flask_admin.babel.wtforms_domain = FastDomain(TRANSLATIONS, domain="wtforms")
    with app.app_context():
        babel.domain_instance.__class__ = FastDomain
    # Flask-WTF forms (login) too: WTForms' catalogue maps zh_Hant_TW to Simplified "zh".
    flask_wtf.i18n.messages_path = lambda: TRANSLATIONS
    app.register_blueprint(bp)
    app.jinja_env.globals.update(gridadmin_locales=LOCALES, get_locale=get_locale)
