"""The meeting loop (群众提事 → 网格议事 → 分类办事 → 闭环评事): every step
allowed and refused (state, role, scope), the evaluation's precondition, two
people acting at once, progress counts, the open items list, the step forms
over HTTP (CSRF, 403, 404) and the printable minutes.

The world is test_permissions' (甲 inside, 乙 outside) plus a secretary of
the 乙 community and items on the 甲 meeting.
"""

import json
import re
from datetime import date

import pytest
from flask_babel import force_locale, gettext

from gridadmin.models import AuditLog, Category, Grid, Meeting, MeetingItem, Source, Ticket, TicketEvent, User
from gridadmin.services import meetings
from gridadmin.services.errors import RuleError
from tests.test_permissions import _role_hash, build_world, client_for, token_for

TODAY = date(2026, 3, 2)
# Roles that may see meeting items but not act on them, and one that may not see them.
READ_ONLY = ("worker", "viewer")
NO_ACCESS = ("department", "volunteer")


@pytest.fixture
def world(app):
    # An app context of its own: a pushed one would be shared by the test
    # client's requests (and with it the logged-in user cached on g).
    with app.app_context():
        return _world()


def _world():
    w = build_world()
    m_in, m_out = w["records"]["meeting"]
    # This file's meetings start empty: it counts and lists their items.
    MeetingItem.delete().where(MeetingItem.meeting.in_([m_in.id, m_out.id])).execute()
    comm_out = Grid.get(Grid.code == "320106002001")
    w["users"]["secretary_out"] = User.create(username="u_secretary_out", password_hash=_role_hash(),
                                              role="secretary", grid=comm_out, display_name="乙外书记")
    w["m_in"], w["m_out"] = m_in, m_out
    w["cat"] = Category.get(Category.code == "env")
    w["src"] = Source.get(Source.code == "patrol")
    w["item"] = MeetingItem.create(meeting=m_in, topic="甲内楼道堆物", raised_by="3 号楼居民")
    w["item_out"] = MeetingItem.create(meeting=m_out, topic="乙外停车难")
    return w


def fresh(item):
    return MeetingItem.get_by_id(item.id)


def row(item):
    return dict(MeetingItem.get_by_id(item.id).__data__)


def updates(item):
    return list(AuditLog.select().where((AuditLog.model == "MeetingItem") & (AuditLog.record_id == item.id)
                                        & (AuditLog.action == "update")).order_by(AuditLog.id))


def at(item, status, mode=None, **fields):
    """Put an item straight into a state (the steps are tested one by one)."""
    MeetingItem.update(status=status, action_mode=mode, **fields).where(MeetingItem.id == item.id).execute()
    return fresh(item)


def ticket_item(w, ticket_status="reported"):
    item = at(w["item"], "discussed", resolution="一周内清理")
    ticket = meetings.to_ticket(item, w["users"]["secretary"], w["cat"], w["src"], TODAY)
    Ticket.update(status=ticket_status).where(Ticket.id == ticket.id).execute()
    return fresh(item), ticket


# --- the steps, allowed -------------------------------------------------------------------------


def test_loop_within_the_community(database, world):
    sec = world["users"]["secretary"]
    item = world["item"]
    meetings.discuss(item, sec, "  一周内清理楼道  ", discussion="居民同意自行清理", address="10.0.0.1")
    assert (fresh(item).status, fresh(item).resolution, fresh(item).discussion) == \
        ("discussed", "一周内清理楼道", "居民同意自行清理")
    meetings.act_in_community(item, sec, "网格员逐户通知", responsible="王网格", deadline=date(2026, 3, 9))
    got = fresh(item)
    assert (got.status, got.action_mode, got.measures, got.responsible, got.deadline) == \
        ("in_action", "community", "网格员逐户通知", "王网格", date(2026, 3, 9))
    assert got.ticket_id is None
    meetings.complete(item, sec, note="已清理完毕")
    assert fresh(item).done_at is not None and fresh(item).status == "in_action"
    meetings.evaluate(item, sec, "basically", note="个别楼层仍有堆物")
    got = fresh(item)
    assert (got.status, got.satisfaction, got.evaluation) == ("evaluated", "basically", "个别楼层仍有堆物")
    assert got.evaluated_at is not None
    # One audited update per step, each with what changed.
    logged = updates(item)
    assert len(logged) == 4
    assert all(entry.username == "u_secretary" for entry in logged)
    assert logged[0].address == "10.0.0.1"
    assert json.loads(logged[0].changes)["status"] == ["raised", "discussed"]
    assert json.loads(logged[1].changes)["action_mode"] == [None, "community"]
    assert json.loads(logged[2].changes)["note"] == [None, "已清理完毕"]
    assert json.loads(logged[3].changes)["satisfaction"] == [None, "basically"]


