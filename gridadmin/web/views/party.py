"""党组织 and 党员 screens."""

from ...models import PartyMember, PartyOrg
from ...services import party
from .. import validators as v
from ..base import BaseModelView
from ..filters import GridSubtreeFilter
from ..labels import FIELD_LABELS


class PartyOrgView(BaseModelView):
    column_list = ("name", "kind", "parent", "grid", "secretary", "founded_on")
    column_details_exclude_list = ("path",)
    column_searchable_list = ("name", "secretary")
    column_sortable_list = ("name", "kind", "founded_on")
    column_filters = (PartyOrg.kind, GridSubtreeFilter(PartyOrg.grid, FIELD_LABELS["within"]))
    form_columns = ("name", "kind", "parent", "grid", "secretary", "founded_on")
    form_args = {"founded_on": v.not_future_args()}
    ajax_lookups = {"parent": ("name",), "grid": ("code", "name")}

    def __init__(self, **kwargs):
        super().__init__(PartyOrg, **kwargs)

    def save_record(self, obj, is_created, prepared):
        party.save_party_org(obj)


class PartyMemberView(BaseModelView):
    column_list = ("name", "gender", "mobile", "org", "joined_party_on", "in_service", "employer")
    column_searchable_list = ("name", "mobile", "employer")
    column_sortable_list = ("name", "joined_party_on")
    column_filters = (PartyMember.gender, PartyMember.in_service)
    form_columns = ("name", "gender", "mobile", "org", "joined_party_on", "in_service", "employer")
    form_args = {"mobile": v.optional_mobile(), "joined_party_on": v.not_future_args()}
    ajax_lookups = {"org": ("name",)}

    def __init__(self, **kwargs):
        super().__init__(PartyMember, **kwargs)

    def save_record(self, obj, is_created, prepared):
        party.check_member(obj)
        super().save_record(obj, is_created, prepared)
