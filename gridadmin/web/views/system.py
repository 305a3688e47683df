"""系统: users, the audit log, the login log and the permission matrix."""

import json
from datetime import datetime

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms import PasswordField
from wtforms.validators import Length, Optional

from ...models import ALL_MODELS, AuditLog, ImportLog, LoginAttempt, User, db
from ...models.ticket import TICKET_ACTIONS
from ...services import audit, dispatch, imports, logins, permissions, resources, sessions, users, workflow
from ...services.errors import InUse, RuleError
from ..auth import PasswordForm, client_address
from ..base import BaseModelView, format_local_datetime, in_use_message, rule_message
from ..i18n import choices
from ..labels import FIELD_LABELS, MODEL_NAMES
from ..validators import parse_id

LOCKED = "Too many failed logins: this account is locked for %(minutes)s minutes. Try again later."


class UserView(BaseModelView):
    simple_list_pager = False
    column_list = ("username", "display_name", "role", "grid", "department", "team", "active", "last_login_at")
    column_details_list = ("username", "display_name", "role", "grid", "department", "team", "worker",
                           "volunteer", "active", "created_at", "last_login_at")
    column_export_list = column_list
    column_searchable_list = ("username", "display_name")
    column_sortable_list = ("username", "role", "last_login_at")
    column_default_sort = ("username", False)
    column_filters = (User.role, User.active)
    form_columns = ("username", "display_name", "role", "grid", "department", "team", "worker", "volunteer",
                    "active")
    form_extra_fields = {
        "new_password": PasswordField(_l("New password"), validators=[Optional(), Length(min=users.MIN_PASSWORD_LENGTH, max=256)],
                                      description=_l("Leave blank to keep the current password.")),
    }
    ajax_lookups = {"grid": ("code", "name"), "team": ("name",), "worker": ("name", "mobile"),
                    "volunteer": ("name", "mobile")}

    def __init__(self, **kwargs):
        super().__init__(User, **kwargs)

    def prepare_save(self, form, obj, is_created):
        # scrypt is slow: hash before the save's transaction opens.
        username = form.username.data if "username" in form else obj.username
        return {"password_hash": users.new_password_hash(form.new_password.data, username, is_created)}

    def save_record(self, obj, is_created, prepared):
        users.prepare_admin_save(obj, prepared["password_hash"])
        super().save_record(obj, is_created, prepared)

    def after_record_save(self, obj, is_created, prepared):
        if not is_created:
            users.after_admin_save(obj, bool(prepared.get("password_hash")))

    @action("end_sessions", _l("End sessions"),
            _l("End every login of the selected users? They will have to log in again."))
    def action_end_sessions(self, ids):
        count = 0
        with db.atomic():
            for user in self.get_selected(ids):
                count += sessions.end_all(user)
                audit.record("end_sessions", user=current_user._get_current_object(), address=client_address(),
                             obj=user)
        flash(gettext("%(count)s logins ended.", count=count), "success")


def _shown(model_name, field, value):
    """A logged value as people read it: yes/no, a choice's label, a local time."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    model_class = next((m for m in ALL_MODELS if m.__name__ == model_name), None)
    column = model_class._meta.fields.get(field) if model_class is not None else None
    if column is not None and column.choices:
        return next((gettext(label) for code, label in column.choices if code == value), value)
    if column is not None and column.field_type == "DATETIME" and isinstance(value, str):
        try:
            return format_local_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def _changes(view, context, model, name):
    if not model.changes:
        return ""
    rows = [Markup("<tr><td>{}</td><td>{}</td><td>{}</td></tr>").format(
        FIELD_LABELS.get(field, field), _shown(model.model, field, before), _shown(model.model, field, after))
        for field, (before, after) in json.loads(model.changes).items()]
    return Markup('<table class="table table-sm mb-0"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
                  '<tbody>{}</tbody></table>').format(gettext("Field"), gettext("Before"), gettext("After"),
                                                      Markup("").join(rows))


def _model_name(view, context, model, name):
    names = {m.__name__: label for m, label in MODEL_NAMES.items()}
    return names.get(model.model, model.model or "")


def _who(view, context, model, name):
    """The person's name (not the login name); steps the system took for a
    dispatch rule, in words."""
    if model.user_id is None and model.username == dispatch.SYSTEM.username:
        return gettext("System (smart dispatch)")
    return getattr(model, "person_name", None) or model.username or ""


class PersonNames:
    """Logs with a ``user`` and the ``username`` kept: rows carry the
    person's name (``person_name``), loaded in one query a page or batch."""

    def decorate_rows(self, rows):
        super().decorate_rows(rows)
        names = users.display_names(row.user_id for row in rows)
        for row in rows:
            row.person_name = users.person_name(row.user_id, row.username, names)

    def get_one(self, id):
        obj = super().get_one(id)
        self.decorate_rows([obj])
        return obj


class ReadOnlyLogView(BaseModelView):
    """Append-only logs: nobody edits or deletes them through the app."""

    can_create = False
    can_edit = False
    can_delete = False
    column_default_sort = ("at", True)
    action_disallowed_list = ["delete"]