def test_loop_through_a_ticket_linked_both_ways(database, world):
    sec = world["users"]["secretary"]
    item = at(world["item"], "discussed", resolution="协调物业清理", measures="物业三日内清运")
    ticket = meetings.to_ticket(item, sec, world["cat"].id, world["src"], TODAY, priority="high")
    got = fresh(item)
    assert (got.status, got.action_mode, got.ticket_id) == ("in_action", "ticket", ticket.id)
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.number.startswith("20260302-")
    assert (ticket.title, ticket.grid_id, ticket.category_id, ticket.source_id, ticket.priority, ticket.status) == \
        ("甲内楼道堆物", world["m_in"].grid_id, world["cat"].id, world["src"].id, "high", "reported")
    assert "协调物业清理" in ticket.description and "物业三日内清运" in ticket.description
    assert [i.id for i in ticket.meeting_items] == [item.id]
    # Reported through the workflow: its first event, by the secretary.
    assert [(e.action, e.to_status, e.username) for e in ticket.events] == [("report", "reported", "u_secretary")]
    assert json.loads(updates(item)[-1].changes)["ticket"] == [None, ticket.id]
    # Done in the community is not for ticket items: their ticket closes them.
    with pytest.raises(RuleError):
        meetings.complete(fresh(item), sec)


@pytest.mark.parametrize("role", ["admin", "centre", "secretary"])
def test_each_acting_role_may_discuss(database, world, role):
    meetings.discuss(world["item"], world["users"][role], "议定")
    assert fresh(world["item"]).status == "discussed"


def test_a_long_topic_fits_the_ticket_title(database, world):
    item = at(world["item"], "discussed", topic="长" * 200, resolution="议定")
    ticket = meetings.to_ticket(item, world["users"]["centre"], world["cat"], world["src"], TODAY)
    assert Ticket.get_by_id(ticket.id).title == "长" * 128


# --- evaluation waits for the action ----------------------------------------------------------


def test_evaluation_waits_for_the_ticket_to_close(database, world):
    sec = world["users"]["secretary"]
    item, ticket = ticket_item(world)
    for status in ("reported", "dispatched", "handled"):
        Ticket.update(status=status).where(Ticket.id == ticket.id).execute()
        with pytest.raises(RuleError) as refused:
            meetings.evaluate(fresh(item), sec, "satisfied")
        assert refused.value.message == "The item can be evaluated only once its ticket is closed."
        assert meetings.available_steps(fresh(item), sec) == []
        assert fresh(item).status == "in_action"
    Ticket.update(status="closed").where(Ticket.id == ticket.id).execute()
    assert meetings.available_steps(fresh(item), sec) == ["evaluate"]
    meetings.evaluate(fresh(item), sec, "satisfied", note="清理及时")
    assert (fresh(item).status, fresh(item).satisfaction) == ("evaluated", "satisfied")


def test_a_rated_ticket_counts_as_closed(database, world):
    item, _ticket = ticket_item(world, "rated")
    meetings.evaluate(item, world["users"]["centre"], "dissatisfied")
    assert fresh(item).status == "evaluated"


def test_evaluation_waits_for_the_community_action_to_be_done(database, world):
    sec = world["users"]["secretary"]
    item = at(world["item"], "in_action", "community", measures="逐户通知")
    with pytest.raises(RuleError) as refused:
        meetings.evaluate(item, sec, "satisfied")
    assert refused.value.message == "The item can be evaluated only once its action is done."
    assert meetings.available_steps(item, sec) == ["complete"]
    meetings.complete(item, sec)
    assert meetings.available_steps(fresh(item), sec) == ["evaluate"]
    meetings.evaluate(fresh(item), sec, "satisfied")
    assert fresh(item).status == "evaluated"


# --- refused: wrong state, role, scope, input ------------------------------------------------


