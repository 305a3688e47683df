"""Grid rules: levels, codes, and placement in the tree."""

from peewee import Value, fn

from ..models import Grid, db
from ..models.base import N_
from ..models.grid import GRID_LEVELS
from . import trees
from .errors import RuleError
from .validators import is_grid_code

CODE_DOES_NOT_FIT = N_("The code does not fit the level: 6 digits for a district, 9 for a street, "
                       "12 for a community, 12 plus a suffix for a grid or micro-grid.")
LEVEL_RANK = {value: rank for rank, (value, _label) in enumerate(GRID_LEVELS)}


def check_grid(grid, children=True):
    """A grid's code fits its level and extends its parent's, which sits
    higher; with ``children``, an existing grid also stays above the grids
    right below it (an import leaves that out when the level is unchanged)."""
    if not is_grid_code(grid.code, grid.level):
        raise RuleError(CODE_DOES_NOT_FIT, field="code")
    if grid.id is not None and children:
        check_children(grid)
    parent = grid.parent
    if parent is None:
        return
    if LEVEL_RANK[parent.level] >= LEVEL_RANK[grid.level]:
        raise RuleError("The parent must be at a higher level than the grid.", field="parent")
    if not grid.code.startswith(parent.code) or grid.code == parent.code:
        raise RuleError("The code must extend the parent's code %(code)s.", field="code", code=parent.code)


def check_children(grid):
    """An edited grid stays above the grids right below it."""
    levels = Grid.select(Grid.level).where(Grid.parent == grid.id).tuples()
    if any(LEVEL_RANK[level] <= LEVEL_RANK[grid.level] for (level,) in levels):
        raise RuleError("The parent must be at a higher level than the grid.", field="level")


def save_grid(grid):
    """Insert or update a grid. A grid re-coded (say, moved to another
    community) takes the codes below it along: they extend its code."""
    check_grid(grid)
    trees.check_parent(grid, grid.parent)
    old_code = Grid.select(Grid.code).where(Grid.id == grid.id).scalar() if grid.id is not None else None
    with db.atomic():
        trees.save_node(grid)
        if old_code is not None and old_code != grid.code:
            below = trees.subtree_clause(Grid, grid.path) & (Grid.id != grid.id)
            for child in Grid.select(Grid.id, Grid.code, Grid.level).where(below):
                code = grid.code + child.code[len(old_code):]
                if not is_grid_code(code, child.level):
                    raise RuleError(CODE_DOES_NOT_FIT, field="code")
            tail = fn.SUBSTR(Grid.code, len(old_code) + 1)
            Grid.update(code=Value(grid.code).concat(tail), version=Grid.version + 1).where(below).execute()
    return grid


def find_grid(term, *fields):
    """The grid a person names by code or by name (the highest such node);
    only ``fields`` (and the id) loaded when given."""
    term = (term or "").strip()
    if not term:
        return None
    return (Grid.select(*((Grid.id, *fields) if fields else ()))
            .where((Grid.code == term) | (Grid.name == term))
            .order_by(Grid.depth, Grid.id)
            .first())


def subtree_ids(grid):
    """A subquery of the ids of ``grid`` and every grid below it."""
    return Grid.select(Grid.id).where(trees.subtree_clause(Grid, grid.path))


def covers_all(grid):
    """Is ``grid`` the only top node (its subtree every grid)? Then a query
    over its subtree needs no subtree condition at all (the district's
    100,000 grid ids are not read to filter nothing)."""
    return grid.parent_id is None and not Grid.select(Grid.id).where(
        Grid.parent.is_null() & (Grid.id != grid.id)).exists()


REPORT_CHOICES_MAX = 200
REPORT_LEVELS = ("grid", "micro")


def report_node(user):
    """The grid node a user reports within (随手拍): the bound grid of a user
    bound to the tree; for a volunteer, their own grid, else their team's;
    None when there is none."""
    from ..models import Volunteer, VolunteerTeam

    if getattr(user, "role", None) == "volunteer":
        if not getattr(user, "volunteer_id", None):
            return None
        row = (Volunteer.select(Volunteer.grid, VolunteerTeam.grid.alias("team_grid"))
               .join(VolunteerTeam).where(Volunteer.id == user.volunteer_id).dicts().first())
        grid_id = row and (row["grid"] or row["team_grid"])
    else:
        grid_id = getattr(user, "grid_id", None)
    if grid_id is None:
        return None
    return Grid.select(Grid.id, Grid.path).where(Grid.id == grid_id).first()


def in_report_area(user, grid_id):
    """Does ``grid_id`` lie within the node ``user`` reports within?"""
    node = report_node(user)
    return node is not None and grid_id is not None and \
        Grid.select(Grid.id).where((Grid.id == grid_id) & trees.subtree_clause(Grid, node.path)).exists()


def check_report_grid(ticket, user):
    """A volunteer reports within their own part of the grid only (their
    scope is their own reports, so scope alone would not refuse another
    team's grid named in a forged form)."""
    if getattr(user, "role", None) == "volunteer" and not in_report_area(user, ticket.grid_id):
        raise RuleError(N_("You can only report within your own part of the grid."), field="grid")


def report_choices(user):
    """The grids a user bound to part of the tree reports in, for a picker
    that needs no typing: [(id, name)] of the grids and micro-grids within
    the node they report within (``report_node``: the bound grid itself when
    it is one), in tree order; None when there is none or the choice is too
    long to list (a district's centre types to search instead)."""
    node = report_node(user)
    if node is None:
        return None
    query = (Grid.select(Grid.id, Grid.name, Grid.code)
             .where(trees.subtree_clause(Grid, node.path) & Grid.level.in_(REPORT_LEVELS) & Grid.active)
             .order_by(Grid.path).limit(REPORT_CHOICES_MAX + 1))
    rows = [(grid.id, f"{grid.name}（{grid.code}）") for grid in query]
    return None if len(rows) > REPORT_CHOICES_MAX or not rows else rows


def report_default(user, choices):
    """The grid a new report is filled in with: the user's own when it is
    among the choices, else the only choice, else none."""
    ids = [grid_id for grid_id, _name in choices or ()]
    node = report_node(user)
    if node is not None and node.id in ids:
        return node.id
    return ids[0] if len(ids) == 1 else None
