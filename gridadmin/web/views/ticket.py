"""事件 / 工单 screens: the list (overdue in red), reporting, and the details
page where the workflow's steps are taken and its timeline is read."""

import json
from datetime import datetime
from urllib.parse import urlencode

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.peewee.filters import BasePeeweeFilter
from flask_admin.helpers import get_form_data
from flask_admin.menu import MenuLink
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms import HiddenField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from ...models import Category, Grid, Source, Ticket, utcnow
from ...models.base import N_
from ...models.ticket import SATISFACTION, TICKET_STATUSES
from ...services import (
    clock,
    deadlines,
    dispatch,
    grids,
    permissions,
    photos,
    places,
    scope,
    stats,
    tickets,
    todo,
    users,
    workflow,
)
from ...services.errors import RuleError
from .. import photos as photo_views
from ..auth import client_address
from ..base import BaseModelView, format_local_datetime, link, rule_message
from ..filters import GridSubtreeFilter, LocalDateRangeFilter, LookupFilter
from ..labels import FIELD_LABELS
from ..photos import PhotosField, uploaded
from ..steps import ACTION_LABELS, form_class, step_fields
from ..validators import parse_id


class OverdueFilter(BasePeeweeFilter):
    """Overdue (超期): open for handling and past the due time; computed, never stored."""

    def __init__(self, name):
        super().__init__(Ticket.due_at, name, options=(("1", lazy_gettext("Yes")), ("0", lazy_gettext("No"))))

    def validate(self, value):
        return value in ("0", "1")

    def apply(self, query, value):
        overdue = deadlines.overdue_clause(utcnow())
        return query.where(overdue if value == "1" else ~overdue)

    def operation(self):
        return lazy_gettext("equals")


class TodoFilter(BasePeeweeFilter):
    """A to-do queue (待办) of the user: the same clause the home page counts
    (``services.todo``); ``mine`` is "my to-do", everything waiting for them."""

    def __init__(self, name):
        super().__init__(Ticket.id, name, options=[(key, lazy_gettext(todo.LABELS[key])) for key in todo.KEYS])

    def validate(self, value):
        return value in todo.KEYS

    def apply(self, query, value):
        return query.where(todo.clause(value, current_user._get_current_object(), g.setdefault(
            "_gridadmin_now", utcnow()), current_app.config["TIMEZONE"]))

    def operation(self):
        return lazy_gettext("equals")


class FigureFilter(BasePeeweeFilter):
    """The tickets a figure of the briefing or the dashboard counts (its
    drill-down): ``figure:node id:period[:key[:department]]``, period
    ``YYYY-MM`` or ``YYYY``; ``services.stats`` says which tickets."""

    def __init__(self, name):
        super().__init__(Ticket.id, name)

    def clean(self, value):
        parts = (value or "").split(":")
        if len(parts) < 3 or len(parts) > 5 or parts[0] not in stats.DRILLABLE:
            raise ValueError(value)
        node = Grid.select(Grid.id, Grid.path).where(Grid.id == parse_id(parts[1])).first() \
            if parse_id(parts[1]) is not None else None
        period = stats.parse_period(parts[2])
        if node is None or period is None:
            raise ValueError(value)
        key = parse_id(parts[3]) if len(parts) > 3 and parts[3] else None
        department = parse_id(parts[4]) if len(parts) > 4 and parts[4] else None
        if parts[0] in ("source", "category") and key is None:
            raise ValueError(value)
        return parts[0], node, period, key, department

    def validate(self, value):
        try:
            self.clean(value)
        except ValueError:
            return False
        return True

    def apply(self, query, value):
        figure, node, (first, after), key, department = value if isinstance(value, tuple) else self.clean(value)
        return query.where(stats.ticket_clause(figure, node, first, after, current_app.config["TIMEZONE"],
                                               g.setdefault("_gridadmin_now", utcnow()), key, department))

    def operation(self):
        return lazy_gettext("equals")

LIGHT_LABELS = {"green": N_("On time"), "yellow": N_("Due soon"), "red": N_("Overdue")}


