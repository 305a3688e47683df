"""The import and export screens (thin over the services): upload, preview,
confirm, the error file, the template; exports as .xlsx and .csv, scoped and
filtered like the list, audited; the import log and undo; the checklist."""

import io

import factories as f
import pytest
from conftest import client_for, csrf_token
from openpyxl import load_workbook

from gridadmin.models import AuditLog, Grid, ImportLog, User, Worker
from gridadmin.services import setup

GRIDS_CSV = "编码,名称,上级编码\n320102001001G7,第七网格,320102001001\n320102001001G701,七号楼,320102001001G7\n"
BAD_CSV = "编码,名称,上级编码\n320102001001G7,第七网格,320102001001\n320102001001G8,,320102001001\n"


def upload(client, view, text, name="grids.csv", encoding="utf-8"):
    page = client.get(f"/admin/{view}/import/")
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    return client.post(f"/admin/{view}/import/", data={
        "csrf_token": token, "file": (io.BytesIO(text.encode(encoding)), name)}, content_type="multipart/form-data")


def confirm(client, view, html):
    import re

    token = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    return client.post(f"/admin/{view}/import/confirm/", data={"csrf_token": csrf_token(html), "token": token})


def test_upload_preview_confirm(app, browser):
    with app.app_context():
        f.tree()
    list_page = browser.get("/admin/grid/").get_data(as_text=True)
    assert 'id="import-link"' in list_page and "导入" in list_page
    preview = upload(browser.client, "grid", GRIDS_CSV, encoding="gb18030")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="confirm-form"' in html
    assert "将新建" in html and Grid.select().where(Grid.code.startswith("320102001001G7")).count() == 0
    done = confirm(browser.client, "grid", html)
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "已导入：新建 2 条" in body
    assert Grid.get(Grid.code == "320102001001G701").parent.code == "320102001001G7"
    log = ImportLog.get()
    assert (log.username, log.model, log.file_name, log.created) == ("admin", "grid", "grids.csv", 2)
    assert AuditLog.select().where(AuditLog.action == "import").count() == 1
    # The same confirmation again: the upload is gone.
    assert confirm(browser.client, "grid", html).status_code == 404


