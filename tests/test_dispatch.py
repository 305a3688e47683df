"""Smart dispatch rules: order, grid subtree, source and priority, automatic
versus suggested, targets that cannot take a ticket, and reports at once."""

import json
import threading
from datetime import date

import pytest

from gridadmin.models import Department, DispatchRule, Ticket, TicketEvent, db
from gridadmin.services import deadlines, dispatch, workflow
from gridadmin.services.errors import RuleError
from tests import factories as f

TODAY = date(2026, 11, 18)


@pytest.fixture
def world(database):
    t = f.tree()
    t["cat"] = f.category("道路破损", time_limit_days=3)
    t["src"] = f.source("网格员巡查")
    t["hotline"] = f.source("12345热线")
    t["roads"] = f.department("城管局")
    t["water"] = f.department("水务局")
    t["admin"] = __import__("gridadmin.models", fromlist=["User"]).User.get(username="admin")
    return t


def rule(world, name, **kw):
    kw.setdefault("category", world["cat"])
    if kw.setdefault("target", "department") == "department":
        kw.setdefault("department", world["roads"])
    return DispatchRule.create(name=name, **kw)


def new_ticket(world, grid="g1", **kw):
    kw.setdefault("category", world["cat"])
    kw.setdefault("source", world["src"])
    return Ticket(title="路面塌陷", grid=world[grid], **kw)


def decided(world, **kw):
    decision = dispatch.match(new_ticket(world, **kw))
    return decision.rule.name if decision.rule else None


def test_the_first_matching_rule_in_order_wins(world):
    rule(world, "后", sort_order=20, department=world["water"])
    rule(world, "先", sort_order=10)
    rule(world, "停用", sort_order=0, active=False)
    rule(world, "别的类别", sort_order=-1, category=f.category())
    decision = dispatch.match(new_ticket(world))
    assert (decision.rule.name, decision.department.name) == ("先", "城管局")


def test_grid_subtree_source_and_priority_conditions(world):
    rule(world, "二网格", sort_order=1, grid=world["g2"])
    rule(world, "热线", sort_order=2, source=world["hotline"])
    rule(world, "紧急", sort_order=3, priority="urgent")
    rule(world, "社区内", sort_order=4, grid=world["community"], department=world["water"])
    assert decided(world, grid="g2") == "二网格"
    assert decided(world, grid="g1", source=world["hotline"]) == "热线"
    assert decided(world, grid="g1", priority="urgent") == "紧急"
    assert decided(world, grid="micro") == "社区内"  # the micro-grid lies within the community
    outside = f.grid("320102002", "另一街道", "street", world["district"])
    assert decided(world, grid="g1") == "社区内"
    world["outside"] = outside
    assert decided(world, grid="outside") is None


def test_an_automatic_rule_accepts_and_dispatches_at_report(world):
    applied = rule(world, "道路自动派城管", auto=True)
    ticket = workflow.report(new_ticket(world), world["admin"], TODAY)
    ticket = Ticket.get_by_id(ticket.id)
    assert (ticket.status, ticket.department_id) == ("dispatched", world["roads"].id)
    assert ticket.due_at == deadlines.due_time(world["cat"], ticket.dispatched_at, "Asia/Shanghai")
    events = list(workflow.timeline(ticket))
    assert [(e.action, e.username) for e in events] == [
        ("report", "admin"), ("accept", "system"), ("dispatch", "system")]
    assert all(e.user_id is None for e in events[1:])
    data = json.loads(events[2].data)
    assert (data["rule"], data["rule_id"], data["department"]) == ("道路自动派城管", applied.id, "城管局")


def test_a_suggesting_rule_leaves_the_ticket_to_the_centre(world):
    rule(world, "建议派城管", auto=False)
    ticket = workflow.report(new_ticket(world), world["admin"], TODAY)
    assert ticket.dispatch_decision.rule.name == "建议派城管"
    assert Ticket.get_by_id(ticket.id).status == "reported"
    assert TicketEvent.select().where(TicketEvent.ticket == ticket.id).count() == 1


