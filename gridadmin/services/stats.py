"""Figures over a grid node's subtree and a span of local days, read from
the tally (``services.tally``), and the tickets behind each figure.

``sums`` adds the tally's rows up; ``figures`` turns sums into the named
indicators (counts and rates; a rate over nothing is None, shown as "—");
``tickets`` gives the live query listing the tickets a figure counts (the
drill-down), scope applied by the caller's list view.
"""

import re
from datetime import date, datetime, time, timedelta

from peewee import fn

from ..models import Grid, Ticket, TicketEvent
from ..models.stats import COUNTERS, DIM_ALL, DIM_OPEN, DIM_OPEN_DEPARTMENT, Tally
from . import clock, deadlines, grids, tally
from .tally import CLOSED, TAKEN_UP

# Figures a drill-down can list, and the events behind event-counted ones.
EVENT_FIGURES = {"dispatched": ("dispatch",), "handled": ("handle",), "returned": ("return",),
                 "extended": ("approve_extension",), "rated": ("rate",), "satisfied": ("rate",),
                 "on_spot": ("close_on_spot",)}
TICKET_FIGURES = ("reported", "rejected", "merged", "accepted", "due", "closed", "ontime", "overdue")
DRILLABLE = TICKET_FIGURES + tuple(EVENT_FIGURES) + ("source", "category")


def month_start(value):
    return date(value.year, value.month, 1)


def parse_period(text):
    """``YYYY-MM`` (a month) or ``YYYY`` (a year) as (first day, first day
    after), or None."""
    text = (text or "").strip()
    if re.fullmatch(r"[0-9]{4}", text) and 1900 <= int(text) <= 2100:
        return date(int(text), 1, 1), date(int(text) + 1, 1, 1)
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", text)
    if match and 1900 <= int(match.group(1)) <= 2100 and 1 <= int(match.group(2)) <= 12:
        first = date(int(match.group(1)), int(match.group(2)), 1)
        return first, add_months(first, 1)
    return None


def add_months(first, months):
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def utc_bounds(first, after, tz):
    """The UTC times where local day ``first`` begins and local day ``after`` begins."""
    return (clock.to_utc(datetime.combine(first, time.min), tz), clock.to_utc(datetime.combine(after, time.min), tz))


def empty():
    return dict.fromkeys(COUNTERS, 0)


def _add(target, counters):
    for name, value in counters.items():
        target[name] = target.get(name, 0) + (value or 0)


def sums(nodes, first, after, dim=DIM_ALL, by="node", tz="Asia/Shanghai"):
    """{node id (or key, ``by="key"``): {counter: total}} over local months
    [first, after) for grid nodes ``nodes``: from the tally for the nodes it
    keeps, from their tickets for the others (``tally.live``)."""
    nodes = list(nodes)
    result = {}
    stored = [n.id for n in nodes if tally.kept(n.level, dim)]
    if stored:
        group = Tally.node if by == "node" else Tally.key
        columns = [fn.SUM(getattr(Tally, name)) for name in COUNTERS]
        query = (Tally.select(group, *columns)
                 .where(Tally.node.in_(stored) & (Tally.dim == dim) & (Tally.month >= first) & (Tally.month < after))
                 .group_by(group).tuples())
        for key, *values in query:
            _add(result.setdefault(key, {}), dict(zip(COUNTERS, values, strict=True)))
    for node in nodes:
        if tally.kept(node.level, dim):
            continue
        cells = tally.live(Ticket.select().where(Ticket.grid.in_(grids.subtree_ids(node))), lambda t, n=node.id: n, tz)
        for (_node, cell_dim, key, month), counters in cells.items():
            if cell_dim == dim and first <= month < after:
                _add(result.setdefault(node.id if by == "node" else key, {}), counters)
    return result


def by_month(node, first, months, tz="Asia/Shanghai"):
    """[(month first day, figures' counters)] for ``months`` months from ``first``."""
    after = add_months(first, months)
    totals = {add_months(first, i): empty() for i in range(months)}
    if tally.kept(node.level, DIM_ALL):
        columns = [fn.SUM(getattr(Tally, name)) for name in COUNTERS]
        rows = (Tally.select(Tally.month, *columns)
                .where((Tally.node == node.id) & (Tally.dim == DIM_ALL) & (Tally.month >= first)
                       & (Tally.month < after))
                .group_by(Tally.month).tuples())
        for month, *values in rows:
            _add(totals[month_start(month)], dict(zip(COUNTERS, values, strict=True)))
    else:
        for month in totals:
            _add(totals[month], sums([node], month, add_months(month, 1), tz=tz).get(node.id, {}))
    return sorted(totals.items())