def call(step, item, actor, w):
    if step == "discuss":
        return meetings.discuss(item, actor, "议定")
    if step == "act_in_community":
        return meetings.act_in_community(item, actor, "措施")
    if step == "to_ticket":
        return meetings.to_ticket(item, actor, w["cat"], w["src"], TODAY)
    if step == "complete":
        return meetings.complete(item, actor)
    return meetings.evaluate(item, actor, "satisfied")


# For each step, the states it may not start from.
WRONG_STATES = {
    "discuss": [("discussed", None), ("in_action", "community"), ("evaluated", "community")],
    "act_in_community": [("raised", None), ("in_action", "community"), ("evaluated", "community")],
    "to_ticket": [("raised", None), ("in_action", "community"), ("evaluated", "community")],
    "complete": [("raised", None), ("discussed", None), ("evaluated", "community")],
    "evaluate": [("raised", None), ("discussed", None), ("evaluated", "community")],
}


@pytest.mark.parametrize(("step", "state"), [(s, st) for s, states in WRONG_STATES.items() for st in states])
def test_a_step_from_the_wrong_state_is_refused(database, world, step, state):
    status, mode = state
    item = at(world["item"], status, mode, done_at=None)
    before, tickets = row(item), Ticket.select().count()
    with pytest.raises(RuleError) as refused:
        call(step, item, world["users"]["secretary"], world)
    assert not isinstance(refused.value, (meetings.Forbidden, meetings.OutOfScope))
    assert row(item) == before
    assert Ticket.select().count() == tickets
    assert updates(item) == []


def test_marking_done_twice_is_refused(database, world):
    sec = world["users"]["secretary"]
    item = at(world["item"], "in_action", "community")
    meetings.complete(item, sec)
    with pytest.raises(RuleError, match="already marked done"):
        meetings.complete(fresh(item), sec)


def _state_for(step, item):
    return {"discuss": ("raised", None), "act_in_community": ("discussed", None),
            "to_ticket": ("discussed", None), "complete": ("in_action", "community"),
            "evaluate": ("in_action", "community")}[step]


@pytest.mark.parametrize("step", meetings.STEPS)
@pytest.mark.parametrize("role", READ_ONLY + NO_ACCESS)
def test_a_role_without_edit_is_refused(database, world, role, step):
    status, mode = _state_for(step, world["item"])
    item = at(world["item"], status, mode, done_at=meetings.utcnow() if step == "evaluate" else None)
    before = row(item)
    with pytest.raises(meetings.Forbidden):
        call(step, item, world["users"][role], world)
    assert row(item) == before
    assert meetings.available_steps(item, world["users"][role]) == []


@pytest.mark.parametrize("step", meetings.STEPS)
@pytest.mark.parametrize("who", ["secretary_out", "secretary", "centre"])
def test_an_item_out_of_scope_is_refused(database, world, who, step):
    # The 乙 item: out of scope for the 甲 secretary and centre; and the 甲
    # item for the 乙 secretary.
    target = world["item"] if who == "secretary_out" else world["item_out"]
    status, mode = _state_for(step, target)
    item = at(target, status, mode, done_at=meetings.utcnow() if step == "evaluate" else None)
    before, tickets = row(item), Ticket.select().count()
    with pytest.raises(meetings.OutOfScope):
        call(step, item, world["users"][who], world)
    assert row(item) == before
    assert Ticket.select().count() == tickets


def test_blank_or_unknown_input_is_refused(database, world):
    sec = world["users"]["secretary"]
    item = world["item"]
    with pytest.raises(RuleError) as refused:
        meetings.discuss(item, sec, "   ")
    assert refused.value.field == "resolution"
    item = at(item, "discussed", resolution="议定")
    with pytest.raises(RuleError) as refused:
        meetings.act_in_community(item, sec, "")
    assert refused.value.field == "measures"
    inactive = Category.create(code="old", name="停用类别", active=False)
    for category, source, priority, field in ((inactive, world["src"], "normal", "category"),
                                              (None, world["src"], "normal", "category"),
                                              (world["cat"], 99999, "normal", "source"),
                                              (world["cat"], world["src"], "whenever", "priority")):
        with pytest.raises(RuleError) as refused:
            meetings.to_ticket(item, sec, category, source, TODAY, priority=priority)
        assert refused.value.field == field
    assert Ticket.select().count() == 2  # the world's two
    item = at(item, "in_action", "community", done_at=meetings.utcnow())
    with pytest.raises(RuleError) as refused:
        meetings.evaluate(item, sec, "great")
    assert refused.value.field == "satisfaction"
    assert fresh(item).status == "in_action"


