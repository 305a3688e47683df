"""Domain rules, tested on the services without HTTP."""

from datetime import date, timedelta
from decimal import Decimal

import factories as f
import pytest

from gridadmin.models import (
    Grid,
    Meeting,
    MeetingItem,
    PartyOrg,
    ServiceRecord,
    Ticket,
    Volunteer,
    Worker,
    db,
    utcnow,
)
from gridadmin.services import grids, party, records, tickets, trees, volunteers
from gridadmin.services.errors import InUse, RuleError
from gridadmin.services.validators import is_grid_code, is_mobile

# --- value rules -----------------------------------------------------------


@pytest.mark.parametrize("value, ok", [
    ("13800138000", True),
    ("19912345678", True),
    ("15012345678", True),
    ("12800138000", False),   # 12x is not a mobile prefix
    ("10800138000", False),
    ("1380013800", False),    # 10 digits
    ("138001380000", False),  # 12 digits
    ("1380013800a", False),
    ("+8613800138000", False),
    ("138 0013 800", False),
    ("13800138000\n", False),
    ("１３８００１３８０００", False),  # full-width digits
    ("", False),
    (None, False),
])
def test_mobile_numbers(value, ok):
    assert is_mobile(value) is ok


@pytest.mark.parametrize("code, level, ok", [
    ("320102", "district", True),
    ("32010", "district", False),
    ("3201020", "district", False),
    ("32010a", "district", False),
    ("320102001", "street", True),
    ("320102", "street", False),
    ("320102001001", "community", True),
    ("32010200100", "community", False),
    ("320102001001G1", "grid", True),
    ("320102001001", "grid", False),           # a grid adds a suffix
    ("320102001001123456789", "grid", False),  # suffix of at most 8
    ("320102001001G-1", "grid", False),
    ("320102001001G101", "micro", True),
    ("320102001001G", "micro", False),         # micro suffix of at least 2
    ("320102\n", "district", False),
    ("３２０１０２", "district", False),
    ("320102", "nonsense", False),
    ("", "district", False),
])
def test_grid_code_per_level(code, level, ok):
    assert is_grid_code(code, level) is ok


# --- grid tree ---------------------------------------------------------------


def test_grid_tree_paths_and_depths(database):
    t = f.tree()
    assert t["district"].path == f"/{t['district'].id}/"
    assert t["district"].depth == 0
    micro = Grid.get_by_id(t["micro"].id)
    assert micro.path == "/" + "/".join(str(t[k].id) for k in ("district", "street", "community", "g1", "micro")) + "/"
    assert micro.depth == 4


def test_grid_code_must_fit_level(database):
    with pytest.raises(RuleError) as err:
        f.district(code="3201021")
    assert err.value.field == "code"
    assert Grid.select().count() == 0


def test_grid_code_must_extend_parent(database):
    d = f.district()
    with pytest.raises(RuleError) as err:
        f.grid("320103001", "别处街道", "street", d)
    assert err.value.field == "code"
    assert err.value.params == {"code": "320102"}


def test_grid_parent_must_be_higher_level(database):
    t = f.tree()
    with pytest.raises(RuleError) as err:
        f.grid("320102001001G3", "错位网格", "grid", t["g1"])  # grid under grid
    assert err.value.field == "parent"
    with pytest.raises(RuleError):
        # a street under a community, even with a code that looks right
        f.grid("320102001001", "x", "street", t["community"])


def test_grid_cannot_be_its_own_parent(database):
    t = f.tree()
    g1 = Grid.get_by_id(t["g1"].id)
    g1.parent = g1
    with pytest.raises(RuleError) as err:
        trees.check_parent(g1, g1)
    assert err.value.field == "parent"


@pytest.mark.parametrize("below", ["street", "community", "g1"])
def test_grid_cannot_move_under_its_descendant(database, below):
    t = f.tree()
    # Same level rules aside, the tree rule alone refuses it.
    node = Grid.get_by_id(t["district"].id)
    descendant = Grid.get_by_id(t[below].id)
    with pytest.raises(RuleError) as err:
        trees.check_parent(node, descendant)
    assert err.value.field == "parent"


def test_save_grid_refuses_a_descendant_as_parent(database):
    """Through save_grid (the view's path): the grid stays where it was."""
    t = f.tree()
    g1 = Grid.get_by_id(t["g1"].id)
    g1.parent = Grid.get_by_id(t["micro"].id)
    with pytest.raises(RuleError) as err:
        grids.save_grid(g1)
    assert err.value.field == "parent"
    assert Grid.get_by_id(t["g1"].id).parent_id == t["community"].id
    street = Grid.get_by_id(t["street"].id)
    street.parent = street
    with pytest.raises(RuleError):
        grids.save_grid(street)
    assert Grid.get_by_id(t["street"].id).parent_id == t["district"].id


