"""The search index of the large lists (services/search.py): FTS5 tables of
1- and 2-character pieces on SQLite, GIN-indexed arrays of them on
PostgreSQL, each kept by triggers in the row's own transaction."""
from gridadmin.services import search


def up(migrator, db):
    search.install(db)


def down(migrator, db):
    search.uninstall(db)