# --- two people at once -------------------------------------------------------------------------


def test_two_people_discussing_at_once_only_one_succeeds(database, world):
    mine, theirs = fresh(world["item"]), fresh(world["item"])
    meetings.discuss(mine, world["users"]["secretary"], "我的决议")
    with pytest.raises(RuleError) as refused:
        meetings.discuss(theirs, world["users"]["centre"], "他们的决议")
    assert refused.value.message == meetings.RACE
    assert fresh(world["item"]).resolution == "我的决议"
    assert len(updates(world["item"])) == 1


def test_two_ways_of_acting_at_once_only_one_succeeds(database, world):
    item = at(world["item"], "discussed", resolution="议定")
    mine, theirs = fresh(item), fresh(item)
    tickets, events = Ticket.select().count(), TicketEvent.select().count()
    meetings.act_in_community(mine, world["users"]["secretary"], "社区自办")
    with pytest.raises(RuleError, match="Someone else"):
        meetings.to_ticket(theirs, world["users"]["centre"], world["cat"], world["src"], TODAY)
    # The ticket made for the losing step went with it.
    assert (Ticket.select().count(), TicketEvent.select().count()) == (tickets, events)
    got = fresh(item)
    assert (got.action_mode, got.ticket_id) == ("community", None)


def test_two_evaluations_at_once_only_one_succeeds(database, world):
    item = at(world["item"], "in_action", "community", done_at=meetings.utcnow())
    mine, theirs = fresh(item), fresh(item)
    meetings.evaluate(mine, world["users"]["secretary"], "satisfied")
    with pytest.raises(RuleError, match="Someone else"):
        meetings.evaluate(theirs, world["users"]["centre"], "dissatisfied")
    assert fresh(item).satisfaction == "satisfied"


def test_a_ticket_reopened_before_the_evaluation_lands_stops_it(database, world, monkeypatch):
    item, ticket = ticket_item(world, "closed")

    def read_then_reopen(item):
        # The step reads "closed"; the ticket is reopened before it writes.
        Ticket.update(status="dispatched").where(Ticket.id == ticket.id).execute()
        return "closed"

    monkeypatch.setattr(meetings, "_ticket_status", read_then_reopen)
    with pytest.raises(RuleError, match="Someone else"):
        meetings.evaluate(item, world["users"]["secretary"], "satisfied")
    assert fresh(item).status == "in_action"


# --- progress and open items --------------------------------------------------------------------


def test_progress_counts_items_by_status_per_meeting(database, world):
    m_in, m_out = world["m_in"], world["m_out"]
    for topic, status in (("a", "discussed"), ("b", "discussed"), ("c", "in_action"), ("d", "evaluated")):
        MeetingItem.create(meeting=m_in, topic=topic, status=status)
    empty = Meeting.create(title="空议事会", held_at=m_in.held_at, place="x", grid=m_in.grid, convener="x")
    counts = meetings.progress([m_in.id, m_out.id, empty.id])
    assert counts[m_in.id] == {"raised": 1, "discussed": 2, "in_action": 1, "evaluated": 1}
    assert counts[m_out.id] == {"raised": 1, "discussed": 0, "in_action": 0, "evaluated": 0}
    assert counts[empty.id] == dict.fromkeys(meetings.STATUSES, 0)
    assert meetings.progress([]) == {}


def test_progress_is_one_query(database, world, monkeypatch):
    from gridadmin.models import db

    ran = []
    original = db.obj.execute_sql
    monkeypatch.setattr(db.obj, "execute_sql", lambda sql, *a, **k: ran.append(sql) or original(sql, *a, **k))
    meetings.progress([world["m_in"].id, world["m_out"].id])
    assert len(ran) == 1 and "GROUP BY" in ran[0]


def test_open_items_are_scoped_and_not_evaluated(database, world):
    done = MeetingItem.create(meeting=world["m_in"], topic="甲内已评", status="evaluated")
    users = world["users"]

    def topics(user):
        return {i.topic for i in meetings.open_items(user)}

    assert topics(users["secretary"]) == {"甲内楼道堆物"}
    assert topics(users["viewer"]) == {"甲内楼道堆物"}
    assert topics(users["secretary_out"]) == {"乙外停车难"}
    assert topics(users["admin"]) == {"甲内楼道堆物", "乙外停车难"}
    assert topics(users["department"]) == set()
    assert done.topic not in topics(users["admin"])


