"""Deadlines that count working time, the overdue light, and the workday
calendar's screens. Times are stored naive UTC; the zone is Asia/Shanghai
(UTC+8, no daylight saving), so local midnight is 16:00 UTC the day before."""

from datetime import date, datetime, timedelta

import factories as f
import pytest

from gridadmin.models import AuditLog, CalendarDay, Category, Ticket, User, db
from gridadmin.services import deadlines
from gridadmin.services.errors import RuleError
from gridadmin.services.users import hash_password
from tests.conftest import client_for, csrf_token

TZ = "Asia/Shanghai"


def utc(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi)


def local(y, mo, d, h=0, mi=0):
    """A Shanghai wall-clock time as stored (UTC)."""
    return datetime(y, mo, d, h, mi) - timedelta(hours=8)


def cat(hours=0, days=None, round_the_clock=False):
    return Category(code="X", name="X", time_limit_hours=hours, time_limit_days=days,
                    round_the_clock=round_the_clock)


def national_day_2026():
    """国庆节、中秋节 2026: 10-01..10-08 off; Sunday 09-20 and Saturday 10-10 worked."""
    for n in range(8):
        CalendarDay.create(day=date(2026, 10, 1) + timedelta(days=n), workday=False, name="国庆节")
    CalendarDay.create(day=date(2026, 9, 20), workday=True, name="国庆节调休")
    CalendarDay.create(day=date(2026, 10, 10), workday=True, name="国庆节调休")


# --- the calendar ------------------------------------------------------------

def test_is_workday_default_week_holidays_and_make_up_days(database):
    national_day_2026()
    assert deadlines.is_workday(date(2026, 3, 6))  # Friday
    assert not deadlines.is_workday(date(2026, 3, 7))  # Saturday
    assert not deadlines.is_workday(date(2026, 3, 8))  # Sunday
    assert not deadlines.is_workday(date(2026, 10, 1))  # Thursday, National Day
    assert not deadlines.is_workday(date(2026, 10, 8))
    assert deadlines.is_workday(date(2026, 10, 9))
    assert deadlines.is_workday(date(2026, 10, 10))  # Saturday, 调休
    assert deadlines.is_workday(date(2026, 9, 20))  # Sunday, 调休


# --- working days ------------------------------------------------------------

def test_one_working_day_from_friday_is_due_tuesday_midnight(database):
    due = deadlines.due_time(cat(days=1), local(2026, 3, 6, 15), TZ)
    assert due == local(2026, 3, 10) == utc(2026, 3, 9, 16)


def test_working_days_count_from_the_local_day_not_the_utc_day(database):
    # Friday 01:00 in Shanghai is Thursday 17:00 UTC: the local Friday counts.
    start = utc(2026, 3, 5, 17)
    assert deadlines.due_time(cat(days=1), start, TZ) == local(2026, 3, 10)
    # Read in UTC, the same moment is a Thursday: due Saturday 00:00 UTC instead.
    assert deadlines.due_time(cat(days=1), start, "UTC") == utc(2026, 3, 7)


@pytest.mark.parametrize(("days", "due"), [
    (1, local(2026, 10, 10)),  # Friday 10-09, the first workday after the holiday
    (2, local(2026, 10, 11)),  # Saturday 10-10, a make-up workday
    (3, local(2026, 10, 13)),  # Monday 10-12
    (5, local(2026, 10, 15)),
])
def test_working_days_skip_national_day_and_count_make_up_saturday(database, days, due):
    national_day_2026()
    assert deadlines.due_time(cat(days=days), local(2026, 9, 30, 10), TZ) == due


def test_make_up_sunday_is_the_next_working_day(database):
    national_day_2026()
    assert deadlines.due_time(cat(days=1), local(2026, 9, 19, 9), TZ) == local(2026, 9, 21)


def test_days_take_precedence_over_hours_and_round_the_clock(database):
    category = cat(hours=4, days=2, round_the_clock=True)
    assert deadlines.due_time(category, local(2026, 3, 6, 15), TZ) == local(2026, 3, 11)


# --- hours -------------------------------------------------------------------

