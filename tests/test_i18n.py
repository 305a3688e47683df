"""Chinese first: every screen speaks the user's language, the catalogues are
complete and compiled, the language switch is remembered and safe, and dates,
numbers and times follow the locale and the configured time zone."""

import gettext
import importlib.util
import io
import json
import os
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import factories as f
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_admin.contrib.peewee import ModelView

from gridadmin.models import CalendarDay, DispatchRule, Meeting, MeetingItem, PointEntry, Ticket, User, db
from gridadmin.services import permissions, workflow
from gridadmin.web.i18n import LOCALE_COOKIE, TRANSLATIONS

ZH_LOCALES = ("zh_Hans_CN", "zh_Hant_TW")
DOMAINS = ("messages", "admin", "wtforms")
VIEWS = ("ticket", "grid", "worker", "partyorg", "partymember", "meeting", "meetingitem", "volunteerteam",
         "volunteer", "servicerecord", "category", "source", "department", "calendarday", "pointentry")

# English words a Chinese page may show: the language switch names English in
# English; ID and IP are what Chinese users call them; "admin" is the first
# account's user name (data, shown in the user list and the logs).
# Technical names people type or read as they are: file formats and the
# programs that open them, as Chinese users name them; the coordinate system
# and the GeoJSON property key.
ALLOWED_WORDS = {"ID", "IP", "English", "admin", "Excel", "WPS", "CSV", "XLSX", "xlsx", "csv", "UTF", "GBK", "Alt",
                 "Enter", "GeoJSON", "WGS", "GPS", "Polygon", "MultiPolygon", "code",
                 "GB"}  # a national standard's prefix (GB/T 30428)
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
YESTERDAY = date.today() - timedelta(days=1)

# Typed into every create form: wrong in as many ways as the forms can be.
INVALID_FORM = {
    "code": "", "name": "", "title": "", "mobile": "123", "leader_mobile": "12",
    "households": "abc", "population": "-1", "area": "x", "online_group_members": "-3",
    "time_limit_hours": "-1", "points": "x", "sort_order": "x", "hours": "0", "beneficiaries": "-1",
    "joined_on": "not a date", "founded_on": "2999-01-01", "joined_party_on": "x", "served_on": "2999-01-01",
    "held_at": "x", "due_at": "x", "closed_at": "x", "level": "nonsense", "status": "nonsense",
    "time_limit_days": "0", "points_on_spot": "-1", "points_verify": "x", "points_overdue": "-2", "day": "x",
}


# --- reading a page as a person sees it -----------------------------------------

class VisibleText(HTMLParser):
    """Text nodes outside <script>/<style>; the attributes people read (title,
    placeholder, alt, button values); the strings in Flask-Admin's JSON data
    divs (filter menus, confirmations) that its scripts show; and the inline
    row template (escaped HTML) that appears when a row is added."""

    READ_ATTRS = ("title", "placeholder", "alt", "aria-label", "data-placeholder")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self._skip = 0
        self._raw = None  # (kind, [data]) inside a JSON data div or an inline template

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("type") == "application/json":
            self._raw = ("json-script", [])  # labels our scripts show (the date picker's)
            return
        if tag in ("script", "style"):
            self._skip += 1
            return
        classes = (attrs.get("class") or "").split()
        if tag == "div" and (attrs.get("id") or "").endswith("-data") and "d-none" in classes:
            self._raw = (attrs["id"], [])
        elif tag == "div" and "inline-field-template" in classes:
            self._raw = ("template", [])
        for name in self.READ_ATTRS:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if attrs.get("value") and (tag == "a" or (tag == "input" and attrs.get("type") in ("submit", "button"))):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._raw is None:
            self._skip = max(self._skip - 1, 0)
        elif tag in ("div", "script") and self._raw is not None:
            kind, data = self._raw
            self._raw = None
            text = "".join(data)
            if kind == "template":
                self.parts.append(visible_text(text))
            elif text.strip():
                self.parts.extend(_data_strings(kind, json.loads(text)))

    def handle_data(self, data):
        if self._skip:
            return
        if self._raw is not None:
            self._raw[1].append(data)
        elif data.strip():
            self.parts.append(data)


