"""议事会 screens: a meeting with its items edited inline."""

from flask_admin.model.form import InlineFormAdmin
from flask_babel import gettext
from markupsafe import Markup

from ...models import Meeting, MeetingItem
from ...models.meeting import MEETING_ITEM_STATUSES
from ..base import BaseModelView
from ..filters import GridSubtreeFilter, LocalDateRangeFilter
from ..labels import FIELD_LABELS


class MeetingItemInline(InlineFormAdmin):
    form_columns = ("id", "topic", "raised_by", "discussion", "resolution", "responsible", "deadline", "status")
    column_labels = FIELD_LABELS


def _items_list(view, context, model, name):
    """A meeting's items on its details page: topic (status), in order."""
    statuses = dict(MEETING_ITEM_STATUSES)
    rows = [Markup("<li>{}</li>").format(gettext("%(topic)s (%(status)s)", topic=item.topic,
                                                  status=gettext(statuses.get(item.status, item.status))))
            for item in model.items.order_by(MeetingItem.id)]
    return Markup('<ol class="mb-0 pl-3">{}</ol>').format(Markup("").join(rows)) if rows else ""


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
    column_formatters_detail = {"items": _items_list}

    def __init__(self, **kwargs):
        super().__init__(Meeting, **kwargs)