def test_errors_listed_and_the_error_file(app, browser):
    with app.app_context():
        f.tree()
    preview = upload(browser.client, "grid", BAD_CSV)
    html = preview.get_data(as_text=True)
    assert 'id="confirm-form"' not in html and "必填。" in html and 'id="error-file-link"' in html
    import re

    link = re.search(r'id="error-file-link" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    response = browser.get(link)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["B3"].comment.text == "必填。"
    assert not Grid.select().where(Grid.code == "320102001001G7").exists()
    # Another user cannot fetch it.
    with app.app_context():
        other = User.create(username="other_admin", password_hash="x", role="admin")
    assert client_for(app, other).get(link).status_code == 404


def test_template_download(app, browser):
    response = browser.get("/admin/worker/import/template/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book.active[1]][:4] == ["姓名", "性别", "手机号", "网格"]


def test_import_is_for_those_who_create(app, world_users):
    secretary, worker = world_users
    sec = client_for(app, secretary)
    assert sec.get("/admin/worker/import/").status_code == 200
    assert sec.get("/admin/category/import/").status_code == 403
    assert 'id="import-link"' not in sec.get("/admin/ticket/").get_data(as_text=True)
    wk = client_for(app, worker)
    assert wk.get("/admin/grid/import/").status_code == 403
    assert 'id="import-link"' not in wk.get("/admin/grid/").get_data(as_text=True)


def test_exports_xlsx_and_csv_filtered_scoped_and_audited(app, world_users):
    secretary, _worker = world_users
    centre = User.create(username="centre", password_hash="x", role="centre", grid=secretary.grid.parent)
    client = client_for(app, centre)
    response = client.get("/admin/worker/export/xlsx/")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("姓名", "性别", "手机号", "网格")
    names = {r[0] for r in rows[1:]}
    assert "本社区员" in names and "外社区员" not in names
    csv_text = client.get("/admin/worker/export/csv/?search=本社区").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("姓名,性别,手机号,网格") and "本社区员" in csv_text
    assert "男" in csv_text  # choice labels, not codes
    assert AuditLog.select().where(AuditLog.action == "export").count() == 2
    # Lists without a declaration (the logs) export too.
    admin = client_for(app, User.get(User.username == "admin"))
    assert admin.get("/admin/auditlog/export/xlsx/").status_code == 200


def test_import_log_and_undo_screen(app, browser):
    with app.app_context():
        f.tree()
    html = upload(browser.client, "grid", GRIDS_CSV).get_data(as_text=True)
    confirm(browser.client, "grid", html)
    log = ImportLog.get()
    assert "grids.csv" in browser.get("/admin/importlog/").get_data(as_text=True)
    details = browser.get(f"/admin/importlog/details/?id={log.id}").get_data(as_text=True)
    assert 'id="undo-form"' in details
    response = browser.post_form(f"/admin/importlog/undo/?id={log.id}", {}, token_url=f"/admin/importlog/details/?id={log.id}")
    assert response.status_code == 302
    assert not Grid.select().where(Grid.code.startswith("320102001001G7")).exists()
    assert 'id="undo-form"' not in browser.get(f"/admin/importlog/details/?id={log.id}").get_data(as_text=True)


def test_checklist_on_an_install_without_grids(app, browser, monkeypatch):
    with app.app_context():
        setup.fill_dictionaries()
    home = browser.get("/admin/").get_data(as_text=True)
    assert 'id="getting-started"' in home and 'id="load-demo"' in home
    assert 'href="/admin/grid/import/"' in home and 'data-step="grids" data-done="no"' in home
    from gridadmin.web import setup as setup_view

    monkeypatch.setattr(setup_view, "DEMO_TICKETS", 30)
    monkeypatch.setattr(setup_view, "DEMO_GRIDS", 4)
    response = browser.post_form("/admin/setup/demo/", {}, token_url="/admin/")
    assert response.status_code == 302
    assert Grid.select().exists() and User.select().where(User.username == "demo_centre").exists()
    home = browser.get("/admin/").get_data(as_text=True)
    assert 'id="getting-started"' not in home
    # Once the database has records of its own, the demo district is refused.
    response = browser.post_form("/admin/setup/demo/", {}, token_url="/admin/")
    assert response.status_code == 302 and Worker.select().exists()


def test_checklist_steps_tick_themselves(app, browser):
    with app.app_context():
        User.create(username="w1", password_hash="x", role="viewer")
    home = browser.get("/admin/").get_data(as_text=True)
    assert 'data-step="users" data-done="yes"' in home and 'data-step="workers" data-done="no"' in home


@pytest.fixture
def world_users(app):
    with app.app_context():
        t = f.tree()
        street2 = f.grid("320102002", "外街道", "street", t["district"])
        other = f.grid("320102002001", "外社区", "community", street2)
        f.worker(t["g1"], "本社区员", mobile="13800000011")
        f.worker(other, "外社区员", mobile="13800000012")
        secretary = User.create(username="sec", password_hash="x", role="secretary", grid=t["community"])
        worker = User.create(username="wk", password_hash="x", role="worker", grid=t["g1"])
        return secretary, worker


def test_every_list_exports_both_formats(app, browser):
    with app.app_context():
        t = f.tree()
        f.meeting(t["community"], "三月议事会", items=("楼道堆物", "充电桩"))
        f.ticket(t["g1"], title="=1+1")
    from gridadmin.services import permissions

    for view in permissions.VIEWS:
        if view in ("ranking",) or view in permissions.FIGURES or \
                permissions.EXPORT not in permissions.actions("admin", view):  # figures: their own .xlsx
            continue
        for kind in ("csv", "xlsx"):
            response = browser.get(f"/admin/{view}/export/{kind}/")
            assert response.status_code == 200, (view, kind)
    rows = list(load_workbook(io.BytesIO(browser.get("/admin/meeting/export/xlsx/").data)).active.iter_rows(
        values_only=True))
    assert rows[1][0] == "三月议事会" and rows[1][-1] == "楼道堆物\n充电桩"
    text = browser.get("/admin/ticket/export/csv/").data.decode("utf-8-sig")
    assert ",'=1+1," in text