def _data_strings(kind, data):
    """The strings a person reads from one of Flask-Admin's JSON data divs."""
    if kind == "filter-groups-data":  # {group label: [{operation, options: [[value, label]]}]}
        labels = list(data)
        for items in data.values():
            for item in items:
                labels.append(item.get("operation") or "")
                labels.extend(str(option[1]) for option in item.get("options") or ())
        return labels
    if kind == "active-filters-data":  # [[index, label, value], ...]
        return [str(entry[1]) for entry in data]
    if kind == "json-script":  # every string but locale codes
        return list(_strings(data, skip=("moment",)))
    if isinstance(data, dict):
        return [str(value) for value in data.values()]
    return [str(data)]


def _strings(data, skip=()):
    if isinstance(data, dict):
        for key, value in data.items():
            if key not in skip:
                yield from _strings(value, skip)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value, skip)
    elif isinstance(data, str):
        yield data


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def english_words(html):
    return sorted({w for w in ENGLISH_WORD.findall(visible_text(html)) if w not in ALLOWED_WORDS})


# --- one record of every kind ---------------------------------------------------

@pytest.fixture
def records(app):
    """Built in an app context of its own, then closed: a context held over the
    test would share flask.g, where Flask-Babel caches the locale and zone."""
    with app.app_context():
        db.connect(reuse_if_open=True)
        try:
            return _records()
        finally:
            db.close()


