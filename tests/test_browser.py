"""In a real browser (Debian's Chromium driven by Playwright): the pages'
JavaScript widgets speak the page's language too, and an ajax lookup picks a
grid. Skipped where Chromium is not installed, except in CI, where it fails."""

import contextlib
import os
import re
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from werkzeug.serving import make_server

from tests.test_permissions import build_world

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api") if not os.environ.get("CI") else __import__(
    "playwright.sync_api", fromlist=["sync_playwright"])

ALLOWED_ENGLISH = {"ID", "CSV", "XLSX"}  # file formats, as Chinese users name them


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def served(app):
    """The app served on a free local port by a thread: its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture
def live_server(app):
    with app.app_context():
        build_world()
    with served(app) as base:
        yield base


@pytest.fixture
def page(live_server):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{live_server}/login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", "admin-pass-1")
        page.click("button[type=submit]")
        page.wait_for_url("**/admin/")
        page.base = live_server
        yield page
        browser.close()


def english_words(text):
    return sorted({w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED_ENGLISH})


def test_filters_and_date_picker_are_chinese(page):
    page.goto(f"{page.base}/admin/ticket/")
    page.locator("div.field-filters").locator("xpath=preceding-sibling::a").click()
    page.locator("div.field-filters a.filter", has_text="创建时间").click()  # the created-time range
    page.click("table.filters input.filter-val")
    page.wait_for_selector(".daterangepicker", state="visible")
    text = page.inner_text("body")
    assert "应用" in page.inner_text(".daterangepicker")
    assert english_words(text) == []


def test_grid_lookup_searches_in_chinese(page):
    page.goto(f"{page.base}/admin/worker/new/")
    page.click("#s2id_grid")
    page.keyboard.type("不存在的网格")
    page.wait_for_selector(".select2-no-results")
    assert english_words(page.inner_text(".select2-drop")) == []
    page.fill(".select2-input", "甲内")
    page.wait_for_selector(".select2-result-label:has-text('甲内网格')")
    page.click(".select2-result-label:has-text('甲内网格')")
    page.fill("#name", "李四")
    page.fill("#mobile", "13700001111")
    page.click("input[type=submit][value='保存']")
    page.wait_for_url("**/admin/worker/**")
    assert "李四" in page.inner_text("body")


def test_dispatch_to_a_worker_picked_by_ajax_on_the_ticket_page(page):
    from gridadmin.models import Ticket, User, Worker
    from gridadmin.services import workflow

    ticket = Ticket.get(Ticket.title == "甲内事件")
    workflow.transition(ticket, "accept", User.get(User.username == "admin"))
    page.goto(f"{page.base}/admin/ticket/details/?id={ticket.id}")
    page.click("summary:has-text('派遣')")
    page.click("#s2id_dispatch-assignee")
    page.keyboard.type("甲内")
    page.wait_for_selector(".select2-result-label:has-text('甲内员')")
    page.click(".select2-result-label:has-text('甲内员')")
    page.click("button:has-text('确认')")
    page.wait_for_selector("#ticket-timeline")
    assert "已派遣" in page.inner_text("#ticket-timeline")
    ticket = Ticket.get_by_id(ticket.id)
    assert (ticket.status, ticket.assignee_id) == ("dispatched", Worker.get(Worker.name == "甲内员").id)
    assert ticket.due_at is not None


def test_typed_dates_are_kept(page):
    """People type dates as often as they pick them: what is typed into a
    date-time picker is what is saved (it once became year 1)."""
    from gridadmin.models import Meeting

    page.goto(f"{page.base}/admin/meeting/new/")
    page.fill("#title", "三月议事会")
    held = page.locator("#held_at")
    held.click()
    held.type("2026-11-24 09:30")
    assert held.input_value() == "2026-11-24 09:30"  # the picker no longer rewrites each key
    page.keyboard.press("Tab")
    page.fill("#place", "社区会议室")
    page.fill("#convener", "张书记")
    page.click("#s2id_grid")
    page.keyboard.type("甲内")
    page.wait_for_selector(".select2-result-label:has-text('甲内网格')")
    page.click(".select2-result-label:has-text('甲内网格')")
    page.click("input[type=submit][value='保存']")
    page.wait_for_url("**/admin/meeting/")
    saved = Meeting.get(Meeting.title == "三月议事会")
    assert saved.held_at == datetime(2026, 11, 24, 1, 30)  # 09:30 in Shanghai, stored in UTC


def test_typed_date_range_filter(page):
    from gridadmin.models import Ticket

    # Today where the app's clock is (Asia/Shanghai), not the machine's UTC
    # day: between 16:00 and 24:00 UTC they differ, and a ticket made now
    # falls on the local tomorrow of a UTC-dated range.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    first = today.replace(day=1)
    typed = f"{first:%Y/%m/%d} to {today:%Y/%m/%d}"
    page.goto(f"{page.base}/admin/ticket/")
    page.locator("div.field-filters").locator("xpath=preceding-sibling::a").click()
    page.locator("div.field-filters a.filter", has_text="创建时间").click()  # the created-time range
    box = page.locator("table.filters input.filter-val").last
    box.click()
    box.type(typed)
    assert box.input_value() == typed
    page.keyboard.press("Tab")
    page.locator("button[type=submit]:has-text('应用')").click()
    page.wait_for_load_state()
    assert f"{first:%Y-%m-%d}" in page.url or f"{first:%Y/%m/%d}".replace("/", "%2F") in page.url
    shown = page.inner_text("table.model-list")
    expected = [t.title for t in Ticket.select() if t.created_at.date() >= first - timedelta(days=1)]
    assert expected and all(title in shown for title in expected if "乙外" not in title)


def test_a_row_deleted_from_a_stale_list_is_refused(page):
    """The list's delete button sends the version the list showed: a worker
    someone edited after the page was drawn is not deleted."""
    from gridadmin.models import Worker

    grid = Worker.get(Worker.name == "甲内员").grid_id
    worker = Worker.create(name="待删员", gender="F", mobile="13800000077", grid=grid)
    page.goto(f"{page.base}/admin/worker/")
    Worker.update(mobile="13900000009", version=Worker.version + 1).where(Worker.id == worker.id).execute()
    page.on("dialog", lambda dialog: dialog.accept())
    row = page.locator("tr", has=page.locator(f"input.action-checkbox[value='{worker.id}']"))
    row.locator("form[action$='/delete/'] button").click()
    page.wait_for_load_state()
    assert Worker.get_or_none(Worker.id == worker.id) is not None
    assert "修改了这条记录" in page.inner_text("body") and "未删除任何记录" in page.inner_text("body")
def test_web_import_upload_preview_confirm_and_error_file(page, tmp_path):
    """A secretary's day: download nothing, upload a sheet, read the preview,
    confirm; then a sheet with a mistake, and her file back with it marked."""
    from openpyxl import load_workbook

    from gridadmin.models import Grid, ImportLog

    good = tmp_path / "网格.csv"
    good.write_bytes("编码,名称,上级编码\n320106001001002,甲内二网格,320106001001\n".encode("gb18030"))
    page.goto(f"{page.base}/admin/grid/")
    page.click("#import-link")
    page.wait_for_selector("#upload-form")
    assert page.get_attribute("#template-link", "href").endswith("/admin/grid/import/template/")
    page.set_input_files("#import-file", str(good))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#import-counts")
    assert "将新建" in page.inner_text("#import-counts")
    assert english_words(page.inner_text("#import-counts")) == []
    assert not Grid.select().where(Grid.code == "320106001001002").exists()
    page.click("#confirm-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert "已导入：新建 1 条" in page.inner_text("body")
    assert Grid.get(Grid.code == "320106001001002").parent.code == "320106001001"
    assert ImportLog.select().where(ImportLog.file_name == "网格.csv").count() == 1

    bad = tmp_path / "bad.csv"
    bad.write_text("编码,名称,上级编码\n320106001001003,甲内三网格,320106001001\n320106001001004,,320106001001\n",
                   encoding="utf-8-sig")
    page.goto(f"{page.base}/admin/grid/import/")
    page.set_input_files("#import-file", str(bad))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#import-errors")
    assert "必填。" in page.inner_text("#import-errors")
    assert page.locator("#confirm-form").count() == 0
    with page.expect_download() as download:
        page.click("#error-file-link")
    with open(download.value.path(), "rb") as fh:
        sheet = load_workbook(fh).active
    assert sheet["B3"].comment.text == "必填。" and sheet["D3"].value == "B: 必填。"
    assert not Grid.select().where(Grid.code == "320106001001003").exists()
