"""Roles and data scope on users; the audit log and the login log.

Users of the first release were all administrators, so they keep that role.
"""
from peewee import *


def up(migrator, db):
    class Grid(Model):
        class Meta:
            database = db
            table_name = 'grid'

    class Department(Model):
        class Meta:
            database = db
            table_name = 'department'

    class VolunteerTeam(Model):
        class Meta:
            database = db
            table_name = 'volunteer_team'

    class Worker(Model):
        class Meta:
            database = db
            table_name = 'worker'

    class Volunteer(Model):
        class Meta:
            database = db
            table_name = 'volunteer'

    migrator.migrate(
        migrator.add_column('user', 'role', CharField(max_length=16, default='admin')),
        migrator.add_column('user', 'grid_id', ForeignKeyField(Grid, null=True, field=Grid.id, on_delete='RESTRICT')),
        migrator.add_column('user', 'department_id', ForeignKeyField(Department, null=True, field=Department.id, on_delete='RESTRICT')),
        migrator.add_column('user', 'team_id', ForeignKeyField(VolunteerTeam, null=True, field=VolunteerTeam.id, on_delete='RESTRICT')),
        migrator.add_column('user', 'worker_id', ForeignKeyField(Worker, null=True, field=Worker.id, on_delete='SET NULL')),
        migrator.add_column('user', 'volunteer_id', ForeignKeyField(Volunteer, null=True, field=Volunteer.id, on_delete='SET NULL')),
        migrator.add_column('user', 'session_version', IntegerField(default=0)),
    )

    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class AuditLog(Model):
        at = DateTimeField(index=True)
        user = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        username = CharField(null=True, max_length=64)
        address = CharField(null=True, max_length=64)
        action = CharField(index=True, max_length=16)
        model = CharField(null=True, max_length=32)
        record_id = IntegerField(null=True)
        changes = TextField(null=True)
        class Meta:
            database = db
            table_name = 'audit_log'
            indexes = ((('model', 'record_id'), False),)

    class LoginAttempt(Model):
        at = DateTimeField(index=True)
        username = CharField(index=True, max_length=64)
        address = CharField(index=True, max_length=64)
        success = BooleanField(default=False)
        result = CharField(max_length=16)
        class Meta:
            database = db
            table_name = 'login_attempt'

    db.create_tables([AuditLog, LoginAttempt])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('login_attempt'), migrator.drop_table('audit_log'))
    for column in ('session_version', 'volunteer_id', 'worker_id', 'team_id', 'department_id', 'grid_id', 'role'):
        migrator.migrate(migrator.drop_column('user', column))
