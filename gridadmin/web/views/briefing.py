"""月报 / 超期通报: the monthly briefing page, its A4 print view, its .xlsx,
publishing, and the published briefings. Thin: ``services.briefings``
computes; this picks the node and month, checks role and scope, renders."""

import io
from datetime import datetime
from functools import lru_cache

from babel import numbers
from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import get_locale, gettext
from flask_login import current_user

from ...models import Grid, PublishedBriefing
from ...services import briefings, clock, dates, permissions, scope, spreadsheets, stats
from ...services.errors import RuleError
from ..base import format_local_datetime, rule_message
from .ticket import TicketView, figure_links

DASH = "—"


def fmt(name, value):
    """A figure as shown: rates in per cent, hours with one decimal, "—" for nothing."""
    if value is None:
        return DASH
    if name in briefings.RATES or name == "share":
        return _formatted(str(get_locale()), "%", value)
    if name in ("handle_hours", "service_hours", "score"):
        return _formatted(str(get_locale()), "0.000" if name == "score" else "#,##0.0", value)
    return _formatted(str(get_locale()), None, value)


@lru_cache(maxsize=8192, typed=True)
def _formatted(locale, pattern, value):
    """Babel's formatting of one number, remembered (a page shows some 200
    figures, most of them small counts it has shown before; Babel parses
    its pattern and rounds through Decimal each time)."""
    if pattern == "%":
        return numbers.format_percent(value, "#,##0.0%", locale=locale)
    return numbers.format_decimal(value, pattern, locale=locale)


def default_node(user):
    """The user's own node (an administrator: the first top node)."""
    if user.grid_id is not None:
        return Grid.get_or_none(Grid.id == user.grid_id)
    if user.role == "admin":
        return Grid.select().where(Grid.parent.is_null()).order_by(Grid.id).first()
    return None


def pick_node(user, code):
    """The grid named by ``code`` within the user's scope; (node, error message)."""
    own = default_node(user)
    code = (code or "").strip()
    if not code:
        return own, None
    found = scope.visible(Grid, user).where(Grid.code == code).first()
    if found is None:
        return own, gettext("There is no grid with the code “%(code)s” in your area; showing %(name)s instead.",
                            code=code, name=own.name if own else "—")
    return found, None


class FigureViewMixin:
    """Role checks, and choosing the node and the period from the URL."""

    permission_view = "briefing"

    def is_accessible(self):
        return current_user.is_authenticated and permissions.allowed(current_user, self.permission_view,
                                                                     permissions.VIEW)

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            abort(403)
        return redirect(url_for("auth.login", next=request.full_path))

    def no_grid(self):
        """A new install has no grid tree yet: say what to do, on the home page."""
        flash(gettext("There are no grids yet: import or create the grid tree first."), "warning")
        abort(redirect(url_for("admin.index")))

    def _tz(self):
        return current_app.config["TIMEZONE"]

    def _ticket_view(self):
        return next(v for v in self.admin._views if isinstance(v, TicketView))

    def links(self):
        return figure_links(self._ticket_view())

    def _context(self, data, live=True):
        period = data["month"]
        node_id = data["node"]["id"]
        link = self.links() if live else None
        return {
            "data": data, "fmt": fmt, "indicators": briefings.INDICATORS, "activity": briefings.ACTIVITY,
            "live": live, "dash": DASH,
            "link": (lambda figure, key=None, department=None, node=None:
                     link(figure, node or node_id, period, key, department)) if live else None,
            "drillable": set(stats.DRILLABLE),
            "can_publish": live and permissions.allowed(current_user, "briefing", permissions.CREATE),
            "can_export": permissions.allowed(current_user, "briefing", permissions.EXPORT),
            "issued": format_local_datetime(datetime.fromisoformat(data["computed_at"])),
        }


