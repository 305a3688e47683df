"""Party organisation rules: the tree goes 总支 → 支部 → 党小组 → 中心户."""

from ..models.party import PARTY_ORG_KINDS
from . import trees
from .errors import RuleError

ORG_RANK = {value: rank for rank, (value, _label) in enumerate(PARTY_ORG_KINDS)}


def check_party_org(org):
    parent = org.parent
    if parent is not None and ORG_RANK[parent.kind] >= ORG_RANK[org.kind]:
        raise RuleError("The parent organisation must be of a higher kind.", field="parent")


def save_party_org(org):
    check_party_org(org)
    return trees.save_node(org)


def check_member(member):
    if member.in_service and not (member.employer or "").strip():
        raise RuleError("An in-service member needs an employer.", field="employer")
