"""The monthly briefing (月报 / 超期通报): every indicator of a node's subtree
for a local calendar month, beside last month's and the same month last
year; department and next-level rankings; publishing (frozen figures).

``compute`` returns plain data (JSON-ready): the page, its print view, the
.xlsx download and a published briefing all render the same dict.
"""

import json
import operator
from functools import reduce

from peewee import Case, IntegrityError, fn

from ..models import (
    Department,
    Grid,
    Meeting,
    MeetingItem,
    PublishedBriefing,
    ServiceRecord,
    Ticket,
    VolunteerTeam,
    db,
    utcnow,
)
from ..models.base import N_
from ..models.lookups import Category, Source
from ..models.stats import DIM_CATEGORY, DIM_DEPARTMENT, DIM_SOURCE, BriefingSettings
from . import deadlines, grids, points, scope, stats
from .errors import RuleError

TOP = 10
WORST_OVERDUE = 50

# The indicators, in the order the briefing shows them, with their
# definitions in words (shown on the page and in the download).
INDICATORS = (
    ("reported", N_("Tickets reported"), N_("Tickets reported in the month (by the time they were created, local time).")),
    ("accepted", N_("Tickets accepted"), N_("Of those, taken up by the centre (not rejected, not merged, not waiting, "
                                    "not closed on the spot by the reporter).")),
    ("rejected", N_("Tickets rejected"), N_("Of those, rejected (不予受理).")),
    ("merged", N_("Tickets merged"), N_("Of those, merged into another ticket as a duplicate.")),
    ("due", N_("Tickets due"), N_("Tickets whose due time (after approved extensions) falls in the month (应结案数).")),
    ("closed", N_("Tickets closed"), N_("Of the due tickets, those closed or rated by the time of computing (结案数).")),
    ("closure_rate", N_("Closure rate"), N_("Closed ÷ due (结案率).")),
    ("ontime", N_("Closed on time"), N_("Of the due tickets, those closed no later than their due time (按期结案数).")),
    ("ontime_rate", N_("On-time rate"), N_("Closed on time ÷ due (按期结案率).")),
    ("overdue", N_("Overdue now"), N_("Tickets dispatched or in progress past their due time at the time of "
                                      "computing, whatever month they fell due in (超期).")),
    ("returned", N_("Returns"), N_("Handlings returned at verification in the month (退回; each return counts).")),
    ("handled", N_("Handlings submitted"), N_("Handlings submitted in the month (each submission counts).")),
    ("rework_rate", N_("Rework rate"), N_("Returned ÷ handlings submitted (返工率).")),
    ("extended", N_("Extensions approved"), N_("Extensions approved in the month.")),
    ("dispatched", N_("Dispatches"), N_("Dispatches in the month (a ticket dispatched again counts again).")),
    ("extension_rate", N_("Extension rate"), N_("Extensions approved ÷ dispatched (延期率).")),
    ("rated", N_("Ratings"), N_("Ratings given in the month.")),
    ("satisfied", N_("Satisfied or basically satisfied"), N_("Ratings in the month of 满意 or 基本满意.")),
    ("satisfaction_rate", N_("Satisfaction rate"), N_("(Satisfied + basically satisfied) ÷ ratings (满意率).")),
    ("handle_hours", N_("Mean handling time (working hours)"),
     N_("Mean working hours (workdays only) from dispatch to handling submitted, over the handlings in the month.")),
    ("on_spot", N_("Closed on the spot"), N_("Tickets closed on the spot by the reporting grid worker (自办自结) in "
                                             "the month.")),
)
RATES = ("closure_rate", "ontime_rate", "rework_rate", "extension_rate", "satisfaction_rate")
NOT_COMPARED = ("overdue",)


def settings():
    """The ranking's weights and threshold (created with defaults when missing)."""
    row = BriefingSettings.select().order_by(BriefingSettings.id).first()
    if row is None:
        with db.atomic():
            row = BriefingSettings.create()
    return row