def _records():
    User.update(display_name="管理员").execute()
    t = f.tree()
    g = t["g1"]
    cat = f.category("占道经营", time_limit_hours=24, points=2)
    src = f.source("网格员巡查")
    dept = f.department("城管执法中队", phone="025-84000000")
    w = f.worker(g, name="王网格", post="leader", party_member=True, joined_on=YESTERDAY)
    g.leader = w
    g.households, g.population, g.area = 1250, 3380, "0.85"
    g.boundary_east, g.online_group_name, g.online_group_members = "中山路", "第一网格居民群", 420
    g.save()
    org = f.party_org("新街口社区党总支", grid=t["community"], secretary="李书记", founded_on=YESTERDAY)
    branch = f.party_org("第一网格党支部", kind="branch", parent=org, grid=g)
    member = f.party_member(branch, name="赵党员", gender="F", mobile="13900139000", in_service=True,
                            employer="市规划局", joined_party_on=YESTERDAY)
    team = f.team(g, name="夕阳红志愿服务队", service_type="elderly", leader="陈队长", founded_on=YESTERDAY)
    vol = f.volunteer(team, name="孙志愿", grid=g, mobile="13700137000")
    rec = f.service_record(vol, hours="2.5", activity="陪伴独居老人", beneficiaries=3, note="按时到岗")
    meeting = f.meeting(g, title="楼道堆物整治议事会", recorder="周记录", participants="居民代表 12 人",
                        items=["楼道堆物清理"])
    MeetingItem.update(raised_by="3 号楼居民", discussion="逐户劝导", resolution="一周内清理", responsible="王网格",
                       deadline=YESTERDAY, status="discussed").execute()
    # A ticket taken through the loop by the workflow (a timeline, points),
    # and one just accepted (the dispatch, merge and reject forms show).
    admin = User.get(User.username == "admin")
    start = datetime(2026, 3, 2, 1, 30)  # a Monday
    ticket = workflow.report(Ticket(title="店外占道经营", description="早市摊位占用人行道", category=cat, source=src,
                                    grid=g, place="中山路 18 号", reporter=w, priority="high"), admin, start.date())
    steps = [("accept", {}), ("dispatch", {"department": dept}), ("start", {}),
             ("request_extension", {"note": "等待材料", "due_at": start + timedelta(days=5)}),
             ("approve_extension", {}), ("handle", {"note": "已劝离"}), ("return", {"note": "仍有摊位"}),
             ("handle", {"note": "已劝离"}), ("verify", {})]
    for number, (action, fields) in enumerate(steps):
        ticket = workflow.transition(ticket, action, admin, now=start + timedelta(hours=number, minutes=7), **fields)
    workflow.transition(ticket, "rate", admin, now=start + timedelta(days=1), satisfaction="satisfied", note="满意")
    # Round UTC times the time-zone tests below read back in local time.
    Ticket.update(created_at=datetime(2026, 3, 1, 1, 30), closed_at=datetime(2026, 3, 1, 9, 5)).where(
        Ticket.id == ticket.id).execute()
    Meeting.update(held_at=datetime(2026, 3, 2, 1, 30)).where(Meeting.id == meeting.id).execute()
    PointEntry.create(worker=w, points=2, reason="verify", ticket=ticket, at=start, note="核查加分")
    accepted = workflow.report(Ticket(title="路灯损坏", category=cat, source=src, grid=g), admin, start.date())
    workflow.transition(accepted, "accept", admin, now=start)
    day = CalendarDay.create(day=date(2026, 10, 1), name="国庆节")
    item = MeetingItem.get()
    # Smart dispatch: the accepted ticket's suggestion (a rule passed over on
    # the way), and a ticket the system dispatched by a rule (its timeline).
    closed_dept = f.department("已撤并部门", active=False)
    DispatchRule.create(name="占道派旧部门", category=cat, department=closed_dept, sort_order=0)
    suggested = DispatchRule.create(name="占道建议派城管", category=cat, department=dept, sort_order=1)
    lamps = f.category("路灯照明", time_limit_days=2)
    DispatchRule.create(name="路灯自动派城管", category=lamps, department=dept, auto=True, grid=t["community"])
    auto = workflow.report(Ticket(title="路灯不亮", category=lamps, source=src, grid=g, latitude=32.0415,
                                  longitude=118.7781), admin, start.date())
    return {"ticket": accepted, "auto": auto, "dispatchrule": suggested, "rated": Ticket.get_by_id(ticket.id), "accepted": accepted, "grid": g, "worker": w, "partyorg": branch,
            "partymember": member, "meeting": meeting, "meetingitem": item, "volunteerteam": team, "volunteer": vol,
            "servicerecord": rec, "category": cat, "source": src, "department": dept, "calendarday": day,
            "pointentry": PointEntry.get(PointEntry.note == "核查加分")}


