"""One declaration per kind of record drives its import template, its import
and its export (like django-import-export's ``Resource``): the columns (with
their headers, as English msgids translated into the user's language), the
natural key that matches a row to an existing record, how references are
resolved (a grid by code or name, a category by code or name, …), and the
rules and saves of the record's own service.

A resource knows no Flask: ``services.imports`` reads files through it,
``services.exports`` writes them, the web and the CLI only call those.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from peewee import Model

from ..models import (
    Category,
    Department,
    Grid,
    Meeting,
    MeetingItem,
    PartyMember,
    PartyOrg,
    ServiceRecord,
    Source,
    Ticket,
    User,
    Volunteer,
    VolunteerTeam,
    Worker,
)
from ..models.base import N_
from ..models.ticket import TICKET_STATUSES
from . import clock, grids, party, points, records, tally, tickets, trees, users
from .errors import RuleError
from .validators import is_mobile

TEXT, INT, DECIMAL, DATE, DATETIME, BOOL, CHOICE, REF, MOBILE, LINES = (
    "text", "int", "decimal", "date", "datetime", "bool", "choice", "ref", "mobile", "lines")

# Words accepted for yes and no, in every language the app speaks.
TRUE_WORDS = {"是", "yes", "y", "true", "1", "√", "✓", "有"}
FALSE_WORDS = {"否", "no", "n", "false", "0", "×", "无"}
DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
DATETIME_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


class CellError(Exception):
    """A cell's value cannot be read: an English msgid and its parameters."""

    def __init__(self, message, **params):
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class Ref:
    """A reference typed as text: matched against ``by`` (in that order: a
    code before a name), exported as ``show``. ``small`` tables (lookups) get
    a drop-down of every value in the template."""

    model: type
    by: tuple
    show: str
    small: bool = False
    fields: tuple | None = None  # what the rules read of a referenced row (None: all of it)


@dataclass(frozen=True)
class Column:
    name: str  # the model's field (or a pseudo-field the resource handles)
    header: str  # English msgid, translated for the user
    kind: str = TEXT
    required: bool = False
    note: str | None = None  # msgid: what the column takes
    example: object = None
    aliases: tuple = ()  # further accepted headers ("parent_code")
    ref: Ref | None = None
    choices: tuple = ()  # (value, msgid)
    minimum: object = None
    max_length: int | None = None


GRID_REF = Ref(Grid, ("code", "name"), "code", fields=("code", "name", "level", "parent", "path", "depth"))
WORKER_REF = Ref(Worker, ("mobile", "name"), "mobile")
TEAM_REF = Ref(VolunteerTeam, ("name",), "name")
ORG_REF = Ref(PartyOrg, ("name",), "name")
VOLUNTEER_REF = Ref(Volunteer, ("mobile", "name"), "mobile")
CATEGORY_REF = Ref(Category, ("code", "name"), "name", small=True)
SOURCE_REF = Ref(Source, ("code", "name"), "name", small=True)
DEPARTMENT_REF = Ref(Department, ("code", "name"), "name", small=True)

PERSON_HEADER = N_("Full name")
PERSON_NAME = ("Name", "名称", "名稱", "full_name")  # what else people's sheets call the name column
MOBILE_ALIASES = ("手机", "手机号码", "手機", "手機號", "联系电话", "聯繫電話")
GRID_NOTE = N_("A grid's code, or its name when that name is unique.")
MOBILE_NOTE = N_("11 digits, starting with 1.")
DATE_NOTE = N_("A date: 2026-03-01.")
TIME_NOTE = N_("A local date and time: 2026-03-01 09:30.")


