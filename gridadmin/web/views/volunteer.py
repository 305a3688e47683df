"""志愿服务队, 志愿者 and 服务记录 screens; teams and volunteers show total hours."""

from ...models import ServiceRecord, Volunteer, VolunteerTeam
from ...services import volunteers
from .. import validators as v
from ..base import BaseModelView
from ..filters import GridSubtreeFilter
from ..labels import FIELD_LABELS


class HoursMixin:
    """A ``total_hours`` column summed from service records, one query a page."""

    hours_key = None  # ServiceRecord.team or ServiceRecord.volunteer

    def decorate_rows(self, rows):
        hours = volunteers.total_hours(self.hours_key, {row.id for row in rows})
        for row in rows:
            row.total_hours = hours.get(row.id, 0)

    def get_one(self, id):
        obj = super().get_one(id)
        self.decorate_rows([obj])
        return obj


class VolunteerTeamView(HoursMixin, BaseModelView):
    hours_key = ServiceRecord.team
    column_list = ("name", "service_type", "grid", "leader", "leader_mobile", "founded_on", "total_hours")
    column_details_list = ("name", "service_type", "grid", "leader", "leader_mobile", "founded_on", "total_hours", "created_at")
    column_searchable_list = ("name", "leader")
    column_sortable_list = ("name", "service_type", "founded_on")
    column_filters = (VolunteerTeam.service_type, GridSubtreeFilter(VolunteerTeam.grid, FIELD_LABELS["within"]))
    form_columns = ("name", "service_type", "grid", "leader", "leader_mobile", "founded_on")
    form_args = {"leader_mobile": v.optional_mobile(), "founded_on": v.not_future_args()}
    ajax_lookups = {"grid": ("code", "name")}

    def __init__(self, **kwargs):
        super().__init__(VolunteerTeam, **kwargs)


class VolunteerView(HoursMixin, BaseModelView):
    hours_key = ServiceRecord.volunteer
    column_list = ("name", "mobile", "team", "grid", "total_hours")
    column_details_list = ("name", "mobile", "team", "grid", "total_hours", "created_at")
    column_searchable_list = ("name", "mobile")
    column_sortable_list = ("name",)
    column_filters = (GridSubtreeFilter(Volunteer.grid, FIELD_LABELS["within"]),)
    form_columns = ("name", "mobile", "team", "grid")
    form_args = {"mobile": v.optional_mobile()}
    ajax_lookups = {"team": ("name",), "grid": ("code", "name")}

    def __init__(self, **kwargs):
        super().__init__(Volunteer, **kwargs)


class ServiceRecordView(BaseModelView):
    column_list = ("served_on", "volunteer", "team", "activity", "hours", "beneficiaries")
    column_searchable_list = ("activity",)
    column_sortable_list = ("served_on", "hours", "beneficiaries")
    column_default_sort = ("served_on", True)
    form_columns = ("volunteer", "team", "served_on", "hours", "activity", "beneficiaries", "note")
    form_args = {"hours": {"validators": [v.Positive()]}, "beneficiaries": v.non_negative_args(),
                 "served_on": v.not_future_args(required=True)}
    ajax_lookups = {"volunteer": ("name", "mobile"), "team": ("name",)}

    def __init__(self, **kwargs):
        super().__init__(ServiceRecord, **kwargs)

    def save_record(self, obj, is_created, prepared):
        volunteers.save_record(obj, is_created)
