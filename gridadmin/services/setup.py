"""A first start that is ready to work, and the getting-started checklist.

On the first start (no users yet: ``python app.py`` or ``flask init-db``) the
database gets its first administrator and the dictionaries a township needs
before its first ticket, as ordinary, editable rows (not demo data): event
categories after GB/T 30428's event classes plus the community matters, with
time limits and points; the sources tickets come from; and the official
public holidays and 调休 make-up workdays of the years this release knows.
Each table is filled only while it is empty, and only on that first start:
what an administrator later changes or deletes stays so.

Until the install has a grid, an administrator's home page shows a checklist
(``checklist``): each step links to its page and ticks itself when done.
"""

from datetime import date, timedelta

from ..models import (
    AuditLog,
    CalendarDay,
    Category,
    Grid,
    Meeting,
    PartyOrg,
    Source,
    Ticket,
    User,
    VolunteerTeam,
    Worker,
    db,
)
from ..models.base import N_
from . import users
from .demo import CALENDAR

# code, name, time limit in hours, in working days (None: the hours), round
# the clock; closable on the spot; points for reporting, closing on the spot,
# verifying, and taken for handling late. GB/T 30428.2's event classes first
# (市容环境, 宣传广告, 施工管理, 突发事件, 街面秩序, 其他事件) with its public
# facilities (市政设施), then the matters community grids handle most.
CATEGORIES = (
    ("SRHJ", "市容环境", 24, None, False, True, 2, 2, 1, 1),
    ("XCGG", "宣传广告", 24, None, False, True, 1, 2, 1, 1),
    ("SGGL", "施工管理", 72, 3, False, False, 3, 1, 1, 2),
    ("TFSJ", "突发事件", 2, None, True, False, 5, 1, 2, 3),
    ("JMZX", "街面秩序", 24, None, False, True, 2, 2, 1, 1),
    ("SZSS", "市政设施", 72, 3, False, False, 3, 1, 1, 2),
    ("XFAQ", "消防安全", 2, None, True, False, 4, 1, 2, 3),
    ("MDJF", "矛盾纠纷", 120, 5, False, False, 5, 1, 2, 2),
    ("MSFW", "民生服务", 120, 5, False, False, 2, 1, 1, 1),
    ("ZAYH", "治安隐患", 24, None, True, False, 3, 1, 2, 2),
    ("WYGL", "物业管理", 72, 3, False, False, 2, 1, 1, 1),
    ("QTSJ", "其他事件", 120, 5, False, False, 1, 1, 1, 1),
)
SOURCES = (
    ("patrol", "网格员巡查"),
    ("resident", "居民上报"),
    ("snapshot", "随手拍"),
    ("hotline", "12345热线"),
    ("meeting", "议事会转办"),  # what a meeting item turned into a ticket comes from
    ("transfer", "部门移交"),
    ("leader", "领导交办"),
)


def fill_dictionaries():
    """Categories, sources and the holiday calendar, each only while its
    table is empty. Returns {table: rows added}. Atomic."""
    added = {"categories": 0, "sources": 0, "calendar days": 0}
    with db.atomic():
        if not Category.select().exists():
            for order, (code, name, hours, days, clock, closable, pts, spot, verify, late) in enumerate(
                    CATEGORIES, start=1):
                Category.create(code=code, name=name, time_limit_hours=hours, time_limit_days=days,
                                round_the_clock=clock, self_closable=closable, points=pts, points_on_spot=spot,
                                points_verify=verify, points_overdue=late, sort_order=order * 10)
                added["categories"] += 1
        if not Source.select().exists():
            for order, (code, name) in enumerate(SOURCES, start=1):
                Source.create(code=code, name=name, sort_order=order * 10)
                added["sources"] += 1
        if not CalendarDay.select().exists():
            rows = []
            for year in sorted(CALENDAR):
                for first, last, name, workday in CALENDAR[year]:
                    day, last = date.fromisoformat(first), date.fromisoformat(last)
                    while day <= last:
                        rows.append({"day": day, "workday": workday, "name": name})
                        day += timedelta(days=1)
            for chunk in range(0, len(rows), 200):
                CalendarDay.insert_many(rows[chunk:chunk + 200]).execute()
            added["calendar days"] = len(rows)
    return added


def first_start(admin_password=None):
    """On a database without users: the first administrator and the
    dictionaries. Returns (generated password or None, {table: rows added});
    (None, {}) when the database already had users."""
    if User.select().exists():
        return None, {}
    password = users.ensure_first_admin(admin_password)
    return password, fill_dictionaries()


def calendar_years():
    return sorted(CALENDAR)


# --- the getting-started checklist -------------------------------------------------

STEPS = (
    # key, label, what the link opens (endpoint, arguments)
    ("grids", N_("Import or create the grid tree"), ("grid.import_view", {})),
    ("workers", N_("Import the grid workers"), ("worker.import_view", {})),
    ("users", N_("Create users for the centre, secretaries and grid workers"), ("user.index_view", {})),
    ("categories", N_("Review the event categories, their time limits and points"), ("category.index_view", {})),
)


def _done():
    return {
        "grids": Grid.select().exists(),
        "workers": Worker.select().exists(),
        "users": User.select().where(User.role != "admin").exists(),
        # Reviewed: an administrator saved a category (or added one) since the first start.
        "categories": AuditLog.select().where((AuditLog.model == "Category")
                                              & AuditLog.action.in_(("create", "update"))).exists(),
    }


def needs_checklist():
    """The checklist shows until the install has a grid."""
    return not Grid.select().exists()


def checklist():
    """[{key, label (msgid), done, endpoint, args}] in the order to do them."""
    done = _done()
    return [{"key": key, "label": label, "done": done[key], "endpoint": endpoint, "args": args}
            for key, label, (endpoint, args) in STEPS]


def holds_own_records():
    """Does the database hold records of its own (beyond the dictionaries and
    the accounts)? The demo district may be loaded only while it does not."""
    return any(model.select().exists() for model in (Grid, Worker, PartyOrg, VolunteerTeam, Meeting, Ticket))
