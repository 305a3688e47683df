"""Malformed input into every field of every create and edit form, as an
administrator: never an answer of 500 or more, never an invalid row saved.

The corpus is what people and scripts actually send by mistake: nothing,
spaces, 10,000 characters, NUL, emoji, a right-to-left override, negative
and huge numbers, numbers past a double, 2**63, impossible and absurd
dates, wrong choices, and ids of another table. After the whole run, every
table is checked against the rules a form must uphold (``invalid_rows``).
"""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

import pytest

from gridadmin.models import (
    Category,
    Meeting,
    ServiceRecord,
    Ticket,
    User,
    Volunteer,
    VolunteerTeam,
    Worker,
)
from gridadmin.models.base import VersionedModel
from gridadmin.services import dates
from gridadmin.services.errors import RuleError
from gridadmin.services.grids import CODE_DOES_NOT_FIT, check_grid
from gridadmin.services.validators import is_mobile
from tests.test_permissions import build_world, form_fields

CORPUS = [
    "", "\t \n", "x" * 10_000, "a\x00b", "😀🎉👍", "\u202eabc", "-1", "1e309", str(2**63), "0000-00-00",
    "0001-01-01", "9999-12-31 23:59:59", "__None", "not-a-choice",
]
# Forms and the record each one edits (from build_world's records).
VIEWS = ["grid", "worker", "partyorg", "partymember", "volunteerteam", "volunteer", "servicerecord", "meeting",
         "ticket", "category", "source", "department", "calendarday", "user", "meetingitem"]
SKIP_FIELDS = {"csrf_token", "version"}
# Fields computed by the system, never typed (a tree's path).
COMPUTED = {"path", "password_hash"}
MOBILES = {Worker: "mobile", Volunteer: "mobile", VolunteerTeam: "leader_mobile"}


def editable_models():
    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)
    return [m for m in walk(VersionedModel) if m._meta.table_name and not m.__subclasses__()]


def invalid_rows():
    """Every stored value a form must never have let through."""
    found = []
    for model in editable_models():
        for row in model.select():
            data = row.__data__
            for field in model._meta.sorted_fields:
                value = data.get(field.name)
                where = f"{model.__name__} {row.id} {field.name}={value!r}"[:200]
                if field.choices and value is not None and value not in dict(field.choices):
                    found.append("not a choice: " + where)
                if isinstance(value, str) and field.name not in COMPUTED:
                    if value != value.strip():
                        found.append("not stripped: " + where)
                    if not value.strip() and (field.null or not field.default == ""):
                        found.append("blank text: " + where)
                if isinstance(value, (date, datetime)) and not dates.in_range(value):
                    found.append("date out of range: " + where)
                if isinstance(value, Decimal) and not value.is_finite():
                    found.append("not a number: " + where)
            if model in MOBILES and data.get(MOBILES[model]) is not None and not is_mobile(data[MOBILES[model]]):
                found.append(f"bad mobile: {model.__name__} {row.id} {data[MOBILES[model]]!r}")
            if model.__name__ == "Grid":
                try:
                    check_grid(row)
                except RuleError as error:
                    if error.message == CODE_DOES_NOT_FIT:
                        found.append(f"grid code: {row.code} {row.level}")
    hours = defaultdict(Decimal)
    for record in ServiceRecord.select():
        volunteer = Volunteer.get_by_id(record.volunteer_id)
        if volunteer.team_id != record.team_id:
            found.append(f"service record {record.id}: volunteer of another team")
        hours[(record.volunteer_id, record.served_on)] += Decimal(str(record.hours))
    found += [f"{h} hours on one day: {key}" for key, h in hours.items() if h > 24]
    return found


def _post(client, url, fields):
    response = client.post(url, data=fields)
    return response.status_code


@pytest.mark.parametrize("view", VIEWS)
def test_malformed_values_in_every_field_never_500_never_invalid(app, browser, view):
    with app.app_context():
        world = build_world()
        assert invalid_rows() == [], "the fixture itself must be valid"
    record = world["records"][view][0]
    client = browser.client
    other_ids = {str(Ticket.get().id + 1000), str(User.get(User.username == "u_viewer").id),
                 str(Category.get().id), str(Meeting.get().id)}
    statuses = defaultdict(int)
    urls = [f"/admin/{view}/edit/?id={record.id}"]
    if view != "meetingitem":
        urls.append(f"/admin/{view}/new/")
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        base = form_fields(page.get_data(as_text=True))
        for name in [n for n in base if n not in SKIP_FIELDS]:
            for value in [*CORPUS, *other_ids]:
                status = _post(client, url, {**base, name: value})
                statuses[status] += 1
                assert status < 500, (url, name, value[:40], status)
                if status == 302:  # saved: the form moves on to the new version
                    base = form_fields(client.get(url).get_data(as_text=True))
    with app.app_context():
        assert invalid_rows() == []
    assert sum(statuses.values()) > 50, statuses
