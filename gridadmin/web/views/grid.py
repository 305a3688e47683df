"""网格 and 网格员 screens."""

from flask import current_app

from ...models import Grid, Worker
from ...services import grids, points, records
from .. import validators as v
from ..base import BaseModelView
from ..filters import GridSubtreeFilter
from ..labels import FIELD_LABELS
from .points import worker_balance, worker_history


class GridView(BaseModelView):
    column_list = ("code", "name", "level", "parent", "kind", "area_type", "households", "population", "leader", "active")
    column_details_exclude_list = ("path",)
    column_searchable_list = ("code", "name")
    column_sortable_list = ("code", "name", "level", "households", "population")
    column_default_sort = ("code", False)
    column_filters = (Grid.level, Grid.kind, Grid.area_type, Grid.active,
                      GridSubtreeFilter(Grid.id, FIELD_LABELS["within"]))
    form_columns = ("parent", "code", "name", "level", "kind", "area_type", "households", "population", "area",
                    "boundary_east", "boundary_west", "boundary_south", "boundary_north",
                    "online_group_name", "online_group_members", "leader", "active")
    form_args = {name: v.non_negative_args() for name in ("households", "population", "area", "online_group_members")}
    ajax_lookups = {"parent": ("code", "name"), "leader": ("name", "mobile")}
    # A list row reads its columns, its version and its parent's and leader's names.
    list_row_fields = ("version",)
    list_related_fields = {"parent": ("name",), "leader": ("name",)}

    def __init__(self, **kwargs):
        super().__init__(Grid, **kwargs)

    def save_record(self, obj, is_created, prepared):
        records.check_unique(obj)
        grids.save_grid(obj)


class WorkerView(BaseModelView):
    column_list = ("name", "gender", "mobile", "grid", "post", "employment", "party_member", "joined_on", "status")
    # Points: the balance (one SUM) and the latest entries, on the details page
    # only (a balance per list row would sum every row's whole history).
    column_details_list = (*column_list, "created_at", "points", "point_entries")
    column_formatters_detail = {"points": worker_balance, "point_entries": worker_history}
    column_searchable_list = ("name", "mobile")
    column_sortable_list = ("name", "post", "joined_on", "status")
    column_filters = (Worker.post, Worker.employment, Worker.status, Worker.gender, Worker.party_member,
                      GridSubtreeFilter(Worker.grid, FIELD_LABELS["within"]))
    form_columns = ("name", "gender", "mobile", "grid", "post", "employment", "party_member", "joined_on", "status")
    form_args = {"mobile": v.required_mobile(), "joined_on": v.not_future_args()}
    ajax_lookups = {"grid": ("code", "name")}
    list_row_fields = ("version",)
    list_related_fields = {"grid": ("name",)}

    def __init__(self, **kwargs):
        super().__init__(Worker, **kwargs)

    def save_record(self, obj, is_created, prepared):
        points.save_worker(obj, is_created, current_app.config["TIMEZONE"])
