"""Places and smart dispatch: grid boundary polygons with their bounding
boxes (a point lookup's index), dispatch rules, and an index that finds a
scope's open tickets within a map's view."""
from peewee import *


def up(migrator, db):
    class Grid(Model):
        class Meta:
            database = db
            table_name = 'grid'

    class Category(Model):
        class Meta:
            database = db
            table_name = 'category'

    class Source(Model):
        class Meta:
            database = db
            table_name = 'source'

    class Department(Model):
        class Meta:
            database = db
            table_name = 'department'

    class GridBoundary(Model):
        version = IntegerField(default=0, constraints=[SQL('DEFAULT 0')])
        grid = ForeignKeyField(Grid, unique=True, on_delete='RESTRICT')
        geometry = TextField()
        min_lng = DoubleField()
        min_lat = DoubleField()
        max_lng = DoubleField()
        max_lat = DoubleField()
        size_class = IntegerField()
        vertices = IntegerField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'grid_boundary'
            indexes = ((('size_class', 'min_lng', 'min_lat', 'max_lng', 'max_lat', 'grid'), False),)

    class DispatchRule(Model):
        version = IntegerField(default=0, constraints=[SQL('DEFAULT 0')])
        name = CharField(max_length=64, unique=True)
        category = ForeignKeyField(Category, on_delete='RESTRICT')
        grid = ForeignKeyField(Grid, null=True, on_delete='RESTRICT')
        source = ForeignKeyField(Source, null=True, on_delete='RESTRICT')
        priority = CharField(max_length=8, null=True)
        target = CharField(max_length=16, default='department')
        department = ForeignKeyField(Department, null=True, on_delete='RESTRICT')
        auto = BooleanField(default=False)
        sort_order = IntegerField(default=0)
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'dispatch_rule'
            constraints = [Check("(target = 'department') = (department_id IS NOT NULL)")]
            indexes = ((('category', 'sort_order'), False),)

    db.create_tables([GridBoundary, DispatchRule])
    migrator.migrate(migrator.add_index('ticket', ('status', 'longitude', 'latitude', 'grid_id'), False))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('ticket', 'ticket_status_longitude_latitude_grid_id'),
                     migrator.drop_table('dispatch_rule'), migrator.drop_table('grid_boundary'))