def month_sums(node, months, tz="Asia/Shanghai"):
    """{month first day: counters} of ``node`` for some local months (the
    briefing's this month, last month and the same month last year): one
    read of the tally, or of the node's tickets where it is not kept."""
    totals = {month: empty() for month in months}
    if tally.kept(node.level, DIM_ALL):
        columns = [fn.SUM(getattr(Tally, name)) for name in COUNTERS]
        rows = (Tally.select(Tally.month, *columns)
                .where((Tally.node == node.id) & (Tally.dim == DIM_ALL) & Tally.month.in_(list(totals)))
                .group_by(Tally.month).tuples())
        for month, *values in rows:
            _add(totals[month_start(month)], dict(zip(COUNTERS, values, strict=True)))
        return totals
    cells = tally.live(Ticket.select().where(Ticket.grid.in_(grids.subtree_ids(node))), lambda t: node.id, tz)
    for (_node, dim, _key, month), counters in cells.items():
        if dim == DIM_ALL and month in totals:
            _add(totals[month], counters)
    return totals


def ratio(part, whole):
    return None if not whole else part / whole


def figures(s):
    """The indicators from summed counters ``s``."""
    s = {**empty(), **(s or {})}
    return {
        "reported": s["reported"], "accepted": s["rep_accepted"], "rejected": s["rep_rejected"],
        "merged": s["rep_merged"],
        "due": s["due"], "closed": s["due_closed"], "ontime": s["due_ontime"],
        "closure_rate": ratio(s["due_closed"], s["due"]), "ontime_rate": ratio(s["due_ontime"], s["due"]),
        "returned": s["returned"], "handled": s["handled"], "rework_rate": ratio(s["returned"], s["handled"]),
        "extended": s["extended"], "dispatched": s["dispatched"],
        "extension_rate": ratio(s["extended"], s["dispatched"]),
        "rated": s["rated"], "satisfied": s["satisfied"] + s["basically"],
        "satisfaction_rate": ratio(s["satisfied"] + s["basically"], s["rated"]),
        "handle_hours": None if not s["handled"] else round(s["handle_hours"] / s["handled"], 1),
        "on_spot": s["on_spot"],
    }


def overdue_total(node, now, tz):
    """Open tickets past due now in ``node``'s subtree (the headline's count):
    ``overdue_summary``'s total, counted without reading the rows."""
    return overdue_summary(node, [], now, tz, count_only=True)[0]


