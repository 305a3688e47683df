"""Figures: the tally (a daily rollup per grid node kept with each workflow
step), the briefing settings (one row) and published briefings."""
from peewee import *


def up(migrator, db):
    class Grid(Model):
        class Meta:
            database = db
            table_name = 'grid'

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class Tally(Model):
        node = IntegerField()
        dim = CharField(max_length=1)
        key = IntegerField(default=0)
        month = DateField()
        reported = IntegerField(default=0)
        rep_accepted = IntegerField(default=0)
        rep_rejected = IntegerField(default=0)
        rep_merged = IntegerField(default=0)
        due = IntegerField(default=0)
        due_closed = IntegerField(default=0)
        due_ontime = IntegerField(default=0)
        due_open = IntegerField(default=0)
        dispatched = IntegerField(default=0)
        handled = IntegerField(default=0)
        returned = IntegerField(default=0)
        extended = IntegerField(default=0)
        rated = IntegerField(default=0)
        satisfied = IntegerField(default=0)
        basically = IntegerField(default=0)
        on_spot = IntegerField(default=0)
        handle_hours = DoubleField(default=0)

        class Meta:
            database = db
            table_name = 'tally'
            indexes = ((('node', 'dim', 'month', 'key'), True),)

    class BriefingSettings(Model):
        version = IntegerField(default=0, constraints=[SQL('DEFAULT 0')])
        weight_volume = DoubleField(default=0.2)
        weight_closure = DoubleField(default=0.3)
        weight_ontime = DoubleField(default=0.3)
        weight_rework = DoubleField(default=0.2)
        min_due = IntegerField(default=5)

        class Meta:
            database = db
            table_name = 'briefing_settings'

    class PublishedBriefing(Model):
        grid = ForeignKeyField(Grid, on_delete='RESTRICT')
        month = CharField(max_length=7)
        version = IntegerField()
        published_at = DateTimeField()
        published_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        username = CharField(max_length=64, null=True)
        figures = TextField()

        class Meta:
            database = db
            table_name = 'published_briefing'
            indexes = ((('grid', 'month', 'version'), True),)

    db.create_tables([Tally, BriefingSettings, PublishedBriefing])
    # The centre's to-do badge counts pending extension requests on every page.
    migrator.migrate(migrator.add_index('ticket', ('extension_due_at',), False))
    # The briefing counts meeting items done and evaluated in a month.
    migrator.migrate(migrator.add_index('meeting_item', ('done_at',), False),
                     migrator.add_index('meeting_item', ('evaluated_at',), False),
                     migrator.add_index('service_record', ('served_on', 'team_id', 'hours'), False))
    BriefingSettings.insert(version=0, weight_volume=0.2, weight_closure=0.3, weight_ontime=0.3,
                            weight_rework=0.2, min_due=5).execute()


def down(migrator, db):
    migrator.migrate(migrator.drop_index('ticket', 'ticket_extension_due_at'),
                     migrator.drop_index('meeting_item', 'meeting_item_done_at'),
                     migrator.drop_index('meeting_item', 'meeting_item_evaluated_at'),
                     migrator.drop_index('service_record', 'service_record_served_on_team_id_hours'))
    for table in ('published_briefing', 'briefing_settings', 'tally'):
        db.execute_sql(f'DROP TABLE {table}')