def crawl(app, browser, records):
    """(url, html) of every page a person meets: for every model view its list,
    details, create and edit pages and a create form posted invalid; every
    other admin page; the home, login and password pages, with their errors."""
    client = browser.client
    # One real edit first, so the audit log has a change to show.
    category = records["category"]
    response = browser.post_form(f"/admin/category/edit/?id={category.id}", {
        "code": category.code, "name": category.name, "time_limit_hours": "48", "points": "3",
        "sort_order": "0", "active": "", "url": "/admin/category/"})
    assert response.status_code == 302, response.get_data(as_text=True)
    pages = [("/admin/", client.get("/admin/"))]
    required = set(VIEWS)
    for view in app.extensions["admin"][0]._views:
        base = view.url + "/"
        if not isinstance(view, ModelView):
            if base != "/admin/" and view.is_visible():
                pages.append((base, client.get(base)))
            continue
        with app.app_context():
            obj = records.get(view.endpoint) or view.model.select().order_by(view.model.id.desc()).first()
        assert obj is not None or view.endpoint not in required, view.endpoint
        urls = [base] + ([f"{base}details/?id={obj.id}"] if obj is not None else [])
        for url in urls:
            pages.append((url, client.get(url)))
        for url in [f"{base}new/"] + ([f"{base}edit/?id={obj.id}"] if obj is not None else []):
            response = client.get(url)
            action = permissions.CREATE if url.endswith("/new/") else permissions.EDIT
            if action not in permissions.actions("admin", view.endpoint):
                assert response.status_code in (302, 403), url
                continue  # a read-only screen (a log, the points ledger)
            pages.append((url, response))
            if url.endswith("/new/"):
                pages.append((f"POST {url}", browser.post_form(url, INVALID_FORM)))
        required.discard(view.endpoint)
    assert not required, f"views not found: {required}"
    # The closed loop's other pages: a ticket ready for dispatch, a refused
    # step, the minutes, the ranking with a bad month, the calendar's bulk entry.
    accepted, meeting = records["accepted"], records["meeting"]
    pages.append(("rated ticket", client.get(f"/admin/ticket/details/?id={records['rated'].id}")))
    token = browser.token("/admin/account/")
    pages.append(("POST reject", browser.post_form(f"/admin/ticket/step/?id={accepted.id}", {
        "action": "reject", "reject-version": str(accepted.version), "reject-note": "", "csrf_token": token,
        "reject-csrf_token": token}, token_url="/admin/account/", follow_redirects=True)))
    pages.append(("minutes", client.get(f"/admin/meeting/minutes/?id={meeting.id}")))
    pages.append(("auto-dispatched ticket", client.get(f"/admin/ticket/details/?id={records['auto'].id}")))
    grid = records["grid"]
    ring = [[118.77, 32.04], [118.78, 32.04], [118.78, 32.05], [118.77, 32.04]]
    files = [("POST boundaries (refused)", "import", {"code": "X"}, None),
             ("POST boundaries (checked)", "check", {"code": grid.code}, {"type": "Polygon", "coordinates": [ring]})]
    for label, button, properties, geometry in files:
        data = json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": properties, "geometry": geometry}]}).encode()
        response = browser.post_form("/admin/boundaries/", {button: "1", "file": (io.BytesIO(data), "grids.geojson")},
                                     content_type="multipart/form-data")
        shown = response.get_data(as_text=True)
        assert ("boundary-problems" if button == "import" else "boundary-matches") in shown, label
        pages.append((label, response))
    pages.append(("ranking", client.get("/admin/ranking/?month=2026-13")))
    # Figures: the briefing (a month with records, a bad month and code), its
    # print view, a publication and its frozen page; the dashboard.
    pages.append(("briefing", client.get("/admin/briefing/?month=2026-03")))
    pages.append(("briefing print", client.get("/admin/briefing/?month=2026-03&print=1")))
    pages.append(("briefing (bad)", client.get("/admin/briefing/?month=2026-13&grid=999")))
    pages.append(("POST publish", browser.post_form("/admin/briefing/publish/", {"month": "2026-03", "grid": ""},
                                                    token_url="/admin/briefing/", follow_redirects=True)))
    pages.append(("published print", client.get("/admin/briefing/published/1/?print=1")))
    pages.append(("dashboard", client.get("/admin/dashboard/?period=2026-03")))
    pages.append(("dashboard year", client.get("/admin/dashboard/?period=2026")))
    pages.append(("dashboard (bad)", client.get("/admin/dashboard/?period=2026-13&grid=999")))
    pages.append(("bulk", client.get("/admin/calendarday/bulk/")))
    pages.append(("POST bulk", browser.post_form("/admin/calendarday/bulk/", {"days": "2026-02-30"})))
    # The import screens: the upload page, and a preview with its errors.
    pages.append(("import", client.get("/admin/worker/import/")))
    upload = io.BytesIO("姓名,性别,手机号,网格,未知\n张三,男,123,不存在,1\n".encode())
    pages.append(("POST import", client.post("/admin/worker/import/", data={
        "csrf_token": browser.token("/admin/worker/import/"), "file": (upload, "网格员.csv")},
        content_type="multipart/form-data")))
    upload = io.BytesIO("姓名,性别,手机号,网格\n张三,男,12345,不存在\n".encode())
    pages.append(("POST import rows", client.post("/admin/worker/import/", data={
        "csrf_token": browser.token("/admin/worker/import/"), "file": (upload, "网格员.csv")},
        content_type="multipart/form-data")))
    pages.append(("POST /admin/account/", browser.post_form("/admin/account/", {
        "current_password": "wrong", "new_password": "short", "confirm": "other"})))
    pages.append(("POST /logout", browser.post_form("/logout", {}, token_url="/admin/", follow_redirects=True)))
    pages.append(("/login", client.get("/login")))
    pages.append(("POST /login", browser.post_form("/login", {"username": "admin", "password": "wrong-password"})))
    pages.append(("POST /login (empty)", browser.post_form("/login", {"username": "", "password": ""})))
    for url, response in pages:
        assert response.status_code == 200, (url, response.status_code)
    return [(url, response.get_data(as_text=True)) for url, response in pages]


