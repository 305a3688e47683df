"""驾驶舱: the dashboard of a node (picked within scope) and a period, for
command centres, leaders and administrators. Thin: ``services.dashboard``."""

from flask import flash, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext
from flask_login import current_user
from wtforms.validators import NumberRange

from ...models import BriefingSettings, Grid, utcnow
from ...models.base import N_
from ...services import briefings, clock, dashboard, stats
from ..base import BaseModelView
from .briefing import FigureViewMixin, fmt, pick_node

LABELS = {
    "reported": N_("Tickets reported"), "accepted": N_("Tickets accepted"), "closed": N_("Tickets closed"),
    "closure_rate": N_("Closure rate"), "ontime_rate": N_("On-time rate"),
    "satisfaction_rate": N_("Satisfaction rate"), "overdue": N_("Overdue now"),
}


class DashboardView(FigureViewMixin, BaseView):
    permission_view = "dashboard"

    @expose("/")
    def index(self):
        user = current_user._get_current_object()
        tz = self._tz()
        today = clock.local_today(tz)
        raw = request.args.get("period", "").strip()
        default = today.strftime("%Y-%m")
        span = stats.parse_period(raw) if raw else stats.parse_period(default)
        period = raw if raw and span else default
        if span is None:
            flash(gettext("Enter the period as YYYY-MM (a month) or YYYY (a year); showing %(period)s instead.",
                          period=default), "error")
            span = stats.parse_period(default)
        node, error = pick_node(user, request.args.get("grid"))
        if error:
            flash(error, "error")
        if node is None:
            self.no_grid()
        data = dashboard.compute(node, span[0], span[1], tz, utcnow())
        links = self.links()

        def link(figure, key=None, department=None, node_id=None, at=None):
            return links(figure, node_id or node.id, at or period, key, department)

        charts = chart_specs(data, period)
        parent = None
        if node.parent_id is not None and node.id != getattr(user, "grid_id", None):
            parent = Grid.get_or_none(Grid.id == node.parent_id)
        return self.render("admin/dashboard.html", data=data, period=period, fmt=fmt, link=link, charts=charts,
                           headline=[(name, gettext(LABELS[name])) for name in dashboard.HEADLINE],
                           drillable=set(stats.DRILLABLE), parent=parent, grid_code=node.code,
                           briefing_url=url_for("briefing.index", grid=node.code))


def chart_specs(data, period):
    """What each chart draws (its numbers are also the table beside it)."""
    trend = data["trend"]
    return {
        "trend": {"type": "line", "labels": [t["month"] for t in trend],
                  "series": [{"name": gettext("Tickets reported"), "data": [t["reported"] for t in trend]},
                             {"name": gettext("Tickets due"), "data": [t["due"] for t in trend]},
                             {"name": gettext("Tickets closed"), "data": [t["closed"] for t in trend]}]},
        "categories": {"type": "bar", "labels": [c["name"] for c in data["categories"]],
                       "series": [{"name": gettext("Tickets reported"), "data": [c["count"] for c in data["categories"]]}]},
        "sources": {"type": "pie", "labels": [s["name"] for s in data["sources"]],
                    "series": [{"name": gettext("Tickets reported"), "data": [s["count"] for s in data["sources"]]}]},
        "children": {"type": "bar", "labels": [c["name"] for c in data["children"][:20]],
                     "series": [{"name": gettext("Tickets reported"), "data": [c["reported"] for c in data["children"][:20]]},
                                {"name": gettext("Tickets closed"), "data": [c["closed"] for c in data["children"][:20]]}]},
    }


class BriefingSettingsView(BaseModelView):
    """How the briefing ranks departments (GB/T 30428-style weights and the
    fewest due tickets to be ranked): one row, administrators edit it."""

    can_create = False
    can_delete = False
    column_list = ("weight_volume", "weight_closure", "weight_ontime", "weight_rework", "min_due")
    form_columns = column_list
    form_args = {name: {"validators": [NumberRange(0, 1)]} for name in column_list[:4]}
    form_args["min_due"] = {"validators": [NumberRange(1, 1000)]}

    def __init__(self, **kwargs):
        super().__init__(BriefingSettings, **kwargs)

    def get_query(self):
        briefings.settings()  # the row exists
        return super().get_query()
