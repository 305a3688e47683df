"""Where things are: which grid a WGS-84 position falls in, and the grid
boundaries and open tickets within a map's view.

A boundary's bounding box and size class are indexed columns. A point can
only lie in a box whose west edge is at most the box's size west of it, so
for each size class SQL reads one short index range (``_box_clause``); the
exact test (edges count as inside, holes as outside) runs with shapely on the
few candidates. Coordinates are longitude/latitude in degrees, as GeoJSON.
"""

import math
from functools import lru_cache

from peewee import SQL

from ..models import Grid, GridBoundary, Ticket, db
from ..models.base import N_
from . import grids, scope, trees
from .errors import RuleError

# Size classes: a class-k box's larger side is at most SIZE_BASE * 2 ** k
# degrees (class 0: about a metre; class 26: the whole globe).
SIZE_BASE = 1e-5
MAX_CLASS = 26


def size_class(min_lng, min_lat, max_lng, max_lat):
    extent = max(max_lng - min_lng, max_lat - min_lat)
    if extent <= SIZE_BASE:
        return 0
    k = math.ceil(math.log2(extent / SIZE_BASE))
    while k < MAX_CLASS and extent > _span(k):  # a rounding error never leaves a box in too small a class
        k += 1
    return min(MAX_CLASS, k)


def _span(k):
    return SIZE_BASE * 2 ** k


_TERM = ("(size_class = {p} AND min_lng BETWEEN {p} AND {p} AND min_lat BETWEEN {p} AND {p}"
         " AND max_lng >= {p} AND max_lat >= {p})")


@lru_cache(maxsize=64)
def _box_sql(param, classes):
    # Written once per placeholder style and set of classes: peewee composing
    # 27 nested ORs on every lookup cost more than the database's work.
    # The column names are grid_boundary's own (no other table has them).
    return "(" + " OR ".join(_TERM.format(p=param) for _k in classes) + ")"


def _box_clause(west, south, east, north, classes=tuple(range(MAX_CLASS + 1))):
    """Boxes overlapping [west, east] × [south, north] (a point when equal),
    one index range per size class: a class-k box starts at most its size
    west and south of any point it holds."""
    params = []
    for k in classes:
        params += [k, west - _span(k), east, south - _span(k), north, west, south]
    return SQL(_box_sql(db.obj.param, tuple(classes)), params)


def valid_position(lat, lng):
    return (lat is not None and lng is not None and math.isfinite(lat) and math.isfinite(lng)
            and -90 <= lat <= 90 and -180 <= lng <= 180)


def _candidates(lat, lng, user):
    """Rows whose box holds the point, deepest first, then by code."""
    if not valid_position(lat, lng):
        return []
    query = (GridBoundary.select(GridBoundary.geometry, Grid.id, Grid.code, Grid.name, Grid.depth)
             .join(Grid)
             .where(_box_clause(lng, lat, lng, lat) & Grid.active))
    if getattr(user, "role", None) == "volunteer":  # within the part of the grid they report in
        node = grids.report_node(user)
        query = query.where(trees.subtree_clause(Grid, node.path) if node else scope.NOTHING)
    elif user is not None:
        query = scope.restrict(query, GridBoundary, user)
    return sorted(query.objects(), key=lambda row: (-row.depth, row.code))


def _covering(rows, lat, lng):
    if not rows:
        return
    import shapely  # 16 MB: loaded by the first position looked up, not by every process

    point = shapely.Point(lng, lat)
    for row in rows:
        # covers, not contains: a point on the edge is in (a hole's edge too).
        if shapely.from_geojson(row.geometry).covers(point):
            yield Grid(id=row.id, code=row.code, name=row.name, depth=row.depth)


def containing(lat, lng, user=None):
    """The grids whose boundary contains the point (edges included), deepest
    first; of grids at one depth sharing an edge the point lies on, the
    lower code first. Only active grids, and only ``user``'s when given."""
    return list(_covering(_candidates(lat, lng, user), lat, lng))


def suggest_grid(lat, lng, user=None):
    """The deepest grid whose boundary contains the point, or None. Polygons
    are tested deepest first, so the large ones above are rarely parsed."""
    return next(_covering(_candidates(lat, lng, user), lat, lng), None)