def english_on_pages(pages):
    return {url: words for url, html in pages if (words := english_words(html))}


@pytest.mark.parametrize("locale", ZH_LOCALES)
def test_chinese_crawl_shows_no_english(app, browser, records, locale):
    if locale != "zh_Hans_CN":  # the default needs no cookie
        browser.client.set_cookie(LOCALE_COOKIE, locale)
    pages = crawl(app, browser, records)
    assert len(pages) > 5 * len(VIEWS)
    assert english_on_pages(pages) == {}
    # The invalid forms really were refused, with messages in the user's language.
    errors = "\n".join(html for url, html in pages if url.startswith("POST /admin/"))
    required, not_integer = {"zh_Hans_CN": ("此项为必填项", "不是有效的整数"),
                             "zh_Hant_TW": ("此欄位為必填", "不是有效的整數")}[locale]
    assert required in errors and not_integer in errors


def test_crawl_catches_english(app, browser, records):
    """The crawl can fail: the same pages in English are full of English."""
    browser.client.set_cookie(LOCALE_COOKIE, "en")
    pages = crawl(app, browser, records)
    found = english_on_pages(pages)
    assert set(found) == {url for url, _html in pages}
    assert "Save" in found["/admin/grid/new/"]
    assert "required" in found["POST /admin/grid/new/"]


def test_visible_text_reads_attributes_and_skips_scripts():
    html = ('<p>网格</p><script>var x = "English";</script><style>.a{color:red}</style>'
            '<input type="submit" value="Save"><span title="Tooltip">提示</span>'
            '<input placeholder="Search"><img alt="Logo"><select><option>Other</option></select>'
            '<div id="filter-groups-data" class="d-none">{"\\u72b6\\u6001": [{"operation": "equals",'
            ' "options": [["a", "Open"]]}]}</div><div id="message-data" class="d-none">"Sure?"</div>'
            '<div class="inline-field-template d-none">&lt;small&gt;New&lt;/small&gt;</div><p>完</p>'
            '<script type="application/json">{"moment": "en", "picker": {"applyLabel": "Apply"}}</script>')
    assert english_words(html) == ["Apply", "Logo", "New", "Open", "Other", "Save", "Search", "Sure", "Tooltip",
                                   "equals"]


# --- the catalogues ----------------------------------------------------------------

def catalogue_paths():
    for locale in sorted(os.listdir(TRANSLATIONS)):
        folder = os.path.join(TRANSLATIONS, locale, "LC_MESSAGES")
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                if name.endswith(".po"):
                    yield os.path.join(folder, name)


def _read_po(path):
    with open(path, "rb") as fh:
        return read_po(fh)