def score(line, max_volume, weights):
    """GB/T 30428-style composite: volume (relative to the largest), closure
    rate, on-time rate and 1 − rework rate, weighted."""
    volume = line["dispatched"] / max_volume if max_volume else 0.0
    rework = line["rework_rate"] if line["rework_rate"] is not None else 0.0
    return round(weights["volume"] * volume + weights["closure"] * (line["closure_rate"] or 0.0)
                 + weights["ontime"] * (line["ontime_rate"] or 0.0) + weights["rework"] * (1 - rework), 4)


def rank(lines, weights, min_due):
    """(ranked, apart): lines with at least ``min_due`` due tickets ranked by
    score (equal scores share a rank); the others listed apart."""
    ranked = [line for line in lines if line["due"] >= min_due]
    apart = sorted((line for line in lines if line["due"] < min_due), key=lambda x: (-x["due"], x["name"]))
    max_volume = max((line["dispatched"] for line in ranked), default=0)
    for line in ranked:
        line["score"] = score(line, max_volume, weights)
    ranked.sort(key=lambda x: (-x["score"], x["name"]))
    position, previous = 0, None
    for index, line in enumerate(ranked, start=1):
        if line["score"] != previous:
            position, previous = index, line["score"]
        line["rank"] = position
    return ranked, apart


def compute(node, month, tz, now=None, user=None):
    """Every figure of ``node``'s subtree for local month ``month`` (its first day)."""
    now = now or utcnow()
    first = stats.month_start(month)
    after = stats.add_months(first, 1)
    previous = stats.add_months(first, -1)
    last_year = stats.add_months(first, -12)
    compared = stats.month_sums(node, (first, previous, last_year), tz=tz)
    current, before, year_ago = (stats.figures(compared[m]) for m in (first, previous, last_year))
    kids = stats.children(node)
    late = stats.overdue_summary(node, kids, now, tz)
    current["overdue"] = late[0]
    activity = meetings(node, (first, previous, last_year), tz)
    # A node within the user's scope bounds the ranking already: one subtree condition, not two.
    ranked_for = user if user is not None and not scope.can_see(user, node) else None
    conf = settings()
    weights = {"volume": conf.weight_volume, "closure": conf.weight_closure, "ontime": conf.weight_ontime,
               "rework": conf.weight_rework}

    def shares(dim, model):
        rows = stats.sums([node], first, after, dim=dim, by="key", tz=tz)
        names = dict(model.select(model.id, model.name).tuples())
        lines = [{"id": key, "name": names.get(key, str(key)), "count": s["reported"],
                  "share": stats.ratio(s["reported"], current["reported"])}
                 for key, s in rows.items() if s["reported"]]
        return sorted(lines, key=lambda x: (-x["count"], x["name"]))

    by_category = shares(DIM_CATEGORY, Category)
    departments = []
    names = dict(Department.select(Department.id, Department.name).tuples())
    for key, s in stats.sums([node], first, after, dim=DIM_DEPARTMENT, by="key", tz=tz).items():
        line = {"id": key, "name": names.get(key, str(key)), **stats.figures(s)}
        if line["due"] or line["dispatched"] or line["handled"]:
            departments.append(line)
    ranked, apart = rank(departments, weights, conf.min_due)

    child_sums = stats.sums(kids, first, after, tz=tz)
    child_lines = [{"id": c.id, "code": c.code, "name": c.name, **stats.figures(child_sums.get(c.id))}
                   for c in kids]
    child_ranked, child_apart = rank(child_lines, weights, conf.min_due)

    return {
        "node": {"id": node.id, "code": node.code, "name": node.name, "level": node.level},
        "month": first.strftime("%Y-%m"),
        "computed_at": now.isoformat(sep=" ", timespec="seconds"),
        "figures": {name: {"value": current.get(name),
                           "previous": None if name in NOT_COMPARED else before.get(name),
                           "last_year": None if name in NOT_COMPARED else year_ago.get(name)}
                    for name, _label, _definition in INDICATORS},
        "by_source": shares(DIM_SOURCE, Source),
        "by_category": by_category[:TOP],
        "overdue": overdue(node, kids, late, now),
        "departments": {"ranked": ranked, "apart": apart},
        "children": {"ranked": child_ranked, "apart": child_apart},
        "points_top": [{"id": s.worker.id, "name": s.worker.name,
                        "grid": getattr(s.worker.grid, "name", ""), "points": s.total, "rank": s.rank}
                       for s in points.ranking(first, grid=node, user=ranked_for, tz=tz, limit=TOP)],
        "activity": _compared(*(activity[m] for m in (first, previous, last_year))),
        "weights": weights,
        "min_due": conf.min_due,
    }


