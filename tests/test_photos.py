"""Ticket photos: the service (checks, upright, no metadata, size, storage)
and the web (serving within scope, the upload field, thumbnails, 413)."""

import io

import pytest
from flask import g, request
from PIL import ExifTags, Image
from werkzeug.datastructures import CombinedMultiDict
from wtforms import Form

from gridadmin.config import load_config
from gridadmin.models import TicketPhoto, db
from gridadmin.services import photos
from gridadmin.services.errors import RuleError
from gridadmin.web import photos as web_photos
from tests import factories as f
from tests.conftest import csrf_token, login
from tests.test_permissions import build_world, client_for

RED, BLUE = (220, 20, 20), (20, 20, 220)


def jpeg(size=(800, 600), color=RED, **save):
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", **save)
    return buf.getvalue()


def camera_jpeg():
    """4000×3000, left half red and right half blue, taken with the phone
    turned (EXIF orientation 6: show it turned 90° clockwise), with GPS, a
    camera make and a comment."""
    img = Image.new("RGB", (4000, 3000), RED)
    img.paste(BLUE, (2000, 0, 4000, 3000))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (32.0, 3.0, 17.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (118.0, 47.0, 2.0)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, exif=exif.tobytes(), comment=b"home address")
    return buf.getvalue()


def opened(data):
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def close(pixel, color, tolerance=30):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color, strict=True))


@pytest.fixture
def ticket(database):
    t = f.tree()
    return f.ticket(t["g1"])


# --- prepare ------------------------------------------------------------------

def test_camera_photo_is_upright_small_and_has_no_metadata(database):
    data = camera_jpeg()
    assert opened(data).getexif()[ExifTags.Base.Orientation] == 6  # the test image is what it claims

    item = photos.prepare("IMG_0001.JPG", data)

    img = opened(item.image)
    assert img.format == "JPEG" and img.mode == "RGB"
    # Turned upright: portrait now, long side 1600.
    assert (item.width, item.height) == img.size == (1200, 1600)
    # Turned clockwise: the left (red) half is now on top, the blue below.
    assert close(img.getpixel((600, 300)), RED)
    assert close(img.getpixel((600, 1300)), BLUE)
    # No EXIF (so no GPS and no orientation left to turn it twice), no comment.
    assert not img.getexif()
    assert not {"exif", "comment", "xmp", "icc_profile"} & set(img.info)
    assert b"Exif" not in item.image and b"PhoneMaker" not in item.image and b"home address" not in item.image
    thumb = opened(item.thumbnail)
    assert thumb.format == "JPEG" and thumb.size == (180, 240)
    assert b"Exif" not in item.thumbnail


def test_small_photo_is_not_enlarged(database):
    item = photos.prepare("small.jpg", jpeg((640, 480)))
    assert (item.width, item.height) == opened(item.image).size == (640, 480)
    assert opened(item.thumbnail).size == (240, 180)


def test_png_transparency_is_flattened_on_white(database):
    img = Image.new("RGBA", (3200, 800), (0, 0, 255, 0))
    img.paste((0, 128, 0, 255), (0, 0, 1600, 800))
    buf = io.BytesIO()
    img.save(buf, "PNG")

    item = photos.prepare("drawing.png", buf.getvalue())

    out = opened(item.image)
    assert out.format == "JPEG" and out.mode == "RGB" and out.size == (1600, 400)
    assert close(out.getpixel((1200, 200)), (255, 255, 255))  # was transparent
    assert close(out.getpixel((200, 200)), (0, 128, 0))