def parse_cell(column, value, tz):
    """A cell's value as the model stores it, or CellError. Empty is None."""
    kind = column.kind
    if (kind == TEXT or kind == REF) and type(value) is str and value:  # the common case, first
        if column.max_length and len(value) > column.max_length:
            raise CellError(N_("At most %(n)s characters."), n=column.max_length)
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        if column.required:
            raise CellError(N_("Required."))
        return None
    if kind in (TEXT, MOBILE, REF, CHOICE, LINES):
        text = value.isoformat() if isinstance(value, (date, datetime)) else str(value).strip()
        if kind == LINES:
            return tuple(line.strip() for line in text.splitlines() if line.strip())
        if column.max_length and len(text) > column.max_length:
            raise CellError(N_("At most %(n)s characters."), n=column.max_length)
        if kind == MOBILE and not is_mobile(text):
            raise CellError(N_("Not a mobile number: 11 digits starting with 1."))
        return text  # choices and references are resolved later, by label or key
    if kind == INT:
        try:
            number = Decimal(str(value).strip().replace(",", ""))
            if number != number.to_integral_value():
                raise InvalidOperation
            number = int(number)
        except (InvalidOperation, ValueError):
            raise CellError(N_("Not a whole number.")) from None
    elif kind == DECIMAL:
        try:
            number = Decimal(str(value).strip().replace(",", ""))
            if not number.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            raise CellError(N_("Not a number.")) from None
    elif kind == BOOL:
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError(N_("Not yes or no: type 是 or 否."))
    elif kind == DATE:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        match = DATE_RE.match(str(value).strip())
        try:
            return date(*map(int, match.groups())) if match else _bad_date()
        except ValueError:
            raise CellError(N_("Not a date: type it as 2026-03-01.")) from None
    elif kind == DATETIME:
        if isinstance(value, datetime):
            return clock.to_utc(value.replace(microsecond=0), tz)
        if isinstance(value, date):
            return clock.to_utc(datetime(value.year, value.month, value.day), tz)
        match = DATETIME_RE.match(str(value).strip())
        try:
            if not match:
                raise ValueError
            parts = [int(p) if p else 0 for p in match.groups()]
            return clock.to_utc(datetime(*parts), tz)
        except ValueError:
            raise CellError(N_("Not a date and time: type it as 2026-03-01 09:30.")) from None
    else:  # pragma: no cover - a declaration error
        raise ValueError(kind)
    if column.minimum is not None and number < column.minimum:
        raise CellError(N_("Must be at least %(n)s."), n=column.minimum)
    return number


def _bad_date():
    raise ValueError


@dataclass
class Context:
    """What a row's rules and saves need besides the row: who imports, the
    time zone, today, and what the import prepared (new users' passwords)."""

    user: object
    tz: str
    today: date
    prepared: dict = field(default_factory=dict)
    created: dict = field(default_factory=dict)  # model name -> [ids], written by saves


class Resource:
    """The declaration of one kind of record (subclasses below)."""

    name = None  # the view's endpoint: "grid"
    model = None
    title = None  # msgid: the sheet's title
    columns = ()
    key = ()  # natural key: column names
    tree_parent = None  # the column naming a parent in the same tree (grids, party organisations)
    scope_refs = ()  # references that place a record in a user's scope
    bulk = False  # creates may be inserted many rows at a time
    admin_only = False
    key_optional = False  # rows without a key are created (tickets get the next number)
    plain_export = True  # every column is a stored field (exports read plain rows)
    loaded_fields = None  # what an import reads of a stored record it matches (None: all of it)

    def column(self, name):
        by_name = self.__dict__.get("_by_name")
        if by_name is None:
            by_name = self._by_name = {c.name: c for c in self.columns}
        return by_name[name]

    def sort_key(self, values):
        """Where a row goes in the write order: parents before children."""
        return 0

    def fill(self, obj, values, ctx):
        """Set fields not typed as such (inferred levels, defaults)."""

    def check(self, obj, values, ctx):
        """The record's rules, from its service (raise RuleError)."""

    def create(self, obj, values, ctx):
        records.save(obj, True)

    def update(self, obj, values, ctx):
        """A versioned save of the changed fields (StaleRecord if someone
        saved in between), unique values checked first like the forms'."""
        records.check_unique(obj)
        obj.save()

    def compare(self, obj, name, value):
        """Whether ``obj`` already holds ``value`` in ``name``."""
        column = self.column(name)
        if column.kind == REF:
            current = obj.__data__.get(name)
            return current == (value.id if value is not None else None)
        current = getattr(obj, name)
        if current is None or value is None:
            return current == value
        if column.kind == DECIMAL:
            return Decimal(str(current)) == Decimal(str(value))
        if column.kind == DATETIME:  # files carry whole seconds
            return current.replace(microsecond=0) == value.replace(microsecond=0)
        return current == value

    def assign(self, obj, name, value):
        if isinstance(value, Model) or name not in obj._meta.fields:
            setattr(obj, name, value)  # a related record: its id and the object
        else:  # what the field's descriptor does, without the call
            obj.__data__[name] = value
            obj._dirty.add(name)

    def export_value(self, obj, column):
        """The value written into an export cell (before labels and times)."""
        if column.kind == REF:
            related = getattr(obj, column.name) if obj.__data__.get(column.name) is not None else None
            return getattr(related, column.ref.show) if related is not None else None
        return getattr(obj, column.name)

    def prefetch(self, objs):
        """Load what a batch of records' export needs besides their references."""


