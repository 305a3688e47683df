"""字典: lookup tables an administrator edits."""

from ...models import Category, Department, Source
from .. import validators as v
from ..base import BaseModelView


class LookupView(BaseModelView):
    simple_list_pager = False  # a few dozen rows: a full pager is cheap
    column_searchable_list = ("code", "name")
    column_sortable_list = ("code", "name", "sort_order")
    column_default_sort = ("sort_order", False)


class CategoryView(LookupView):
    column_list = ("code", "name", "time_limit_hours", "points", "sort_order", "active")
    form_columns = ("code", "name", "time_limit_hours", "points", "sort_order", "active")
    form_args = {"time_limit_hours": v.non_negative_args(), "points": v.non_negative_args()}

    def __init__(self, **kwargs):
        super().__init__(Category, **kwargs)


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
