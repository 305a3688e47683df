"""事件 / 工单 screens (the workflow between states comes with the closed loop)."""

from flask import current_app

from ...models import Ticket
from ...services import clock, tickets
from ..base import BaseModelView
from ..filters import GridSubtreeFilter, LocalDateRangeFilter, LookupFilter
from ..labels import FIELD_LABELS


class TicketView(BaseModelView):
    column_list = ("number", "title", "category", "grid", "status", "priority", "reporter", "department",
                   "created_at", "due_at")
    column_details_list = ("number", "title", "description", "category", "source", "grid", "place", "reporter",
                           "assignee", "department", "priority", "status", "created_at", "due_at", "closed_at",
                           "resolution", "satisfaction")
    column_searchable_list = ("number", "title", "place")
    column_sortable_list = ("number", "status", "priority", "created_at", "due_at")
    column_default_sort = ("created_at", True)
    column_filters = (
        Ticket.status, Ticket.priority,
        LookupFilter(Ticket.category, FIELD_LABELS["category"]),
        LookupFilter(Ticket.source, FIELD_LABELS["source"]),
        LookupFilter(Ticket.department, FIELD_LABELS["department"]),
        GridSubtreeFilter(Ticket.grid, FIELD_LABELS["within"]),
        LocalDateRangeFilter(Ticket.created_at, FIELD_LABELS["created_at"]),
    )
    form_columns = ("title", "description", "category", "source", "grid", "place", "reporter", "assignee",
                    "department", "priority", "status", "due_at", "closed_at", "resolution", "satisfaction")
    # The list shows only these related rows' names (their __str__).
    list_related_fields = {"category": ("name",), "grid": ("name",), "reporter": ("name",),
                           "department": ("name",)}
    ajax_lookups = {"grid": ("code", "name"), "reporter": ("name", "mobile"), "assignee": ("name", "mobile")}

    def __init__(self, **kwargs):
        super().__init__(Ticket, **kwargs)

    def save_record(self, obj, is_created):
        tickets.save_ticket(obj, is_created, clock.local_today(current_app.config["TIMEZONE"]))
