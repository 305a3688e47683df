"""What the schema itself guarantees, whatever path writes to it."""

from datetime import date

import factories as f
import pytest
from peewee import IntegrityError

from gridadmin.models import (
    ALL_MODELS,
    Category,
    Grid,
    ServiceRecord,
    Ticket,
    VolunteerTeam,
    Worker,
    db,
)


def _refused(fn):
    with pytest.raises(IntegrityError):
        with db.atomic():
            fn()


def test_migrated_schema_has_every_model_column(database):
    for model in ALL_MODELS:
        table = model._meta.table_name
        columns = {c.name for c in db.get_columns(table)}
        expected = {field.column_name for field in model._meta.sorted_fields}
        assert expected <= columns, (table, expected - columns)


@pytest.mark.parametrize("field", ["households", "population", "online_group_members", "area"])
def test_grid_numbers_not_negative(database, field):
    d = f.district()
    _refused(lambda: Grid.update({getattr(Grid, field): -1}).where(Grid.id == d.id).execute())
    assert getattr(Grid.get_by_id(d.id), field) in (0, None)


@pytest.mark.parametrize("field", ["time_limit_hours", "points"])
def test_category_numbers_not_negative(database, field):
    _refused(lambda: Category.create(code="X", name="x", **{field: -1}))
    Category.create(code="X", name="x", **{field: 0})


@pytest.mark.parametrize("hours", ["0", "-1.5"])
def test_service_hours_positive(database, hours):
    t = f.tree()
    v = f.volunteer(f.team(t["g1"]))
    _refused(lambda: f.service_record(v, hours))
    assert ServiceRecord.select().count() == 0


def test_beneficiaries_not_negative(database):
    t = f.tree()
    v = f.volunteer(f.team(t["g1"]))
    _refused(lambda: f.service_record(v, "1", beneficiaries=-3))


def test_unique_columns(database):
    t = f.tree()
    _refused(lambda: Grid.create(code=t["g1"].code, name="重复", level="grid"))
    f.category(code="A", name="甲")
    _refused(lambda: Category.create(code="A", name="乙"))
    _refused(lambda: Category.create(code="B", name="甲"))
    f.team(t["g1"], name="红马甲")
    _refused(lambda: VolunteerTeam.create(name="红马甲", grid=t["g1"]))
    f.ticket(t["g1"], number="20260101-0001")
    _refused(lambda: f.ticket(t["g1"], number="20260101-0001"))


def test_foreign_keys_restrict_deletes(database):
    """Even a raw delete cannot orphan workers (foreign keys are enforced)."""
    t = f.tree()
    w = f.worker(t["g2"])
    _refused(lambda: Grid.delete().where(Grid.id == t["g2"].id).execute())
    assert Worker.get_by_id(w.id).grid_id == t["g2"].id


def test_foreign_keys_refuse_dangling_ids(database):
    t = f.tree()
    _refused(lambda: Worker.create(name="无网格", gender="M", mobile="13800138000", grid=999999))
    assert Worker.select().count() == 0
    assert t


def test_defaults_and_str(database):
    t = f.tree()
    g = Grid.get_by_id(t["g1"].id)
    assert (g.kind, g.area_type, g.households, g.active) == ("general", "urban", 0, True)
    assert str(g) == "第一网格"
    w = f.worker(g, name="李四")
    assert (w.post, w.employment, w.status, str(w)) == ("full", "full_time", "active", "李四")
    tk = f.ticket(g, number="20260101-0009")
    tk = Ticket.get_by_id(tk.id)
    assert (tk.status, tk.priority, str(tk)) == ("reported", "normal", "20260101-0009")
    assert tk.created_at is not None and tk.created_at.tzinfo is None


def test_dates_round_trip(database):
    t = f.tree()
    w = f.worker(t["g1"], joined_on=date(2020, 5, 1))
    assert Worker.get_by_id(w.id).joined_on == date(2020, 5, 1)
