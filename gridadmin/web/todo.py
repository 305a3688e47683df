"""The to-do queues on screen: the navbar badge and the home page's queues,
each linking to the list of exactly the records it counts."""

import time
from datetime import date

from flask import current_app, g, request, session, url_for
from flask_babel import gettext
from flask_login import current_user

from ..models import Meeting, utcnow
from ..services import clock, dashboard, permissions, stats, todo
from . import frame
from .filters import LocalDateRangeFilter
from .views.points import ledger_url
from .views.ticket import TicketView, figure_url, todo_url

BADGE_CAP = 99  # the navbar shows "99+" beyond: counted on every page, it stops there
# The badge is on every page: its three counts were a sixth of a list page
# (issue 13). Each process keeps a user's badge this long; the user's own
# changes (any POST, marked in their session so every process sees it) and
# the home page, whose queues are counted anyway, count it again. Others'
# changes show within this time.
BADGE_SECONDS = 30


def _badges():
    """This app's kept badges: {(user id, role): (expires, count, counted at)}."""
    return frame.cache("badges")


def _ticket_view(admin):
    return next(v for v in admin._views if isinstance(v, TicketView))


def _admin():
    return current_app.extensions["admin"][0]


def _now():
    return g.setdefault("_gridadmin_now", utcnow())


def badge():
    """(count, url) of "my to-do" for the navbar, or None for roles without one."""
    user = current_user._get_current_object() if current_user else None
    if user is None or not getattr(user, "is_authenticated", False) or user.role not in todo.ACTIONABLE:
        return None
    if "_gridadmin_todo_badge" not in g:
        key, clock_now = (user.id, user.role), time.monotonic()
        badges = _badges()
        kept = badges.get(key)
        if kept is None or kept[0] < clock_now or kept[2] <= session.get(POSTED, 0) or \
                request.endpoint == "admin.index":
            found = todo.count(user, _now(), current_app.config["TIMEZONE"], cap=BADGE_CAP + 1)
            kept = badges[key] = (clock_now + BADGE_SECONDS, found, time.time())
        found = kept[1]
        g._gridadmin_todo_badge = (f"{BADGE_CAP}+" if found > BADGE_CAP else found,
                                   todo_url(_ticket_view(_admin()), "mine"))
    return g._gridadmin_todo_badge


POSTED = "todo_posted"  # the session's mark of the user's last POST (wall clock: shared by processes)


def forget_badge(response):
    """After the user changed something (a POST), their badge is counted
    again, by whichever process serves their next page."""
    if request.method == "POST" and current_user and getattr(current_user, "is_authenticated", False):
        session[POSTED] = time.time()
    return response


def _filter_url(endpoint, view_class_model, kind_test, value):
    view = next(v for v in _admin()._views if getattr(v, "model", None) is view_class_model)
    index = next(i for i, f in enumerate(view._filters) if kind_test(f))
    return url_for(endpoint, **{f"flt0_{index}": value})


def home_queues():
    """[{label, count, url, lights?, parts?}] for the home page."""
    user = current_user._get_current_object()
    tz = current_app.config["TIMEZONE"]
    ticket_view = _ticket_view(_admin())
    shown = []
    for queue in todo.queues(user, _now(), tz):
        item = {"key": queue.key, "label": gettext(queue.label), "count": queue.count, "url": None}
        if queue.kind == "ticket":
            item["url"] = todo_url(ticket_view, queue.key)
            item["lights"] = queue.extra.get("lights")
            if "by_department" in queue.extra:
                item["parts"] = [
                    {"label": name or gettext("Grid workers"), "count": n,
                     "url": todo_url(ticket_view, queue.key, department=dept) if dept else None}
                    for dept, name, n in queue.extra["by_department"]]
        elif queue.kind == "meetingitem" and permissions.allowed(user, "meetingitem", permissions.VIEW):
            item["url"] = url_for("meetingitem.index_view")
        elif queue.kind == "meeting" and permissions.allowed(user, "meeting", permissions.VIEW):
            last = date.fromordinal(queue.extra["to"].date().toordinal() - 1)
            value = f"{queue.extra['from'].date().isoformat()} to {last.isoformat()}"
            item["url"] = _filter_url("meeting.index_view", Meeting,
                                      lambda f: isinstance(f, LocalDateRangeFilter), value)
        elif queue.kind == "points" and permissions.allowed(user, "pointentry", permissions.VIEW):
            item["url"] = ledger_url(_admin(), queue.extra["worker"])
        shown.append(item)
    return shown


def home_headline():
    """The dashboard's headline figures of this month, for viewers and
    administrators: [(label, text, url or None)], or None."""
    from .views.briefing import default_node, fmt
    from .views.dashboard import LABELS

    user = current_user._get_current_object()
    if user.role not in ("viewer", "admin") or not permissions.allowed(user, "dashboard", permissions.VIEW):
        return None
    node = default_node(user)
    if node is None:
        return None
    tz = current_app.config["TIMEZONE"]
    first = clock.local_today(tz).replace(day=1)
    figures = dashboard.headline(node, first, stats.add_months(first, 1), tz, _now())
    period = first.strftime("%Y-%m")
    view = _ticket_view(_admin())
    return {"node": node.name, "period": period, "url": url_for("dashboard.index", grid=node.code),
            "figures": [(gettext(LABELS[name]), fmt(name, figures[name]),
                         figure_url(view, name, node.id, period) if name in stats.DRILLABLE else None)
                        for name in dashboard.HEADLINE]}