class AuditLogView(PersonNames, ReadOnlyLogView):
    column_list = ("at", "username", "address", "action", "model", "record_id")
    column_details_list = ("at", "username", "address", "action", "model", "record_id", "changes")
    column_export_list = ("at", "username", "address", "action", "model", "record_id", "changes")
    column_searchable_list = ("username", "address")
    column_sortable_list = ("at", "username", "action")
    column_filters = (AuditLog.action, AuditLog.model, AuditLog.record_id, AuditLog.username)
    column_formatters = {"model": _model_name, "username": _who}
    column_formatters_detail = {"model": _model_name, "changes": _changes, "username": _who}

    def __init__(self, **kwargs):
        super().__init__(AuditLog, **kwargs)

    def get_query(self):
        """``?record=Ticket:12``: one record's history, linked from its details page."""
        query = super().get_query()
        model_name, _, record_id = request.args.get("record", "").partition(":")
        record_id = parse_id(record_id)
        if model_name and record_id is not None:
            query = query.where((AuditLog.model == model_name) & (AuditLog.record_id == record_id))
        return query


class LoginAttemptView(ReadOnlyLogView):
    column_list = ("at", "username", "address", "success", "result")
    column_searchable_list = ("username", "address")
    column_sortable_list = ("at", "username", "address")
    column_filters = (LoginAttempt.success, LoginAttempt.result, LoginAttempt.username, LoginAttempt.address)

    def __init__(self, **kwargs):
        super().__init__(LoginAttempt, **kwargs)


def _import_model(view, context, model, name):
    resource = resources.get(model.model)
    return gettext(resource.title) if resource else model.model


class ImportLogView(PersonNames, ReadOnlyLogView):
    """导入记录: every confirmed import; the importer reads their own, and
    undoes one while nothing refers to the records it created."""

    column_list = ("at", "username", "model", "file_name", "created", "updated", "unchanged", "undone_at")
    column_details_list = ("at", "username", "model", "file_name", "created", "updated", "unchanged", "undone_at",
                           "undone_by")
    column_searchable_list = ("username", "file_name")
    column_sortable_list = ("at", "username", "model")
    column_filters = (ImportLog.model, ImportLog.username)
    column_formatters = {"model": _import_model, "username": _who}
    column_formatters_detail = column_formatters
    column_formatters_export = {"username": _who}
    details_template = "admin/importlog_details.html"

    def __init__(self, **kwargs):
        super().__init__(ImportLog, **kwargs)

    def may_undo(self, log):
        return imports.may_undo(log, current_user)

    @expose("/undo/", methods=("POST",))
    def undo_view(self):
        log = self.get_one(request.args.get("id"))
        if not imports.may_undo(log, current_user):
            abort(403)
        try:
            count = imports.undo(log, current_user._get_current_object(), address=client_address(),
                                     tz=current_app.config["TIMEZONE"])
        except InUse as error:
            flash(gettext("The import cannot be undone: other records now refer to the records it created.")
                  + " " + in_use_message(error), "error")
        except RuleError as error:
            flash(rule_message(error), "error")
        else:
            flash(gettext("Import undone: %(count)s records deleted.", count=count), "success")
        return redirect(url_for(".details_view", id=log.id))


class PermissionMatrixView(BaseView):
    """The role × view × action matrix, read-only, as the code holds it."""

    def is_accessible(self):
        return current_user.is_authenticated and current_user.role == "admin"

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login"))

    @expose("/")
    def index(self):
        roles = [(value, label) for value, label in choices(User.role.choices)]
        views = [(endpoint, self.admin_label(endpoint)) for endpoint in permissions.VIEWS]
        action_labels = {
            permissions.VIEW: _l("View"), permissions.CREATE: _l("Create"), permissions.EDIT: _l("Edit"),
            permissions.DELETE: _l("Delete"), permissions.EXPORT: _l("Export"),
        }
        return self.render("admin/permissions.html", roles=roles, views=views, permissions=permissions,
                           action_labels=action_labels, steps=list(workflow.STEPS.items()),
                           step_labels=dict(TICKET_ACTIONS))

    def admin_label(self, endpoint):
        for view in self.admin._views:
            if getattr(view, "endpoint", None) == endpoint:
                return view.name
        return endpoint


class AccountView(BaseView):
    """The user's own password, linked from the navbar rather than the menu."""

    def is_accessible(self):
        return current_user.is_authenticated

    def is_visible(self):
        return False

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = PasswordForm()
        if form.validate_on_submit():
            user = current_user._get_current_object()
            try:
                # Guessing the current password here counts like a failed login.
                if logins.account_locked(user.username):
                    raise RuleError(LOCKED, field="current_password", minutes=logins.LOCK_MINUTES)
                if not users.check_password(user, form.current_password.data):
                    logins.log_failure(user.username, client_address())
                    raise RuleError("The current password is wrong.", field="current_password")
                users.set_password(user, form.new_password.data, address=client_address(), keep=user.session_key)
            except RuleError as error:
                form[error.field or "new_password"].errors.append(rule_message(error))
            else:
                flash(gettext("Your password has been changed. Other sessions have been logged out."), "success")
                return redirect(url_for("admin.index"))
        return self.render("password.html", form=form)
