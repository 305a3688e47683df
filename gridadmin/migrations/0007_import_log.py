"""The import log (导入记录): every confirmed import, with the ids it created."""
from peewee import *


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class ImportLog(Model):
        at = DateTimeField(index=True)
        user = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        username = CharField(max_length=64, null=True)
        model = CharField(max_length=32, index=True)
        file_name = CharField(max_length=255)
        created = IntegerField(default=0)
        updated = IntegerField(default=0)
        unchanged = IntegerField(default=0)
        created_ids = TextField(null=True)
        undone_at = DateTimeField(null=True)
        undone_by = CharField(max_length=64, null=True)

        class Meta:
            database = db
            table_name = 'import_log'

    db.create_tables([ImportLog])


def down(migrator, db):
    db.execute_sql('DROP TABLE import_log')