@pytest.mark.parametrize("name, data", [
    ("notes.txt", b"this is not a picture at all"),
    ("broken.jpg", jpeg()[:200]),
    ("vector.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
])
def test_not_an_image_is_refused_by_name(database, name, data):
    with pytest.raises(RuleError) as error:
        photos.prepare(name, data)
    assert error.value.field == "photos"
    assert error.value.params["name"] == name
    assert name in str(error.value)


def test_client_path_is_not_shown(database):
    with pytest.raises(RuleError) as error:
        photos.prepare("C:\\Users\\zhang\\notes.txt", b"text")
    assert error.value.params["name"] == "notes.txt"


def test_empty_and_too_large_files_are_refused(database):
    with pytest.raises(RuleError, match="empty"):
        photos.prepare("empty.jpg", b"")
    with pytest.raises(RuleError) as error:
        photos.prepare("huge.jpg", b"\xff" * (photos.MAX_BYTES + 1))
    assert error.value.params == {"name": "huge.jpg", "size": 15}
    assert error.value.field == "photos"


def test_too_many_pixels_are_refused_before_decoding(database):
    buf = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buf, "PNG")  # 64 million pixels in a few kB
    assert len(buf.getvalue()) < photos.MAX_BYTES
    with pytest.raises(RuleError, match="too many pixels"):
        photos.prepare("bomb.png", buf.getvalue())


def test_pillow_decompression_bomb_warning_is_refused(database, monkeypatch):
    # Between Pillow's limit and twice it Pillow only warns: that is a refusal too.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)
    with pytest.raises(RuleError, match="too many pixels"):
        photos.prepare("wide.jpg", jpeg((400, 300)))  # 120,000 pixels
    with pytest.raises(RuleError, match="too many pixels"):
        photos.prepare("wider.jpg", jpeg((600, 400)))  # 240,000: Pillow's error


# --- attach and read -------------------------------------------------------

def test_attach_stores_in_the_database(ticket):
    stored = photos.attach(ticket, "report", [("a.jpg", jpeg()), ("b.jpg", camera_jpeg())])

    rows = list(TicketPhoto.select().where(TicketPhoto.ticket == ticket.id).order_by(TicketPhoto.id))
    assert [p.id for p in stored] == [p.id for p in rows]
    assert [(p.stage, p.width, p.height, p.stored_name) for p in rows] == [
        ("report", 800, 600, None), ("report", 1200, 1600, None)]
    for photo in rows:
        data = photos.read(photo)
        assert photo.byte_size == len(data) and opened(data).format == "JPEG"
        assert opened(bytes(photo.thumbnail)).format == "JPEG"


def test_storage_dir_gets_the_image_and_the_database_only_the_thumbnail(ticket, tmp_path):
    storage = tmp_path / "photos"
    (photo,) = photos.attach(ticket, "handling", [("a.jpg", jpeg())], storage_dir=str(storage))

    row = TicketPhoto.get_by_id(photo.id)
    assert row.image is None and row.thumbnail
    assert photos.STORED_NAME.match(row.stored_name)
    path = storage / row.stored_name
    assert path.is_file() and path.stat().st_size == row.byte_size
    assert photos.read(row, str(storage)) == path.read_bytes()
    assert opened(path.read_bytes()).size == (800, 600)
    # Only the finished file: no temporary left behind.
    assert [p.name for p in storage.rglob("*") if p.is_file()] == [path.name]
    # The file cannot be found without the directory.
    with pytest.raises(FileNotFoundError):
        photos.read(row)


def test_database_photos_stay_readable_once_a_directory_is_set(ticket, tmp_path):
    (photo,) = photos.attach(ticket, "report", [("a.jpg", jpeg())])
    assert opened(photos.read(TicketPhoto.get_by_id(photo.id), str(tmp_path))).size == (800, 600)


def test_a_stored_name_cannot_leave_the_directory(ticket, tmp_path):
    (photo,) = photos.attach(ticket, "report", [("a.jpg", jpeg())], storage_dir=str(tmp_path))
    photo.stored_name = "../../etc/passwd"
    with pytest.raises(ValueError):
        photos.read(photo, str(tmp_path))


def test_one_bad_file_stores_nothing(ticket, tmp_path):
    files = [("good.jpg", jpeg()), ("bad.txt", b"nope"), ("good2.jpg", jpeg())]
    for storage in (None, str(tmp_path)):
        with pytest.raises(RuleError) as error:
            photos.attach(ticket, "report", files, storage_dir=storage)
        assert error.value.params["name"] == "bad.txt"
    assert TicketPhoto.select().count() == 0
    assert not list(tmp_path.rglob("*.jpg"))


