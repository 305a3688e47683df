"""议事会 screens: a meeting with its items edited inline, the items' loop
(discussed → in action → evaluated, services.meetings), the open items across
meetings, and printable minutes."""

from babel.dates import format_skeleton
from flask import abort, current_app, flash, g, redirect, render_template, request
from flask_admin import expose
from flask_admin.helpers import get_redirect_target
from flask_admin.model.form import InlineFormAdmin
from flask_babel import get_locale, gettext
from flask_login import current_user
from markupsafe import Markup
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from ...models import Category, Meeting, MeetingItem, Source, Ticket
from ...models.meeting import MEETING_ITEM_STATUSES
from ...models.ticket import SATISFACTION, TICKET_STATUSES
from ...services import clock, meetings
from ...services.errors import RuleError
from ..auth import client_address
from ..base import BaseModelView, format_local_datetime, link, rule_message
from ..filters import GridSubtreeFilter, LocalDateRangeFilter
from ..forms import AdminForm, TypedDateField
from ..i18n import choices
from ..labels import FIELD_LABELS
from ..validators import parse_id

# Bootstrap colours of the progress bar, by item status.
STATUS_COLOURS = {"raised": "secondary", "discussed": "info", "in_action": "warning", "evaluated": "success"}
# Where a new ticket comes from, when the lookup table has it (any case: the
# demo data codes it MEETING).
MEETING_SOURCE_CODE = "meeting"


class MeetingItemInline(InlineFormAdmin):
    # The status and what follows it move only through the loop's steps.
    form_columns = ("id", "topic", "raised_by", "discussion", "resolution", "responsible", "deadline", "measures")
    column_labels = FIELD_LABELS


# --- the loop's step forms: parsing only, the rules are the service's --------

class DiscussForm(AdminForm):
    resolution = TextAreaField(FIELD_LABELS["resolution"])
    discussion = TextAreaField(FIELD_LABELS["discussion"])


class CommunityForm(AdminForm):
    measures = TextAreaField(FIELD_LABELS["measures"])
    responsible = StringField(FIELD_LABELS["responsible"], validators=[Length(max=32)])
    deadline = TypedDateField(FIELD_LABELS["deadline"], validators=[Optional()])


class TicketForm(AdminForm):
    category = StringField(FIELD_LABELS["category"])
    source = StringField(FIELD_LABELS["source"])
    priority = StringField(FIELD_LABELS["priority"], default="normal")


class CompleteForm(AdminForm):
    note = TextAreaField(FIELD_LABELS["note"])


class EvaluateForm(AdminForm):
    satisfaction = StringField(FIELD_LABELS["satisfaction"])
    note = TextAreaField(FIELD_LABELS["evaluation"])


STEP_FORMS = {
    "discuss": DiscussForm,
    "act_in_community": CommunityForm,
    "to_ticket": TicketForm,
    "complete": CompleteForm,
    "evaluate": EvaluateForm,
}


def _run_step(step, item, form, actor, address):
    """Call the step's service; returns the success message."""
    if step == "discuss":
        meetings.discuss(item, actor, form.resolution.data, form.discussion.data, address=address)
        return gettext("The resolution has been recorded.")
    if step == "act_in_community":
        meetings.act_in_community(item, actor, form.measures.data, form.responsible.data, form.deadline.data,
                                  address=address)
        return gettext("The item is now being carried out within the community.")
    if step == "to_ticket":
        today = clock.local_today(current_app.config["TIMEZONE"])
        ticket = meetings.to_ticket(item, actor, parse_id(form.category.data), parse_id(form.source.data), today,
                                    priority=form.priority.data, address=address)
        return gettext("Ticket %(number)s has been created for this item.", number=ticket.number)
    if step == "complete":
        meetings.complete(item, actor, form.note.data, address=address)
        return gettext("The item has been marked done.")
    meetings.evaluate(item, actor, form.satisfaction.data, form.note.data, address=address)
    return gettext("The item has been evaluated.")


def loop_rows(items):
    """Each item with its ticket (one query for all) and the steps the
    current user may take on it now."""
    ticket_ids = {item.ticket_id for item in items} - {None}
    found = {t.id: t for t in Ticket.select(Ticket.id, Ticket.number, Ticket.status)
             .where(Ticket.id.in_(list(ticket_ids)))} if ticket_ids else {}
    statuses = dict(MEETING_ITEM_STATUSES)
    ticket_statuses = dict(TICKET_STATUSES)
    satisfaction = dict(SATISFACTION)
    actor = current_user._get_current_object()
    rows = []
    for item in items:
        ticket = found.get(item.ticket_id)
        if ticket is not None:
            item.__rel__["ticket"] = ticket
        rows.append({
            "item": item,
            "status": gettext(statuses.get(item.status, item.status)),
            "colour": STATUS_COLOURS.get(item.status, "secondary"),
            "deadline": _local_date(item.deadline),
            "satisfaction": gettext(satisfaction[item.satisfaction]) if item.satisfaction in satisfaction else "",
            "ticket": ticket,
            "ticket_status": gettext(ticket_statuses[ticket.status]) if ticket is not None else "",
            "steps": meetings.available_steps(item, actor, ticket.status if ticket is not None else None),
        })
    return rows


def step_options():
    """What the step forms offer: active categories and sources, the
    source preselected for a ticket from a meeting, satisfaction levels."""
    categories = list(Category.select(Category.id, Category.name).where(Category.active == True)  # noqa: E712
                      .order_by(Category.sort_order, Category.id))
    sources = list(Source.select(Source.id, Source.name, Source.code).where(Source.active == True)  # noqa: E712
                   .order_by(Source.sort_order, Source.id))
    preferred = next((s.id for s in sources if s.code.lower() == MEETING_SOURCE_CODE), None)
    return {"categories": categories, "sources": sources, "source_id": preferred,
            "satisfaction": choices(SATISFACTION)}


