"""Trust: a version on every editable record (optimistic concurrency), a
ticket-number counter per day, points booked once per ticket cycle (a
unique key), and server-side login sessions.

Point entries written before this release get the cycle they belong to:
the number of reopenings of their ticket before them (a reversal, written
at the moment of its reopening, belongs to the cycle it reverses).
"""
from peewee import *

VERSIONED = ('category', 'source', 'department', 'grid', 'worker', 'party_org', 'party_member', 'volunteer_team',
             'volunteer', 'service_record', 'user', 'meeting', 'meeting_item', 'calendar_day')


def up(migrator, db):
    migrator.migrate(*(migrator.add_column(table, 'version', IntegerField(default=0, constraints=[SQL('DEFAULT 0')]))
                       for table in VERSIONED))
    migrator.migrate(
        migrator.add_column('ticket', 'cycle', IntegerField(default=0)),
        migrator.add_column('point_entry', 'cycle', IntegerField(default=0)),
    )
    db.execute_sql(
        "UPDATE point_entry SET cycle = (SELECT COUNT(*) FROM ticket_event e WHERE e.ticket_id = point_entry.ticket_id"
        " AND e.action = 'reopen' AND e.at < point_entry.at) WHERE ticket_id IS NOT NULL")
    db.execute_sql(
        "UPDATE ticket SET cycle = (SELECT COUNT(*) FROM ticket_event e WHERE e.ticket_id = ticket.id"
        " AND e.action = 'reopen')")
    migrator.migrate(
        migrator.add_index('point_entry', ('ticket_id', 'worker_id', 'reason', 'cycle'), True),
        # Sessions are kept on the server now (user_session): the per-user
        # counter that ended them all at once is gone.
        migrator.drop_column('user', 'session_version'),
    )

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class TicketCounter(Model):
        day = CharField(max_length=8, primary_key=True)
        last = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'ticket_counter'

    class UserSession(Model):
        key_hash = CharField(unique=True, max_length=64)
        user = ForeignKeyField(User, on_delete='CASCADE')
        created_at = DateTimeField()
        seen_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        address = CharField(null=True, max_length=64)
        class Meta:
            database = db
            table_name = 'user_session'
            indexes = ((('user', 'ended_at'), False),)

    db.create_tables([TicketCounter, UserSession])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('user_session'), migrator.drop_table('ticket_counter'))
    migrator.migrate(
        migrator.add_column('user', 'session_version', IntegerField(default=0)),
        migrator.drop_index('point_entry', 'point_entry_ticket_id_worker_id_reason_cycle'),
        migrator.drop_column('point_entry', 'cycle'),
        migrator.drop_column('ticket', 'cycle'),
    )
    migrator.migrate(*(migrator.drop_column(table, 'version') for table in VERSIONED))