def test_round_the_clock_hours_run_through_holidays(database):
    national_day_2026()
    category = cat(hours=30, round_the_clock=True)
    assert deadlines.due_time(category, utc(2026, 10, 1, 2), TZ) == utc(2026, 10, 2, 8)


def test_hours_within_one_workday(database):
    assert deadlines.due_time(cat(hours=4), local(2026, 3, 4, 9, 30), TZ) == local(2026, 3, 4, 13, 30)


def test_hours_ending_at_midnight_end_that_day(database):
    assert deadlines.due_time(cat(hours=8), local(2026, 3, 4, 16), TZ) == local(2026, 3, 5)


def test_hours_spanning_a_weekend_skip_it(database):
    # Friday 20:00: four hours on Friday, the other four on Monday from 00:00.
    assert deadlines.due_time(cat(hours=8), local(2026, 3, 6, 20), TZ) == local(2026, 3, 9, 4)


def test_hours_spanning_several_workdays(database):
    # Wednesday 12:00 + 72 h: 12 on Wed, 24 Thu, 24 Fri, then 12 on Monday.
    assert deadlines.due_time(cat(hours=72), local(2026, 3, 4, 12), TZ) == local(2026, 3, 9, 12)


def test_hours_started_on_a_day_off_start_at_the_next_workday(database):
    assert deadlines.due_time(cat(hours=24), local(2026, 3, 7, 10), TZ) == local(2026, 3, 10)
    assert deadlines.due_time(cat(hours=5), local(2026, 3, 8, 23, 59), TZ) == local(2026, 3, 9, 5)


def test_hours_across_an_eight_day_holiday_in_few_queries(database, sql_log):
    national_day_2026()
    sql_log.clear()
    # Wednesday 22:00: two hours that day, then nothing until Friday 10-09.
    due = deadlines.due_time(cat(hours=10), local(2026, 9, 30, 22), TZ)
    assert due == local(2026, 10, 9, 8)
    assert len(sql_log) <= 2


def test_a_long_run_of_days_off_widens_the_window(database, sql_log):
    # 120 days off from 2026-03-02 (a closure): the calendar is read in a few windows.
    CalendarDay.insert_many([{"day": date(2026, 3, 2) + timedelta(days=n), "workday": False}
                             for n in range(120)]).execute()
    sql_log.clear()
    assert deadlines.due_time(cat(days=1), local(2026, 2, 27, 9), TZ) == local(2026, 7, 1)  # Tuesday 06-30
    assert len(sql_log) <= 4


def test_zero_hours_and_no_days_set_no_deadline(database):
    assert deadlines.due_time(cat(hours=0), local(2026, 3, 6, 15), TZ) is None
    assert deadlines.due_time(cat(hours=0, round_the_clock=True), local(2026, 3, 6, 15), TZ) is None


def test_a_calendar_without_workdays_is_refused_not_looped(database):
    CalendarDay.insert_many([{"day": date(2026, 3, 2) + timedelta(days=n), "workday": False}
                             for n in range(400)]).execute()
    with pytest.raises(RuleError) as raised:
        deadlines.due_time(cat(hours=8), local(2026, 3, 2, 9), TZ)
    assert raised.value.message == deadlines.NO_WORKDAY
    assert raised.value.params == {"day": "2026-03-02"}
    with pytest.raises(RuleError):
        deadlines.due_time(cat(days=1), local(2026, 3, 2, 9), TZ)


@pytest.mark.parametrize("category", [cat(days=2**31 - 1), cat(hours=2**31 - 1), cat(hours=2**31 - 1, round_the_clock=True)])
def test_an_absurd_limit_is_refused(database, category):
    with pytest.raises(RuleError) as raised:
        deadlines.due_time(category, local(2026, 3, 2, 9), TZ)
    assert raised.value.message == deadlines.TOO_FAR


# --- the light ---------------------------------------------------------------

T0 = utc(2026, 3, 2, 1)


def open_ticket(status="dispatched", window=timedelta(hours=100), dispatched=True):
    return Ticket(status=status, created_at=T0 - timedelta(hours=5), dispatched_at=T0 if dispatched else None,
                  due_at=T0 + window)


