"""Ticket photos on the web: serving them within the user's scope, the upload
field, thumbnails for the ticket screens, and a clear answer to an upload
larger than the server takes.

Wiring in a ticket view::

    form_extra_fields = {"photos": PhotosField()}       # a create or step form
    photos.attach_uploaded(ticket, "report", form.photos)  # inside its db.atomic()
    column_formatters = {"photos": photos.list_formatter}          # list: first report photo
    column_formatters_detail = {"photos": photos.details_formatter}  # details: by stage
"""

from urllib.parse import urlparse

from flask import abort, current_app, flash, g, make_response, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from peewee import fn
from wtforms import MultipleFileField

from ..models import TicketPhoto, db
from ..models.base import N_
from ..models.ticket import PHOTO_STAGES
from ..services import permissions, photos, scope
from ..services.errors import RuleError
from .validators import parse_id

MEGABYTE = 1024 * 1024
LIST_SIDE = 48  # the list's square thumbnail, cropped to fit (object-fit)


class PhotoView(BaseView):
    """``/admin/ticketphoto/<id>`` and ``/<id>/thumb``: a photo's JPEG, for
    those who may view tickets, and only a ticket in their scope (else 404)."""

    def __init__(self):
        super().__init__(name=_l("Photos"), endpoint="ticketphoto", url="ticketphoto")

    def is_visible(self):
        return False

    def is_accessible(self):
        return current_user.is_authenticated and permissions.allowed(current_user, "ticket", permissions.VIEW)

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            abort(403)
        return redirect(url_for("auth.login", next=request.full_path))

    def _photo(self, id, *columns):
        pk = parse_id(id)
        if pk is None:
            abort(404)
        # Only the columns this answer needs: a thumbnail never loads the full image.
        query = TicketPhoto.select(TicketPhoto.id, *columns).where(TicketPhoto.id == pk)
        photo = scope.restrict(query, TicketPhoto, current_user).first()
        if photo is None:
            abort(404)  # out of scope looks exactly like missing
        return photo

    @expose("/")
    def index(self):
        abort(404)

    @expose("/<id>")
    def image(self, id):
        photo = self._photo(id, TicketPhoto.image, TicketPhoto.stored_name)
        try:
            data = photos.read(photo, current_app.config.get("PHOTO_DIR"))
        except (OSError, ValueError):
            current_app.logger.exception("photo %s: its image cannot be read", photo.id)
            abort(404)
        return _jpeg(data, f"p{photo.id}", f"photo-{photo.id}.jpg")

    @expose("/<id>/thumb")
    def thumb(self, id):
        photo = self._photo(id, TicketPhoto.thumbnail)
        return _jpeg(bytes(photo.thumbnail), f"t{photo.id}", f"photo-{photo.id}-thumb.jpg")


def _jpeg(data, etag, filename):
    response = make_response(data)
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    # A photo never changes: the browser may keep it for a day, never a shared cache.
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(etag)
    return response.make_conditional(request)


# --- uploading -------------------------------------------------------------

class PhotosField(MultipleFileField):
    """The photos of one step: several files, images only. The form needs
    ``enctype="multipart/form-data"`` (Flask-Admin's create and edit forms
    have it). Read it with ``uploaded()``; it sets nothing on the model."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("description", _l("Up to %(count)s photos, each at most %(size)s MB.",
                                            count=photos.MAX_FILES, size=photos.MAX_BYTES // MEGABYTE))
        kwargs["render_kw"] = {"accept": "image/*", **(kwargs.get("render_kw") or {})}
        super().__init__(label if label is not None else _l("Photos"), validators, **kwargs)

    def populate_obj(self, obj, name):
        pass  # stored by attach(), not an attribute of the record


def uploaded(field):
    """The chosen files as [(filename, bytes)]. Each is read to one byte past
    the limit (so prepare() can refuse it) and reading stops one file past
    the count limit (so attach() can refuse them)."""
    files = []
    for item in field.data or ():
        if isinstance(item, str):
            if item:
                # Only a name arrived (a form without its enctype, or a
                # hand-made request): say so rather than drop the photos.
                raise RuleError(N_("The photos did not arrive as files; please choose them again."),
                                field="photos")
            continue
        if not item.filename:
            continue  # the empty part browsers send when no file is chosen
        files.append((item.filename, item.stream.read(photos.MAX_BYTES + 1)))
        if len(files) > photos.MAX_FILES:
            break
    return files


def attach_uploaded(ticket, stage, field):
    """``photos.attach`` for a form's PhotosField, to the configured storage.
    Raises RuleError (field "photos"); call it inside the step's transaction."""
    return photos.attach(ticket, stage, uploaded(field), storage_dir=current_app.config.get("PHOTO_DIR"))


