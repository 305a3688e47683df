"""The dashboard (驾驶舱): headline figures, a 12-month trend, categories,
sources, the next level down and departments, for a node and a period
(a month or a year), all read from the tally through ``services.stats``."""

from ..models import Department
from ..models.lookups import Category, Source
from ..models.stats import DIM_CATEGORY, DIM_DEPARTMENT, DIM_SOURCE
from . import stats

HEADLINE = ("reported", "accepted", "closed", "closure_rate", "ontime_rate", "satisfaction_rate", "overdue")
TREND_MONTHS = 12
TOP = 10


def headline(node, first, after, tz, now):
    """The headline figures alone (the home page of leaders and administrators)."""
    figures = stats.figures(stats.sums([node], first, after, tz=tz).get(node.id))
    figures["overdue"] = stats.overdue_total(node, now, tz)
    return figures


def compute(node, first, after, tz, now):
    """Plain data for the page (JSON-ready)."""
    figures = headline(node, first, after, tz, now)
    last_month = stats.add_months(stats.month_start(after), -1)
    trend_start = stats.add_months(last_month, -(TREND_MONTHS - 1))
    trend = [{"month": month.strftime("%Y-%m"), **stats.figures(sums)}
             for month, sums in stats.by_month(node, trend_start, TREND_MONTHS, tz=tz)]

    def shares(dim, model, limit=None):
        rows = stats.sums([node], first, after, dim=dim, by="key", tz=tz)
        names = dict(model.select(model.id, model.name).tuples())
        lines = sorted(({"id": key, "name": names.get(key, str(key)), "count": s["reported"],
                         "share": stats.ratio(s["reported"], figures["reported"])}
                        for key, s in rows.items() if s["reported"]), key=lambda x: (-x["count"], x["name"]))
        return lines[:limit] if limit else lines

    kids = stats.children(node)
    child_sums = stats.sums(kids, first, after, tz=tz)
    children = [{"id": c.id, "code": c.code, "name": c.name, **stats.figures(child_sums.get(c.id))} for c in kids]
    children.sort(key=lambda x: (-x["reported"], x["code"]))
    names = dict(Department.select(Department.id, Department.name).tuples())
    departments = [{"id": key, "name": names.get(key, str(key)), **stats.figures(s)}
                   for key, s in stats.sums([node], first, after, dim=DIM_DEPARTMENT, by="key", tz=tz).items()]
    departments = [d for d in departments if d["due"] or d["dispatched"] or d["handled"]]
    departments.sort(key=lambda x: (-x["dispatched"], x["name"]))
    return {
        "node": {"id": node.id, "code": node.code, "name": node.name, "level": node.level},
        "figures": figures,
        "trend": trend,
        "categories": shares(DIM_CATEGORY, Category, TOP),
        "sources": shares(DIM_SOURCE, Source),
        "children": children,
        "departments": departments,
    }