def _local_date(value):
    return format_skeleton("yMd", value, locale=get_locale()) if value else ""


def _ticket_cell(view, context, model, name):
    ticket = model.ticket if model.ticket_id else None
    if ticket is None:
        return ""
    status = gettext(dict(TICKET_STATUSES).get(ticket.status, ticket.status))
    return Markup("{} <small class=\"text-muted\">{}</small>").format(link("ticket", ticket, ticket.number), status)


def _meeting_cell(view, context, model, name):
    return link("meeting", model.meeting)


class MeetingView(BaseModelView):
    column_list = ("title", "held_at", "place", "grid", "convener", "recorder")
    column_details_list = ("title", "held_at", "place", "grid", "convener", "recorder", "participants")
    column_searchable_list = ("title", "place", "convener")
    column_sortable_list = ("title", "held_at", "place")
    column_default_sort = ("held_at", True)
    column_filters = (GridSubtreeFilter(Meeting.grid, FIELD_LABELS["within"]),
                      LocalDateRangeFilter(Meeting.held_at, FIELD_LABELS["held_at"]))
    form_columns = ("title", "held_at", "place", "grid", "convener", "recorder", "participants")
    ajax_lookups = {"grid": ("code", "name")}
    inline_models = (MeetingItemInline(MeetingItem),)
    details_template = "admin/meeting_details.html"

    def __init__(self, **kwargs):
        super().__init__(Meeting, **kwargs)

    def meeting_loop(self, meeting):
        """The details page's items section: progress, rows, step options."""
        items = list(meeting.items.order_by(MeetingItem.id))
        counts = meetings.progress([meeting.id])[meeting.id]
        total = sum(counts.values())
        bars = [{"status": status, "label": gettext(label), "count": counts[status],
                 "percent": round(100 * counts[status] / total, 1) if total else 0,
                 "colour": STATUS_COLOURS[status]}
                for status, label in MEETING_ITEM_STATUSES]
        return {"rows": loop_rows(items), "bars": bars, "total": total, "done": counts["evaluated"],
                **step_options()}

    @expose("/minutes/")
    def minutes_view(self):
        """会议记录: a standalone A4 page the browser prints."""
        meeting = self.get_one(request.args.get("id"))
        items = list(meeting.items.order_by(MeetingItem.id))
        return render_template("admin/minutes.html", meeting=meeting, items=items,
                               held_at=format_local_datetime(meeting.held_at), local_date=_local_date)


class MeetingItemView(BaseModelView):
    """Items across meetings, in scope; open ones unless a status is filtered for."""

    column_list = ("topic", "meeting", "status", "responsible", "deadline", "ticket")
    column_details_list = ("meeting", "topic", "raised_by", "discussion", "resolution", "measures", "responsible",
                           "deadline", "status", "action_mode", "ticket", "done_at", "satisfaction", "evaluation",
                           "evaluated_at")
    column_export_list = ("meeting", "topic", "raised_by", "resolution", "measures", "responsible", "deadline",
                          "status", "action_mode", "ticket", "done_at", "satisfaction", "evaluation",
                          "evaluated_at")
    column_searchable_list = ("topic", "responsible")
    column_sortable_list = ("status", "deadline")
    column_filters = (MeetingItem.status, MeetingItem.action_mode, MeetingItem.satisfaction)
    column_formatters = {"ticket": _ticket_cell, "meeting": _meeting_cell}
    column_formatters_detail = column_formatters
    column_formatters_export = {"ticket": lambda v, c, m, n: m.ticket.number if m.ticket_id else ""}
    # Free text stays editable; the status moves only through the steps.
    form_columns = ("topic", "raised_by", "discussion", "resolution", "responsible", "deadline", "measures")
    list_related_fields = {"meeting": ("title",), "ticket": ("number", "status")}
    list_template = "admin/meeting_item_list.html"
    details_template = "admin/meeting_item_details.html"

    def __init__(self, **kwargs):
        super().__init__(MeetingItem, **kwargs)

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        # Per request (views are shared between threads): open items only
        # unless the user filters by status (how evaluated ones are found).
        g.meetingitem_open_only = not any(
            getattr(self._filters[index].column, "name", None) == "status" for index, *_rest in filters or ())
        return super().get_list(page, sort_column, sort_desc, search, filters, execute=execute,
                                page_size=page_size)

    def get_query(self):
        if g.get("meetingitem_open_only") and request.endpoint in ("meetingitem.index_view", "meetingitem.export"):
            return meetings.open_items(current_user._get_current_object())
        return super().get_query()

    def item_loop(self, item):
        return {"rows": loop_rows([item]), **step_options()}

    @expose("/step/", methods=("POST",))
    def step_view(self):
        """One step of the loop on one item (the forms on the details pages)."""
        item = self.get_one(request.args.get("id"))  # missing or out of scope: 404
        if not meetings.may_act(current_user):
            abort(403)
        step = request.form.get("step")
        if step not in STEP_FORMS:
            abort(400)
        return_url = get_redirect_target() or self.get_url(".details_view", id=item.id)
        form = STEP_FORMS[step]()
        if not form.validate():
            for field in form:
                for error in field.errors:
                    flash(f"{field.label.text}: {error}", "error")
            return redirect(return_url)
        try:
            message = _run_step(step, item, form, current_user._get_current_object(), client_address())
        except meetings.Forbidden:
            abort(403)
        except meetings.OutOfScope:
            abort(404)
        except RuleError as error:
            flash(rule_message(error), "error")
        else:
            flash(message, "success")
        return redirect(return_url)