class BriefingView(FigureViewMixin, BaseView):
    """The live briefing of a node and a month (default: last month)."""

    def _args(self):
        user = current_user._get_current_object()
        tz = self._tz()
        default = stats.add_months(clock.local_today(tz).replace(day=1), -1)
        raw = request.args.get("month", "").strip()
        month = dates.parse_month(raw) if raw else default
        if month is None:
            flash(gettext("Enter the month as YYYY-MM (for example 2026-10); showing %(month)s instead.",
                          month=default.strftime("%Y-%m")), "error")
            month = default
        node, error = pick_node(user, request.args.get("grid"))
        if error:
            flash(error, "error")
        if node is None:
            self.no_grid()
        return user, node, month

    @expose("/")
    def index(self):
        user, node, month = self._args()
        data = briefings.compute(node, month, self._tz(), user=user)
        template = "admin/briefing_print.html" if request.args.get("print") else "admin/briefing.html"
        return self.render(template, grid_code=node.code, **self._context(data))

    @expose("/xlsx/")
    def xlsx(self):
        if not permissions.allowed(current_user, "briefing", permissions.EXPORT):
            abort(403)
        user, node, month = self._args()
        data = briefings.compute(node, month, self._tz(), user=user)
        buffer = io.BytesIO()
        spreadsheets.write_xlsx(xlsx_rows(data), buffer, title=gettext("Monthly briefing"), widths=XLSX_WIDTHS)
        name = f"briefing-{node.code}-{data['month']}.xlsx"
        return Response(buffer.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename={name}"})

    @expose("/publish/", methods=("POST",))
    def publish(self):
        if not permissions.allowed(current_user, "briefing", permissions.CREATE):
            abort(403)
        user = current_user._get_current_object()
        month = dates.parse_month(request.form.get("month"))
        node, error = pick_node(user, request.form.get("grid"))
        if month is None or error or node is None:
            flash(error or gettext("Enter the month as YYYY-MM (for example 2026-10)."), "error")
            return redirect(url_for(".index"))
        try:
            record = briefings.publish(node, month, user, self._tz())
        except RuleError as error:
            flash(rule_message(error), "error")
            return redirect(url_for(".index", month=month.strftime("%Y-%m"), grid=node.code))
        flash(gettext("Published as version %(version)s.", version=record.version), "success")
        return redirect(url_for("publishedbriefings.published_one", id=record.id))


class PublishedBriefingsView(FigureViewMixin, BaseView):
    """The published briefings, for every user bound to a node (workers and
    secretaries included) and administrators: frozen, never recomputed."""

    def is_accessible(self):
        return current_user.is_authenticated and (current_user.role == "admin" or current_user.grid_id is not None)

    @expose("/")
    def index(self):
        rows = briefings.published_for(current_user._get_current_object()).order_by(
            PublishedBriefing.month.desc(), PublishedBriefing.grid, PublishedBriefing.version.desc())
        return self.render("admin/briefing_published.html", rows=list(rows), when=format_local_datetime)

    @expose("/<int:id>/")
    def published_one(self, id):
        record = briefings.published_for(current_user._get_current_object()).where(
            PublishedBriefing.id == id).first()
        if record is None:
            abort(404)
        data = briefings.frozen(record)
        template = "admin/briefing_print.html" if request.args.get("print") else "admin/briefing.html"
        return self.render(template, grid_code=data["node"]["code"], record=record,
                           published_at=format_local_datetime(record.published_at), **self._context(data, live=False))


XLSX_WIDTHS = [30, 14, 14, 16, 60, 12, 12, 12, 12]


def xlsx_rows(data):
    """The briefing as spreadsheet rows: the figures with their definitions,
    then each table under a title row."""
    labels = {name: gettext(label) for name, label, _d in briefings.INDICATORS}

    def value(name, v):
        return "" if v is None else (round(v, 4) if isinstance(v, float) else v)

    yield [gettext("Indicator"), gettext("This month"), gettext("Last month"), gettext("Same month last year"),
           gettext("Definition")]
    yield [f"{data['node']['name']} ({data['node']['code']})", data["month"], "", "",
           gettext("Computed at %(time)s", time=data["computed_at"] + " UTC")]
    for name, _label, definition in briefings.INDICATORS:
        f = data["figures"][name]
        yield [labels[name], value(name, f["value"]), value(name, f["previous"]), value(name, f["last_year"]),
               gettext(definition)]
    for key, label in briefings.ACTIVITY:
        f = data["activity"][key]
        yield [gettext(label), f["value"], f["previous"], f["last_year"], ""]
    yield []
    yield [gettext("Reported by source"), gettext("Count"), gettext("Share")]
    for line in data["by_source"]:
        yield [line["name"], line["count"], value("share", line["share"])]
    yield []
    yield [gettext("Top 10 categories"), gettext("Count"), gettext("Share")]
    for line in data["by_category"]:
        yield [line["name"], line["count"], value("share", line["share"])]
    for title, table in ((gettext("Department ranking"), data["departments"]),
                         (gettext("Ranking of the next level down"), data["children"])):
        yield []
        yield [title, gettext("Rank"), gettext("Score"), labels["due"], labels["closed"], labels["closure_rate"],
               labels["ontime_rate"], labels["rework_rate"], labels["dispatched"]]
        for line in table["ranked"] + table["apart"]:
            yield [line["name"], line.get("rank", ""), line.get("score", ""), line["due"], line["closed"],
                   value("r", line["closure_rate"]), value("r", line["ontime_rate"]), value("r", line["rework_rate"]),
                   line["dispatched"]]
    yield []
    yield [gettext("Overdue tickets"), gettext("Grid"), gettext("Department"), gettext("Days overdue")]
    for line in data["overdue"]["worst"]:
        yield [f"{line['number']} {line['title']}", line["grid"], line["department"] or "", line["days"]]
    yield []
    yield [gettext("Points top 10"), gettext("Grid"), gettext("Points")]
    for line in data["points_top"]:
        yield [line["name"], line["grid"], line["points"]]