# --- over HTTP: the meeting's page, the step forms, the list -----------------------------------


def page(response):
    return response.get_data(as_text=True)


def step_url(item, **extra):
    query = "&".join(f"{k}={v}" for k, v in extra.items())
    return f"/admin/meetingitem/step/?id={item.id}" + (f"&{query}" if query else "")


def post_step(client, item, step, token=None, **data):
    data = {"step": step, **data}
    if token is not False:
        data["csrf_token"] = token or token_for(client)
    return client.post(step_url(item), data=data)


def test_meeting_page_shows_progress_tickets_and_the_steps_one_may_take(app, world):
    sec = world["users"]["secretary"]
    m = world["m_in"]
    MeetingItem.create(meeting=m, topic="甲内已评", status="evaluated", satisfaction="satisfied")
    item, ticket = ticket_item(world)
    raised = MeetingItem.create(meeting=m, topic="甲内新议题")
    Source.create(code="meeting", name="议事会转办")
    discussed = MeetingItem.create(meeting=m, topic="甲内待办", status="discussed")
    body = page(client_for(app, sec).get(f"/admin/meeting/details/?id={m.id}"))
    # Counts of items by status.
    for status, count in (("raised", 1), ("discussed", 1), ("in_action", 1), ("evaluated", 1)):
        assert re.search(rf'data-status="{status}">[^<]*{count}</span>', body), status
    assert "progress-bar" in body
    # The ticket, linked, with its status.
    assert f'href="/admin/ticket/details/?id={ticket.id}"' in body and ticket.number in body
    # The step forms: discuss for the raised item, both ways for the discussed one, none for the others.
    assert f"/admin/meetingitem/step/?id={raised.id}" in body
    assert f"/admin/meetingitem/step/?id={discussed.id}" in body
    assert f"/admin/meetingitem/step/?id={item.id}" not in body
    section = body[body.index(f'id="item-{discussed.id}"'):]
    section = section[:section.index("</tr>")]
    assert 'value="act_in_community"' in section and 'value="to_ticket"' in section
    # The ticket form preselects the source for meetings, and offers active categories only.
    source = Source.get(Source.code == "meeting")
    assert f'<option value="{source.id}" selected>' in section
    assert 'name="csrf_token"' in section
    # The minutes are linked.
    assert f"/admin/meeting/minutes/?id={m.id}" in body
    # A read-only role sees the progress but no forms.
    body = page(client_for(app, world["users"]["viewer"]).get(f"/admin/meeting/details/?id={m.id}"))
    assert "progress-bar" in body and "/admin/meetingitem/step/" not in body


def test_inline_items_no_longer_edit_the_status(app, world):
    body = page(client_for(app, world["users"]["secretary"]).get(f"/admin/meeting/edit/?id={world['m_in'].id}"))
    assert 'name="items-0-topic"' in body and 'name="items-0-measures"' in body
    assert 'name="items-0-status"' not in body


def test_steps_over_http(app, world):
    sec = world["users"]["secretary"]
    client = client_for(app, sec)
    item = world["item"]
    token = token_for(client)
    response = post_step(client, item, "discuss", token, resolution="一周内清理", discussion="逐户劝导")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/meetingitem/details/?id={item.id}")
    assert fresh(item).status == "discussed"
    response = client.post(step_url(item, url=f"/admin/meeting/details/?id={world['m_in'].id}"),
                           data={"step": "to_ticket", "csrf_token": token, "category": world["cat"].id,
                                 "source": world["src"].id})
    assert response.status_code == 302 and "/admin/meeting/details/" in response.headers["Location"]
    got = fresh(item)
    assert got.action_mode == "ticket" and got.ticket_id is not None
    body = page(client.get(response.headers["Location"]))
    number = Ticket.get_by_id(got.ticket_id).number
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert gettext("Ticket %(number)s has been created for this item.", number=number) in body
    Ticket.update(status="closed").where(Ticket.id == got.ticket_id).execute()
    assert post_step(client, item, "evaluate", token, satisfaction="satisfied", note="满意").status_code == 302
    assert (fresh(item).status, fresh(item).evaluation) == ("evaluated", "满意")


