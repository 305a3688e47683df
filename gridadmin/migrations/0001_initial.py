"""The first schema: a frozen copy of the models as they were, never edited."""
from peewee import *


def up(migrator, db):
    class Category(Model):
        code = CharField(unique=True, max_length=32)
        name = CharField(unique=True, max_length=64)
        sort_order = IntegerField(default=0)
        active = BooleanField(default=True)
        time_limit_hours = IntegerField(default=72, constraints=[Check('time_limit_hours >= 0')])
        points = IntegerField(default=1, constraints=[Check('points >= 0')])
        class Meta:
            database = db
            table_name = 'category'
    db.create_tables([Category])

    class Department(Model):
        code = CharField(unique=True, max_length=32)
        name = CharField(unique=True, max_length=64)
        sort_order = IntegerField(default=0)
        active = BooleanField(default=True)
        phone = CharField(null=True, max_length=32)
        class Meta:
            database = db
            table_name = 'department'
    db.create_tables([Department])

    class Grid(Model):
        code = CharField(unique=True, max_length=32)
        name = CharField(index=True, max_length=64)
        level = CharField(index=True, max_length=16)
        parent = ForeignKeyField('self', null=True, on_delete='RESTRICT')
        path = CharField(index=True, default='')
        depth = IntegerField(default=0)
        kind = CharField(max_length=16, default='general')
        area_type = CharField(max_length=16, default='urban')
        households = IntegerField(default=0, constraints=[Check('households >= 0')])
        population = IntegerField(default=0, constraints=[Check('population >= 0')])
        area = DecimalField(null=True, max_digits=10, decimal_places=2, constraints=[Check('area >= 0')])
        boundary_east = CharField(null=True, max_length=128)
        boundary_west = CharField(null=True, max_length=128)
        boundary_south = CharField(null=True, max_length=128)
        boundary_north = CharField(null=True, max_length=128)
        online_group_name = CharField(null=True, max_length=64)
        online_group_members = IntegerField(default=0, constraints=[Check('online_group_members >= 0')])
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'grid'
    db.create_tables([Grid])

    class Meeting(Model):
        title = CharField(max_length=128)
        held_at = DateTimeField(index=True)
        place = CharField(max_length=64)
        grid = ForeignKeyField(Grid, on_delete='RESTRICT')
        convener = CharField(max_length=32)
        recorder = CharField(null=True, max_length=32)
        participants = TextField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'meeting'
    db.create_tables([Meeting])

    class MeetingItem(Model):
        meeting = ForeignKeyField(Meeting, on_delete='RESTRICT')
        topic = CharField()
        raised_by = CharField(null=True, max_length=64)
        discussion = TextField(null=True)
        resolution = TextField(null=True)
        responsible = CharField(null=True, max_length=32)
        deadline = DateField(null=True)
        status = CharField(index=True, max_length=16, default='raised')
        class Meta:
            database = db
            table_name = 'meeting_item'
    db.create_tables([MeetingItem])

    class PartyOrg(Model):
        name = CharField(index=True, max_length=64)
        kind = CharField(max_length=16)
        parent = ForeignKeyField('self', null=True, on_delete='RESTRICT')
        path = CharField(index=True, default='')
        depth = IntegerField(default=0)
        grid = ForeignKeyField(Grid, null=True, on_delete='RESTRICT')
        secretary = CharField(null=True, max_length=32)
        founded_on = DateField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'party_org'
    db.create_tables([PartyOrg])

    class PartyMember(Model):
        name = CharField(index=True, max_length=32)
        gender = CharField(null=True, max_length=1)
        mobile = CharField(index=True, null=True, max_length=11)
        org = ForeignKeyField(PartyOrg, on_delete='RESTRICT')
        joined_party_on = DateField(null=True)
        in_service = BooleanField(default=False)
        employer = CharField(null=True, max_length=128)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'party_member'
    db.create_tables([PartyMember])

    class VolunteerTeam(Model):
        name = CharField(unique=True, max_length=64)
        service_type = CharField(max_length=16, default='other')
        grid = ForeignKeyField(Grid, on_delete='RESTRICT')
        leader = CharField(null=True, max_length=32)
        leader_mobile = CharField(null=True, max_length=11)
        founded_on = DateField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'volunteer_team'
    db.create_tables([VolunteerTeam])

    class Volunteer(Model):
        name = CharField(index=True, max_length=32)
        mobile = CharField(index=True, null=True, max_length=11)
        team = ForeignKeyField(VolunteerTeam, on_delete='RESTRICT')
        grid = ForeignKeyField(Grid, null=True, on_delete='RESTRICT')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'volunteer'
    db.create_tables([Volunteer])

    class ServiceRecord(Model):
        volunteer = ForeignKeyField(Volunteer, on_delete='RESTRICT')
        team = ForeignKeyField(VolunteerTeam, on_delete='RESTRICT')
        served_on = DateField(index=True)
        hours = DecimalField(max_digits=6, decimal_places=1, constraints=[Check('hours > 0')])
        activity = CharField(max_length=128)
        beneficiaries = IntegerField(default=0, constraints=[Check('beneficiaries >= 0')])
        note = TextField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'service_record'
    db.create_tables([ServiceRecord])

    class Source(Model):
        code = CharField(unique=True, max_length=32)
        name = CharField(unique=True, max_length=64)
        sort_order = IntegerField(default=0)
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'source'
    db.create_tables([Source])

    class Worker(Model):
        name = CharField(index=True, max_length=32)
        gender = CharField(max_length=1)
        mobile = CharField(index=True, max_length=11)
        grid = ForeignKeyField(Grid, on_delete='RESTRICT')
        post = CharField(max_length=16, default='full')
        employment = CharField(max_length=16, default='full_time')
        party_member = BooleanField(default=False)
        joined_on = DateField(null=True)
        status = CharField(index=True, max_length=16, default='active')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'worker'
    db.create_tables([Worker])
    # Grid.leader points at Worker, which points at Grid: add it last.
    migrator.migrate(migrator.add_column(
        'grid', 'leader_id', ForeignKeyField(Worker, null=True, field=Worker.id, on_delete='SET NULL')))

    class Ticket(Model):
        number = CharField(unique=True, max_length=20)
        title = CharField(max_length=128)
        description = TextField(null=True)
        category = ForeignKeyField(Category, on_delete='RESTRICT')
        source = ForeignKeyField(Source, on_delete='RESTRICT')
        grid = ForeignKeyField(Grid, on_delete='RESTRICT', index=False)
        place = CharField(null=True, max_length=128)
        reporter = ForeignKeyField(Worker, null=True, on_delete='RESTRICT')
        assignee = ForeignKeyField(Worker, null=True, on_delete='RESTRICT')
        department = ForeignKeyField(Department, null=True, on_delete='RESTRICT')
        priority = CharField(max_length=8, default='normal')
        status = CharField(max_length=16, default='reported')
        created_at = DateTimeField()
        due_at = DateTimeField(null=True)
        closed_at = DateTimeField(null=True)
        resolution = TextField(null=True)
        satisfaction = CharField(null=True, max_length=16)
        class Meta:
            database = db
            table_name = 'ticket'
            indexes = ((('created_at',), False), (('status', 'created_at'), False), (('grid', 'created_at'), False))
    db.create_tables([Ticket])

    class User(Model):
        username = CharField(unique=True, max_length=64)
        password_hash = CharField()
        display_name = CharField(null=True, max_length=64)
        active = BooleanField(default=True)
        created_at = DateTimeField()
        last_login_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('ticket'))
    migrator.migrate(migrator.drop_table('worker'))
    migrator.migrate(migrator.drop_table('source'))
    migrator.migrate(migrator.drop_table('service_record'))
    migrator.migrate(migrator.drop_table('volunteer'))
    migrator.migrate(migrator.drop_table('volunteer_team'))
    migrator.migrate(migrator.drop_table('party_member'))
    migrator.migrate(migrator.drop_table('party_org'))
    migrator.migrate(migrator.drop_table('meeting_item'))
    migrator.migrate(migrator.drop_table('meeting'))
    migrator.migrate(migrator.drop_table('grid'))
    migrator.migrate(migrator.drop_table('department'))
    migrator.migrate(migrator.drop_table('category'))