def test_a_rule_pointing_at_a_deactivated_department_never_dispatches(world):
    rule(world, "旧部门", sort_order=1, auto=True)
    Department.update(active=False).where(Department.id == world["roads"].id).execute()
    ticket = workflow.report(new_ticket(world), world["admin"], TODAY)
    decision = ticket.dispatch_decision
    assert decision.rule is None
    assert [(e.message, e.params["rule"]) for e in decision.skipped] == [(dispatch.SKIPPED_INACTIVE, "旧部门")]
    assert Ticket.get_by_id(ticket.id).status == "reported"
    # It falls through to the next rule that can take the ticket.
    rule(world, "备用", sort_order=2, department=world["water"], auto=True)
    ticket = workflow.report(new_ticket(world), world["admin"], TODAY)
    assert ticket.dispatch_decision.rule.name == "备用"
    assert Ticket.get_by_id(ticket.id).department_id == world["water"].id


def test_the_grids_own_worker(world):
    rule(world, "网格员自办", target="grid_worker", department=None, auto=True)
    assert dispatch.match(new_ticket(world)).rule is None  # no worker on duty in grid 1 yet
    f.worker(world["g1"], "兼职甲", post="part")
    full = f.worker(world["g1"], "专职乙", post="full")
    f.worker(world["g1"], "离职丙", post="leader", status="left")
    assert dispatch.match(new_ticket(world)).assignee.id == full.id
    leader = f.worker(world["g1"], "网格长丁", post="leader")
    world["g1"].leader = leader
    world["g1"].save()
    ticket = workflow.report(new_ticket(world), world["admin"], TODAY)
    ticket = Ticket.get_by_id(ticket.id)
    assert (ticket.status, ticket.assignee_id, ticket.department_id) == ("dispatched", leader.id, None)


def test_a_refused_automatic_step_leaves_the_report_whole(world):
    """A deadline that cannot be set (no workday in a year) refuses the
    dispatch: the report stands, reported, with no half-taken step."""
    from gridadmin.models import CalendarDay
    from gridadmin.services import clock

    rule(world, "自动", auto=True)
    start = clock.local_today("Asia/Shanghai")
    CalendarDay.insert_many([{"day": date.fromordinal(start.toordinal() + i), "workday": False}
                             for i in range(0, 400)]).execute()
    ticket = workflow.report(new_ticket(world), world["admin"], TODAY)
    assert ticket.dispatch_decision.auto_failed.message == deadlines.NO_WORKDAY
    stored = Ticket.get_by_id(ticket.id)
    assert (stored.status, stored.version, ticket.status) == ("reported", 0, "reported")
    assert [e.action for e in workflow.timeline(stored)] == ["report"]


def test_rules_are_checked_before_saving(world):
    with pytest.raises(RuleError) as error:
        dispatch.check_rule(DispatchRule(name="x", category=world["cat"], target="department"))
    assert error.value.message == dispatch.NEEDS_DEPARTMENT
    with pytest.raises(RuleError) as error:
        dispatch.check_rule(DispatchRule(name="x", category=world["cat"], target="grid_worker",
                                         department=world["roads"]))
    assert error.value.message == dispatch.NO_DEPARTMENT_FOR_WORKER
    world["roads"].active = False
    world["roads"].save()
    with pytest.raises(RuleError) as error:
        dispatch.check_rule(DispatchRule(name="x", category=world["cat"], department=world["roads"]))
    assert error.value.message == dispatch.INACTIVE_DEPARTMENT


def test_concurrent_reports_are_each_dispatched_exactly_once(app, world):
    rule(world, "自动", auto=True)
    admin = world["admin"]
    grid_id, cat_id, src_id = world["g1"].id, world["cat"].id, world["src"].id
    db.close()
    count = 6
    barrier, errors = threading.Barrier(count), []

    def report(n):
        db.connect(reuse_if_open=True)
        try:
            barrier.wait()
            workflow.report(Ticket(title=f"并发{n}", grid=grid_id, category=cat_id, source=src_id), admin, TODAY)
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(repr(error))
        finally:
            db.close()

    threads = [threading.Thread(target=report, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.connect(reuse_if_open=True)
    assert errors == []
    tickets = list(Ticket.select())
    assert len(tickets) == count and len({t.number for t in tickets}) == count
    for ticket in tickets:
        actions = [e.action for e in workflow.timeline(ticket)]
        assert actions == ["report", "accept", "dispatch"], (ticket.number, actions)
        assert (ticket.status, ticket.version) == ("dispatched", 2)