def test_more_than_max_files_is_refused(ticket):
    files = [(f"{n}.jpg", jpeg((64, 48))) for n in range(photos.MAX_FILES + 1)]
    with pytest.raises(RuleError) as error:
        photos.attach(ticket, "report", files)
    assert error.value.field == "photos" and error.value.params == {"count": 6}
    assert TicketPhoto.select().count() == 0
    assert len(photos.attach(ticket, "report", files[:photos.MAX_FILES])) == photos.MAX_FILES


def test_attach_does_not_commit_on_its_own(ticket):
    with db.atomic() as transaction:
        photos.attach(ticket, "report", [("a.jpg", jpeg())])
        assert TicketPhoto.select().count() == 1
        transaction.rollback()
    assert TicketPhoto.select().count() == 0


def test_prepared_files_can_be_attached_later(ticket):
    prepared = photos.prepare_all([("a.jpg", jpeg())])
    (photo,) = photos.attach(ticket, "handling", prepared)
    assert photos.read(photo) == prepared[0].image


def test_unknown_stage_is_a_programming_error(ticket):
    with pytest.raises(ValueError):
        photos.attach(ticket, "closing", [("a.jpg", jpeg())])


# --- serving ------------------------------------------------------------------

@pytest.fixture
def world(app):
    with app.app_context():
        w = build_world()
        t_in, t_out = w["records"]["ticket"]
        w["in"] = photos.attach(t_in, "report", [("in.jpg", camera_jpeg())])[0]
        w["out"] = photos.attach(t_out, "report", [("out.jpg", jpeg())])[0]
    return w


def _check_jpeg(response, size):
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, max-age=86400"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert opened(response.data).size == size