def test_every_zh_locale_has_all_three_catalogues_and_there_is_no_en():
    for locale in ZH_LOCALES:
        for domain in DOMAINS:
            for ext in ("po", "mo"):
                assert os.path.exists(os.path.join(TRANSLATIONS, locale, "LC_MESSAGES", f"{domain}.{ext}"))
    assert not os.path.exists(os.path.join(TRANSLATIONS, "en"))


@pytest.mark.parametrize("path", list(catalogue_paths()), ids=lambda p: os.path.relpath(p, TRANSLATIONS))
def test_catalogue_is_complete_and_compiled(path):
    catalog = _read_po(path)
    untranslated = [m.id for m in catalog if m.id and (m.fuzzy or not all(
        m.string if isinstance(m.string, (list, tuple)) else [m.string]))]
    assert untranslated == []
    # The .mo in git is exactly the .po compiled: nobody forgot to compile.
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    expected = gettext.GNUTranslations(compiled)._catalog
    with open(path[:-3] + ".mo", "rb") as fh:
        shipped = gettext.GNUTranslations(fh)._catalog
    assert shipped == expected
    # Placeholders survive translation.
    for message in catalog:
        if not message.id or not message.python_format:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        wanted = set(re.findall(r"%\(\w+\)[sd]", "".join(ids)))
        for string in strings:
            assert set(re.findall(r"%\(\w+\)[sd]", string)) <= wanted, message.id
            assert set(re.findall(r"%\(\w+\)[sd]", ids[-1])) <= set(re.findall(r"%\(\w+\)[sd]", string)) \
                or len(ids) > 1, message.id


def _i18n_script():
    path = os.path.join(os.path.dirname(TRANSLATIONS), "scripts", "i18n.py")
    spec = importlib.util.spec_from_file_location("gridadmin_i18n_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_string_in_our_code_is_translated():
    """Extracted afresh from gridadmin/ and templates/, as scripts/i18n.py does: a
    string added without ``scripts/i18n.py extract``/``update`` fails here."""
    root = os.path.dirname(TRANSLATIONS)
    script = _i18n_script()
    with open(os.path.join(root, "babel.cfg"), encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(list(script.MESSAGES_KEYWORDS))}
    found = {message for _file, _line, message, _comments, _context in
             extract_from_dir(root, method_map, options_map, keywords=keywords)}
    found = {m if isinstance(m, str) else m[0] for m in found}
    assert len(found) > 200
    for locale in ZH_LOCALES:
        catalog = _read_po(os.path.join(TRANSLATIONS, locale, "LC_MESSAGES", "messages.po"))
        missing = sorted(m for m in found if not catalog.get(m) and not catalog.get(_plural_key(catalog, m)))
        assert missing == [], (locale, missing)


def _plural_key(catalog, singular):
    return next((m.id for m in catalog if isinstance(m.id, (list, tuple)) and m.id[0] == singular), None)


def test_catalogues_cover_every_extracted_message():
    """Each .po holds every msgid of its .pot (run scripts/i18n.py after adding strings)."""
    for domain in DOMAINS:
        template = {m.id for m in _read_po(os.path.join(TRANSLATIONS, f"{domain}.pot")) if m.id}
        for locale in ZH_LOCALES:
            catalog = {m.id for m in _read_po(os.path.join(TRANSLATIONS, locale, "LC_MESSAGES", f"{domain}.po"))
                       if m.id}
            assert template <= catalog, (domain, locale, template - catalog)


def test_flask_admin_strings_come_from_our_catalogue(app):
    """Not from Flask-Admin's stale shipped one, in or out of an admin view
    (it merged its own last, and cached whichever it loaded first)."""
    from flask_admin import babel as admin_babel

    for locale, expected in (("zh_Hans_CN", "新建"), ("zh_Hant_TW", "新增")):
        with app.test_request_context(headers={"Cookie": f"{LOCALE_COOKIE}={locale}"}):
            assert admin_babel.gettext("Create") == expected  # shipped: 创建 / 建立
            assert admin_babel.gettext("Failed to create record.") != "Failed to create record."
            assert admin_babel.ngettext("Record was successfully deleted.",
                                        "%(count)s records were successfully deleted.", 3, count=3) in (
                "已成功删除 3 条记录。", "已成功刪除 3 筆記錄。")


# --- switching language -------------------------------------------------------------

def _cookie(response):
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{LOCALE_COOKIE}=")]


def test_default_is_simplified_chinese(browser):
    html = browser.get("/admin/grid/").get_data(as_text=True)
    assert "网格" in html and "新建" in html and "網格" not in html


def test_switch_to_english_is_remembered(browser):
    response = browser.get("/locale/en?next=/admin/grid/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/grid/")
    (cookie,) = _cookie(response)
    assert cookie.startswith(f"{LOCALE_COOKIE}=en;")
    assert "Max-Age=31536000" in cookie and "HttpOnly" in cookie
    html = browser.get("/admin/grid/").get_data(as_text=True)
    assert "Grid" in html and "Create" in html and "网格员" not in html
    # Still English on the next page, and on the login page.
    assert "Grid worker" in browser.get("/admin/worker/").get_data(as_text=True)


def test_switch_to_traditional_chinese(browser):
    browser.get("/locale/zh_Hant_TW")
    html = browser.get("/admin/worker/").get_data(as_text=True)
    assert "網格員" in html and "网格员" not in html
    html = browser.get("/admin/ticket/").get_data(as_text=True)
    assert "事件工單" in html and "新增" in html


def test_unknown_locale_keeps_the_default(browser):
    response = browser.get("/locale/xx_YY?next=/admin/grid/")
    assert response.status_code == 302
    assert _cookie(response) == []
    assert "网格" in browser.get("/admin/grid/").get_data(as_text=True)
    # A forged cookie is ignored too.
    browser.client.set_cookie(LOCALE_COOKIE, "xx_YY")
    assert "网格" in browser.get("/admin/grid/").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/admin/", "http:/evil.example",
                                    "javascript:alert(1)", "evil.example", "/\\evil.example"])
