"""Grid boundaries: which grid a position falls in (edges, holes, nesting,
outside), the GeoJSON import (service and command line), and the map's
queries. Service level, no HTTP."""

import json
import threading

import pytest

from gridadmin.models import AuditLog, Grid, GridBoundary, User, db
from gridadmin.services import boundaries, places
from gridadmin.services.errors import RuleError
from tests import factories as f

# Around Nanjing's Xinjiekou: longitude, latitude of the lattice's origin.
LNG, LAT, STEP = 118.78, 32.04, 0.001


def at(x, y):
    """(lat, lng) of lattice point (x, y)."""
    return LAT + y * STEP, LNG + x * STEP


def ring(x0, y0, x1, y1):
    return [[LNG + x * STEP, LAT + y * STEP] for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]


def polygon(*rings):
    return {"type": "Polygon", "coordinates": [ring(*r) for r in rings]}


def feature(code, geometry, **properties):
    return {"type": "Feature", "properties": {"code": code, **properties}, "geometry": geometry}


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


@pytest.fixture
def mapped(database):
    """The test tree with boundaries: the community a 10×10 square; grid 1 its
    west half with a hole; grid 2 its east half (sharing grid 1's east edge);
    the micro-grid inside grid 1; the street the community plus an island."""
    t = f.tree()
    street_shape = {"type": "MultiPolygon", "coordinates": [[ring(0, 0, 10, 10)], [ring(20, 20, 21, 21)]]}
    data = collection(
        feature(t["street"].code, street_shape),
        feature(t["community"].code, polygon((0, 0, 10, 10))),
        feature(t["g1"].code, polygon((0, 0, 5, 10), (1, 1, 2, 2))),
        feature(t["g2"].code, polygon((5, 0, 10, 10))),
        feature(t["micro"].code, polygon((3, 3, 4, 4))),
    )
    boundaries.import_file(data)
    return t


def suggested(x, y, user=None):
    grid = places.suggest_grid(*at(x, y), user=user)
    return grid.code if grid is not None else None


def test_the_deepest_containing_boundary_wins(mapped):
    assert suggested(3.5, 3.5) == mapped["micro"].code  # micro inside grid 1 inside the community
    assert suggested(4.5, 8) == mapped["g1"].code
    assert suggested(7, 7) == mapped["g2"].code
    assert [g.code for g in places.containing(*at(3.5, 3.5))] == [
        mapped[k].code for k in ("micro", "g1", "community", "street")]


def test_a_point_in_a_hole_is_not_in_the_grid(mapped):
    assert suggested(1.5, 1.5) == mapped["community"].code  # grid 1's hole, still in the community
    assert suggested(2.5, 1.5) == mapped["g1"].code  # just beside the hole


def test_points_on_edges(mapped):
    # The edge grids 1 and 2 share: both contain it; the lower code decides, every time.
    assert suggested(5, 5) == mapped["g1"].code
    assert {g.code for g in places.containing(*at(5, 5))} >= {mapped["g1"].code, mapped["g2"].code}
    assert suggested(10, 5) == mapped["g2"].code  # the outer edge still counts as inside
    assert suggested(3, 3.5) == mapped["micro"].code  # the micro-grid's west edge
    assert suggested(1, 1.5) == mapped["g1"].code  # on the hole's edge: the edge belongs to the grid


def test_multipolygon_islands_and_points_outside_every_grid(mapped):
    assert suggested(20.5, 20.5) == mapped["street"].code
    assert suggested(15, 15) is None  # between the street's two parts
    assert suggested(-0.001, 5) is None
    assert places.suggest_grid(0.0, 0.0) is None
    assert places.suggest_grid(None, 118.0) is None and places.suggest_grid(91.0, 118.0) is None
    assert places.suggest_grid(float("nan"), 118.0) is None


