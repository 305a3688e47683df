"""Trees with a materialised path (Grid, PartyOrg).

``path`` holds the ids from the root down to the node itself, ``/1/7/42/``,
so a subtree is one indexed range query (``subtree_clause``).
"""

from peewee import Value, fn

from ..models import db
from .errors import RuleError


def subtree_clause(model, path):
    """``path`` and everything below it, as an index range: every descendant's
    path starts with ``path`` (ending in '/'), and '0' sorts right after '/'."""
    return (model.path >= path) & (model.path < path[:-1] + "0")


def subtree(model, node):
    """A query for ``node`` and everything below it."""
    return model.select().where(subtree_clause(model, node.path))


def check_parent(node, parent):
    """Refuse a parent that is the node itself or lies below it."""
    if parent is None or node.id is None:
        return
    if parent.id == node.id or parent.path.startswith(node.path):
        raise RuleError("A node cannot be placed under itself or its own descendants.", field="parent")


def node_path(parent, node_id):
    """The path and depth of node ``node_id`` placed under ``parent`` (None: a root)."""
    if parent is None:
        return f"/{node_id}/", 0
    return f"{parent.path}{node_id}/", parent.depth + 1


def save_node(node):
    """Insert or update a tree node, keeping ``path`` and ``depth`` right for it
    and, when it moved, for its whole subtree. Atomic."""
    model = type(node)
    parent = node.parent
    check_parent(node, parent)
    with db.atomic():
        if node.id is None:
            node.save(force_insert=True)
            old_path = None
        else:
            old_path = model.select(model.path).where(model.id == node.id).scalar()
            node.save()
        new_path, new_depth = node_path(parent, node.id)
        if old_path == new_path:
            return node
        model.update(path=new_path, depth=new_depth).where(model.id == node.id).execute()
        if old_path:
            # Move the subtree: swap the old prefix for the new one below this node.
            shift = new_depth - node.depth
            tail = fn.SUBSTR(model.path, len(old_path) + 1)
            # Their versions move too: an edit of one of them opened before
            # the move is refused rather than saved over the new place.
            (model.update(path=Value(new_path).concat(tail), depth=model.depth + shift, version=model.version + 1)
             .where(subtree_clause(model, old_path) & (model.id != node.id))
             .execute())
        node.path, node.depth = new_path, new_depth
    return node