def test_community_steps_over_http(app, world):
    client = client_for(app, world["users"]["centre"])
    item = at(world["item"], "discussed", resolution="议定")
    token = token_for(client)
    assert post_step(client, item, "act_in_community", token, measures="逐户通知", responsible="王网格",
                     deadline="2026-03-09").status_code == 302
    assert (fresh(item).action_mode, fresh(item).deadline) == ("community", date(2026, 3, 9))
    assert post_step(client, item, "complete", token, note="完成").status_code == 302
    assert fresh(item).done_at is not None


def test_a_refused_step_flashes_and_changes_nothing(app, world):
    client = client_for(app, world["users"]["secretary"])
    item = world["item"]
    before = row(item)
    response = post_step(client, item, "evaluate", satisfaction="satisfied")
    assert response.status_code == 302
    assert row(item) == before
    body = page(client.get(response.headers["Location"]))
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert gettext("Only an item in action can be evaluated.") in body
    # A blank resolution: the rule's message, nothing saved.
    response = post_step(client, item, "discuss", resolution=" ")
    body = page(client.get(response.headers["Location"]))
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert gettext("Enter the resolution the meeting agreed on.") in body
    assert row(item) == before
    # A malformed date is the form's error, not a 500.
    at(item, "discussed", resolution="议定")
    before = row(item)
    response = post_step(client, item, "act_in_community", measures="措施", deadline="2026-02-30")
    assert response.status_code == 302 and row(item) == before


def test_a_step_without_csrf_is_refused(app, world):
    client = client_for(app, world["users"]["secretary"])
    item = world["item"]
    before = row(item)
    assert post_step(client, item, "discuss", token=False, resolution="议定").status_code == 400
    assert post_step(client, item, "discuss", token="forged", resolution="议定").status_code == 400
    assert row(item) == before


@pytest.mark.parametrize("role", READ_ONLY)
def test_a_step_by_a_read_only_role_is_403(app, world, role):
    client = client_for(app, world["users"][role])
    before = row(world["item"])
    assert post_step(client, world["item"], "discuss", resolution="议定").status_code == 403
    assert row(world["item"]) == before


@pytest.mark.parametrize("role", NO_ACCESS)
def test_a_step_by_a_role_without_meetings_is_403(app, world, role):
    client = client_for(app, world["users"][role])
    assert post_step(client, world["item"], "discuss", resolution="议定").status_code == 403
    assert fresh(world["item"]).status == "raised"


def test_a_step_out_of_scope_or_on_a_bad_id_is_404(app, world):
    client = client_for(app, world["users"]["secretary_out"])
    token = token_for(client)
    before = row(world["item"])
    response = post_step(client, world["item"], "discuss", token, resolution="议定")
    assert response.status_code == 404 and "甲内" not in page(response)
    assert row(world["item"]) == before
    for bad in ("", "abc", "99999", "-1", "99999999999999999999999"):
        response = client.post(f"/admin/meetingitem/step/?id={bad}",
                               data={"step": "discuss", "resolution": "x", "csrf_token": token})
        assert response.status_code == 404, bad
    # An unknown step on an item in scope.
    own = client_for(app, world["users"]["secretary"])
    response = post_step(own, world["item"], "skip_to_evaluated")
    assert response.status_code == 400 and fresh(world["item"]).status == "raised"


def test_the_step_form_never_redirects_off_site(app, world):
    client = client_for(app, world["users"]["secretary"])
    response = client.post(step_url(world["item"], url="https://evil.example/"),
                           data={"step": "discuss", "resolution": "议定", "csrf_token": token_for(client)})
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]


def test_item_list_shows_open_items_in_scope(app, world):
    done = MeetingItem.create(meeting=world["m_in"], topic="甲内已评议题", status="evaluated")
    client = client_for(app, world["users"]["secretary"])
    body = page(client.get("/admin/meetingitem/"))
    assert "甲内楼道堆物" in body and "甲内已评议题" not in body and "乙外" not in body
    # A status filter shows the evaluated ones.
    from tests.factories import filter_arg

    arg = filter_arg(app, "meetingitem", "status", "FilterEqual")
    body = page(client.get("/admin/meetingitem/", query_string={arg: "evaluated"}))
    assert "甲内已评议题" in body and "甲内楼道堆物" not in body
    # Its details page: in scope, the same step forms.
    body = page(client.get(f"/admin/meetingitem/details/?id={world['item'].id}"))
    assert f"/admin/meetingitem/step/?id={world['item'].id}" in body
    assert client.get(f"/admin/meetingitem/details/?id={done.id}").status_code == 200
    # The other community's secretary sees neither, and their details are 404.
    other = client_for(app, world["users"]["secretary_out"])
    body = page(other.get("/admin/meetingitem/"))
    assert "乙外停车难" in body and "甲内" not in body
    assert other.get(f"/admin/meetingitem/details/?id={world['item'].id}").status_code == 404
    assert other.get(f"/admin/meetingitem/details/?id={done.id}").status_code == 404