def test_moving_a_grid_moves_its_subtree(database):
    t = f.tree()
    other = f.grid("320102002", "另一街道", "street", t["district"])
    c2 = f.grid("320102002001", "另一社区", "community", other)
    g1 = Grid.get_by_id(t["g1"].id)
    # Re-code to fit the new parent, then move.
    g1.parent = c2
    g1.code = "320102002001G1"
    grids.save_grid(g1)
    g1 = Grid.get_by_id(g1.id)
    assert g1.path == f"{c2.path}{g1.id}/"
    assert g1.depth == 3
    micro = Grid.get_by_id(t["micro"].id)
    assert micro.path == f"{g1.path}{micro.id}/"
    assert micro.depth == 4
    assert micro.code == "320102002001G101"  # its code follows its grid's
    # The old community no longer holds them; the new one does.
    old_sub = {g.id for g in trees.subtree(Grid, Grid.get_by_id(t["community"].id))}
    new_sub = {g.id for g in trees.subtree(Grid, Grid.get_by_id(c2.id))}
    assert g1.id not in old_sub and micro.id not in old_sub
    assert {g1.id, micro.id} <= new_sub
    # Siblings untouched.
    assert Grid.get_by_id(t["g2"].id).path == f"{t['community'].path}{t['g2'].id}/"


def test_moving_a_subtree_up_changes_depths(database):
    """A grid (with its micro-grid) moved from its community to the street."""
    t = f.tree()
    g1 = Grid.get_by_id(t["g1"].id)
    g1.parent = Grid.get_by_id(t["street"].id)
    grids.save_grid(g1)
    g1 = Grid.get_by_id(g1.id)
    micro = Grid.get_by_id(t["micro"].id)
    assert (g1.path, g1.depth) == (f"{t['street'].path}{g1.id}/", 2)
    assert (micro.path, micro.depth) == (f"{g1.path}{micro.id}/", 3)
    # Saving again without a move changes nothing.
    grids.save_grid(g1)
    assert Grid.get_by_id(micro.id).path == micro.path


def test_recoding_a_grid_recodes_the_grids_below(database):
    """Lower levels extend their parent's code, so they follow a new code."""
    t = f.tree()
    community = Grid.get_by_id(t["community"].id)
    community.code = "320102001002"
    grids.save_grid(community)
    codes = {g.id: g.code for g in Grid.select()}
    assert codes[t["g1"].id] == "320102001002G1"
    assert codes[t["g2"].id] == "320102001002G2"
    assert codes[t["micro"].id] == "320102001002G101"
    assert codes[t["street"].id] == "320102001"
    for g in Grid.select().where(Grid.parent.is_null(False)):
        assert g.code.startswith(Grid.get_by_id(g.parent_id).code)


def test_recoding_that_breaks_a_lower_level_is_refused(database):
    t = f.tree()
    g1 = Grid.get_by_id(t["g1"].id)
    g1.code = "320102001001G1234567"  # its micro-grid would get a 20-letter suffix... too long
    micro = Grid.get_by_id(t["micro"].id)
    micro.code = "320102001001G10000000000"
    grids.save_grid(micro)  # a micro suffix of 12
    with pytest.raises(RuleError) as err:
        grids.save_grid(g1)
    assert err.value.field == "code"
    assert Grid.get_by_id(t["g1"].id).code == "320102001001G1"
    assert Grid.get_by_id(t["micro"].id).code == "320102001001G10000000000"


def test_a_grid_stays_above_its_lower_levels(database):
    t = f.tree()
    g1 = Grid.get_by_id(t["g1"].id)  # has a micro-grid below
    g1.level = "micro"               # the same code fits a micro-grid
    with pytest.raises(RuleError) as err:
        grids.save_grid(g1)
    assert err.value.field == "level"
    assert Grid.get_by_id(g1.id).level == "grid"
    g2 = Grid.get_by_id(t["g2"].id)  # no lower levels: may become a micro-grid
    g2.code = "320102001001G20"
    g2.level = "micro"
    grids.save_grid(g2)


def test_subtree_does_not_match_sibling_prefixes(database):
    """/1/7/ must not match /1/70/: a prefix of ids is not a subtree."""
    d = f.district()
    streets = [f.grid(f"320102{n:03d}", f"街道{n}", "street", d) for n in range(1, 13)]
    first = streets[0]
    found = {g.id for g in trees.subtree(Grid, first)}
    assert found == {first.id}
    assert {g.id for g in Grid.select().where(Grid.id.in_(grids.subtree_ids(d)))} == {d.id, *(s.id for s in streets)}


