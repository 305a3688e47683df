"""Imports: template → filled → preview → import, all or nothing, row errors
in the user's language, encodings, trees in any order, scope, undo, export →
import unchanged, the command line."""

import codecs
import csv
import io
import json
from datetime import datetime

import factories as f
import pytest
from openpyxl import load_workbook

from gridadmin.models import (
    AuditLog,
    Category,
    Grid,
    ImportLog,
    Meeting,
    MeetingItem,
    PartyOrg,
    Ticket,
    TicketCounter,
    TicketEvent,
    User,
    Volunteer,
    VolunteerTeam,
    Worker,
    utcnow,
)
from gridadmin.models.base import StaleRecord
from gridadmin.services import exports, imports, resources, setup, spreadsheets, tickets
from gridadmin.services.errors import InUse

ZH = "zh_Hans_CN"


def write_csv(path, rows, encoding="utf-8"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def run(name, path, **kw):
    kw.setdefault("dry_run", False)
    return imports.run(resources.get(name), str(path), **kw)


def messages(report):
    return [(e.row, e.column, e.message) for e in report.errors]


@pytest.fixture
def world(database):
    """The records the resources' example rows name."""
    setup.fill_dictionaries()
    t = f.tree()
    general = f.party_org("新街口社区党总支", "general_branch", grid=t["community"])
    branch = f.party_org("新街口社区第一网格党支部", "branch", parent=general, grid=t["g1"])
    team = f.team(t["community"], "邻里守望志愿服务队")
    volunteer = f.volunteer(team, "陈静", mobile="13600136000")
    f.party_member(branch, "王芳", mobile="13900139000")
    worker = f.worker(t["g1"], "张伟", mobile="13800138000")
    other_street = f.grid("320102002", "梅园新村街道", "street", t["district"])
    other = f.grid("320102002001", "大行宫社区", "community", other_street)
    return {**t, "general": general, "branch": branch, "team": team, "volunteer": volunteer, "worker": worker,
            "other": other}


def secretary(world):
    return User.create(username="sec", password_hash="x", role="secretary", grid=world["community"])


# --- template → filled → preview → import, for every kind of record ---------------

@pytest.mark.parametrize("name", sorted(resources.RESOURCES))
def test_template_filled_preview_import(world, tmp_path, name):
    resource = resources.get(name)
    template = tmp_path / "template.xlsx"
    with open(template, "wb") as fh:
        exports.template(resource, ZH, fh, lookups=exports.lookup_values(resource))
    book = load_workbook(template)
    sheet, example = book.worksheets[0], book.worksheets[2]
    headers = [c.value for c in sheet[1]]
    assert headers == [imports.translate(ZH, c.header) for c in resource.columns]
    assert all(c.comment is not None for c in sheet[1] if c.font.bold)  # required columns say what they take
    assert sheet.data_validations.dataValidation or not any(
        c.kind in (resources.CHOICE, resources.BOOL) for c in resource.columns)
    for cell in example[2]:
        sheet.cell(row=2, column=cell.column, value=cell.value)
    filled = tmp_path / "filled.xlsx"
    book.save(filled)

    preview = run(name, filled, dry_run=True, locale=ZH)
    assert preview.ok, messages(preview)
    assert preview.created + preview.updated + preview.unchanged == 1
    report = run(name, filled, locale=ZH)
    assert report.ok, messages(report)
    assert (report.created, report.updated, report.unchanged) == (preview.created, preview.updated, preview.unchanged)
    key = resource.key[0]
    value = next(c.value for c in example[2] if example.cell(row=1, column=c.column).value ==
                 imports.translate(ZH, resource.column(key).header))
    if resource.column(key).kind != resources.REF:
        assert resource.model.select().where(getattr(resource.model, key) == str(value)).exists()
    if name == "user":
        assert [u for u, _p in report.passwords] == ["wangfang"]
        assert User.get(User.username == "wangfang").grid_id == world["community"].id
    if name == "meeting":
        meeting = Meeting.get(Meeting.title == "三月居民议事会")
        assert [i.topic for i in meeting.items.order_by(MeetingItem.id)] == ["楼道堆物清理", "增设电动车充电桩"]
        assert meeting.held_at == datetime(2026, 3, 5, 6, 30)  # 14:30 in Shanghai, stored in UTC
    again = run(name, filled, locale=ZH)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1), messages(again)


