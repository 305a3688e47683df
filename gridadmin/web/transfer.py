"""Import and export screens for every list: thin, over services.imports,
services.exports and the resources' declarations.

``/admin/<view>/import/``: the template to download, the upload, the preview
(counts and every error by row and column), the confirmation, and the user's
own file back with the bad cells marked. An upload is kept under
``instance/imports/<token>/`` between the preview and the confirmation (for
a day), readable only by the user who sent it.
"""

import json
import os
import secrets
import shutil
import time

from flask import Response, abort, current_app, flash, redirect, request, send_file, stream_with_context, url_for
from flask_admin import expose
from flask_babel import get_locale, gettext
from flask_login import current_user
from werkzeug.utils import secure_filename

from ..models import db
from ..services import audit, exports, imports, permissions, resources, spreadsheets
from .auth import client_address

KEEP_SECONDS = 24 * 3600
TOKEN_CHARS = set("0123456789abcdef")


def _locale():
    return str(get_locale() or imports.DEFAULT_LOCALE)


def _upload_root():
    return os.path.join(current_app.instance_path, "imports")


def _clean_old(root):
    now = time.time()
    for name in os.listdir(root) if os.path.isdir(root) else ():
        path = os.path.join(root, name)
        try:
            if now - os.path.getmtime(path) > KEEP_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass


class TransferMixin:
    """Import and export for a BaseModelView whose endpoint has a resource."""

    export_types = ["csv", "xlsx"]

    @property
    def resource(self):
        return resources.get(self.endpoint)

    @property
    def can_import(self):
        return self.resource is not None and imports.may_import(current_user, self.resource)

    def _import_guard(self):
        if not self.can_import:
            abort(403)
        return self.resource

    def _state(self, token):
        if not token or set(token) - TOKEN_CHARS or len(token) != 32:
            abort(404)
        folder = os.path.join(_upload_root(), token)
        try:
            with open(os.path.join(folder, "state.json"), encoding="utf-8") as fh:
                state = json.load(fh)
        except (OSError, ValueError):
            abort(404)
        if state.get("user") != current_user.id or state.get("resource") != self.endpoint:
            abort(404)
        return folder, state

    @expose("/import/", methods=("GET", "POST"))
    def import_view(self):
        resource = self._import_guard()
        if request.method == "GET":
            return self.render("admin/import.html", resource=resource, stage="upload", report=None, token=None)
        upload = request.files.get("file")
        name = (upload.filename or "") if upload else ""
        kind = spreadsheets.kind_of(name)
        if kind is None:
            flash(gettext("Only .xlsx and .csv files can be imported."), "error")
            return redirect(url_for(".import_view"))
        root = _upload_root()
        os.makedirs(root, exist_ok=True)
        _clean_old(root)
        token = secrets.token_hex(16)
        folder = os.path.join(root, token)
        os.makedirs(folder)
        path = os.path.join(folder, f"upload.{kind}")
        upload.save(path)
        report = imports.run(resource, path, user=current_user._get_current_object(), file_name=name,
                             tz=current_app.config["TIMEZONE"], locale=_locale(), dry_run=True,
                             error_file=os.path.join(folder, "errors.xlsx"), address=client_address())
        state = {"user": current_user.id, "resource": self.endpoint, "file_name": name, "kind": kind,
                 "versions": {str(k): v for k, v in report.versions.items()}}
        with open(os.path.join(folder, "state.json"), "w", encoding="utf-8") as fh:
            json.dump(state, fh)
        return self.render("admin/import.html", resource=resource, stage="preview", report=report, token=token)

    @expose("/import/confirm/", methods=("POST",))
    def import_confirm_view(self):
        resource = self._import_guard()
        token = request.form.get("token", "")
        folder, state = self._state(token)
        path = os.path.join(folder, f"upload.{state['kind']}")
        if not os.path.exists(path):
            abort(404)
        report = imports.run(resource, path, user=current_user._get_current_object(), file_name=state["file_name"],
                             tz=current_app.config["TIMEZONE"], locale=_locale(), dry_run=False,
                             expected_versions={int(k): v for k, v in state["versions"].items()},
                             error_file=os.path.join(folder, "errors.xlsx"), address=client_address())
        if report.ok:
            shutil.rmtree(folder, ignore_errors=True)  # done: the upload is not kept
            if report.changes:
                flash(gettext("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
                              created=report.created, updated=report.updated, unchanged=report.unchanged), "success")
            else:
                flash(gettext(imports.NOTHING_TO_CHANGE), "info")
        else:
            flash(gettext("Nothing was imported: the file has errors."), "error")
        return self.render("admin/import.html", resource=resource, stage="done", report=report, token=token)

    @expose("/import/template/")
    def import_template_view(self):
        resource = self._import_guard()
        import tempfile

        target = tempfile.TemporaryFile()
        exports.template(resource, _locale(), target, lookups=exports.lookup_values(resource))
        target.seek(0)
        suffix = gettext("import template")
        name = f"{imports.translate(_locale(), resource.title)}-{suffix}.xlsx"
        return send_file(target, mimetype=spreadsheets.XLSX_MIMETYPE, as_attachment=True, download_name=name)

    @expose("/import/errors/")
    def import_errors_view(self):
        self._import_guard()
        folder, state = self._state(request.args.get("token", ""))
        path = os.path.join(folder, "errors.xlsx")
        if not os.path.exists(path):
            abort(404)
        base = os.path.splitext(state["file_name"])[0] or "import"
        suffix = gettext("errors")
        return send_file(path, mimetype=spreadsheets.XLSX_MIMETYPE, as_attachment=True,
                         download_name=f"{base}-{suffix}.xlsx")

    # --- export: .csv and .xlsx, scoped and filtered like the list ----------

    @expose("/export/<export_type>/")
    def export(self, export_type):
        if not self.can_export or export_type not in self.export_types:
            abort(403)
        with db.atomic():
            audit.record("export", user=current_user._get_current_object(), address=client_address(),
                         changes={"view": [None, self.endpoint], "format": [None, export_type]})
        resource = self.resource
        title = str(self.name)
        if resource is not None:
            allowed = permissions.visible_columns(current_user, self.endpoint)
            table = exports.query_rows(resource, self._export_query(), _locale(), current_app.config["TIMEZONE"],
                                       allowed=allowed, text=export_type == "csv")
        else:
            _count, objs = self._export_data()
            table = self._plain_rows(objs, text=export_type == "csv")
        name = f"{title}-{time.strftime('%Y%m%d-%H%M%S')}.{export_type}"
        if export_type == "csv":
            body = exports.write(spreadsheets.CSV, table)
            return Response(stream_with_context(body), mimetype=spreadsheets.CSV_MIMETYPE, headers={
                "Content-Disposition": _disposition(name)})
        target = exports.write(spreadsheets.XLSX, table, title=title)
        return send_file(target, mimetype=spreadsheets.XLSX_MIMETYPE, as_attachment=True, download_name=name)

    def _export_query(self):
        """The list's query as the list finds its rows (scope, filters,
        search, sort), without its paging."""
        args = self._get_list_extra_args()
        sort = self._get_column_by_idx(args.sort)
        return self.list_query(0, sort[0] if sort is not None else None, args.sort_desc, args.search, args.filters,
                               page_size=self.export_max_rows)[1]

    def _export_data(self):
        """The list's rows as the list finds them (scope, filters, search,
        sort), streamed in batches instead of loaded at once."""
        args = self._get_list_extra_args()
        sort = self._get_column_by_idx(args.sort)
        return self.get_list(0, sort[0] if sort is not None else None, args.sort_desc, args.search, args.filters,
                             execute=False, page_size=self.export_max_rows)

    def _plain_rows(self, objs, text):
        """A list without a resource (logs, ledgers): its export columns as
        the list's export formatters show them."""
        columns = self._export_columns
        yield [str(label) for _name, label in columns]
        for obj in objs:
            # Formatters may give lazy or markup strings: plain text, so every
            # text cell goes through safe_cell on its way out.
            yield [v if v is None or isinstance(v, (int, float)) else str(v)
                   for v in (self.get_export_value(obj, name) for name, _label in columns)]


def _disposition(name):
    from urllib.parse import quote

    return f"attachment; filename=\"{secure_filename(name) or 'export'}\"; filename*=UTF-8''{quote(name)}"

