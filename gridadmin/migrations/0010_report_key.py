"""Reports sent from a phone carry a key the phone made (a UUID): a report
sent twice (a retry after a lost answer, the offline queue resending) is
recognised by it, so a report becomes a ticket exactly once."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('ticket', 'report_key', CharField(max_length=36, null=True)),
        migrator.add_index('ticket', ('report_key',), True),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('ticket', 'ticket_report_key'),
        migrator.drop_column('ticket', 'report_key'),
    )