def test_suggestions_keep_to_active_grids_and_the_users_scope(mapped):
    worker_user = User.create(username="w2", password_hash="x", role="worker", grid=mapped["g2"])
    assert suggested(7, 7, worker_user) == mapped["g2"].code
    assert suggested(4.5, 8, worker_user) is None  # grid 1 is not theirs, nor the community above
    Grid.update(active=False).where(Grid.id == mapped["micro"].id).execute()
    assert suggested(3.5, 3.5) == mapped["g1"].code


def test_size_classes_bound_every_box():
    for box in [(0, 0, 0, 0), (1, 1, 1.00001, 1), (118.0, 32.0, 118.003, 32.001), (-180, -90, 180, 90),
                (73.5, 18.0, 135.1, 53.6)]:
        k = places.size_class(*box)
        assert 0 <= k <= places.MAX_CLASS
        assert max(box[2] - box[0], box[3] - box[1]) <= places.SIZE_BASE * 2 ** k


def test_the_lookup_reads_few_candidates(mapped, sql_log):
    """One statement, and only boxes around the point come back."""
    many = f.grid("320102001001G3", "第三网格", "grid", mapped["community"])
    far = [feature(many.code, polygon((50, 50, 51, 51)))]
    boundaries.import_file(collection(*far))
    sql_log.clear()
    rows = places.containing(*at(3.5, 3.5))
    assert len([s for s in sql_log if "grid_boundary" in s]) == 1
    assert many.code not in [g.code for g in rows]


# --- the import --------------------------------------------------------------

def test_import_creates_updates_and_leaves_unchanged(database):
    t = f.tree()
    data = collection(feature(t["g1"].code, polygon((0, 0, 5, 10))), feature(t["g2"].code, polygon((5, 0, 10, 10))))
    matches = boundaries.import_file(data, address="cli")
    assert [(m.grid.code, m.outcome, m.vertices) for m in matches] == [
        (t["g1"].code, "created", 5), (t["g2"].code, "created", 5)]
    row = GridBoundary.get(GridBoundary.grid == t["g1"].id)
    assert (row.version, row.min_lng, row.max_lat) == (0, LNG, pytest.approx(LAT + 10 * STEP))
    assert AuditLog.select().where(AuditLog.model == "GridBoundary").count() == 2
    again = boundaries.import_file(collection(feature(t["g1"].code, polygon((0, 0, 5, 10))),
                                              feature(t["g2"].code, polygon((5, 0, 9, 10)))))
    assert [m.outcome for m in again] == ["unchanged", "updated"]
    assert GridBoundary.get(GridBoundary.grid == t["g2"].id).version == 1
    entry = AuditLog.select().where(AuditLog.action == "update").get()
    assert "5 points" in entry.changes and entry.model == "GridBoundary"
    checked = boundaries.import_file(collection(feature(t["g1"].code, polygon((0, 0, 4, 10)))), dry_run=True)
    assert checked[0].outcome == "updated"
    assert GridBoundary.get(GridBoundary.grid == t["g1"].id).version == 0  # a check writes nothing


def _refused(data, user=None):
    with pytest.raises(boundaries.Refused) as refused:
        boundaries.import_file(data, user)
    return [(p.message, p.params) for p in refused.value.problems]


BOWTIE = {"type": "Polygon", "coordinates": [[[118.0, 32.0], [118.01, 32.01], [118.01, 32.0], [118.0, 32.01],
                                              [118.0, 32.0]]]}


