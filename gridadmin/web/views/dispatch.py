"""智能派单规则: the dispatch rules an administrator keeps (audited, versioned
by the base view; the rules themselves live in ``services.dispatch``)."""

from flask_babel import lazy_gettext as _l

from ...models import DispatchRule
from ...services import dispatch, records
from ..base import BaseModelView
from ..filters import LookupFilter
from ..labels import FIELD_LABELS


class DispatchRuleView(BaseModelView):
    simple_list_pager = False  # a few dozen rules
    column_list = ("sort_order", "name", "category", "grid", "source", "priority", "target", "department", "auto",
                   "active")
    column_searchable_list = ("name",)
    column_sortable_list = ("sort_order", "name")
    column_default_sort = [("sort_order", False), ("id", False)]
    column_filters = (LookupFilter(DispatchRule.category, FIELD_LABELS["category"]),
                      LookupFilter(DispatchRule.department, FIELD_LABELS["department"]),
                      DispatchRule.auto, DispatchRule.active)
    column_labels = {"grid": _l("Within grid"), "target": _l("Dispatch to"), "auto": _l("Dispatch automatically"),
                     "sort_order": _l("Order")}
    form_columns = ("name", "category", "grid", "source", "priority", "target", "department", "auto", "sort_order",
                    "active")
    form_args = {
        "grid": {"description": _l("Only tickets reported within this grid and everything below it; "
                                   "leave blank for everywhere.")},
        "source": {"description": _l("Only tickets from this source; leave blank for any.")},
        "priority": {"description": _l("Only tickets of this priority; leave blank for any.")},
        "target": {"description": _l("A department, or the grid worker of the ticket's own grid (its leader when "
                                     "on duty, else the first worker on duty).")},
        "department": {"description": _l("Required when dispatching to a department.")},
        "auto": {"description": _l("Ticked: a reported ticket is accepted and dispatched at once by the system. "
                                   "Unticked: the rule is shown to the command centre as the suggested dispatch.")},
        "sort_order": {"description": _l("Rules are tried from the lowest number up; the first that matches "
                                         "decides.")},
    }
    ajax_lookups = {"grid": ("code", "name")}

    def __init__(self, **kwargs):
        super().__init__(DispatchRule, **kwargs)

    def save_record(self, obj, is_created, prepared):
        dispatch.check_rule(obj)
        records.save(obj, is_created)