def test_locale_switch_is_no_open_redirect(client_app, target):
    response = client_app.get("/locale/en", query_string={"next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location in ("/admin/", "http://localhost/admin/"), location
    assert _cookie(response)  # the language still switches


def test_locale_switch_goes_back_to_a_local_page(client_app):
    response = client_app.get("/locale/zh_Hant_TW", query_string={"next": "/admin/ticket/?page=2"})
    assert response.headers["Location"].endswith("/admin/ticket/?page=2")


@pytest.fixture
def client_app(app):
    return app.test_client()


def test_login_page_in_each_language(client_app):
    assert "登录" in client_app.get("/login").get_data(as_text=True)
    client_app.get("/locale/zh_Hant_TW")
    html = client_app.get("/login").get_data(as_text=True)
    assert "登入" in html and "使用者名稱" in html
    client_app.get("/locale/en")
    assert "Log in" in client_app.get("/login").get_data(as_text=True)


def test_login_form_errors_follow_the_locale(client_app):
    """Flask-WTF forms use our WTForms catalogue: Traditional, not WTForms' Simplified "zh"."""
    from conftest import csrf_token

    client_app.get("/locale/zh_Hant_TW")
    token = csrf_token(client_app.get("/login").get_data(as_text=True))
    html = client_app.post("/login", data={"csrf_token": token}).get_data(as_text=True)
    assert "此欄位為必填" in html and "必填项" not in html


# --- dates, numbers and time zones -----------------------------------------------------

# The ticket was created 2026-03-01 01:30 UTC, due 03-02 01:30, closed 03-01 09:05 UTC;
# shown in Asia/Shanghai (+8), in each locale's own numeric form.
LOCAL_TIMES = {
    "zh_Hans_CN": ("2026/3/1 09:30", "2026/3/1 17:05"),
    "zh_Hant_TW": ("2026/3/1 上午9:30", "2026/3/1 下午5:05"),
    "en": ("3/1/2026 9:30\u202fAM", "3/1/2026 5:05\u202fPM"),
}


@pytest.mark.parametrize("locale", list(LOCAL_TIMES))
def test_times_are_shown_in_the_configured_time_zone(browser, records, locale):
    browser.client.set_cookie(LOCALE_COOKIE, locale)
    created, closed = LOCAL_TIMES[locale]
    url = f"/admin/ticket/details/?id={records['rated'].id}"
    text = visible_text(browser.get(url).get_data(as_text=True))
    assert created in text and closed in text
    assert "01:30" not in text and "1:30" not in text
    assert created in visible_text(browser.get("/admin/ticket/").get_data(as_text=True))
    # An edit form shows (and takes) local time too.
    form = browser.get(f"/admin/meeting/edit/?id={records['meeting'].id}").get_data(as_text=True)
    assert 'value="2026-03-02 09:30:00"' in form


def test_time_zone_is_configurable(app, browser, records):
    app.config["TIMEZONE"] = "Asia/Urumqi"  # UTC+6
    text = visible_text(browser.get(f"/admin/ticket/details/?id={records['rated'].id}").get_data(as_text=True))
    assert "2026/3/1 07:30" in text


def test_dates_follow_the_locale(browser, records):
    served = records["servicerecord"].served_on
    url = f"/admin/servicerecord/details/?id={records['servicerecord'].id}"
    assert f"{served.year}/{served.month}/{served.day}" in browser.get(url).get_data(as_text=True)
    browser.client.set_cookie(LOCALE_COOKIE, "en")
    assert f"{served.month}/{served.day}/{served.year}" in browser.get(url).get_data(as_text=True)


def test_numbers_follow_the_locale(browser, records):
    grid = records["grid"]
    grid.population = 1234567
    grid.save()
    html = browser.get(f"/admin/grid/details/?id={grid.id}").get_data(as_text=True)
    assert "1,234,567" in html and "0.85" in html
    html = browser.get("/admin/grid/").get_data(as_text=True)
    assert "1,234,567" in html


def test_booleans_and_choices_are_words_in_the_locale(browser, records):
    html = browser.get(f"/admin/worker/details/?id={records['worker'].id}").get_data(as_text=True)
    assert "网格长" in html and "专职" in html and "是" in html and "在岗" in html
    browser.client.set_cookie(LOCALE_COOKIE, "zh_Hant_TW")
    html = browser.get(f"/admin/worker/details/?id={records['worker'].id}").get_data(as_text=True)
    assert "網格長" in html and "專職" in html and "在職" in html
    browser.client.set_cookie(LOCALE_COOKIE, "en")
    html = browser.get(f"/admin/worker/details/?id={records['worker'].id}").get_data(as_text=True)
    assert "Grid leader" in html and "Full time" in html and "Yes" in html


@pytest.mark.parametrize("locale", ZH_LOCALES)
def test_error_pages_speak_the_users_language(app, browser, locale):
    """A missing record, a page the role may not open and an expired form are
    screens too: no Werkzeug English."""
    from tests.test_permissions import build_world, client_for

    with app.app_context():
        world = build_world()
    admin, worker = browser.client, client_for(app, world["users"]["worker"])
    for client in (admin, worker):
        client.set_cookie(LOCALE_COOKIE, locale)
    pages = {
        404: [admin.get("/admin/ticket/details/?id=987654"), admin.get("/no/such/page")],
        403: [worker.get("/admin/user/")],
        400: [admin.post("/admin/account/", data={"current_password": "x"})],  # no CSRF token
        405: [admin.get("/admin/ticket/step/?id=1")],
    }
    for code, responses in pages.items():
        for response in responses:
            html = response.get_data(as_text=True)
            assert response.status_code == code and 'id="error-message"' in html, code
            assert english_words(html) == [], (code, english_words(html))
