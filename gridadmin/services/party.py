"""Party organisation rules: the tree goes 总支 → 支部 → 党小组 → 中心户."""

from ..models import PartyOrg
from ..models.party import PARTY_ORG_KINDS
from . import trees
from .errors import RuleError

ORG_RANK = {value: rank for rank, (value, _label) in enumerate(PARTY_ORG_KINDS)}


def check_party_org(org):
    parent = org.parent
    if parent is not None and ORG_RANK[parent.kind] >= ORG_RANK[org.kind]:
        raise RuleError("The parent organisation must be of a higher kind.", field="parent")
    if org.id is not None:
        # ...and stays above the organisations right below it.
        kinds = PartyOrg.select(PartyOrg.kind).where(PartyOrg.parent == org.id).tuples()
        if any(ORG_RANK[kind] <= ORG_RANK[org.kind] for (kind,) in kinds):
            raise RuleError("The parent organisation must be of a higher kind.", field="kind")


def save_party_org(org):
    check_party_org(org)
    return trees.save_node(org)


def check_member(member):
    if member.in_service and not (member.employer or "").strip():
        raise RuleError("An in-service member needs an employer.", field="employer")
