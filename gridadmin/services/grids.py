"""Grid rules: levels, codes, and placement in the tree."""

from ..models import Grid
from ..models.grid import GRID_LEVELS
from . import trees
from .errors import RuleError
from .validators import is_grid_code

LEVEL_RANK = {value: rank for rank, (value, _label) in enumerate(GRID_LEVELS)}


def check_grid(grid):
    if not is_grid_code(grid.code, grid.level):
        raise RuleError("The code does not fit the level: 6 digits for a district, 9 for a street, "
                        "12 for a community, 12 plus a suffix for a grid or micro-grid.", field="code")
    if grid.id is not None:
        check_children(grid)
    parent = grid.parent
    if parent is None:
        return
    if LEVEL_RANK[parent.level] >= LEVEL_RANK[grid.level]:
        raise RuleError("The parent must be at a higher level than the grid.", field="parent")
    if not grid.code.startswith(parent.code) or grid.code == parent.code:
        raise RuleError("The code must extend the parent's code %(code)s.", field="code", code=parent.code)


def check_children(grid):
    """An edited grid stays above the grids right below it, which keep
    extending its code."""
    for child in Grid.select(Grid.code, Grid.level).where(Grid.parent == grid.id):
        if LEVEL_RANK[child.level] <= LEVEL_RANK[grid.level]:
            raise RuleError("The parent must be at a higher level than the grid.", field="level")
        if not child.code.startswith(grid.code) or child.code == grid.code:
            raise RuleError("The grids below extend this code: it cannot change while they are there.",
                            field="code")


def save_grid(grid):
    check_grid(grid)
    trees.check_parent(grid, grid.parent)
    return trees.save_node(grid)


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