@pytest.mark.parametrize(("now", "expected"), [
    (T0, "green"),
    (T0 + timedelta(hours=75), "green"),  # exactly a quarter left: not under
    (T0 + timedelta(hours=75, seconds=1), "yellow"),
    (T0 + timedelta(hours=100), "yellow"),  # due now: not yet late
    (T0 + timedelta(hours=100, seconds=1), "red"),
])
def test_light_boundaries(now, expected):
    assert deadlines.light(open_ticket(), now) == expected
    assert deadlines.light(open_ticket("in_progress"), now) == expected


def test_light_uses_created_at_without_dispatch():
    ticket = open_ticket(dispatched=False)  # window 105 h from creation
    assert deadlines.light(ticket, T0 + timedelta(hours=73, minutes=45)) == "green"
    assert deadlines.light(ticket, T0 + timedelta(hours=73, minutes=46)) == "yellow"


@pytest.mark.parametrize("status", ["reported", "accepted", "handled", "closed", "rated", "rejected"])
def test_no_light_unless_open(status):
    assert deadlines.light(open_ticket(status), T0 + timedelta(days=30)) is None
    assert not deadlines.is_overdue(open_ticket(status), T0 + timedelta(days=30))


def test_no_light_without_a_due_time():
    ticket = open_ticket()
    ticket.due_at = None
    assert deadlines.light(ticket, T0) is None
    assert not deadlines.is_overdue(ticket, T0)


def test_is_overdue_strictly_after_due():
    ticket = open_ticket()
    assert not deadlines.is_overdue(ticket, ticket.due_at)
    assert deadlines.is_overdue(ticket, ticket.due_at + timedelta(seconds=1))


def test_overdue_clause_in_a_query(database):
    g = f.tree()["g1"]
    now = utc(2026, 3, 5, 12)
    late = f.ticket(g, status="dispatched", due_at=now - timedelta(minutes=1))
    late2 = f.ticket(g, status="in_progress", due_at=now - timedelta(days=3))
    f.ticket(g, status="dispatched", due_at=now + timedelta(minutes=1))
    f.ticket(g, status="dispatched", due_at=now)  # due this instant: not yet
    f.ticket(g, status="handled", due_at=now - timedelta(days=1))
    f.ticket(g, status="dispatched", due_at=None)
    found = {t.id for t in Ticket.select().where(deadlines.overdue_clause(now))}
    assert found == {late.id, late2.id}
    assert Ticket.select().where(~deadlines.overdue_clause(now)).count() == 3  # NULL due is neither
    if db.obj.__class__.__name__.startswith("Sqlite"):
        sql, params = Ticket.select(Ticket.id).where(deadlines.overdue_clause(now)).sql()
        plan = " ".join(str(row) for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall())
        assert "ticket_status_due_at" in plan


# --- typing a year's holidays ------------------------------------------------

def test_parse_calendar_lines():
    entries = deadlines.parse_calendar(
        "# 2026\n2026-10-01..2026-10-03 国庆节\n\n+2026-10-10 国庆节调休\n2026-5-1 ~ 2026-05-02\n")
    assert entries == [
        (date(2026, 10, 1), False, "国庆节"), (date(2026, 10, 2), False, "国庆节"), (date(2026, 10, 3), False, "国庆节"),
        (date(2026, 10, 10), True, "国庆节调休"),
        (date(2026, 5, 1), False, None), (date(2026, 5, 2), False, None),
    ]
    assert deadlines.parse_calendar("2026-09-20 调休", workday=True) == [(date(2026, 9, 20), True, "调休")]


@pytest.mark.parametrize(("text", "message", "params"), [
    ("2026-10-01 国庆节\n十月一日", deadlines.BAD_LINE, {"line": 2, "text": "十月一日"}),
    ("2026-02-30", deadlines.BAD_LINE, {"line": 1, "text": "2026-02-30"}),
    ("2026-10-08..2026-10-01", deadlines.BAD_RANGE, {"line": 1, "max": 366}),
    ("2026-01-01..2027-12-31", deadlines.BAD_RANGE, {"line": 1, "max": 366}),
    ("2026-10-01..2026-10-08\n+2026-10-08", deadlines.TWICE, {"line": 2, "day": "2026-10-08", "first": 1}),
    ("\n# nothing\n", deadlines.NOTHING_GIVEN, {}),
])
def test_parse_calendar_refuses_bad_lines(text, message, params):
    with pytest.raises(RuleError) as raised:
        deadlines.parse_calendar(text)
    assert (raised.value.message, raised.value.params, raised.value.field) == (message, params, "lines")