def _compared(now_, before, year_ago):
    return {key: {"value": value, "previous": before[key], "last_year": year_ago[key]} for key, value in now_.items()}


ACTIVITY = (
    ("meetings_held", N_("Meetings held")),
    ("items_raised", N_("Meeting items raised")),
    ("items_done", N_("Meeting items done")),
    ("items_evaluated", N_("Meeting items evaluated")),
    ("service_records", N_("Volunteer service records")),
    ("service_hours", N_("Volunteer service hours")),
)


def overdue(node, kids, late, now):
    """超期通报: open tickets past due now (``late``: stats.overdue_summary),
    by department and by the next level down, and the most overdue of them
    with their days overdue."""
    _total, counts, by_child_counts = late
    names = dict(Department.select(Department.id, Department.name).tuples())
    departments = sorted(({"id": dept, "name": names.get(dept), "count": n} for dept, n in counts.items() if n),
                         key=lambda x: (-x["count"], x["name"] or ""))
    by_child = [{"id": child.id, "code": child.code, "name": child.name, "count": by_child_counts[child.id]}
                for child in kids if by_child_counts.get(child.id)]
    by_child.sort(key=lambda x: (-x["count"], x["code"]))
    worst = []
    whole = grids.covers_all(node)
    for status in deadlines.OPEN_STATUSES:
        query = (Ticket.select(Ticket.id, Ticket.number, Ticket.title, Ticket.due_at,
                               Grid.name.alias("grid_name"), Ticket.department)
                 .join(Grid, on=(Ticket.grid == Grid.id))
                 .where((Ticket.status == status) & (Ticket.due_at < now))
                 .order_by(Ticket.due_at, Ticket.id).limit(WORST_OVERDUE))
        if not whole:
            # Below the top: read the subtree's grids' index ((grid, created_at, status, due_at)),
            # not the whole district's overdue tickets in due order.
            query = query.where(Ticket.grid.in_(grids.subtree_ids(node)))
        # The whole tree: the (status, due_at) index gives the order alone.
        worst += list(query.dicts())
    worst = sorted(worst, key=lambda row: (row["due_at"], row["id"]))[:WORST_OVERDUE]
    listed = [{"id": row["id"], "number": row["number"], "title": row["title"], "grid": row["grid_name"],
               "department": names.get(row["department"]), "days": stats.days_overdue(row["due_at"], now)}
              for row in worst]
    return {"by_department": departments, "by_child": by_child, "worst": listed}


