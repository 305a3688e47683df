"""Ajax lookups for foreign keys that can be large (100,000 grids).

Flask-Admin's peewee loader searches ``model.select()`` with no order, no
scope and an exception on a stale id; this one takes the query from a
callable (so scope applies), orders by name and answers None for an id it
cannot see.
"""

from flask_admin.model.ajax import DEFAULT_PAGE_SIZE, AjaxModelLoader
from peewee import fn

from .validators import parse_id


def _label(obj):
    """Names repeat across 100,000 grids (第一网格): show the code as well."""
    code = getattr(obj, "code", None)
    return f"{obj} ({code})" if code else str(obj)


class QueryLoader(AjaxModelLoader):
    def __init__(self, name, model, fields, query=None, label=None, **options):
        super().__init__(name, options)
        self.model = model
        self.fields = [getattr(model, f) if isinstance(f, str) else f for f in fields]
        self.query = query or (lambda: model.select())
        self.label = label or _label

    def format(self, obj):
        if obj is None:
            return None
        return (obj.id, self.label(obj))

    def get_one(self, pk):
        pk = parse_id(pk)
        if pk is None:
            return None
        return self.query().where(self.model.id == pk).first()

    def get_list(self, term, offset=0, limit=DEFAULT_PAGE_SIZE):
        offset = max(offset or 0, 0)
        limit = min(max(limit or DEFAULT_PAGE_SIZE, 1), DEFAULT_PAGE_SIZE)
        query = self.query()
        term = (term or "").strip()
        if term:
            # Prefix matches first: they use the indexes and are what people type.
            clause = None
            for field in self.fields:
                like = field.startswith(term) if field.name == "code" else field.contains(term)
                clause = like if clause is None else clause | like
            query = query.where(clause)
        return list(query.order_by(fn.LENGTH(self.fields[0]), self.fields[0]).offset(offset).limit(limit))
