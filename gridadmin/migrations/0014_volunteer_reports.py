"""Volunteers report too (随手拍): a ticket may name the volunteer who reported it."""
from peewee import *


def up(migrator, db):
    class Volunteer(Model):
        class Meta:
            database = db
            table_name = 'volunteer'

    migrator.migrate(
        migrator.add_column('ticket', 'reporter_volunteer_id',
                            ForeignKeyField(Volunteer, null=True, field=Volunteer.id, on_delete='RESTRICT')),
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_column('ticket', 'reporter_volunteer_id'))