# --- trees in one file, in any order -------------------------------------------------

def test_grid_tree_child_before_parent_level_inferred(database, tmp_path):
    path = write_csv(tmp_path / "grids.csv", [
        ["代码", "名称", "上级代码", "层级"],
        ["320102001001G101", "一号楼微网格", "320102001001G1", ""],
        ["320102001001G1", "第一网格", "320102001001", ""],
        ["320102001001", "新街口社区", "320102001", ""],
        ["320102001", "玄武门街道", "320102", ""],
        ["320102", "玄武区", "", ""],
    ])
    preview = run("grid", path, dry_run=True)
    assert preview.ok, messages(preview)
    assert (preview.created, preview.updated, preview.unchanged) == (5, 0, 0)
    assert Grid.select().count() == 0
    report = run("grid", path)
    assert report.ok, messages(report)
    micro = Grid.get(Grid.code == "320102001001G101")
    g1 = micro.parent
    assert (micro.level, g1.level, g1.parent.level, g1.parent.parent.level) == ("micro", "grid", "community", "street")
    chain = [g1.parent.parent.parent, g1.parent.parent, g1.parent, g1, micro]
    assert micro.path == "/" + "/".join(str(g.id) for g in chain) + "/"
    assert [g.depth for g in chain] == [0, 1, 2, 3, 4]
    # A re-import of the same file changes nothing and says so.
    again = run("grid", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert again.log is None and ImportLog.select().count() == 1
    assert imports.translate(ZH, imports.NOTHING_TO_CHANGE) in imports.summary(again, ZH)


def test_party_orgs_child_before_parent(world, tmp_path):
    path = write_csv(tmp_path / "orgs.csv", [
        ["name", "kind", "parent", "grid"],
        ["三号楼党小组", "楼宇党小组", "第二网格党支部", "320102001001G2"],
        ["第二网格党支部", "网格党支部", "新街口社区党总支", "320102001001G2"],
    ])
    report = run("partyorg", path)
    assert report.ok, messages(report)
    group = PartyOrg.get(PartyOrg.name == "三号楼党小组")
    assert group.parent.name == "第二网格党支部" and group.parent.parent_id == world["general"].id
    assert group.path.startswith(world["general"].path) and group.depth == 2


# --- all or nothing ------------------------------------------------------------------

def test_an_error_in_the_last_row_writes_nothing(world, tmp_path):
    rows = [["姓名", "性别", "手机号", "网格"]]
    rows += [[f"网格员{i}", "男", f"1390000{i:04d}", "320102001001G1"] for i in range(50)]
    rows.append(["错误", "男", "12345", "320102001001G1"])
    path = write_csv(tmp_path / "workers.csv", rows)
    before = Worker.select().count()
    report = run("worker", path)
    assert not report.ok
    assert messages(report) == [(52, "C (手机号)", "不是手机号：应为以 1 开头的 11 位数字。")]
    assert report.created == 50 and report.log is None
    assert Worker.select().count() == before
    assert ImportLog.select().count() == 0
    assert not AuditLog.select().where(AuditLog.action == "import").exists()


def test_an_error_found_while_writing_rolls_back_the_rows_before_it(world, tmp_path):
    # The rule only the write can see: two rows that resolve to the same team
    # name is caught in the file already; a ticket number taken in between is not.
    path = write_csv(tmp_path / "tickets.csv", [
        ["number", "title", "category", "source", "grid", "status", "created_at"],
        ["20250301-0001", "甲", "消防安全", "网格员巡查", "320102001001G1", "已结案", "2025-03-01 09:00"],
        ["20250301-0002", "乙", "消防安全", "网格员巡查", "320102001001G1", "处置中", "2025-03-01 10:00"],
    ])
    report = run("ticket", path)
    assert messages(report) == [(3, "F (状态)", "导入的工单是历史记录：状态须为已结案、已评价或不予受理。")]
    assert not Ticket.select().exists()


# --- every kind of error, by row and column, in the user's language --------------------

def test_every_error_kind_with_row_and_column_in_chinese(world, tmp_path):
    path = write_csv(tmp_path / "grids.csv", [
        ["编码", "名称", "上级编码", "层级", "户数", "未知列"],
    ])
    report = run("grid", path, dry_run=True)
    assert messages(report) == [(1, "F", "无法识别的列“未知列”。")]

    path = write_csv(tmp_path / "grids.csv", [
        ["编码", "名称", "上级编码", "层级", "户数"],
        ["320102001001G3", "", "320102001001", "网格", "10"],  # 2: required
        ["320102001001G4", "第四网格", "320102001001", "网格", "很多"],  # 3: format
        ["320102001001G5", "第五网格", "999999999999", "网格", "1"],  # 4: unknown grid code
        ["320102001001G6", "第六网格", "320102001001", "网格", "1"],  # 5: fine
        ["320102001001G6", "第六网格", "320102001001", "网格", "1"],  # 6: duplicate of row 5
        ["320102002001G1", "别人的网格", "320102002001", "网格", "1"],  # 7: out of scope (by code)
        ["320102001001G7", "第七网格", "大行宫社区", "网格", "1"],  # 8: out of scope (by name)
        ["320102009001G1", "编码不对", "320102001001", "网格", "1"],  # 9: a rule of the service
        ["320102001001G8", "第八网格", "320102001001", "楼栋", "1"],  # 10: not a choice
    ])
    report = run("grid", path, dry_run=True, user=secretary(world))
    assert messages(report) == [
        (2, "B (名称)", "必填。"),
        (3, "E (户数)", "不是整数。"),
        (4, "C (上级编码)", "找不到“999999999999”：系统中和本文件中都没有。"),
        (6, "A (编码)", "与第 5 行重复：同一记录在文件中只能出现一次。"),
        (7, "C (上级编码)", "“320102002001”不在您负责的网格范围内。"),
        (8, "C (上级编码)", "“大行宫社区”不在您负责的网格范围内。"),
        (9, "A (编码)", "编码必须以上级网格的编码 320102001001 开头。"),
        (10, "D (层级)", "不是可选值之一：区县、街道/乡镇、社区/村、网格、微网格。"),
    ]
    assert report.error_count == 8 and Grid.select().count() == 8


def test_a_unique_value_taken_by_another_record(world, tmp_path):
    path = write_csv(tmp_path / "c.csv", [["编码", "名称"], ["XFAQ", "民生服务"], ["NEW1", "矛盾纠纷"]])
    assert messages(run("category", path)) == [(2, "B (名称)", "“民生服务”已被使用。"),
                                               (3, "B (名称)", "“矛盾纠纷”已被使用。")]


def test_file_level_errors(world, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert messages(run("grid", empty)) == [(1, None, "文件为空：第一行应为列标题。")]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    assert messages(run("grid", broken)) == [(1, None, "该文件不是可读取的 Excel（.xlsx）工作簿。")]
    missing = write_csv(tmp_path / "m.csv", [["名称"], ["第九网格"]])
    assert messages(run("grid", missing)) == [(1, None, "缺少必填列“编码”。")]
    stray = write_csv(tmp_path / "s.csv", [["编码", "", "名称"], ["320102001001G9", "多余", "第九网格"]])
    assert messages(run("grid", stray)) == [(2, "B", "有数据的列没有列标题。")]


def test_error_file_marks_the_bad_cells(world, tmp_path):
    path = write_csv(tmp_path / "workers.csv", [
        ["姓名", "性别", "手机号", "网格"],
        ["李四", "男", "13900000001", "320102001001G1"],
        ["王五", "未知", "139", "不存在的网格"],
    ])
    target = tmp_path / "errors.xlsx"
    report = run("worker", path, error_file=str(target))
    assert report.error_count == 3
    sheet = load_workbook(target).active
    assert [c.value for c in sheet[3]][:4] == ["王五", "未知", "139", "不存在的网格"]
    assert sheet["B3"].fill.fgColor.rgb.endswith("FFC7CE") and "不是可选值之一" in sheet["B3"].comment.text
    assert "不是手机号" in sheet["C3"].comment.text and "找不到“不存在的网格”" in sheet["D3"].comment.text
    assert sheet["A2"].comment is None and sheet["E3"].value.startswith("B: ")
    # Corrected and uploaded again: accepted.
    sheet["B3"], sheet["C3"], sheet["D3"] = "女", "13900000002", "第一网格"
    sheet.delete_cols(5)
    fixed = tmp_path / "fixed.xlsx"
    sheet.parent.save(fixed)
    assert run("worker", fixed).created == 2


# --- encodings ---------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_and_utf8_with_or_without_bom(world, tmp_path, encoding):
    rows = [["姓名", "性别", "手机号", "网格", "岗位"],
            ["欧阳娜娜", "女", "13912345678", "第一网格", "专职网格员"],
            ["张䶮", "男", "13912345679", "320102001001G2", "兼职网格员"]]
    if encoding == "gbk":
        rows = rows[:2]  # 䶮 is outside GBK
    path = write_csv(tmp_path / "w.csv", rows, encoding=encoding)
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(codecs.BOM_UTF8)
    report = run("worker", path)
    assert report.ok, messages(report)
    assert Worker.get(Worker.mobile == "13912345678").name == "欧阳娜娜"
    assert Worker.get(Worker.mobile == "13912345678").post == "full"


def test_headers_in_any_language_and_order(world, tmp_path):
    path = write_csv(tmp_path / "w.csv", [
        ["Grid", "手機號", "姓名", "Gender"],
        ["320102001001G1", "13911112222", "赵六", "Male"],
    ])
    report = run("worker", path)
    assert report.ok, messages(report)
    assert Worker.get(Worker.mobile == "13911112222").gender == "M"


# --- scope: a secretary imports only into her community ----------------------------------

def test_secretary_cannot_import_into_another_community(world, tmp_path):
    sec = secretary(world)
    f.worker(world["other"], "外社区网格员", mobile="13700000001")
    path = write_csv(tmp_path / "w.csv", [
        ["姓名", "性别", "手机号", "网格"],
        ["甲", "男", "13911110001", "320102002001"],  # by code
        ["乙", "男", "13911110002", "大行宫社区"],  # by name
        ["丙", "男", "13700000001", "320102001001G1"],  # an existing worker of another community
        ["丁", "男", "13911110004", "第一网格"],  # fine
    ])
    report = run("worker", path, user=sec)
    assert messages(report) == [
        (2, "D (网格)", "“320102002001”不在您负责的网格范围内。"),
        (3, "D (网格)", "“大行宫社区”不在您负责的网格范围内。"),
        (4, "C (手机号)", "该记录不在您负责的网格范围内。"),
    ]
    assert not Worker.select().where(Worker.name.in_(["甲", "乙", "丁"])).exists()
    assert Worker.get(Worker.mobile == "13700000001").name == "外社区网格员"
    assert imports.may_import(sec, resources.get("worker"))
    assert not imports.may_import(sec, resources.get("category"))


def test_a_name_shared_by_grids_resolves_within_scope(world, tmp_path):
    f.grid("320102002001G1", "第一网格", "grid", world["other"])  # the same name in the other community
    path = write_csv(tmp_path / "w.csv", [["姓名", "性别", "手机号", "网格"], ["甲", "男", "13911110001", "第一网格"]])
    report = run("worker", path, user=secretary(world))
    assert report.ok, messages(report)
    assert Worker.get(Worker.mobile == "13911110001").grid_id == world["g1"].id
    # An administrator sees both: the name is ambiguous, the code is not.
    report = run("worker", path)
    assert messages(report) == [(2, "D (网格)", "名为“第一网格”的记录不止一条，请填写编码。")]


# --- updates: versioned, changed fields only ---------------------------------------------

def test_update_bumps_the_version_so_a_form_opened_before_is_refused(world, tmp_path):
    worker = world["worker"]
    form_copy = Worker.get_by_id(worker.id)  # an edit form opened before the import
    path = write_csv(tmp_path / "w.csv", [["姓名", "性别", "手机号", "网格"], ["张伟", "男", "13800138000", "第二网格"]])
    preview = run("worker", path, dry_run=True)
    assert (preview.created, preview.updated) == (0, 1) and preview.versions == {worker.id: 0}
    report = run("worker", path)
    assert report.updated == 1
    stored = Worker.get_by_id(worker.id)
    assert (stored.grid_id, stored.version) == (world["g2"].id, 1)
    entry = AuditLog.get((AuditLog.action == "update") & (AuditLog.model == "Worker"))
    assert set(json.loads(entry.changes)) == {"grid", "version"}
    form_copy.name = "张伟伟"
    with pytest.raises(StaleRecord):
        form_copy.save()
    # A record changed between the preview and the confirmation is refused.
    path = write_csv(tmp_path / "w2.csv", [["姓名", "性别", "手机号", "网格"], ["张伟", "男", "13800138000", "第一网格"]])
    preview = run("worker", path, dry_run=True)
    Worker.update(name="张伟", version=Worker.version + 1).where(Worker.id == worker.id).execute()
    report = run("worker", path, expected_versions=preview.versions)
    assert messages(report) == [(2, None, "预览后有人修改了该记录，请重新预览文件。")]


# --- tickets keep their numbers -------------------------------------------------------

def test_historical_tickets_keep_numbers_and_the_counter_skips_them(world, tmp_path):
    path = write_csv(tmp_path / "t.csv", [
        ["编号", "标题", "类别", "来源", "网格", "状态", "创建时间", "结案时间"],
        ["20260105-0002", "路灯不亮", "市政设施", "居民上报", "第一网格", "已结案", "2026-01-05 09:00", "2026-01-06 10:00"],
        ["", "楼道堆物", "消防安全", "网格员巡查", "第一网格", "已评价", "2026-01-05 11:00", ""],
    ])
    report = run("ticket", path)
    assert report.ok, messages(report)
    first = Ticket.get(Ticket.number == "20260105-0002")
    assert first.status == "closed" and first.created_at == datetime(2026, 1, 5, 1, 0)
    second = Ticket.get(Ticket.title == "楼道堆物")
    assert second.number == "20260105-0003" and second.status == "rated"  # the counter skipped the taken number
    events = list(TicketEvent.select().where(TicketEvent.ticket == first.id))
    assert [(e.action, e.to_status) for e in events] == [("import", "closed")]
    # The counter goes on past the imported numbers.
    TicketCounter.delete().execute()
    from datetime import date

    from gridadmin.models import db
    with db.atomic():
        assert tickets.next_number(date(2026, 1, 5)) == "20260105-0004"


# --- undo ---------------------------------------------------------------------------

def test_undo_deletes_what_the_import_created_while_nothing_refers_to_it(world, tmp_path):
    path = write_csv(tmp_path / "g.csv", [
        ["编码", "名称", "上级编码"],
        ["320102001001G9", "第九网格", "320102001001"],
        ["320102001001G901", "九号楼", "320102001001G9"],
    ])
    report = run("grid", path)
    log = report.log
    first = Grid.get(Grid.code == "320102001001G9").id
    assert log.created == 2 and json.loads(log.created_ids) == {"Grid": [[first, first + 1]]}
    admin = User.get(User.username == "admin")
    blocker = f.worker(Grid.get(Grid.code == "320102001001G901"), mobile="13900009999")
    with pytest.raises(InUse):
        imports.undo(log, admin)
    assert Grid.select().where(Grid.code.startswith("320102001001G9")).count() == 2
    blocker.delete_instance()
    assert imports.undo(log, admin) == 2
    assert not Grid.select().where(Grid.code.startswith("320102001001G9")).exists()
    log = ImportLog.get_by_id(log.id)
    assert log.undone_at is not None and not imports.may_undo(log, admin)
    assert AuditLog.select().where(AuditLog.action == "undo_import").count() == 1


def test_undo_of_tickets_takes_their_imported_events(world, tmp_path):
    path = write_csv(tmp_path / "t.csv", [
        ["编号", "标题", "类别", "来源", "网格", "状态", "创建时间"],
        ["20250101-0001", "甲", "消防安全", "居民上报", "第一网格", "已结案", "2025-01-01 09:00"],
    ])
    log = run("ticket", path).log
    assert imports.undo(log, User.get(User.username == "admin")) == 2
    assert not Ticket.select().exists() and not TicketEvent.select().exists()


def test_the_importer_reads_and_undoes_their_own_imports_only(world, tmp_path):
    sec = secretary(world)
    other = User.create(username="sec2", password_hash="x", role="secretary", grid=world["community"])
    path = write_csv(tmp_path / "w.csv", [["姓名", "性别", "手机号", "网格"], ["甲", "男", "13911110001", "第一网格"]])
    log = run("worker", path, user=sec).log
    from gridadmin.services import scope

    assert list(scope.visible(ImportLog, sec)) == [log]
    assert list(scope.visible(ImportLog, other)) == []
    assert imports.may_undo(log, sec) and not imports.may_undo(log, other)


# --- export → import, unchanged ----------------------------------------------------------

@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(world, tmp_path, kind):
    f.meeting(world["community"], "议事会", items=("议题一", "议题二"))
    f.ticket(world["g1"], status="closed", number="20250101-0001")
    f.service_record(world["volunteer"], hours="1.5", beneficiaries=2)
    f.department("城管局", phone="12319")
    User.create(username="sec", password_hash="x", role="secretary", grid=world["community"])
    Grid.update(area="0.35").where(Grid.id == world["g1"].id).execute()
    admin = User.get(User.username == "admin")
    for name, resource in resources.RESOURCES.items():
        table = exports.rows(resource, exports.records(resource, admin), ZH, "Asia/Shanghai", text=kind == "csv")
        out = exports.write(kind, table, title="x")
        path = tmp_path / f"{name}.{kind}"
        with open(path, "wb") as fh:
            if kind == "csv":
                for chunk in out:
                    fh.write(chunk)
            else:
                fh.write(out.read())
        count = resource.model.select().count()
        assert count, name
        report = run(name, path)
        assert report.ok, (name, messages(report))
        assert (report.created, report.updated, report.unchanged) == (0, 0, count), name


def test_exports_neutralise_formulas(world, tmp_path):
    Worker.update(name="=HYPERLINK(\"http://x\")").where(Worker.id == world["worker"].id).execute()
    resource = resources.get("worker")
    admin = User.get(User.username == "admin")
    lines = b"".join(exports.write("csv", exports.rows(resource, exports.records(resource, admin), ZH, "Asia/Shanghai",
                                                       text=True)))
    assert lines.startswith(codecs.BOM_UTF8)
    assert "'=HYPERLINK" in lines.decode("utf-8-sig")
    path = tmp_path / "w.csv"
    path.write_bytes(lines)
    assert run("worker", path).unchanged == 1  # read back as it was


def test_xlsx_exports_neutralise_formulas_too(world, tmp_path):
    Worker.update(name="@SUM(1+1)").where(Worker.id == world["worker"].id).execute()
    resource = resources.get("worker")
    admin = User.get(User.username == "admin")
    out = exports.write("xlsx", exports.rows(resource, exports.records(resource, admin), ZH, "Asia/Shanghai"))
    path = tmp_path / "w.xlsx"
    path.write_bytes(out.read())
    sheet = load_workbook(path).active
    assert sheet["A2"].value == "'@SUM(1+1)" and sheet["A2"].data_type == "s"
    assert run("worker", path).unchanged == 1


@pytest.mark.parametrize("headers", [["甲", "乙", "丙", "丁"], ["甲", "甲", "丙", "丁"]])  # repeated: pure Python
def test_xlsx_writer_either_way(tmp_path, headers):
    path = tmp_path / "x.xlsx"
    with open(path, "wb") as fh:
        spreadsheets.write_xlsx([headers, ["=1+1", datetime(2026, 1, 2, 3, 4), 2.5, "a\nb"]], fh, title="表")
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[2]] == ["'=1+1", datetime(2026, 1, 2, 3, 4), 2.5, "a\nb"]
    assert sheet["A1"].font.bold


def test_safe_cell():
    for text in ("=1+2", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert spreadsheets.safe_cell(text) == "'" + text
        assert spreadsheets.plain_cell(spreadsheets.safe_cell(text)) == text
    # A cell that is just a number is read as that number and runs nothing.
    for value in ("普通文本", "a=b", "", None, -1, 2.5, "+1", "-3", "+8613800000000", datetime(2026, 1, 1)):
        assert spreadsheets.safe_cell(value) == value


# --- the command line ----------------------------------------------------------------

def test_cli_import_preview_errors_exit_code_and_export(app, world, tmp_path):
    good = write_csv(tmp_path / "g.csv", [["code", "name", "parent_code", "level"],
                                          ["320102001001G9", "第九网格", "320102001001", ""]])
    bad = write_csv(tmp_path / "b.csv", [["code", "name", "parent_code", "level"],
                                         ["320102001001G9", "", "320102001001", ""]])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "grid", str(bad)])
    assert result.exit_code == 1 and "第 2 行 B (名称): 必填。" in result.output
    result = runner.invoke(args=["import", "grid", str(good), "--dry-run"])
    assert result.exit_code == 0 and "将新建 1 条" in result.output
    assert not Grid.select().where(Grid.code == "320102001001G9").exists()
    result = runner.invoke(args=["import", "grid", str(good), "--as", "sec"])
    assert result.exit_code == 1  # no such user
    secretary(world)
    result = runner.invoke(args=["import", "grid", str(good), "--as", "sec"])
    assert result.exit_code == 0, result.output
    assert ImportLog.get().username == "sec"
    template = tmp_path / "t.xlsx"
    assert runner.invoke(args=["import-template", "worker", str(template)]).exit_code == 0
    assert [c.value for c in load_workbook(template).active[1]][:3] == ["姓名", "性别", "手机号"]
    User.create(username="centre", password_hash="x", role="centre", grid=world["street"])
    out = tmp_path / "grids.xlsx"
    result = runner.invoke(args=["export", "grid", str(out), "--as", "centre"])
    assert result.exit_code == 0, result.output
    codes = [r[0] for r in load_workbook(out).active.iter_rows(min_row=2, values_only=True)]
    assert "320102001001G9" in codes and "320102002001" not in codes  # scoped to the centre's street
    assert AuditLog.select().where(AuditLog.action == "export").exists()