def test_item_details_and_export_show_blank_choices_blank(app, world):
    client = client_for(app, world["users"]["centre"])
    body = page(client.get(f"/admin/meetingitem/details/?id={world['item'].id}"))
    assert "甲内楼道堆物" in body and ">None<" not in body.replace(" ", "").replace("\n", "")
    csv = page(client.get("/admin/meetingitem/export/csv/"))
    assert "甲内楼道堆物" in csv and "None" not in csv and "乙外" not in csv


def test_item_list_cannot_create_or_delete(app, world):
    client = client_for(app, world["users"]["secretary"])
    assert client.get("/admin/meetingitem/new/").status_code == 403
    token = token_for(client)
    response = client.post("/admin/meetingitem/delete/", data={"id": world["item"].id, "csrf_token": token})
    assert response.status_code == 403
    assert MeetingItem.get_or_none(MeetingItem.id == world["item"].id) is not None
    body = page(client.get("/admin/meetingitem/"))
    assert "/admin/meetingitem/new/" not in body


# --- the minutes ---------------------------------------------------------------------------------


def _minutes_world(world):
    m = world["m_in"]
    Meeting.update(recorder="周记录", participants="居民代表 12 人").where(Meeting.id == m.id).execute()
    MeetingItem.update(discussion="逐户劝导", resolution="一周内清理", measures="网格员逐户通知",
                       responsible="王网格", deadline=date(2026, 3, 9)).where(MeetingItem.id == world["item"].id).execute()
    return m


def test_minutes_are_a_printable_a4_page(app, world):
    m = _minutes_world(world)
    response = client_for(app, world["users"]["viewer"]).get(f"/admin/meeting/minutes/?id={m.id}")
    assert response.status_code == 200
    body = page(response)
    assert "@page { size: A4; margin: 20mm; }" in body
    assert '"SimSun", "Songti SC", "Noto Serif CJK SC"' in body
    assert re.search(r"@media print \{.*?\.toolbar \{ display: none; \}", body, re.S)
    assert "page-break-inside: avoid" in body
    # Standalone: no admin menu.
    assert "navbar" not in body
    # The meeting and each item's record, the time in the local zone (held 02:00 UTC = 10:00 +8).
    for value in ("甲内议事", "议事厅", "甲内主持", "周记录", "居民代表 12 人", "1. 甲内楼道堆物", "逐户劝导",
                  "一周内清理", "网格员逐户通知", "王网格", "2026/3/9"):
        assert value in body, value
    assert re.search(r"2026/1/5 10:00", body)


def test_minutes_speak_chinese(app, world):
    m = _minutes_world(world)
    body = page(client_for(app, world["users"]["secretary"]).get(f"/admin/meeting/minutes/?id={m.id}"))
    for label in ("会议记录", "会议日期", "地点", "议题", "主持人", "记录人", "参会人员", "各方意见", "协商结果",
                  "落实措施", "责任人", "完成期限", "打印"):
        assert f">{label}<" in body, label
    assert "Minutes of meeting" not in body


def test_minutes_in_scope_only(app, world):
    other = client_for(app, world["users"]["secretary_out"])
    response = other.get(f"/admin/meeting/minutes/?id={world['m_in'].id}")
    assert response.status_code == 404 and "甲内" not in page(response)
    assert other.get(f"/admin/meeting/minutes/?id={world['m_out'].id}").status_code == 200
    for bad in ("", "x", "99999"):
        assert other.get(f"/admin/meeting/minutes/?id={bad}").status_code == 404
    assert client_for(app, world["users"]["department"]).get(
        f"/admin/meeting/minutes/?id={world['m_in'].id}").status_code == 403