def test_find_grid_by_code_or_name(database):
    t = f.tree()
    assert grids.find_grid("320102001001").id == t["community"].id
    assert grids.find_grid("第一网格").id == t["g1"].id
    assert grids.find_grid("  第一网格 ").id == t["g1"].id
    assert grids.find_grid("nothing") is None
    assert grids.find_grid("") is None
    assert grids.find_grid(None) is None


# --- party -------------------------------------------------------------------


def test_party_org_kind_order(database):
    top = f.party_org("某社区党总支", "general_branch")
    branch = f.party_org("第一网格党支部", "branch", top)
    group = f.party_org("一号楼党小组", "group", branch)
    f.party_org("党员中心户", "household", group)
    with pytest.raises(RuleError) as err:
        f.party_org("支部下的总支", "general_branch", branch)
    assert err.value.field == "parent"
    with pytest.raises(RuleError):
        f.party_org("同级", "branch", branch)
    assert PartyOrg.select().count() == 4


def test_party_org_stays_above_its_children(database):
    top = f.party_org("总支", "general_branch")
    branch = f.party_org("支部", "branch", top)
    f.party_org("小组", "group", branch)
    branch = PartyOrg.get_by_id(branch.id)
    branch.kind = "group"
    with pytest.raises(RuleError) as err:
        party.save_party_org(branch)
    assert err.value.field == "kind"
    assert PartyOrg.get_by_id(branch.id).kind == "branch"
    top = PartyOrg.get_by_id(top.id)
    top.kind = "branch"  # still above its branch? no: the same kind
    with pytest.raises(RuleError):
        party.save_party_org(top)


def test_party_org_cannot_be_its_own_ancestor(database):
    top = f.party_org("总支", "general_branch")
    branch = f.party_org("支部", "branch", top)
    # kind aside, the tree rule: re-read and point the top at its child.
    top = PartyOrg.get_by_id(top.id)
    top.parent = PartyOrg.get_by_id(branch.id)
    with pytest.raises(RuleError):
        party.save_party_org(top)
    with pytest.raises(RuleError):
        trees.check_parent(top, PartyOrg.get_by_id(branch.id))
    assert PartyOrg.get_by_id(top.id).parent_id is None


def test_in_service_member_needs_employer(database):
    org = f.party_org()
    member = f.party_member(org)
    member.in_service = True
    for employer in (None, "", "   "):
        member.employer = employer
        with pytest.raises(RuleError) as err:
            party.check_member(member)
        assert err.value.field == "employer"
    member.employer = "市供电公司"
    party.check_member(member)
    member.in_service = False
    member.employer = None
    party.check_member(member)


# --- unique values -------------------------------------------------------------


def test_unique_code_is_a_field_error(database):
    f.category(code="ENV", name="环境卫生")
    dup = f.Category(code="ENV", name="另一类")
    with pytest.raises(RuleError) as err:
        records.check_unique(dup)
    assert err.value.field == "code"
    dup = f.Category(code="ENV2", name="环境卫生")
    with pytest.raises(RuleError) as err:
        records.check_unique(dup)
    assert err.value.field == "name"


def test_unique_check_ignores_the_record_itself(database):
    cat = f.category(code="ENV", name="环境卫生")
    records.check_unique(cat)


def test_unique_grid_code(database):
    f.tree()
    d = Grid(code="320102", name="重复", level="district")
    with pytest.raises(RuleError) as err:
        records.check_unique(d)
    assert err.value.field == "code"


# --- tickets -------------------------------------------------------------------


def _new_ticket(t, cat, src, **kw):
    return Ticket(title="井盖缺失", category=cat, source=src, grid=t["g1"], **kw)


def test_ticket_numbers_sequential_per_day(database):
    t = f.tree()
    cat, src = f.category(), f.source()
    day = date(2026, 11, 21)
    a = tickets.save_ticket(_new_ticket(t, cat, src), True, day)
    b = tickets.save_ticket(_new_ticket(t, cat, src), True, day)
    c = tickets.save_ticket(_new_ticket(t, cat, src), True, date(2026, 11, 22))
    assert (a.number, b.number, c.number) == ("20261121-0001", "20261121-0002", "20261122-0001")
    assert tickets.next_number(day) == "20261121-0003"


def test_ticket_number_follows_the_highest(database):
    t = f.tree()
    cat, src = f.category(), f.source()
    f.ticket(t["g1"], cat, src, number="20261121-0041")
    f.ticket(t["g1"], cat, src, number="20261121-0007")
    f.ticket(t["g1"], cat, src, number="20261122-0099")
    assert tickets.next_number(date(2026, 11, 21)) == "20261121-0042"


def test_ticket_number_is_unique_in_the_database(database):
    t = f.tree()
    cat, src = f.category(), f.source()
    f.ticket(t["g1"], cat, src, number="20261121-0001")
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError, any driver
        with db.atomic():
            f.ticket(t["g1"], cat, src, number="20261121-0001")