# --- the declarations -------------------------------------------------------------

GRID_LEVEL_BY_LENGTH = {6: "district", 9: "street", 12: "community"}


class GridResource(Resource):
    name, model, title = "grid", Grid, N_("Grids")
    columns = (
        Column("code", N_("Code"), required=True, max_length=32, example="320102001001G1",
               aliases=("代码", "区划代码", "统计用区划代码", "网格编码", "division_code"),
               note=N_("The division code: 6 digits a district, 9 a street or town, 12 a community or village; "
                       "a grid adds up to 8 digits or letters.")),
        Column("name", N_("Name"), required=True, max_length=64, example="第一网格", aliases=("名称", "区划名称")),
        Column("parent", N_("Parent code"), REF, ref=GRID_REF, aliases=("parent_code", "上级代码", "上级区划代码"),
               example="320102001001", note=N_("The code of the grid above; it may be a row of the same file.")),
        Column("level", N_("Level"), CHOICE, choices=Grid.level.choices, example="grid",
               note=N_("May be left empty: it follows from the code's length.")),
        Column("kind", N_("Kind"), CHOICE, choices=Grid.kind.choices, example="general"),
        Column("area_type", N_("Area type"), CHOICE, choices=Grid.area_type.choices, example="urban"),
        Column("households", N_("Households"), INT, minimum=0, example=320),
        Column("population", N_("Population"), INT, minimum=0, example=980),
        Column("area", N_("Area (km²)"), DECIMAL, minimum=0, example="0.35"),
        Column("online_group_name", N_("Online group"), max_length=64, example="第一网格邻里群"),
        Column("online_group_members", N_("Online group members"), INT, minimum=0, example=210),
        Column("active", N_("Active"), BOOL, example=True),
    )
    key = ("code",)
    tree_parent = "parent"
    scope_refs = ("parent",)
    bulk = True
    loaded_fields = ("version", "code", "name", "parent", "level", "kind", "area_type", "households", "population",
                     "area", "online_group_name", "online_group_members", "active", "path", "depth")

    def sort_key(self, values):
        return len(values.get("code") or "")

    def fill(self, obj, values, ctx):
        if not obj.__data__.get("level"):
            code = obj.__data__.get("code") or ""
            level = GRID_LEVEL_BY_LENGTH.get(len(code))
            if level is None:
                parent = obj.parent if obj.__data__.get("parent") is not None or "parent" in obj.__rel__ else None
                level = "micro" if parent is not None and parent.level in ("grid", "micro") else "grid"
            obj.level = level

    def check(self, obj, values, ctx):
        # An unchanged level cannot break the rule on the grids below it.
        grids.check_grid(obj, children=obj.id is not None and "level" in obj._dirty)
        if obj.id is not None and obj.parent is not None:
            trees.check_parent(obj, obj.parent)

    def create(self, obj, values, ctx):
        grids.save_grid(obj)

    def update(self, obj, values, ctx):
        grids.save_grid(obj)


