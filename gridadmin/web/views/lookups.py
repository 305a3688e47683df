"""字典: lookup tables an administrator edits."""

from flask_babel import lazy_gettext as _l
from wtforms.validators import Optional, StopValidation

from ...models import Category, Department, Source
from .. import validators as v
from ..base import BaseModelView


class LookupView(BaseModelView):
    simple_list_pager = False  # a few dozen rows: a full pager is cheap
    column_searchable_list = ("code", "name")
    column_sortable_list = ("code", "name", "sort_order")
    column_default_sort = ("sort_order", False)


class Filled:
    """A blank number is refused, where a blank would otherwise mean the
    column's default (forms.ModelConverter): a category's rules are typed."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        if field.data is None:
            raise StopValidation(field.gettext("This field is required."))


def _count(description):
    return {"validators": [Filled(), v.non_negative], "description": description}


class CategoryView(LookupView):
    column_list = ("code", "name", "time_limit_days", "time_limit_hours", "round_the_clock", "self_closable",
                   "points", "points_on_spot", "points_verify", "points_overdue", "sort_order", "active")
    column_sortable_list = ("code", "name", "time_limit_days", "time_limit_hours", "sort_order")
    column_labels = {"points": _l("Points for reporting")}
    form_columns = ("code", "name", "time_limit_days", "time_limit_hours", "round_the_clock", "self_closable",
                    "points", "points_on_spot", "points_verify", "points_overdue", "sort_order", "active")
    form_args = {
        "time_limit_days": {"validators": [Optional(), v.Positive()], "description": _l(
            "Working days, counted from the day after dispatch; due at the end of the last one. "
            "When given, this takes precedence over the hours.")},
        "time_limit_hours": _count(_l(
            "Used when no working days are given: hours that run on workdays only (or round the clock, "
            "below). 0 means no time limit.")),
        "round_the_clock": {"description": _l(
            "For urgent matters: the hours run on weekends and public holidays too.")},
        "self_closable": {"description": _l("A grid worker may close such a ticket on the spot when reporting it.")},
        "points": _count(_l("For the grid worker who reported a ticket that was closed.")),
        "points_on_spot": _count(_l("For the grid worker who closed a ticket on the spot.")),
        "points_verify": _count(_l("For the grid worker who verified a handled ticket on site.")),
        "points_overdue": _count(_l("Taken from the grid worker who handled a ticket late.")),
    }

    def __init__(self, **kwargs):
        super().__init__(Category, **kwargs)

    def scaffold_form(self):
        # The form builder follows the model (inherited Lookup fields first);
        # show the fields in form_columns' order, limits next to each other.
        form_class = super().scaffold_form()
        for order, name in enumerate(self.form_columns):
            getattr(form_class, name).creation_counter = order
        return form_class


class SourceView(LookupView):
    column_list = ("code", "name", "sort_order", "active")
    form_columns = column_list

    def __init__(self, **kwargs):
        super().__init__(Source, **kwargs)


class DepartmentView(LookupView):
    column_list = ("code", "name", "phone", "sort_order", "active")
    form_columns = column_list

    def __init__(self, **kwargs):
        super().__init__(Department, **kwargs)