def test_new_users_get_one_time_passwords(world, tmp_path):
    path = write_csv(tmp_path / "u.csv", [["用户名", "角色", "网格"], ["liwei", "网格员", "320102001001G1"],
                                         ["zhouli", "领导（只读）", "320102"]])
    report = run("user", path)
    assert report.ok, messages(report)
    passwords = dict(report.passwords)
    from gridadmin.services import users

    for name in ("liwei", "zhouli"):
        assert users.check_password(User.get(User.username == name), passwords[name])
    bad = write_csv(tmp_path / "u2.csv", [["用户名", "角色"], ["chen", "社区书记"]])
    assert messages(run("user", bad)) == [(2, None, "该角色必须绑定一个网格节点。")]


def test_dictionaries_fill_once_and_checklist(app, database):
    assert setup.first_start("Very-long-pass-2026")[1] == {}  # the test database has its admin already
    added = setup.fill_dictionaries()
    assert added["categories"] == len(setup.CATEGORIES) and added["sources"] == len(setup.SOURCES)
    assert added["calendar days"] > 50
    assert Category.get(Category.name == "突发事件").round_the_clock
    assert setup.fill_dictionaries() == {"categories": 0, "sources": 0, "calendar days": 0}
    steps = {s["key"]: s["done"] for s in setup.checklist()}
    assert steps == {"grids": False, "workers": False, "users": False, "categories": False}
    assert setup.needs_checklist() and not setup.holds_own_records()
    f.tree()
    assert setup.holds_own_records() and not setup.needs_checklist()
    assert {s["key"]: s["done"] for s in setup.checklist()}["grids"]