class WorkerResource(Resource):
    name, model, title = "worker", Worker, N_("Grid workers")
    columns = (
        Column("name", PERSON_HEADER, required=True, max_length=32, example="张伟", aliases=PERSON_NAME),
        Column("gender", N_("Gender"), CHOICE, required=True, choices=Worker.gender.choices, example="M"),
        Column("mobile", N_("Mobile"), MOBILE, required=True, aliases=MOBILE_ALIASES, example="13800138000", note=MOBILE_NOTE),
        Column("grid", N_("Grid"), REF, required=True, ref=GRID_REF, example="320102001001G1", note=GRID_NOTE),
        Column("post", N_("Post"), CHOICE, choices=Worker.post.choices, example="full"),
        Column("employment", N_("Employment"), CHOICE, choices=Worker.employment.choices, example="full_time"),
        Column("party_member", N_("Party member"), BOOL, example=False),
        Column("joined_on", N_("Joined"), DATE, example=date(2024, 3, 1), note=DATE_NOTE),
        Column("status", N_("Status"), CHOICE, choices=Worker.status.choices, example="active"),
    )
    key = ("mobile",)
    scope_refs = ("grid",)

    def update(self, obj, values, ctx):
        points.save_worker(obj, False, ctx.tz)  # a move takes the worker's points along in the tally


class PartyOrgResource(Resource):
    name, model, title = "partyorg", PartyOrg, N_("Party organisations")
    columns = (
        Column("name", N_("Name"), required=True, max_length=64, example="新街口社区第一网格党支部"),
        Column("kind", N_("Kind"), CHOICE, required=True, choices=PartyOrg.kind.choices, example="branch"),
        Column("parent", N_("Parent"), REF, ref=ORG_REF, example="新街口社区党总支",
               note=N_("The name of the organisation above; it may be a row of the same file.")),
        Column("grid", N_("Grid"), REF, ref=GRID_REF, example="320102001001G1", note=GRID_NOTE),
        Column("secretary", N_("Secretary"), max_length=32, example="李红"),
        Column("founded_on", N_("Founded"), DATE, example=date(2019, 7, 1), note=DATE_NOTE),
    )
    key = ("name",)
    tree_parent = "parent"
    scope_refs = ("grid",)
    bulk = False

    def sort_key(self, values):
        return party.ORG_RANK.get(values.get("kind"), 0)

    def check(self, obj, values, ctx):
        party.check_party_org(obj)
        if obj.id is not None and obj.parent is not None:
            trees.check_parent(obj, obj.parent)

    def create(self, obj, values, ctx):
        party.save_party_org(obj)

    def update(self, obj, values, ctx):
        party.save_party_org(obj)


class PartyMemberResource(Resource):
    name, model, title = "partymember", PartyMember, N_("Party members")
    columns = (
        Column("name", PERSON_HEADER, required=True, max_length=32, example="王芳", aliases=PERSON_NAME),
        Column("gender", N_("Gender"), CHOICE, choices=PartyMember.gender.choices, example="F"),
        Column("mobile", N_("Mobile"), MOBILE, required=True, aliases=MOBILE_ALIASES, example="13900139000", note=MOBILE_NOTE),
        Column("org", N_("Party organisation"), REF, required=True, ref=ORG_REF, example="新街口社区第一网格党支部"),
        Column("joined_party_on", N_("Joined the party"), DATE, example=date(2008, 7, 1), note=DATE_NOTE),
        Column("in_service", N_("In-service member registered"), BOOL, example=False),
        Column("employer", N_("Employer"), max_length=128, example=None),
    )
    key = ("mobile",)
    scope_refs = ("org",)

    def check(self, obj, values, ctx):
        party.check_member(obj)


class VolunteerTeamResource(Resource):
    name, model, title = "volunteerteam", VolunteerTeam, N_("Volunteer teams")
    columns = (
        Column("name", N_("Name"), required=True, max_length=64, example="邻里守望志愿服务队"),
        Column("service_type", N_("Service type"), CHOICE, choices=VolunteerTeam.service_type.choices,
               example="elderly"),
        Column("grid", N_("Grid"), REF, required=True, ref=GRID_REF, example="320102001001", note=GRID_NOTE),
        Column("leader", N_("Leader"), max_length=32, example="赵敏"),
        Column("leader_mobile", N_("Leader's mobile"), MOBILE, example="13700137000", note=MOBILE_NOTE),
        Column("founded_on", N_("Founded"), DATE, example=date(2021, 5, 1), note=DATE_NOTE),
    )
    key = ("name",)
    scope_refs = ("grid",)