# --- showing them ----------------------------------------------------------

def _thumb_size(width, height):
    scale = min(1, photos.THUMB_SIDE / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def thumbnails(items):
    """Thumbnails of ``items`` (TicketPhoto rows with id, width and height),
    each linking to its full image."""
    links = []
    for number, photo in enumerate(items, 1):
        width, height = _thumb_size(photo.width, photo.height)
        links.append(Markup(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" loading="lazy" width="{}" height="{}" '
            'alt="{}" class="img-thumbnail mr-1 mb-1"></a>').format(
            url_for("ticketphoto.image", id=photo.id), url_for("ticketphoto.thumb", id=photo.id),
            width, height, gettext("Photo %(number)s", number=number)))
    return Markup("").join(links)


def list_thumbnail_loader(tickets):
    """{ticket id: id of its first photo on report} for a page of tickets, in
    one query over the (ticket, stage) index, never touching the images."""
    ids = [getattr(t, "id", t) for t in tickets]
    if not ids:
        return {}
    # The SQL is written once per database and page length (peewee took as
    # long to write it as the database to run it), then run with the ids.
    key = (type(db.obj), len(ids))
    sql = _THUMBNAIL_SQL.get(key)
    if sql is None:
        sql = _THUMBNAIL_SQL[key] = (TicketPhoto
                                     .select(TicketPhoto.ticket, fn.MIN(TicketPhoto.id).alias("first"))
                                     .where(TicketPhoto.ticket.in_(ids) & (TicketPhoto.stage == "report"))
                                     .group_by(TicketPhoto.ticket)).sql()[0]
    return dict(db.execute_sql(sql, [*ids, "report"]).fetchall())


_THUMBNAIL_SQL = {}


_ID = 987654321987  # a stand-in id, replaced in the cell's markup


def list_formatter(view, context, model, name):
    """A list column: the ticket's first report photo, small and square. The
    page's rows come from the template context, so the whole page costs one
    query; an export (no context) gets nothing."""
    if context is None:
        return ""
    rows = context.get("data") or [model]
    cached = g.get("_ticket_list_photos")
    if cached is None or cached[0] is not rows:
        cached = g._ticket_list_photos = (rows, list_thumbnail_loader(rows))
    photo_id = cached[1].get(model.id)
    if photo_id is None:
        return ""
    cell = g.get("_ticket_list_photo_cell")
    if cell is None:  # the cell's markup once a page, the photo's id swapped in on each row
        cell = g._ticket_list_photo_cell = (
            f'<a href="{escape(url_for("ticketphoto.image", id=_ID))}" target="_blank" rel="noopener">'
            f'<img src="{escape(url_for("ticketphoto.thumb", id=_ID))}" loading="lazy" width="{LIST_SIDE}" '
            f'height="{LIST_SIDE}" alt="{escape(gettext("Photo %(number)s", number=1))}" style="object-fit: cover" '
            'class="rounded"></a>')
    return Markup(cell.replace(str(_ID), str(int(photo_id))))


def details_formatter(view, context, model, name):
    """A details row: every photo of the ticket, grouped "On report" / "On
    handling", oldest first; one query, no image bytes."""
    rows = (TicketPhoto
            .select(TicketPhoto.id, TicketPhoto.stage, TicketPhoto.width, TicketPhoto.height)
            .where(TicketPhoto.ticket == model.id)
            .order_by(TicketPhoto.id))
    by_stage = {}
    for photo in rows:
        by_stage.setdefault(photo.stage, []).append(photo)
    groups = [Markup('<div class="mb-2"><div class="small text-muted">{}</div>{}</div>').format(
        gettext(label), thumbnails(by_stage[stage])) for stage, label in PHOTO_STAGES if stage in by_stage]
    return Markup("").join(groups)


# --- a request larger than MAX_CONTENT_LENGTH -------------------------------

def _local_referrer():
    """The page the form was on, when it is one of ours."""
    referrer = urlparse(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/") or "\\" in referrer.path:
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def too_large(error):
    """Werkzeug's bare 413 as a message people understand: back to the form
    with it (the files are gone either way), or a short page."""
    message = gettext("The upload is too large: at most %(count)s photos of %(size)s MB each. Nothing was saved.",
                      count=photos.MAX_FILES, size=photos.MAX_BYTES // MEGABYTE)
    back = _local_referrer()
    if back:
        flash(message, "error")
        return redirect(back, 303)
    page = Markup('<!doctype html><meta charset="utf-8"><title>{0}</title><p>{0}</p><p><a href="{1}">{2}</a></p>')
    return page.format(message, url_for("admin.index"), gettext("Home")), 413


def init_app(app, admin):
    admin.add_view(PhotoView())
    app.register_error_handler(413, too_large)
