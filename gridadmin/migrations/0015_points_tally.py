"""Points per worker and local month in the tally (DIM_POINTS: ``points``
and ``point_entries``, with a (node, dim, month, points) index for a node's
top 10), filled from the ledger as ``flask stats rebuild`` would fill them.
The meetings' and their items' month indexes carry the meeting's grid and the
item's meeting (the briefing's subtree figures read the index alone)."""
import os

from peewee import IntegerField


def _timezone():
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config["TIMEZONE"]
    return os.environ.get("GRIDADMIN_TIMEZONE", "Asia/Shanghai")


def up(migrator, db):
    migrator.migrate(migrator.add_column("tally", "points", IntegerField(default=0)),
                     migrator.add_column("tally", "point_entries", IntegerField(default=0)))
    # Written out: the migrator's add_index reads each column as ``Table.c.<name>``,
    # and ``c.node`` is the table itself there (peewee's ColumnFactory).
    db.execute_sql("CREATE INDEX tally_node_dim_month_points ON tally (node, dim, month, points)")
    migrator.migrate(migrator.add_index("meeting", ("held_at", "grid_id"), False),
                     migrator.drop_index("meeting", "meeting_held_at"),
                     migrator.add_index("meeting_item", ("done_at", "meeting_id"), False),
                     migrator.drop_index("meeting_item", "meeting_item_done_at"),
                     migrator.add_index("meeting_item", ("evaluated_at", "meeting_id"), False),
                     migrator.drop_index("meeting_item", "meeting_item_evaluated_at"))
    from gridadmin.services import tally

    tally.fill_points(_timezone())


def down(migrator, db):
    migrator.migrate(migrator.add_index("meeting", ("held_at",), False),
                     migrator.drop_index("meeting", "meeting_held_at_grid_id"),
                     migrator.add_index("meeting_item", ("done_at",), False),
                     migrator.drop_index("meeting_item", "meeting_item_done_at_meeting_id"),
                     migrator.add_index("meeting_item", ("evaluated_at",), False),
                     migrator.drop_index("meeting_item", "meeting_item_evaluated_at_meeting_id"))
    db.execute_sql("DELETE FROM tally WHERE dim = 'w'")
    if db.__class__.__name__.startswith("MySQL"):
        db.execute_sql("DROP INDEX tally_node_dim_month_points ON tally")
    else:
        db.execute_sql("DROP INDEX tally_node_dim_month_points")
    migrator.migrate(migrator.drop_column("tally", "point_entries"),
                     migrator.drop_column("tally", "points"))