def test_new_ticket_has_no_due_time_until_dispatched(database):
    t = f.tree()
    cat = f.category(time_limit_hours=48)
    ticket = tickets.save_ticket(_new_ticket(t, cat, f.source()), True, date.today())
    assert ticket.due_at is None and ticket.status == "reported"


def test_ticket_due_and_closed_not_before_created(database):
    t = f.tree()
    cat, src = f.category(), f.source()
    early = utcnow() - timedelta(days=1)
    with pytest.raises(RuleError) as err:
        tickets.save_ticket(_new_ticket(t, cat, src, due_at=early), True, date.today())
    assert err.value.field == "due_at"
    with pytest.raises(RuleError) as err:
        tickets.save_ticket(_new_ticket(t, cat, src, closed_at=early), True, date.today())
    assert err.value.field == "closed_at"
    assert Ticket.select().count() == 0
    ok = tickets.save_ticket(_new_ticket(t, cat, src), True, date.today())
    ok = Ticket.get_by_id(ok.id)
    ok.closed_at = ok.created_at - timedelta(minutes=1)
    with pytest.raises(RuleError):
        tickets.save_ticket(ok, False, date.today())
    ok.closed_at = ok.created_at + timedelta(hours=1)
    tickets.save_ticket(ok, False, date.today())
    assert Ticket.get_by_id(ok.id).closed_at == ok.closed_at


# --- deleting ------------------------------------------------------------------


def test_delete_refused_when_referenced(database):
    t = f.tree()
    w = f.worker(t["g1"])
    with pytest.raises(InUse) as err:
        records.delete_record(Grid.get_by_id(t["g1"].id))
    models = dict(err.value.references)
    assert models[Worker] == 1
    assert models[Grid] == 1  # the micro-grid below
    assert Worker.get_or_none(Worker.id == w.id) is not None
    assert Grid.get_or_none(Grid.id == t["g1"].id) is not None


def test_delete_unreferenced(database):
    t = f.tree()
    records.delete_record(Grid.get_by_id(t["g2"].id))
    assert Grid.get_or_none(Grid.id == t["g2"].id) is None


def test_delete_worker_who_leads_a_grid_clears_the_leader(database):
    t = f.tree()
    w = f.worker(t["g1"])
    Grid.update(leader=w.id).where(Grid.id == t["g1"].id).execute()
    records.delete_record(Worker.get_by_id(w.id))
    assert Grid.get_by_id(t["g1"].id).leader_id is None


def test_delete_worker_referenced_by_ticket_refused(database):
    t = f.tree()
    w = f.worker(t["g1"])
    f.ticket(t["g1"], assignee=w)
    with pytest.raises(InUse):
        records.delete_record(Worker.get_by_id(w.id))
    assert Worker.get_or_none(Worker.id == w.id)


def test_meeting_items_go_with_their_meeting(database):
    t = f.tree()
    m = f.meeting(t["g1"], items=["路灯不亮", "垃圾分类"])
    other = f.meeting(t["g1"], items=["停车难"])
    records.delete_record(Meeting.get_by_id(m.id))
    assert Meeting.get_or_none(Meeting.id == m.id) is None
    assert MeetingItem.select().where(MeetingItem.meeting == m.id).count() == 0
    assert MeetingItem.select().where(MeetingItem.meeting == other.id).count() == 1


def test_delete_records_all_or_none(database):
    t = f.tree()
    f.worker(t["g1"])
    free = f.grid("320102001001G3", "第三网格", "grid", t["community"])
    objs = [Grid.get_by_id(free.id), Grid.get_by_id(t["g1"].id)]
    with pytest.raises(InUse):
        records.delete_records(objs)
    assert Grid.get_or_none(Grid.id == free.id) is not None
    assert records.delete_records([Grid.get_by_id(free.id), Grid.get_by_id(t["g2"].id)]) == 2
    assert Grid.get_or_none(Grid.id == free.id) is None


# --- volunteers ------------------------------------------------------------------


def test_total_hours(database):
    t = f.tree()
    team = f.team(t["g1"])
    other = f.team(t["g1"])
    a, b = f.volunteer(team), f.volunteer(team)
    f.service_record(a, "2.5")
    f.service_record(a, "1.0")
    f.service_record(b, "3.0")
    f.service_record(b, "1.5", team=other)
    assert volunteers.total_hours(ServiceRecord.team, {team.id, other.id}) == {team.id: Decimal("6.5"),
                                                                               other.id: Decimal("1.5")}
    assert volunteers.total_hours(ServiceRecord.volunteer, [a.id, b.id]) == {a.id: Decimal("3.5"),
                                                                             b.id: Decimal("4.5")}
    assert volunteers.total_hours(ServiceRecord.volunteer, []) == {}
    assert Volunteer.select().count() == 2