class VolunteerResource(Resource):
    name, model, title = "volunteer", Volunteer, N_("Volunteers")
    columns = (
        Column("name", PERSON_HEADER, required=True, max_length=32, example="陈静", aliases=PERSON_NAME),
        Column("mobile", N_("Mobile"), MOBILE, required=True, aliases=MOBILE_ALIASES, example="13600136000", note=MOBILE_NOTE),
        Column("team", N_("Team"), REF, required=True, ref=TEAM_REF, aliases=("服务队", "服務隊"), example="邻里守望志愿服务队"),
        Column("grid", N_("Grid"), REF, ref=GRID_REF, example="320102001001G1", note=GRID_NOTE),
    )
    key = ("mobile",)
    scope_refs = ("team",)


class ServiceRecordResource(Resource):
    name, model, title = "servicerecord", ServiceRecord, N_("Service records")
    columns = (
        Column("volunteer", N_("Volunteer"), REF, required=True, ref=VOLUNTEER_REF, example="13600136000",
               note=N_("The volunteer's mobile, or their name when that name is unique.")),
        Column("team", N_("Team"), REF, ref=TEAM_REF, example="邻里守望志愿服务队",
               note=N_("Empty: the volunteer's own team.")),
        Column("served_on", N_("Service date"), DATE, required=True, example=date(2026, 3, 1), note=DATE_NOTE),
        Column("hours", N_("Hours"), DECIMAL, required=True, minimum=Decimal("0.1"), example="2.0"),
        Column("activity", N_("Activity"), required=True, max_length=128, example="探访独居老人"),
        Column("beneficiaries", N_("Beneficiaries"), INT, minimum=0, example=6),
        Column("note", N_("Note"), example=None),
    )
    key = ("volunteer", "served_on", "activity")
    scope_refs = ("team",)

    def fill(self, obj, values, ctx):
        if obj.__data__.get("team") is None and obj.__data__.get("volunteer") is not None:
            obj.team = obj.volunteer.team_id

    def check(self, obj, values, ctx):
        if obj.served_on is not None and obj.served_on > ctx.today:
            raise RuleError(N_("The date cannot be in the future."), field="served_on")


class MeetingResource(Resource):
    """A meeting per row; its items (议题) one per line in one cell. A meeting
    read again adds the topics it does not have yet."""

    name, model, title = "meeting", Meeting, N_("Deliberation meetings")
    plain_export = False  # its items come from another table
    columns = (
        Column("title", N_("Title"), required=True, max_length=128, example="三月居民议事会"),
        Column("held_at", N_("Held at"), DATETIME, required=True, example=datetime(2026, 3, 5, 14, 30),
               note=TIME_NOTE),
        Column("place", N_("Place"), required=True, max_length=64, example="社区议事厅"),
        Column("grid", N_("Grid"), REF, required=True, ref=GRID_REF, example="320102001001", note=GRID_NOTE),
        Column("convener", N_("Convener"), required=True, max_length=32, example="张书记"),
        Column("recorder", N_("Recorder"), max_length=32, example="李四"),
        Column("participants", N_("Participants"), example="居民代表12人"),
        Column("items", N_("Items"), LINES, example="楼道堆物清理\n增设电动车充电桩",
               note=N_("The topics raised, one per line (Alt+Enter in Excel).")),
    )
    key = ("grid", "held_at", "title")
    scope_refs = ("grid",)

    def compare(self, obj, name, value):
        if name == "items":
            return obj.id is not None and not self._new_topics(obj, value)
        return super().compare(obj, name, value)

    def assign(self, obj, name, value):
        if name != "items":
            super().assign(obj, name, value)

    @staticmethod
    def _new_topics(obj, topics):
        have = set() if obj.id is None else {t for (t,) in MeetingItem.select(MeetingItem.topic)
                                             .where(MeetingItem.meeting == obj.id).tuples()}
        return [t for t in dict.fromkeys(topics or ()) if t not in have]

    def _add_items(self, obj, values, ctx):
        for topic in self._new_topics(obj, values.get("items")):
            if len(topic) > 255:
                raise RuleError(N_("At most %(n)s characters."), field="items", n=255)
            item = MeetingItem.create(meeting=obj, topic=topic)
            ctx.created.setdefault("MeetingItem", []).append(item.id)

    def create(self, obj, values, ctx):
        records.save(obj, True)
        self._add_items(obj, values, ctx)

    def update(self, obj, values, ctx):
        super().update(obj, values, ctx)
        self._add_items(obj, values, ctx)

    def export_value(self, obj, column):
        if column.name == "items":
            topics = getattr(obj, "_topics", None)
            if topics is None:
                topics = [t for (t,) in MeetingItem.select(MeetingItem.topic).where(MeetingItem.meeting == obj.id)
                          .order_by(MeetingItem.id).tuples()]
            return "\n".join(topics)
        return super().export_value(obj, column)

    def prefetch(self, objs):
        topics = {o.id: [] for o in objs}
        if topics:
            for meeting, topic in (MeetingItem.select(MeetingItem.meeting, MeetingItem.topic)
                                   .where(MeetingItem.meeting.in_(list(topics))).order_by(MeetingItem.id).tuples()):
                topics[meeting].append(topic)
        for obj in objs:
            obj._topics = topics[obj.id]