def meetings(node, months, tz):
    """{month first day: figures} for local months ``months``: meetings held,
    items raised at them, items done and evaluated in the month; volunteer
    service records and hours. Each figure is one query over all the months
    (a CASE per month over the union of their ranges)."""
    months = list(months)
    spans = [(m, *stats.utc_bounds(m, stats.add_months(m, 1), tz)) for m in months]
    root = grids.covers_all(node)  # everything is below: no subtree to check
    in_tree = grids.subtree_ids(node)

    def counted(column, value=1, days=False):
        """(one SUM per month, the months' ranges OR-ed) of ``column``'s times
        (``days``: a local date column)."""
        ranges = [(column >= (m if days else lo)) & (column < (stats.add_months(m, 1) if days else hi))
                  for m, lo, hi in spans]
        sums = [fn.COALESCE(fn.SUM(Case(None, [(r, value)], 0)), 0) for r in ranges]
        return sums, reduce(operator.or_, ranges)

    def tree(query, grid_field):
        return query if root else query.where(grid_field.in_(in_tree))

    held_sums, held_when = counted(Meeting.held_at)
    held = tree(Meeting.select(*held_sums).where(held_when), Meeting.grid).tuples().get()
    raised = tree(MeetingItem.select(*held_sums).join(Meeting).where(held_when), Meeting.grid).tuples().get()
    in_tree_meetings = None if root else Meeting.select(Meeting.id).where(Meeting.grid.in_(in_tree))

    def items(column):
        sums, when = counted(column)
        query = MeetingItem.select(*sums).where(when)
        return (query if root else query.where(MeetingItem.meeting.in_(in_tree_meetings))).tuples().get()

    done, evaluated = items(MeetingItem.done_at), items(MeetingItem.evaluated_at)
    record_sums, served_when = counted(ServiceRecord.served_on, days=True)
    hour_sums, _ = counted(ServiceRecord.served_on, ServiceRecord.hours, days=True)
    service = ServiceRecord.select(*record_sums, *hour_sums).where(served_when)
    if not root:
        service = service.where(ServiceRecord.team.in_(
            VolunteerTeam.select(VolunteerTeam.id).where(VolunteerTeam.grid.in_(in_tree))))
    service = service.tuples().get()
    n = len(months)
    return {m: {"meetings_held": int(held[i] or 0), "items_raised": int(raised[i] or 0),
                "items_done": int(done[i] or 0), "items_evaluated": int(evaluated[i] or 0),
                "service_records": int(service[i] or 0), "service_hours": float(service[n + i] or 0)}
            for i, m in enumerate(months)}


# --- publishing -----------------------------------------------------------------

PUBLISHERS = frozenset({"admin", "centre"})


def publish(node, month, user, tz, now=None):
    """Freeze the month's briefing as a new version; returns it."""
    if user is None or user.role not in PUBLISHERS:
        raise RuleError(N_("Only a command centre or an administrator can publish a briefing."))
    if not scope.can_see(user, node):
        raise RuleError(N_("This record would be outside your part of the grid."))
    figures = compute(node, month, tz, now=now, user=user)
    text = json.dumps(figures, ensure_ascii=False)
    key = stats.month_start(month).strftime("%Y-%m")
    for _attempt in range(5):
        try:
            with db.atomic():
                latest = (PublishedBriefing.select(fn.MAX(PublishedBriefing.version))
                          .where((PublishedBriefing.grid == node.id) & (PublishedBriefing.month == key)).scalar())
                return PublishedBriefing.create(grid=node.id, month=key, version=(latest or 0) + 1,
                                                published_at=now or utcnow(), published_by=user.id,
                                                username=user.username, figures=text)
        except IntegrityError:  # another publisher took that version number: take the next
            continue
    raise RuleError(N_("Could not publish; please try again."))


def published_for(user):
    """Published briefings the user's node may read: those of its subtree
    and of the nodes above it (a street's notice reaches its communities)."""
    query = PublishedBriefing.select(PublishedBriefing, Grid.name, Grid.code).join(Grid)
    if user.role == "admin":
        return query
    if user.grid_id is None:
        return query.where(PublishedBriefing.id == 0)
    own = Grid.get_by_id(user.grid_id)
    above = [int(part) for part in own.path.strip("/").split("/") if part]
    return query.where(PublishedBriefing.grid.in_(grids.subtree_ids(own)) | PublishedBriefing.grid.in_(above))


def frozen(record):
    return json.loads(record.figures)