NO_GRID_HERE = N_("Choose the grid: the position lies in no grid boundary within your part of the grid.")
NO_GRID = N_("Choose the grid, or give the position (latitude and longitude) to find it.")
HALF_POSITION = N_("Give both the latitude and the longitude, or neither.")


def fill_grid(ticket, user=None):
    """A ticket reported without a grid takes the grid its position falls in
    (within ``user``'s scope); RuleError when there is none to take."""
    if (ticket.latitude is None) != (ticket.longitude is None):
        raise RuleError(HALF_POSITION, field="latitude")
    if ticket.grid_id is not None:
        return ticket
    if ticket.latitude is None:
        raise RuleError(NO_GRID, field="grid")
    grid = suggest_grid(ticket.latitude, ticket.longitude, user)
    if grid is None:
        raise RuleError(NO_GRID_HERE, field="grid")
    ticket.grid = grid.id
    return ticket


# --- the map ---------------------------------------------------------------

MAX_BOUNDARIES = 300  # per response: the largest first, so a wide view shows outlines
MAX_TICKETS = 500
OPEN_STATUSES = ("reported", "accepted", "dispatched", "in_progress", "handled")
# A view draws boundaries at least 1/DETAIL of its width: a street's view its
# communities, a community's its grids; zoom in for the rest.
DETAIL = 2 ** 6


def boundaries_in_view(user, west, south, east, north, limit=MAX_BOUNDARIES):
    """(rows, more?) of the boundaries within ``user``'s scope overlapping the
    view, the largest size classes first, skipping those too small to see.
    Two queries: the boxes' ids and classes from the index, then the chosen
    rows' outlines (the long text) and names."""
    extent = max(east - west, north - south)
    smallest = size_class(0, 0, extent / DETAIL, 0) if extent > 0 else 0
    boxes = (GridBoundary.select(GridBoundary.id, GridBoundary.size_class)
             .where(_box_clause(west, south, east, north, classes=tuple(range(smallest, MAX_CLASS + 1)))))
    found = sorted(scope.restrict(boxes, GridBoundary, user).tuples(), key=lambda row: (-row[1], row[0]))
    chosen = [pk for pk, _k in found[:limit]]
    rows = (GridBoundary.select(GridBoundary.id, GridBoundary.geometry, GridBoundary.grid, Grid.name, Grid.code)
            .join(Grid).where(GridBoundary.id.in_(chosen)).objects()) if chosen else []
    order = {pk: n for n, pk in enumerate(chosen)}
    return sorted(rows, key=lambda row: order[row.id]), len(found) > limit


def tickets_in_view(user, west, south, east, north, limit=MAX_TICKETS):
    """(tickets, more?) open and positioned within the view and ``user``'s
    scope, as named tuples (a map draws hundreds: no model objects)."""
    query = (Ticket.select(Ticket.id, Ticket.number, Ticket.title, Ticket.status, Ticket.latitude,
                           Ticket.longitude, Ticket.created_at, Ticket.dispatched_at, Ticket.due_at,
                           Ticket.grid, Ticket.priority)
             .where(Ticket.status.in_(OPEN_STATUSES)
                    & Ticket.longitude.between(west, east) & Ticket.latitude.between(south, north))
             .limit(limit + 1))
    found = list(scope.restrict(query, Ticket, user).namedtuples())
    return found[:limit], len(found) > limit


def home_view(user):
    """Where the map opens: the box of the user's own grid's boundary, else
    of the largest boundary in their scope; None when there is none (the map
    then shows the whole country)."""
    query = (GridBoundary.select(GridBoundary.min_lng, GridBoundary.min_lat, GridBoundary.max_lng,
                                 GridBoundary.max_lat)
             .join(Grid))
    row = None
    if user.grid_id is not None:
        row = query.where(GridBoundary.grid == user.grid_id).first()
    if row is None:
        # The size-class index, walked from the largest down: no sort.
        row = scope.restrict(query, GridBoundary, user).order_by(GridBoundary.size_class.desc()).first()
    if row is None:
        return None
    return [row.min_lng, row.min_lat, row.max_lng, row.max_lat]