@pytest.mark.parametrize(("data", "message"), [
    (b"{not json", boundaries.NOT_JSON),
    (b"\xff\xfe\x00", boundaries.NOT_TEXT),
    ('{"type": "Polygon", "coordinates": []}', boundaries.NOT_COLLECTION),
    ('{"type": "FeatureCollection", "features": []}', boundaries.NO_FEATURES),
    (json.dumps({"type": "FeatureCollection", "features": [feature("X", polygon((0, 0, 1, 1)))],
                 "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}}), boundaries.NOT_WGS84),
])
def test_a_malformed_file_is_refused(database, data, message):
    assert _refused(data)[0][0] == message
    assert GridBoundary.select().count() == 0


def test_every_problem_is_named_by_feature_and_nothing_is_written(database):
    t = f.tree()
    good = feature(t["g1"].code, polygon((0, 0, 5, 10)))
    problems = _refused(collection(
        good,
        feature("999999999999X", polygon((0, 0, 1, 1))),
        feature(t["g2"].code, {"type": "Point", "coordinates": [118.0, 32.0]}),
        {"type": "Feature", "properties": {"name": "无编码"}, "geometry": polygon((0, 0, 1, 1))},
        feature(t["micro"].code, BOWTIE),
        feature(t["community"].code, {"type": "Polygon", "coordinates": [[[12000000, 3800000], [1, 1], [2, 2],
                                                                          [12000000, 3800000]]]}),
        feature(t["street"].code, {"type": "Polygon", "coordinates": [[[118.0, 32.0], [118.1, 32.0], [118.1, 32.1]]]}),
        feature(t["g1"].code, polygon((0, 0, 5, 10))),
        "not a feature",
    ))
    by_feature = {params.get("n"): message for message, params in problems}
    assert by_feature == {
        2: boundaries.UNKNOWN, 3: boundaries.NOT_POLYGON, 4: boundaries.NO_CODE, 5: boundaries.INVALID,
        6: boundaries.OUT_OF_RANGE, 7: boundaries.OPEN_RING, 8: boundaries.TWICE, 9: boundaries.NOT_FEATURE}
    params = dict((p.get("n"), p) for _m, p in problems)
    assert params[2]["code"] == "999999999999X"
    assert str(params[5]["reason"]) == "its edges cross"
    assert params[8]["first"] == 1
    assert GridBoundary.select().count() == 0 and AuditLog.select().count() == 0


def test_a_centre_imports_its_subtree_only_and_others_not_at_all(database):
    t = f.tree()
    other = f.grid("320102002", "别的街道", "street", t["district"])
    centre = User.create(username="c", password_hash="x", role="centre", grid=t["street"])
    secretary = User.create(username="s", password_hash="x", role="secretary", grid=t["community"])
    problems = _refused(collection(feature(t["g1"].code, polygon((0, 0, 5, 10))),
                                   feature(other.code, polygon((20, 0, 30, 10)))), centre)
    # Outside the centre's subtree reads exactly like unknown: nothing leaks.
    assert problems == [(boundaries.UNKNOWN, {"n": 2, "code": other.code})]
    assert GridBoundary.select().count() == 0
    matches = boundaries.import_file(collection(feature(t["g1"].code, polygon((0, 0, 5, 10)))), centre)
    assert [m.outcome for m in matches] == ["created"]
    with pytest.raises(RuleError) as refused:
        boundaries.import_file(collection(feature(t["g2"].code, polygon((5, 0, 10, 10)))), secretary)
    assert refused.value.message == boundaries.NOT_ALLOWED
    assert GridBoundary.select().count() == 1


def test_two_imports_of_the_same_grids_at_once(app, database):
    """Both see no boundary yet and both write: one wins, the other is
    refused whole (or, where writers queue, finds nothing left to change)."""
    t = f.tree()
    codes = [t[k].code for k in ("g1", "g2", "micro")]
    db.close()
    barrier, results = threading.Barrier(2), []

    def run(offset):
        db.connect(reuse_if_open=True)
        try:
            data = collection(*(feature(c, polygon((i, 0, i + 1, 1 + offset))) for i, c in enumerate(codes)))
            matches = boundaries.read(data)
            barrier.wait()
            boundaries.save(matches)
            results.append("ok")
        except RuleError as error:
            results.append(error.message)
        finally:
            db.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.connect(reuse_if_open=True)
    assert "ok" in results and set(results) <= {"ok", boundaries.CONCURRENT}
    assert GridBoundary.select().count() == 3
    writes = AuditLog.select().where(AuditLog.model == "GridBoundary").count()
    # Each grid written once per import that succeeded (a later one updates).
    assert writes == 3 * results.count("ok")
    assert all(b.version == results.count("ok") - 1 for b in GridBoundary.select())


def test_the_command_line_import(app, database, tmp_path):
    t = f.tree()
    User.create(username="centre1", password_hash="x", role="centre", grid=t["street"])
    User.create(username="sec1", password_hash="x", role="secretary", grid=t["community"])
    good = tmp_path / "good.geojson"
    good.write_text(collection(feature(t["g1"].code, polygon((0, 0, 5, 10)), name="第一网格")), encoding="utf-8")
    bad = tmp_path / "bad.geojson"
    bad.write_text(collection(feature(t["g1"].code, polygon((0, 0, 5, 10))), feature("NOPE", polygon((0, 0, 1, 1)))),
                   encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-boundaries", str(bad)])
    assert result.exit_code == 1
    assert "Feature 2" in result.output and "NOPE" in result.output
    assert GridBoundary.select().count() == 0
    result = runner.invoke(args=["import-boundaries", str(good), "--as", "sec1"])
    assert result.exit_code == 1 and GridBoundary.select().count() == 0
    result = runner.invoke(args=["import-boundaries", str(good), "--as", "nobody"])
    assert result.exit_code == 1 and "nobody" in result.output
    result = runner.invoke(args=["import-boundaries", str(good), "--as", "centre1", "--check"])
    assert result.exit_code == 0 and "nothing written" in result.output and GridBoundary.select().count() == 0
    result = runner.invoke(args=["import-boundaries", str(good), "--as", "centre1"])
    assert result.exit_code == 0, result.output
    assert f"{t['g1'].code}" in result.output and "created" in result.output
    assert AuditLog.get(AuditLog.model == "GridBoundary").username == "centre1"
    result = runner.invoke(args=["import-boundaries", str(tmp_path / "missing.geojson")])
    assert result.exit_code != 0 and GridBoundary.select().count() == 1


# --- the map's queries ---------------------------------------------------------

def test_boundaries_in_view_largest_first_within_scope(mapped):
    lat0, lng0 = at(0, 0)
    lat1, lng1 = at(10, 10)
    secretary = User.create(username="s", password_hash="x", role="secretary", grid=mapped["community"])
    rows, more = places.boundaries_in_view(secretary, lng0, lat0, lng1, lat1)
    assert more is False
    # Her community and what lies below it, never the street above it.
    assert {r.code for r in rows} == {mapped[k].code for k in ("community", "g1", "g2", "micro")}
    assert rows[-1].code == mapped["micro"].code  # the smallest last
    rows, more = places.boundaries_in_view(secretary, lng0, lat0, lng1, lat1, limit=2)
    assert len(rows) == 2 and more is True
    # A view far wider than a micro-grid leaves it out.
    rows, _more = places.boundaries_in_view(secretary, lng0 - 1, lat0 - 1, lng1 + 1, lat1 + 1)
    assert mapped["micro"].code not in {r.code for r in rows}


def test_a_grid_is_deleted_with_its_boundary_and_both_are_audited(mapped):
    from gridadmin.services import records

    micro = mapped["micro"]
    records.delete_record(Grid.get_by_id(micro.id), address="test")
    assert not GridBoundary.select().where(GridBoundary.grid == micro.id).exists()
    assert AuditLog.select().where((AuditLog.action == "delete") & (AuditLog.model == "GridBoundary")).count() == 1
    assert places.suggest_grid(*at(3.5, 3.5)).code == mapped["g1"].code


def test_owned_parts_are_only_those_declared(database):
    """A grid's boundary goes with it, but its workers still block it; a
    ticket's timeline goes with it, but points booked on it still block it."""
    from gridadmin.models import PointEntry
    from gridadmin.services import records
    from gridadmin.services.errors import InUse

    t = f.tree()
    worker = f.worker(t["g2"])
    with pytest.raises(InUse):
        records.delete_record(Grid.get_by_id(t["g2"].id))
    ticket = f.ticket(t["g2"])
    PointEntry.create(worker=worker, points=1, reason="report", ticket=ticket)
    with pytest.raises(InUse) as refused:
        records.delete_record(ticket)
    assert [model for model, _count in refused.value.references] == [PointEntry]