IMPORT_STATUSES = ("closed", "rated", "rejected")


class TicketResource(Resource):
    """Historical tickets: they keep their numbers and statuses as closed
    history, with one "imported" event each. A ticket read again changes
    only its own fields; its status moves through the workflow alone."""

    name, model, title = "ticket", Ticket, N_("Tickets")
    columns = (
        Column("number", N_("Number"), max_length=20, example="20250301-0001",
               note=N_("Empty: the next number of the day the ticket was created.")),
        Column("title", N_("Title"), required=True, max_length=128, example="楼道堆放杂物"),
        Column("description", N_("Description"), example="3栋2单元楼道堆放纸箱，存在消防隐患"),
        Column("category", N_("Category"), REF, required=True, ref=CATEGORY_REF, aliases=("类别", "類別", "事件类型"), example="消防安全"),
        Column("source", N_("Source"), REF, required=True, ref=SOURCE_REF, aliases=("来源", "來源"), example="网格员巡查"),
        Column("grid", N_("Grid"), REF, required=True, ref=GRID_REF, example="320102001001G1", note=GRID_NOTE),
        Column("place", N_("Place"), max_length=128, example="3栋2单元"),
        Column("reporter", N_("Reporter"), REF, ref=WORKER_REF, example="13800138000",
               note=N_("The reporting grid worker's mobile, or their name when that name is unique.")),
        Column("reporter_volunteer", N_("Reporting volunteer"), REF, ref=VOLUNTEER_REF, example=None,
               note=N_("A volunteer who reported it instead: their mobile, or their name when that name is unique.")),
        Column("department", N_("Department"), REF, ref=DEPARTMENT_REF, example=None),
        Column("priority", N_("Priority"), CHOICE, choices=Ticket.priority.choices, example="normal"),
        Column("status", N_("Status"), CHOICE, required=True, choices=TICKET_STATUSES, example="closed",
               note=N_("Imported tickets are history: closed, rated or rejected.")),
        Column("created_at", N_("Created"), DATETIME, required=True, example=datetime(2025, 3, 1, 9, 30),
               note=TIME_NOTE),
        Column("closed_at", N_("Closed at"), DATETIME, example=datetime(2025, 3, 2, 16, 0), note=TIME_NOTE),
        Column("resolution", N_("Resolution"), example="已清理"),
        Column("satisfaction", N_("Satisfaction"), CHOICE, choices=Ticket.satisfaction.choices, example=None),
        Column("rating_note", N_("Resident's comments"), example=None),
    )
    key = ("number",)
    key_optional = True
    scope_refs = ("grid",)

    def check(self, obj, values, ctx):
        if obj.id is None:
            if obj.status not in IMPORT_STATUSES:
                raise RuleError(N_("Imported tickets are history: the status must be closed, rated or rejected."),
                                field="status")
        elif "status" in obj._dirty:
            raise RuleError(N_("A ticket's status changes only through its steps, not by import."), field="status")
        tickets.check_times(obj)

    def create(self, obj, values, ctx):
        from . import workflow

        if not obj.number:
            obj.number = tickets.next_number(clock.to_local(obj.created_at, ctx.tz).date())
        records.save(obj, True)
        event = workflow.imported(obj, ctx.user)
        ctx.created.setdefault("TicketEvent", []).append(event.id)
        tally.apply(None, obj, ctx.tz)  # historical tickets count in the figures too

    def update(self, obj, values, ctx):
        tickets.save_ticket(obj, False, ctx.today, ctx.tz)