def test_first_start_on_an_empty_database(tmp_path):
    from gridadmin import create_app
    from gridadmin import db as dbmod
    from gridadmin.models import CalendarDay, Source, db

    url = f"sqlite:///{tmp_path}/fresh.db"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        dbmod.bind(url)
        db.connect(reuse_if_open=True)
        dbmod.upgrade()
        password, added = setup.first_start(None)
        assert password and added["categories"] == len(setup.CATEGORIES)
        assert Source.get(Source.code == "meeting").name == "议事会转办"
        assert CalendarDay.select().where(CalendarDay.workday == True).exists()  # noqa: E712
        assert setup.first_start(None) == (None, {})
        db.close()
    assert utcnow()


def test_team_and_volunteer_resolution(world, tmp_path):
    path = write_csv(tmp_path / "v.csv", [["姓名", "手机号", "服务队"], ["新志愿者", "13512345678", "邻里守望志愿服务队"]])
    assert run("volunteer", path).created == 1
    assert Volunteer.get(Volunteer.mobile == "13512345678").team_id == world["team"].id
    path = write_csv(tmp_path / "t.csv", [["名称", "网格"], ["新服务队", "320102001001"]])
    assert run("volunteerteam", path).created == 1
    assert VolunteerTeam.get(VolunteerTeam.name == "新服务队").service_type == "other"