def test_full_image_and_thumbnail_are_served(app, world):
    client = client_for(app, world["users"]["admin"])
    photo = world["in"]
    _check_jpeg(client.get(f"/admin/ticketphoto/{photo.id}"), (1200, 1600))
    thumb = client.get(f"/admin/ticketphoto/{photo.id}/thumb")
    _check_jpeg(thumb, (180, 240))
    # A photo never changes: the browser's copy is confirmed without sending it again.
    again = client.get(f"/admin/ticketphoto/{photo.id}/thumb", headers={"If-None-Match": thumb.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_photos_are_served_from_the_storage_directory(app, world, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_DIR", str(tmp_path))
    with app.app_context():
        t_in = world["records"]["ticket"][0]
        (photo,) = photos.attach(t_in, "handling", [("h.jpg", jpeg((900, 700)))], storage_dir=str(tmp_path))
    client = client_for(app, world["users"]["worker"])
    response = client.get(f"/admin/ticketphoto/{photo.id}")
    _check_jpeg(response, (900, 700))
    assert response.data == (tmp_path / photo.stored_name).read_bytes()


@pytest.mark.parametrize("role", ["admin", "centre", "secretary", "worker", "department", "viewer"])
def test_photos_follow_the_ticket_scope(app, world, role):
    client = client_for(app, world["users"][role])
    for path in ("", "/thumb"):
        assert client.get(f"/admin/ticketphoto/{world['in'].id}{path}").status_code == 200
        expected = 200 if role == "admin" else 404
        assert client.get(f"/admin/ticketphoto/{world['out'].id}{path}").status_code == expected


def test_a_volunteer_sees_no_photo_of_tickets_they_did_not_report(app, world):
    """Volunteers read tickets (their own reports, 随手拍): another's photo is
    out of their scope, so it is missing (404), never shown."""
    client = client_for(app, world["users"]["volunteer"])
    assert client.get(f"/admin/ticketphoto/{world['in'].id}").status_code == 404
    assert client.get(f"/admin/ticketphoto/{world['in'].id}/thumb").status_code == 404


def test_anonymous_is_sent_to_login(app, world):
    response = app.test_client().get(f"/admin/ticketphoto/{world['in'].id}/thumb")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["999999", "abc", "99999999999999999999999", "0", ""])
def test_missing_or_malformed_ids_are_404(app, world, path):
    client = client_for(app, world["users"]["admin"])
    assert client.get(f"/admin/ticketphoto/{path}").status_code == 404


def test_photo_view_is_not_in_the_menu(app, world):
    client = client_for(app, world["users"]["admin"])
    assert "/admin/ticketphoto" not in client.get("/admin/").get_data(as_text=True)


# --- the upload field -------------------------------------------------------

class PhotoForm(Form):
    photos = web_photos.PhotosField()


def _form(app, files):
    """The form as Flask-Admin builds it from a multipart POST."""
    data = {"photos": [(io.BytesIO(content), name) for name, content in files]}
    ctx = app.test_request_context("/", method="POST", data=data, content_type="multipart/form-data")
    ctx.push()
    form = PhotoForm(CombinedMultiDict([request.files, request.form]))
    return ctx, form


def test_uploaded_skips_the_empty_part_and_reads_the_files(app):
    ctx, form = _form(app, [("a.jpg", b"first"), ("", b""), ("b.png", b"second")])
    try:
        assert web_photos.uploaded(form.photos) == [("a.jpg", b"first"), ("b.png", b"second")]
    finally:
        ctx.pop()
    ctx, form = _form(app, [("", b"")])  # nothing chosen
    try:
        assert web_photos.uploaded(form.photos) == []
    finally:
        ctx.pop()


def test_uploaded_reads_no_more_than_the_limits(app, monkeypatch):
    monkeypatch.setattr(photos, "MAX_BYTES", 10)
    ctx, form = _form(app, [(f"{n}.jpg", b"x" * 100) for n in range(photos.MAX_FILES + 3)])
    try:
        files = web_photos.uploaded(form.photos)
    finally:
        ctx.pop()
    assert len(files) == photos.MAX_FILES + 1
    assert all(len(content) == 11 for _name, content in files)


def test_photos_field_renders_a_multiple_image_input(app):
    with app.test_request_context(headers={"Cookie": "locale=en"}):
        form = PhotoForm()
        html = str(form.photos())
        assert 'type="file"' in html and "multiple" in html and 'accept="image/*"' in html
        assert str(form.photos.label.text) == "Photos"
        assert "6 photos" in str(form.photos.description) and "15 MB" in str(form.photos.description)
        ticket = object()
        form.photos.populate_obj(ticket, "photos")  # sets nothing: attach() stores them


def test_attach_uploaded_uses_the_configured_directory(app, ticket, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_DIR", str(tmp_path))
    ctx, form = _form(app, [("a.jpg", jpeg())])
    try:
        (photo,) = web_photos.attach_uploaded(ticket, "report", form.photos)
    finally:
        ctx.pop()
    assert photo.image is None and (tmp_path / photo.stored_name).is_file()


def test_admin_forms_post_as_multipart(browser):
    html = browser.get("/admin/ticket/new/").get_data(as_text=True)
    assert 'class="admin-form" enctype="multipart/form-data"' in html


# --- markup for the ticket screens -------------------------------------------

@pytest.fixture
def page(app, database):
    """Three tickets: one with two report photos and a handling one, one
    with a handling photo only, one without."""
    t = f.tree()
    tickets = [f.ticket(t["g1"]) for _ in range(3)]
    first = photos.attach(tickets[0], "report", [("a.jpg", jpeg()), ("b.jpg", jpeg((300, 900)))])
    photos.attach(tickets[0], "handling", [("c.jpg", jpeg((1000, 1000)))])
    photos.attach(tickets[1], "handling", [("d.jpg", jpeg())])
    with app.test_request_context(headers={"Cookie": "locale=en"}):
        yield tickets, first


def test_list_loader_is_one_query_without_images(page, sql_log):
    tickets, first = page
    sql_log.clear()
    assert web_photos.list_thumbnail_loader(tickets) == {tickets[0].id: first[0].id}
    assert len(sql_log) == 1
    assert '"image"' not in sql_log[0] and '"thumbnail"' not in sql_log[0]
    assert web_photos.list_thumbnail_loader([]) == {}


def test_list_formatter_costs_one_query_a_page(page, sql_log):
    tickets, first = page
    context = {"data": tickets}
    sql_log.clear()
    cells = [web_photos.list_formatter(None, context, t, "photos") for t in tickets]
    assert len(sql_log) == 1
    assert f'src="/admin/ticketphoto/{first[0].id}/thumb"' in cells[0]
    assert f'href="/admin/ticketphoto/{first[0].id}"' in cells[0]
    assert 'loading="lazy"' in cells[0] and 'alt="Photo 1"' in cells[0]
    assert cells[1] == "" and cells[2] == ""
    # The next page (another list of rows) is loaded afresh.
    g.pop("_ticket_list_photos")
    assert web_photos.list_formatter(None, {"data": tickets[1:]}, tickets[1], "photos") == ""
    # An export has no template context and gets no markup.
    assert web_photos.list_formatter(None, None, tickets[0], "photos") == ""


def test_details_formatter_groups_photos_by_stage(page, sql_log):
    tickets, first = page
    sql_log.clear()
    html = str(web_photos.details_formatter(None, {}, tickets[0], "photos"))
    assert len(sql_log) == 1 and '"image"' not in sql_log[0]
    assert html.index("On report") < html.index("On handling")
    report, handling = html.split("On handling")
    assert report.count("<img") == 2 and handling.count("<img") == 1
    assert 'width="240" height="180"' in report and 'width="80" height="240"' in report
    assert 'width="240" height="240"' in handling
    assert 'alt="Photo 1"' in report and 'alt="Photo 2"' in report
    assert f'href="/admin/ticketphoto/{first[1].id}"' in report
    only_handling = str(web_photos.details_formatter(None, {}, tickets[1], "photos"))
    assert "On report" not in only_handling and "On handling" in only_handling
    assert str(web_photos.details_formatter(None, {}, tickets[2], "photos")) == ""


def test_thumbnails_link_to_full_images(page):
    tickets, first = page
    html = str(web_photos.thumbnails(first))
    assert html.count("<a ") == 2 and html.count('target="_blank"') == 2


# --- a request too large ----------------------------------------------------

def test_too_large_upload_goes_back_with_a_message(app, monkeypatch):
    client = app.test_client()
    client.set_cookie("locale", "en")
    assert login(client).status_code == 302
    token = csrf_token(client.get("/admin/ticket/new/").get_data(as_text=True))
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 50_000)
    response = client.post("/admin/ticket/new/", data={"csrf_token": token, "photos": (io.BytesIO(b"x" * 60_000),
                                                                                        "big.jpg")},
                           content_type="multipart/form-data",
                           headers={"Referer": "http://localhost/admin/ticket/new/?url=%2Fadmin%2Fticket%2F"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/ticket/new/?url=%2Fadmin%2Fticket%2F"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The upload is too large: at most 6 photos of 15 MB each." in page


def test_too_large_upload_without_a_page_to_return_to(app, monkeypatch):
    client = app.test_client()
    client.set_cookie("locale", "en")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    for referrer in (None, "https://elsewhere.example/form"):
        headers = {"Referer": referrer} if referrer else {}
        response = client.post("/login", data={"username": "x" * 2000}, headers=headers)
        assert response.status_code == 413
        body = response.get_data(as_text=True)
        assert "The upload is too large" in body and 'href="/admin/"' in body


def test_configuration(tmp_path, monkeypatch):
    monkeypatch.delenv("GRIDADMIN_PHOTO_DIR", raising=False)
    config = load_config(str(tmp_path))
    assert config["PHOTO_DIR"] is None
    assert photos.MAX_FILES * photos.MAX_BYTES < config["MAX_CONTENT_LENGTH"] <= 100 * 1024 * 1024
    monkeypatch.setenv("GRIDADMIN_PHOTO_DIR", "/srv/gridadmin/photos")
    assert load_config(str(tmp_path))["PHOTO_DIR"] == "/srv/gridadmin/photos"
