"""议事会 screens: a meeting with its items edited inline."""

from flask_admin.model.form import InlineFormAdmin

from ...models import Meeting, MeetingItem
from ..base import BaseModelView
from ..filters import GridSubtreeFilter, LocalDateRangeFilter
from ..labels import FIELD_LABELS


class MeetingItemInline(InlineFormAdmin):
    form_columns = ("id", "topic", "raised_by", "discussion", "resolution", "responsible", "deadline", "status")
    column_labels = FIELD_LABELS


class MeetingView(BaseModelView):
    column_list = ("title", "held_at", "place", "grid", "convener", "recorder")
    column_details_list = ("title", "held_at", "place", "grid", "convener", "recorder", "participants", "items")
    column_searchable_list = ("title", "place", "convener")
    column_sortable_list = ("title", "held_at", "place")
    column_default_sort = ("held_at", True)
    column_filters = (GridSubtreeFilter(Meeting.grid, FIELD_LABELS["within"]),
                      LocalDateRangeFilter(Meeting.held_at, FIELD_LABELS["held_at"]))
    form_columns = ("title", "held_at", "place", "grid", "convener", "recorder", "participants")
    ajax_lookups = {"grid": ("code", "name")}
    inline_models = (MeetingItemInline(MeetingItem),)

    def __init__(self, **kwargs):
        super().__init__(Meeting, **kwargs)