def test_save_calendar_adds_overwrites_and_audits(database):
    CalendarDay.create(day=date(2026, 10, 10), workday=False, name="错")
    CalendarDay.create(day=date(2026, 10, 1), workday=False, name="国庆节")
    audits = AuditLog.select().count()
    entries = deadlines.parse_calendar("2026-10-01..2026-10-02 国庆节\n+2026-10-10 国庆节调休")
    assert deadlines.save_calendar(entries, actor=User.get(), address="127.0.0.1") == 2  # 10-01 unchanged
    rows = {r.day: (r.workday, r.name) for r in CalendarDay.select()}
    assert rows == {date(2026, 10, 1): (False, "国庆节"), date(2026, 10, 2): (False, "国庆节"),
                    date(2026, 10, 10): (True, "国庆节调休")}
    assert AuditLog.select().count() == audits + 2


# --- screens -----------------------------------------------------------------

def english(client):
    client.set_cookie("locale", "en")
    return client


def user_client(app, role, **binding):
    user = User.create(username=f"u_{role}", password_hash=hash_password("x-pass-123"), role=role,
                       display_name=role, **binding)
    return english(client_for(app, user))


def post(client, url, data):
    token = csrf_token(client.get("/admin/account/").get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_admin_adds_and_edits_calendar_days(app, browser):
    english(browser.client)
    response = browser.post_form("/admin/calendarday/new/", {"day": "2026-10-01", "name": "国庆节"})
    assert response.status_code == 302, response.get_data(as_text=True)
    row = CalendarDay.get(CalendarDay.day == date(2026, 10, 1))
    assert (row.workday, row.name) == (False, "国庆节")
    response = browser.post_form(f"/admin/calendarday/edit/?id={row.id}",
                                 {"day": "2026-10-10", "workday": "y", "name": "国庆节调休"})
    assert response.status_code == 302
    row = CalendarDay.get_by_id(row.id)
    assert (row.day, row.workday, row.name) == (date(2026, 10, 10), True, "国庆节调休")
    body = browser.get("/admin/calendarday/").get_data(as_text=True)
    assert "国庆节调休" in body and "Sat, Oct 10, 2026" in body


def test_duplicate_day_is_refused_with_a_message(app, browser):
    english(browser.client)
    CalendarDay.create(day=date(2026, 10, 1), name="国庆节")
    response = browser.post_form("/admin/calendarday/new/", {"day": "2026-10-01", "name": "又一个"})
    assert response.status_code == 200
    assert "“2026-10-01” is already used." in response.get_data(as_text=True)
    assert CalendarDay.select().count() == 1


def test_calendar_list_sorts_newest_first_and_filters_by_year(app, browser):
    for day in ("2025-10-01", "2026-05-01", "2026-10-01", "2027-01-01"):
        CalendarDay.create(day=date.fromisoformat(day))
    ids = f.row_ids(browser.get("/admin/calendarday/"))
    by_day = {r.id: r.day.isoformat() for r in CalendarDay.select()}
    assert [by_day[i] for i in ids] == ["2027-01-01", "2026-10-01", "2026-05-01", "2025-10-01"]
    year = f.filter_arg(app, "calendarday", "YearFilter")
    ids = f.row_ids(browser.get(f"/admin/calendarday/?{year}=2026"))
    assert [by_day[i] for i in ids] == ["2026-10-01", "2026-05-01"]
    assert browser.get(f"/admin/calendarday/?{year}=abc").status_code == 200
    export = browser.get("/admin/calendarday/export/csv/").get_data(as_text=True)
    assert "2026-10-01," in export  # ISO dates, fit to type back in


def test_centre_reads_the_calendar_but_cannot_change_it(app):
    with app.app_context():
        street = f.tree()["street"]
        CalendarDay.create(day=date(2026, 10, 1), name="国庆节")
        client = user_client(app, "centre", grid=street)
    assert client.get("/admin/calendarday/").status_code == 200
    assert "国庆节" in client.get("/admin/calendarday/").get_data(as_text=True)
    assert client.get("/admin/calendarday/new/").status_code == 403
    assert post(client, "/admin/calendarday/new/", {"day": "2026-10-02"}).status_code == 403
    assert client.get("/admin/calendarday/bulk/").status_code == 403
    assert post(client, "/admin/calendarday/bulk/", {"lines": "2026-10-02"}).status_code == 403
    assert CalendarDay.select().count() == 1
    assert "/admin/calendarday/bulk/" not in client.get("/admin/").get_data(as_text=True)


def test_worker_cannot_open_the_calendar(app):
    with app.app_context():
        grid = f.tree()["g1"]
        client = user_client(app, "worker", grid=grid)
    assert client.get("/admin/calendarday/").status_code == 403


def test_admin_types_a_year_of_holidays(app, browser):
    english(browser.client)
    assert "/admin/calendarday/bulk/" in browser.get("/admin/").get_data(as_text=True)
    assert browser.get("/admin/calendarday/bulk/").status_code == 200
    response = browser.post_form("/admin/calendarday/bulk/",
                                 {"lines": "2026-10-01..2026-10-08 国庆节\n+2026-09-20 调休\n+2026-10-10 调休"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert CalendarDay.select().count() == 10
    assert CalendarDay.get(CalendarDay.day == date(2026, 10, 10)).workday
    assert not CalendarDay.get(CalendarDay.day == date(2026, 10, 8)).workday
    response = browser.post_form("/admin/calendarday/bulk/", {"lines": "2026-10-01\n2026-13-01"})
    assert response.status_code == 200
    assert "Line 2: “2026-13-01” is not a date" in response.get_data(as_text=True)
    assert CalendarDay.select().count() == 10


CATEGORY = {"code": "URG", "name": "紧急事件", "time_limit_days": "", "time_limit_hours": "4", "round_the_clock": "y",
            "self_closable": "y", "points": "2", "points_on_spot": "3", "points_verify": "1", "points_overdue": "5",
            "sort_order": "1", "active": "y"}


def test_category_form_saves_the_deadline_and_points_rules(app, browser):
    response = browser.post_form("/admin/category/new/", CATEGORY)
    assert response.status_code == 302, response.get_data(as_text=True)
    c = Category.get(Category.code == "URG")
    assert (c.time_limit_days, c.time_limit_hours, c.round_the_clock, c.self_closable, c.points, c.points_on_spot,
            c.points_verify, c.points_overdue) == (None, 4, True, True, 2, 3, 1, 5)
    response = browser.post_form(f"/admin/category/edit/?id={c.id}",
                                 {**CATEGORY, "time_limit_days": "3", "round_the_clock": ""})
    assert response.status_code == 302
    c = Category.get_by_id(c.id)
    assert (c.time_limit_days, c.round_the_clock) == (3, False)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("points_verify", "-1", "Must not be negative."),
    ("points_on_spot", "-3", "Must not be negative."),
    ("points_overdue", "-1", "Must not be negative."),
    ("time_limit_days", "0", "Must be greater than zero."),
    ("time_limit_days", "-2", "Must be greater than zero."),
    ("points_verify", "", "This field is required."),
    ("time_limit_hours", "", "This field is required."),
])
def test_category_form_refuses_bad_numbers(app, browser, field, value, message):
    english(browser.client)
    response = browser.post_form("/admin/category/new/", {**CATEGORY, field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert not Category.select().where(Category.code == "URG").exists()


def test_a_calendar_held_in_memory_gives_the_same_due_times(database):
    national_day_2026()
    memory = deadlines.MemoryCalendar(CalendarDay.select(CalendarDay.day, CalendarDay.workday).tuples())
    rules = [cat(days=1), cat(days=5), cat(hours=8), cat(hours=72), cat(hours=30, round_the_clock=True)]
    for hour in range(0, 24 * 20, 7):  # every 7 hours from mid-September into October
        start = utc(2026, 9, 20) + timedelta(hours=hour)
        for rule in rules:
            assert deadlines.due_time(rule, start, TZ, calendar=memory) == deadlines.due_time(rule, start, TZ)
