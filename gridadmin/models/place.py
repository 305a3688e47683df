"""Where things are: a grid's boundary polygon (网格边界).

The polygon is kept as GeoJSON (WGS-84 longitude/latitude, RFC 7946), in a
table of its own so grid lists never load it. Its bounding box and size
class are index columns: a point lookup asks SQL for the few boxes that can
contain the point and tests only those polygons exactly (``services.places``).
"""

from peewee import DateTimeField, DoubleField, ForeignKeyField, IntegerField, TextField

from .base import VersionedModel, utcnow
from .grid import Grid


class GridBoundary(VersionedModel):
    grid = ForeignKeyField(Grid, unique=True, backref="boundaries", on_delete="RESTRICT")
    # {"type": "Polygon" | "MultiPolygon", "coordinates": [...]}, longitude first.
    geometry = TextField()
    min_lng = DoubleField()
    min_lat = DoubleField()
    max_lng = DoubleField()
    max_lat = DoubleField()
    # The box's larger side is at most SIZE_BASE * 2 ** size_class degrees
    # (services.places): within one class, a box containing a point starts
    # at most that far west and south of it, so the index below reads a
    # narrow range per class instead of every box west of the point.
    size_class = IntegerField()
    vertices = IntegerField()
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        # With the grid: the map's first query (boxes in view, within scope)
        # reads the index alone.
        indexes = ((("size_class", "min_lng", "min_lat", "max_lng", "max_lat", "grid"), False),)

    def __str__(self):
        return str(self.grid_id)