def overdue_summary(node, kids, now, tz, count_only=False):
    """(total, {department id or None: n}, {child id: n}) of the open tickets
    past due now in ``node``'s subtree. Where the tally keeps the node (and
    its children) by due day: the days before today from it (the part
    without a department is the node's total less its departments'), and
    today's from one read of the tickets due today, district-wide by the
    (status, due_at) index, kept when under the node; elsewhere (a
    community's grids, a grid) from the subtree's tickets."""
    today = clock.to_local(now, tz).date()
    kept = tally.kept(node.level, DIM_OPEN_DEPARTMENT) and all(tally.kept(k.level, DIM_OPEN) for k in kids)
    live = (Ticket.select(Ticket.department, Grid.path).join(Grid, on=(Ticket.grid == Grid.id))
            .where(deadlines.overdue_clause(now)))
    by_department, by_child, total = {}, dict.fromkeys((k.id for k in kids), 0), 0
    whole = grids.covers_all(node)
    if kept:
        live = live.where(Ticket.due_at >= clock.to_utc(datetime.combine(today, time.min), tz))
        past = (Tally.select(fn.COALESCE(fn.SUM(Tally.due_open), 0))
                .where((Tally.node == node.id) & (Tally.dim == DIM_OPEN) & (Tally.month < today)).scalar())
        total = int(past or 0)
        for dept, n in (Tally.select(Tally.key, fn.SUM(Tally.due_open))
                        .where((Tally.node == node.id) & (Tally.dim == DIM_OPEN_DEPARTMENT) & (Tally.month < today))
                        .group_by(Tally.key).tuples()):
            by_department[dept] = int(n or 0)
        by_department[None] = total - sum(by_department.values())  # dispatched to grid workers
        if kids:
            for child, n in (Tally.select(Tally.node, fn.SUM(Tally.due_open))
                             .where(Tally.node.in_([k.id for k in kids]) & (Tally.dim == DIM_OPEN)
                                    & (Tally.month < today))
                             .group_by(Tally.node).tuples()):
                by_child[child] += int(n or 0)
    elif not whole:
        # The subtree's grids' index ((grid, created_at, status, due_at)), not the district's due order.
        live = live.where(Ticket.grid.in_(grids.subtree_ids(node)))
    if count_only and not kept:
        query = live.select(fn.COUNT(Ticket.id))
        if whole:  # no join needed: the (status, due_at) index alone
            query = Ticket.select(fn.COUNT(Ticket.id)).where(deadlines.overdue_clause(now))
        return total + int(query.scalar() or 0), by_department, by_child
    by_path = {k.path: k.id for k in kids}
    depth = len([p for p in node.path.strip("/").split("/") if p]) + 1
    for dept, path in live.tuples():
        if kept and not path.startswith(node.path):  # today's tickets elsewhere in the tree
            continue
        total += 1
        by_department[dept] = by_department.get(dept, 0) + 1
        child = by_path.get("/" + "/".join(path.strip("/").split("/")[:depth]) + "/")
        if child is not None:
            by_child[child] += 1
    return total, by_department, by_child


def children(node):
    return list(Grid.select(Grid.id, Grid.code, Grid.name, Grid.level, Grid.path).where(Grid.parent == node.id)
                .order_by(Grid.code))


def node_ids(nodes):
    return [n.id for n in nodes]


# --- the tickets behind a figure ------------------------------------------------


def ticket_clause(figure, node, first, after, tz, now, key=None, department=None):
    """The WHERE clause of the tickets figure ``figure`` counts over local
    days [first, after) in ``node``'s subtree (``key``: a source or category
    id for those figures; ``department``: one department's share)."""
    lo, hi = utc_bounds(first, after, tz)
    within = Ticket.grid.in_(grids.subtree_ids(node))
    created = (Ticket.created_at >= lo) & (Ticket.created_at < hi)
    due = (Ticket.due_at >= lo) & (Ticket.due_at < hi)
    if figure == "reported":
        clause = created
    elif figure == "rejected":
        clause = created & (Ticket.status == "rejected")
    elif figure == "merged":
        clause = created & (Ticket.status == "merged")
    elif figure == "accepted":
        clause = created & (Ticket.status.in_(TAKEN_UP) | (Ticket.status.in_(CLOSED) & Ticket.dispatched_at.is_null(False)))
    elif figure == "source":
        clause = created & (Ticket.source == key)
    elif figure == "category":
        clause = created & (Ticket.category == key)
    elif figure == "due":
        clause = due
    elif figure == "closed":
        clause = due & Ticket.status.in_(CLOSED)
    elif figure == "ontime":
        clause = due & Ticket.status.in_(CLOSED) & (Ticket.closed_at <= Ticket.due_at)
    elif figure == "overdue":
        clause = deadlines.overdue_clause(now)
    elif figure in EVENT_FIGURES:
        events = TicketEvent.select(TicketEvent.ticket).where(
            TicketEvent.action.in_(EVENT_FIGURES[figure]) & (TicketEvent.at >= lo) & (TicketEvent.at < hi))
        if figure == "satisfied":
            events = events.where(TicketEvent.data.in_(['{"satisfaction": "satisfied"}',
                                                        '{"satisfaction": "basically"}']))
        clause = Ticket.id.in_(events)
    else:
        raise ValueError(figure)
    clause = within & clause
    if department is not None:
        clause &= Ticket.department == department
    return clause


def tickets(figure, node, first, after, tz, now, key=None, department=None):
    return Ticket.select(Ticket.id).where(ticket_clause(figure, node, first, after, tz, now, key, department))


def days_overdue(due_at, now):
    return max(0, (now - due_at) // timedelta(days=1))
