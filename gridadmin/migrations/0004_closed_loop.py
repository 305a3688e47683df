"""The closed loop: ticket events, photos, the points ledger, the workday
calendar; deadlines and points rules on categories; the meeting item loop.

Tickets already past dispatch keep their due time; their history starts
with this release (no events are invented for them).
"""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Worker(Model):
        class Meta:
            database = db
            table_name = 'worker'

    class Ticket(Model):
        class Meta:
            database = db
            table_name = 'ticket'

    migrator.migrate(
        migrator.add_column('category', 'time_limit_days', IntegerField(null=True, constraints=[Check('time_limit_days >= 1')])),
        migrator.add_column('category', 'round_the_clock', BooleanField(default=False)),
        migrator.add_column('category', 'self_closable', BooleanField(default=False)),
        migrator.add_column('category', 'points_on_spot', IntegerField(default=1, constraints=[Check('points_on_spot >= 0')])),
        migrator.add_column('category', 'points_verify', IntegerField(default=1, constraints=[Check('points_verify >= 0')])),
        migrator.add_column('category', 'points_overdue', IntegerField(default=1, constraints=[Check('points_overdue >= 0')])),
        migrator.add_column('ticket', 'dispatched_at', DateTimeField(null=True)),
        migrator.add_column('ticket', 'extension_due_at', DateTimeField(null=True)),
        migrator.add_column('ticket', 'handled_at', DateTimeField(null=True)),
        migrator.add_column('ticket', 'rating_note', TextField(null=True)),
        migrator.add_column('ticket', 'duplicate_of_id', ForeignKeyField(Ticket, null=True, field=Ticket.id, on_delete='RESTRICT')),
        migrator.add_column('ticket', 'version', IntegerField(default=0)),
        migrator.add_index('ticket', ('status', 'due_at'), False),
        # The wider index first: MySQL/MariaDB keep the grid key's index until another starts with grid_id.
        migrator.add_index('ticket', ('grid_id', 'created_at', 'status', 'due_at'), False),
        migrator.drop_index('ticket', 'ticket_grid_id_created_at'),
        migrator.add_column('meeting_item', 'measures', TextField(null=True)),
        migrator.add_column('meeting_item', 'action_mode', CharField(max_length=16, null=True)),
        migrator.add_column('meeting_item', 'ticket_id', ForeignKeyField(Ticket, null=True, unique=True, field=Ticket.id, on_delete='RESTRICT')),
        migrator.add_column('meeting_item', 'done_at', DateTimeField(null=True)),
        migrator.add_column('meeting_item', 'satisfaction', CharField(max_length=16, null=True)),
        migrator.add_column('meeting_item', 'evaluation', TextField(null=True)),
        migrator.add_column('meeting_item', 'evaluated_at', DateTimeField(null=True)),
    )

    class TicketEvent(Model):
        ticket = ForeignKeyField(Ticket, on_delete='RESTRICT')
        at = DateTimeField()
        user = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        username = CharField(null=True, max_length=64)
        action = CharField(max_length=20)
        from_status = CharField(null=True, max_length=16)
        to_status = CharField(max_length=16)
        note = TextField(null=True)
        data = TextField(null=True)
        class Meta:
            database = db
            table_name = 'ticket_event'
            indexes = ((('ticket', 'at'), False),)

    class TicketPhoto(Model):
        ticket = ForeignKeyField(Ticket, on_delete='RESTRICT')
        stage = CharField(max_length=16)
        created_at = DateTimeField()
        width = IntegerField()
        height = IntegerField()
        byte_size = IntegerField()
        image = BlobField(null=True)
        stored_name = CharField(null=True, max_length=64)
        thumbnail = BlobField()
        class Meta:
            database = db
            table_name = 'ticket_photo'
            indexes = ((('ticket', 'stage'), False),)

    class PointEntry(Model):
        worker = ForeignKeyField(Worker, on_delete='RESTRICT')
        points = IntegerField()
        reason = CharField(max_length=16)
        ticket = ForeignKeyField(Ticket, null=True, on_delete='RESTRICT')
        at = DateTimeField()
        note = CharField(null=True, max_length=255)
        class Meta:
            database = db
            table_name = 'point_entry'
            indexes = ((('worker', 'at'), False), (('at',), False))

    class CalendarDay(Model):
        day = DateField(unique=True)
        workday = BooleanField(default=False)
        name = CharField(null=True, max_length=64)
        class Meta:
            database = db
            table_name = 'calendar_day'

    db.create_tables([TicketEvent, TicketPhoto, PointEntry, CalendarDay])


def down(migrator, db):
    migrator.migrate(*(migrator.drop_table(t) for t in ('calendar_day', 'point_entry', 'ticket_photo', 'ticket_event')))
    for column in ('evaluated_at', 'evaluation', 'satisfaction', 'done_at', 'ticket_id', 'action_mode', 'measures'):
        migrator.migrate(migrator.drop_column('meeting_item', column))
    migrator.migrate(migrator.drop_index('ticket', 'ticket_status_due_at'),
                     migrator.drop_index('ticket', 'ticket_grid_id_created_at_status_due_at'),
                     migrator.add_index('ticket', ('grid_id', 'created_at'), False))
    for column in ('version', 'duplicate_of_id', 'rating_note', 'handled_at', 'extension_due_at', 'dispatched_at'):
        migrator.migrate(migrator.drop_column('ticket', column))
    for column in ('points_overdue', 'points_verify', 'points_on_spot', 'self_closable', 'round_the_clock',
                   'time_limit_days'):
        migrator.migrate(migrator.drop_column('category', column))