class LookupResource(Resource):
    key = ("code",)

    @staticmethod
    def lookup_columns(*extra):
        return (
            Column("code", N_("Code"), required=True, max_length=32, example="XFAQ"),
            Column("name", N_("Name"), required=True, max_length=64, example="消防安全"),
            *extra,
            Column("sort_order", N_("Sort order"), INT, example=10),
            Column("active", N_("Active"), BOOL, example=True),
        )


class CategoryResource(LookupResource):
    name, model, title = "category", Category, N_("Categories")
    columns = LookupResource.lookup_columns(
        Column("time_limit_days", N_("Time limit (working days)"), INT, minimum=1, example=None),
        Column("time_limit_hours", N_("Time limit (hours)"), INT, minimum=0, example=2),
        Column("round_the_clock", N_("Round the clock"), BOOL, example=True),
        Column("self_closable", N_("Closable on the spot"), BOOL, example=False),
        Column("points", N_("Points for reporting"), INT, minimum=0, example=4),
        Column("points_on_spot", N_("Points for closing on the spot"), INT, minimum=0, example=1),
        Column("points_verify", N_("Points for verifying"), INT, minimum=0, example=2),
        Column("points_overdue", N_("Points deducted when overdue"), INT, minimum=0, example=3),
    )
    admin_only = True


class SourceResource(LookupResource):
    name, model, title = "source", Source, N_("Sources")
    columns = (Column("code", N_("Code"), required=True, max_length=32, example="patrol"),
               Column("name", N_("Name"), required=True, max_length=64, example="网格员巡查"),
               Column("sort_order", N_("Sort order"), INT, example=10),
               Column("active", N_("Active"), BOOL, example=True))
    admin_only = True


class DepartmentResource(LookupResource):
    name, model, title = "department", Department, N_("Departments")
    columns = (Column("code", N_("Code"), required=True, max_length=32, example="CGJ"),
               Column("name", N_("Name"), required=True, max_length=64, example="城管局"),
               Column("phone", N_("Phone"), max_length=32, example="12319"),
               Column("sort_order", N_("Sort order"), INT, example=10),
               Column("active", N_("Active"), BOOL, example=True))
    admin_only = True


class UserResource(Resource):
    """Accounts (administrators only). Passwords are never imported: each new
    user gets a one-time password, listed once to hand out."""

    name, model, title = "user", User, N_("Users")
    columns = (
        Column("username", N_("Username"), required=True, max_length=64, example="wangfang"),
        Column("display_name", N_("Display name"), max_length=64, example="王芳"),
        Column("role", N_("Role"), CHOICE, required=True, choices=User.role.choices, example="secretary"),
        Column("grid", N_("Grid"), REF, ref=GRID_REF, example="320102001001",
               note=N_("For a command centre, secretary, grid worker or leader: the grid node they are bound to.")),
        Column("department", N_("Department"), REF, ref=DEPARTMENT_REF, example=None),
        Column("team", N_("Team"), REF, ref=TEAM_REF, example=None),
        Column("active", N_("Active"), BOOL, example=True),
    )
    key = ("username",)
    admin_only = True

    def check(self, obj, values, ctx):
        users.check_binding(obj)

    def create(self, obj, values, ctx):
        hashed = ctx.prepared.get("password_hashes", {}).get(obj.username)
        if hashed is None:  # taken between the preview and the transaction: refused, not passwordless
            raise RuleError(N_("The username “%(name)s” is taken."), field="username", name=obj.username)
        obj.password_hash = hashed
        records.save(obj, True)

    def update(self, obj, values, ctx):
        super().update(obj, values, ctx)
        users.after_admin_save(obj, False)  # a deactivated account's logins end


RESOURCES = {r.name: r for r in (
    GridResource(), WorkerResource(), PartyOrgResource(), PartyMemberResource(), VolunteerTeamResource(),
    VolunteerResource(), ServiceRecordResource(), MeetingResource(), TicketResource(), CategoryResource(),
    SourceResource(), DepartmentResource(), UserResource())}


def get(name):
    return RESOURCES.get((name or "").lower())