def _due(view, context, model, name):
    """The due time with its light (green, yellow, red: named, not only
    coloured); red and 超期 once overdue."""
    if model.due_at is None:
        return ""
    text = format_local_datetime(model.due_at)
    now = g.setdefault("_gridadmin_now", utcnow())
    light = deadlines.light(model, now)
    # f-strings over escaped parts: Markup.format() runs string.Formatter in Python, on every row.
    lamp = f'<span class="deadline-light deadline-{escape(light)}" aria-hidden="true"></span>' if light else ""
    labels = g.get("_gridadmin_due_labels")
    if labels is None:  # translated once a page, not once a row
        labels = g._gridadmin_due_labels = {key: escape(gettext(msgid))
                                            for key, msgid in {**LIGHT_LABELS, "overdue": N_("Overdue")}.items()}
    if deadlines.is_overdue(model, now):
        return Markup(f'{lamp}<span class="text-danger font-weight-bold">{escape(text)} {labels["overdue"]}</span>')
    if light:
        return Markup(f'{lamp}{escape(text)} <span class="sr-only">{labels[light]}</span>')
    return text


def _optional_id(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not among the choices: refused as such


class ReportKeyField(HiddenField):
    """The key the phone gave a report (static/js/report.js): a resend is
    recognised by it. Blank is no key; anything else must look like one."""

    def populate_obj(self, obj, name):
        obj.report_key = tickets.clean_report_key(self.data)


# The source a report from the report form starts with (随手拍, seeded with this code).
REPORT_SOURCE = "snapshot"


def _reporter(view, context, model, name):
    """A grid worker's name, or a volunteer's marked as such (``decorate_rows``)."""
    if model.reporter_id is not None:
        return str(model.reporter)
    volunteer = getattr(model, "volunteer_reporter", None)
    return gettext("%(name)s (volunteer)", name=volunteer) if volunteer else ""


def _duplicate(view, context, model, name):
    return link("ticket", model.duplicate_of) if model.duplicate_of_id else ""


class TicketView(BaseModelView):
    column_list = ("number", "photo", "title", "category", "grid", "status", "priority", "reporter", "department",
                   "created_at", "due_at")
    column_details_list = ("number", "title", "description", "category", "source", "grid", "place", "latitude",
                           "longitude", "location_accuracy", "reporter",
                           "assignee", "department", "priority", "status", "created_at", "dispatched_at", "due_at",
                           "handled_at", "closed_at", "resolution", "satisfaction", "rating_note", "duplicate_of",
                           "photos")
    column_export_list = ("number", "title", "category", "source", "grid", "place", "reporter", "assignee",
                          "department", "priority", "status", "created_at", "dispatched_at", "due_at", "handled_at",
                          "closed_at", "resolution", "satisfaction", "rating_note")
    column_searchable_list = ("number", "title", "place")
    column_sortable_list = ("number", "status", "priority", "created_at", "due_at")
    column_default_sort = ("created_at", True)
    column_filters = (
        Ticket.status, Ticket.priority,
        OverdueFilter(FIELD_LABELS["overdue"]),
        LookupFilter(Ticket.category, FIELD_LABELS["category"]),
        LookupFilter(Ticket.source, FIELD_LABELS["source"]),
        LookupFilter(Ticket.department, FIELD_LABELS["department"]),
        GridSubtreeFilter(Ticket.grid, FIELD_LABELS["within"]),
        LocalDateRangeFilter(Ticket.created_at, FIELD_LABELS["created_at"]),
        TodoFilter(lazy_gettext("To-do")),
        FigureFilter(lazy_gettext("Figure")),
    )
    # Reporting and correcting a ticket's own fields; its status, due time
    # and handling change only through the workflow's steps.
    form_columns = ("title", "description", "category", "source", "grid", "place", "latitude", "longitude",
                    "location_accuracy", "reporter", "priority")
    form_args = {
        "grid": {"description": lazy_gettext("Leave blank to take the grid the position falls in.")},
        "latitude": {"validators": [Optional(), NumberRange(-90, 90)],
                     "description": lazy_gettext("WGS-84 degrees, as a phone's GPS gives them, e.g. 32.0415.")},
        "longitude": {"validators": [Optional(), NumberRange(-180, 180)],
                      "description": lazy_gettext("WGS-84 degrees, e.g. 118.7781.")},
        "location_accuracy": {"validators": [Optional(), NumberRange(0, 1_000_000)]},
    }
    form_extra_fields = {"photos": PhotosField(), "report_key": ReportKeyField()}
    create_template = "admin/ticket_report.html"
    column_formatters = {"due_at": _due, "photo": photo_views.list_formatter, "reporter": _reporter}
    # Plain values (the type formatters' local times), but the reporter's name.
    column_formatters_export = {"reporter": _reporter}
    column_formatters_detail = {"photos": photo_views.details_formatter, "duplicate_of": _duplicate,
                                "reporter": _reporter}
    details_template = "admin/ticket_details.html"
    column_card_list = ("number", "title", "status", "due_at", "grid", "created_at")
    column_card_title = "title"
    # The list shows only these related rows' names (their __str__).
    list_related_fields = {"category": ("name",), "grid": ("name",), "reporter": ("name",),
                           "department": ("name",)}
    # Read by the due light (deadlines.light), the edit action (tickets.editable),
    # the page's record versions (versions.js) and the volunteer reporter's name.
    list_row_fields = ("version", "status", "dispatched_at", "reporter_volunteer")
    ajax_lookups = {"grid": ("code", "name"), "reporter": ("name", "mobile"), "assignee": ("name", "mobile")}

    def __init__(self, **kwargs):
        super().__init__(Ticket, **kwargs)

    def decorate_rows(self, rows):
        super().decorate_rows(rows)
        names = tickets.reporter_names(rows)
        for row in rows:
            row.volunteer_reporter = names.get(row.id)

    def get_one(self, id):
        obj = super().get_one(id)
        self.decorate_rows([obj])
        return obj

    # --- access: records past handling are history, not forms ------------

    def has_permission(self, action, obj=None):
        allowed = super().has_permission(action, obj)
        if allowed and obj is not None and action == permissions.EDIT:
            return tickets.editable(obj, current_user.role)
        return allowed

    # --- reporting and editing ------------------------------------------

    def scaffold_form(self):
        form_class = super().scaffold_form()
        # The grid may be left to the position (places.fill_grid, on saving).
        grid = form_class.grid
        grid.kwargs["validators"] = [Optional()]
        grid.kwargs["allow_blank"] = True
        return form_class

    def on_model_change(self, form, model, is_created):
        user = current_user._get_current_object()
        places.fill_grid(model, user)
        grids.check_report_grid(model, user)

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        del form["photos"]  # photos come with the report and the handling
        del form["report_key"]
        return form

    def create_form(self, obj=None):
        """The report form (随手拍): categories as large choices; for a user
        bound to part of the grid tree, its grids to pick from without
        typing, the user's own grid filled in; the source 随手拍 to start with."""
        user = current_user._get_current_object()
        fields = {"category": RadioField(FIELD_LABELS["category"], coerce=_optional_id, validators=[InputRequired()],
                                         choices=[SelectChoice(c.id, c.name) for c in Category.select(
                                             Category.id, Category.name).where(Category.active).order_by(Category.code)])}
        choices = grids.report_choices(user)
        if choices is not None:
            fields["grid"] = SelectField(
                FIELD_LABELS["grid"], coerce=_optional_id, validators=[Optional()],
                choices=[SelectChoice("", gettext("(the grid the position falls in)"))]
                + [SelectChoice(grid_id, name) for grid_id, name in choices],
                default=grids.report_default(user, choices),
                description=lazy_gettext("Leave blank to take the grid the position falls in."))
        form_class = type("ReportForm", (self._create_form_class,), fields)
        form = self._restrict_form(form_class(get_form_data(), obj=obj))
        if request.method == "GET" and "source" in form and form.source.data is None:
            form.source.data = Source.get_or_none((Source.code == REPORT_SOURCE) & Source.active)
        return form

    def create_model(self, form):
        """A report sent again (its key already used) is the ticket it made
        the first time: shown, not reported twice."""
        try:
            key = tickets.clean_report_key(form.report_key.data if "report_key" in form else None)
        except RuleError as error:
            flash(rule_message(error), "error")
            return False
        existing = tickets.reported_with_key(key)
        if existing is None:
            created = super().create_model(form)
            if created or key is None:
                return created
            existing = tickets.reported_with_key(key)  # sent twice at once: the other one won
            if existing is None:
                return created
        if not scope.can_see(current_user, existing):
            flash(gettext("This report was already sent by someone else."), "error")
            return False
        flash(gettext("This report had already been received: ticket %(number)s.", number=existing.number), "info")
        return existing

    def get_save_return_url(self, model, is_created=False):
        # After reporting, the new ticket's own page, with its number.
        if is_created:
            return self.get_url(".details_view", id=model.id)
        return super().get_save_return_url(model, is_created)

    def prepare_save(self, form, obj, is_created):
        if is_created:  # the day's number counter, before the transaction (services.tickets)
            tickets.ensure_counter(clock.local_today(current_app.config["TIMEZONE"]))
        # Photos are resized before the save's transaction opens.
        try:
            return {"photos": photos.prepare_all(uploaded(form.photos)) if "photos" in form else []}
        except RuleError as error:
            error.field = "photos"
            raise

    def save_record(self, obj, is_created, prepared):
        tz = current_app.config["TIMEZONE"]
        if is_created:
            workflow.report(obj, current_user._get_current_object(), clock.local_today(tz),
                            photo_files=prepared["photos"], storage_dir=current_app.config["PHOTO_DIR"],
                            address=client_address(), tz=tz)
        else:
            tickets.save_ticket(obj, False, clock.local_today(tz), tz)

    def record_save(self, user, obj, is_created, changes):
        if not is_created:  # a report is logged by workflow.report, with its first event
            super().record_save(user, obj, is_created, changes)

    def after_model_change(self, form, model, is_created):
        if is_created:
            flash(gettext("Ticket %(number)s reported.", number=model.number), "success")
        decision = getattr(model, "dispatch_decision", None)
        if is_created and decision is not None and decision.rule is not None and decision.rule.auto \
                and decision.auto_failed is None:
            flash(gettext("Dispatched at once to %(target)s by dispatch rule “%(rule)s”.",
                          target=decision.target_name, rule=decision.rule.name), "success")

    # --- the details page: deadline, steps, timeline ---------------------

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            kwargs.update(self._details_context(kwargs["model"]))
        return super().render(template, **kwargs)

    def _step_forms(self, ticket):
        user = current_user._get_current_object()
        loader = self._form_ajax_refs.get("assignee")
        forms = []
        for action in workflow.available(ticket, user):
            form = form_class(action, loader)(formdata=None, prefix=f"{action}-", version=ticket.version)
            forms.append((action, ACTION_LABELS[action], form))
        return forms

    def _suggested_form(self, steps, decision):
        """The dispatch step's form filled with the rules' suggestion, for a
        one-click "dispatch as suggested" (the open form stays blank: a
        prefilled department would clash with a worker picked by hand)."""
        if decision is None or decision.rule is None or "dispatch" not in [action for action, _l, _f in steps]:
            return None
        form = next(form for action, _l, form in steps if action == "dispatch")
        return {"form": form, "department": decision.department.id if decision.department else "",
                "assignee": decision.assignee.id if decision.assignee else ""}

    def _suggestion(self, ticket):
        """The dispatch rules' suggestion, while the ticket awaits dispatch and
        the user may dispatch it."""
        if ticket.status not in ("reported", "accepted") or current_user.role not in workflow.COMMAND:
            return None
        return dispatch.match(ticket)

    def _details_context(self, ticket):
        now = utcnow()
        suggestion = self._suggestion(ticket)
        steps = self._step_forms(ticket)
        return {
            "suggestion": suggestion,
            "suggested": self._suggested_form(steps, suggestion),
            "suggestion_skipped": [rule_message(e) for e in suggestion.skipped] if suggestion else [],
            "light": deadlines.light(ticket, now),
            "due_text": format_local_datetime(ticket.due_at) if ticket.due_at else "",
            "extension_text": format_local_datetime(ticket.extension_due_at) if ticket.extension_due_at else "",
            "overdue": deadlines.is_overdue(ticket, now),
            "steps": steps,
            "events": _timeline(ticket),
            "meeting_items": list(ticket.meeting_items),
        }

    @expose("/step/", methods=("POST",))
    def step_view(self):
        ticket = self.get_one(request.args.get("id"))
        action = request.form.get("action", "")
        back = url_for(".details_view", id=ticket.id)
        if action not in workflow.STEPS:
            abort(400)
        form = form_class(action, self._form_ajax_refs.get("assignee"))(prefix=f"{action}-")
        if not form.validate():
            for field in form:
                for error in field.errors:
                    flash(f"{field.label.text}: {error}", "error")
            return redirect(back)
        if form.version.data != str(ticket.version):
            flash(rule_message(RuleError(workflow.CONFLICT)), "error")
            return redirect(back)
        try:
            fields = step_fields(action, form)
            if fields.get("photos"):
                fields["photos"] = photos.prepare_all(fields["photos"])  # outside the transaction, as above
            limit = current_app.config["POINTS_ON_SPOT_PER_DAY"]
            workflow.transition(ticket, action, current_user._get_current_object(),
                                tz=current_app.config["TIMEZONE"], address=client_address(),
                                storage_dir=current_app.config["PHOTO_DIR"], on_spot_limit=limit, **fields)
        except RuleError as error:
            flash(rule_message(error), "error")
            return redirect(back)
        flash(gettext("%(step)s: done.", step=gettext(ACTION_LABELS[action])), "success")
        if action == "close_on_spot" and ticket.category.points_on_spot and not ticket.booked_points:
            flash(gettext("No points for this one: on-the-spot closes earn points at most %(count)s times a day.",
                          count=limit), "info")
        return redirect(back)


STATUS_LABELS = dict(TICKET_STATUSES)
SATISFACTION_LABELS = dict(SATISFACTION)


def _timeline(ticket):
    """The timeline's rows, each step by a person's name (not a login name)."""
    events = list(workflow.timeline(ticket))
    names = users.display_names(e.user_id for e in events)
    return [_event_view(e, names) for e in events]


def _event_view(event, names):
    """One timeline row as people read it."""
    data = json.loads(event.data) if event.data else {}
    details = []
    if data.get("department"):
        details.append(gettext("To department: %(name)s", name=data["department"]))
    if data.get("assignee"):
        details.append(gettext("To grid worker: %(name)s", name=data["assignee"]))
    if data.get("due_at"):
        details.append(gettext("Due: %(time)s", time=format_local_datetime(datetime.fromisoformat(data["due_at"]))))
    if data.get("target"):
        details.append(gettext("Duplicate of %(number)s", number=data["target"]))
    if data.get("satisfaction"):
        details.append(gettext(SATISFACTION_LABELS.get(data["satisfaction"], data["satisfaction"])))
    if data.get("rule"):
        details.append(gettext("By dispatch rule “%(name)s”", name=data["rule"]))
    by_system = event.user_id is None and event.username == dispatch.SYSTEM.username
    return {
        "at": format_local_datetime(event.at),
        "who": gettext("System (smart dispatch)") if by_system else users.person_name(event.user_id, event.username,
                                                                                     names),
        "action": gettext(ACTION_LABELS.get(event.action, event.action)),
        "from": gettext(STATUS_LABELS[event.from_status]) if event.from_status else "",
        "to": gettext(STATUS_LABELS.get(event.to_status, event.to_status)),
        "note": event.note or "",
        "details": details,
    }


def filter_index(view, kind):
    return next(i for i, f in enumerate(view._filters) if isinstance(f, kind))


def figure_url(view, figure, node_id, period, key=None, department=None):
    """The ticket list of a figure's tickets (FigureFilter)."""
    return figure_links(view)(figure, node_id, period, key, department)


URL_SAFE = "!$'()*,/:;?@"  # what url_for leaves unencoded in a query (werkzeug.urls._urlencode)


def figure_links(view):
    """``figure_url`` for a whole page: the route is built once, each link
    only encodes its filter value (a figures page has ~170 links)."""
    arg = f"flt0_{filter_index(view, FigureFilter)}"
    base = url_for("ticket.index_view")

    def link(figure, node_id, period, key=None, department=None):
        value = ":".join(str(part) if part is not None else "" for part in (figure, node_id, period, key, department))
        return f"{base}?{urlencode([(arg, value.rstrip(':'))], safe=URL_SAFE)}"

    return link


def todo_url(view, key, **more):
    """The ticket list filtered to queue ``key`` (and more filters: ``department``)."""
    args = {f"flt0_{filter_index(view, TodoFilter)}": key}
    if "department" in more:
        index = next(i for i, f in enumerate(view._filters)
                     if isinstance(f, LookupFilter) and f.column is Ticket.department)
        args[f"flt1_{index}"] = more["department"]
    return url_for("ticket.index_view", **args)


class OverdueTicketsLink(MenuLink):
    """超期工单: the ticket list filtered to overdue tickets, for those who see tickets."""

    def __init__(self, name, view):
        super().__init__(name)
        self.view = view

    def get_url(self):
        index = next(i for i, f in enumerate(self.view._filters) if isinstance(f, OverdueFilter))
        return url_for("ticket.index_view", **{f"flt0_{index}": "1"})

    def is_accessible(self):
        return current_user.is_authenticated and current_user.role not in permissions.REPORTERS_ONLY \
            and self.view.has_permission(permissions.VIEW)
