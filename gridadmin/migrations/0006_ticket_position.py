"""Where a ticket was reported from: the phone's WGS-84 position and its accuracy."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('ticket', 'latitude', DoubleField(null=True, constraints=[Check('latitude BETWEEN -90 AND 90')])),
        migrator.add_column('ticket', 'longitude', DoubleField(null=True, constraints=[Check('longitude BETWEEN -180 AND 180')])),
        migrator.add_column('ticket', 'location_accuracy', DoubleField(null=True, constraints=[Check('location_accuracy >= 0')])),
    )


def down(migrator, db):
    for column in ('location_accuracy', 'longitude', 'latitude'):
        migrator.migrate(migrator.drop_column('ticket', column))
