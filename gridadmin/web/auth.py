"""Logging in and out (Flask-Login), changing one's password, CSRF on every
form (Flask-WTF) and the security headers."""

import time
from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..models import db
from ..services import audit, logins, sessions, users

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()

LOGIN_FAILURES = {
    "bad_password": _l("Wrong username or password."),
    "locked": _l("Too many failed logins: this account is locked for %(minutes)s minutes. Try again later."),
    "inactive": _l("This account is disabled. Ask your administrator."),
}


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=users.MIN_PASSWORD_LENGTH, max=256)])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))])


@login_manager.user_loader
def load_user(key):
    """The cookie holds a login's random key; the server says whether that
    login still lives (services.sessions)."""
    return sessions.load(key, current_app.config["SESSION_IDLE_MINUTES"], current_app.config["SESSION_LIFETIME_HOURS"])


def start_session(user):
    """Log ``user`` in with a fresh server-side session: the old cookie's
    contents (the CSRF token among them) are dropped, so nothing from before
    the login carries over into it."""
    session.clear()
    user.session_key = sessions.start(user, client_address())
    login_user(user)


def client_address():
    return request.remote_addr or ""


def _safe_next(target):
    """Only a local path: a login link must not send people elsewhere."""
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user, result = logins.attempt(form.username.data, form.password.data, client_address())
        if user is not None:
            start_session(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("admin.index"))
        if result == "bad_password":
            time.sleep(logins.failure_delay(client_address()))  # outside any transaction
        flash(LOGIN_FAILURES[result] % {"minutes": logins.LOCK_MINUTES}, "error")
    return render_template("login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    with db.atomic():
        audit.record("logout", user=current_user, address=client_address())
    sessions.end(current_user.session_key)
    logout_user()
    session.clear()
    flash(gettext("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/")
def home():
    return redirect(url_for("admin.index"))


def init_app(app):
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    app.register_blueprint(bp)
    if app.config.get("PROXIES"):
        # Behind N reverse proxies, take the client address from X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXIES"], x_proto=app.config["PROXIES"])

    @app.after_request
    def _security_headers(response):
        if request.endpoint != "static" and "Cache-Control" not in response.headers:
            # Pages hold people's records: never kept by the browser or a proxy.
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        return response
