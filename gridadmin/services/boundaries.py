"""Importing grid boundaries (网格边界) from a GeoJSON file.

One feature per grid, matched by its ``code`` property; Polygon or
MultiPolygon in WGS-84 longitude/latitude (RFC 7946). The whole file is
checked first and every problem named by feature; only a file without any
is written, in one transaction, each boundary a versioned, audited save.
"""

import json
import math
from dataclasses import dataclass

from peewee import IntegrityError

from ..models import Grid, GridBoundary, db, utcnow
from ..models.base import N_, StaleRecord
from . import audit, permissions, places, scope
from .errors import Label, RuleError

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_VERTICES = 200_000  # one grid's outline; more is a survey, not a boundary
MAX_PROBLEMS = 20  # named one by one; the rest are counted
CHUNK = 500  # codes looked up per query (SQLite's parameter limit)
WGS84_NAMES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "urn:ogc:def:crs:EPSG::4326",
               "EPSG:4326", "CRS84", "urn:ogc:def:crs:EPSG:4326"}

REFUSED = N_("The file was not imported; nothing was changed.")
TOO_LARGE = N_("The file is larger than %(mb)s MB.")
NOT_TEXT = N_("The file is not UTF-8 text.")
NOT_JSON = N_("The file is not valid JSON (line %(line)s, column %(column)s).")
NOT_COLLECTION = N_("The file must be a GeoJSON FeatureCollection.")
NO_FEATURES = N_("The file has no features.")
NOT_WGS84 = N_("The file's coordinates are in “%(crs)s”; export them as WGS-84 longitude and latitude (EPSG:4326).")
NOT_FEATURE = N_("Feature %(n)s is not a GeoJSON Feature.")
NO_CODE = N_("Feature %(n)s has no “code” property.")
UNKNOWN = N_("Feature %(n)s (code “%(code)s”): no grid has this code within your part of the grid.")
TWICE = N_("Feature %(n)s (code “%(code)s”): feature %(first)s already gives this code.")
NO_GEOMETRY = N_("Feature %(n)s (code “%(code)s”) has no geometry.")
NOT_POLYGON = N_("Feature %(n)s (code “%(code)s”): the geometry must be a Polygon or MultiPolygon, not “%(type)s”.")
BAD_COORDINATES = N_("Feature %(n)s (code “%(code)s”): the coordinates are not rings of longitude and latitude pairs.")
OUT_OF_RANGE = N_("Feature %(n)s (code “%(code)s”): %(position)s is not a longitude and latitude in degrees "
                  "(WGS-84).")
OPEN_RING = N_("Feature %(n)s (code “%(code)s”): every ring must be closed and have at least four positions.")
TOO_MANY_VERTICES = N_("Feature %(n)s (code “%(code)s”): more than %(max)s points; simplify the outline first.")
INVALID = N_("Feature %(n)s (code “%(code)s”): the outline is not a valid area: %(reason)s (near %(where)s).")
MORE_PROBLEMS = N_("… and %(count)s more problems.")
CONCURRENT = N_("Someone else changed these boundaries at the same time; nothing was imported. Please try again.")
NOT_ALLOWED = N_("Only administrators and command centres can import grid boundaries.")

# GEOS's reasons (shapely.is_valid_reason), in words people read.
REASONS = {
    "Self-intersection": N_("its edges cross"),
    "Ring Self-intersection": N_("a ring touches itself"),
    "Hole lies outside shell": N_("a hole lies outside its outline"),
    "Nested shells": N_("two outlines overlap"),
    "Nested holes": N_("a hole lies inside another"),
    "Interior is disconnected": N_("holes cut the area apart"),
    "Too few points": N_("a ring has too few points"),
    "Duplicate Rings": N_("a ring is repeated"),
    "Invalid Coordinate": N_("a coordinate is not a number"),
}
BROKEN = N_("the shape is broken")


class Refused(RuleError):
    """The file cannot be imported: ``problems`` (RuleErrors) say why, by feature."""

    def __init__(self, problems):
        super().__init__(REFUSED)
        self.problems = problems


@dataclass
class Match:
    number: int  # the feature's place in the file, from 1
    grid: Grid
    geometry: dict
    vertices: int
    bbox: tuple
    outcome: str = ""  # created, updated, unchanged (after saving or checking)


def may_import(user):
    """Administrators and centres (their subtree); ``None`` is the command line."""
    return user is None or permissions.allowed(user, "boundaries", permissions.CREATE)


def read(data, user=None):
    """The file's features matched to grids ``user`` may see, or Refused
    naming every problem. Writes nothing."""
    if not may_import(user):
        raise RuleError(NOT_ALLOWED)
    problems = []
    features = _features(data)
    codes, matches = {}, []
    for number, feature in enumerate(features, start=1):
        code, geometry, problem = _feature(number, feature)
        if problem is not None:
            problems.append(problem)
            continue
        if code in codes:
            problems.append(RuleError(TWICE, n=number, code=code, first=codes[code]))
            continue
        codes[code] = number
        matches.append((number, code, geometry))
    grids = _grids(list(codes), user)
    found = []
    for number, code, geometry in matches:
        grid = grids.get(code)
        if grid is None:
            problems.append(RuleError(UNKNOWN, n=number, code=code))
            continue
        vertices, bbox = _measure(geometry)
        found.append(Match(number, grid, geometry, vertices, bbox))
    if problems:
        problems.sort(key=lambda p: p.params.get("n", 0))
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(RuleError(MORE_PROBLEMS, count=len(problems) - MAX_PROBLEMS))
        raise Refused(shown)
    return found


def _features(data):
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            raise Refused([RuleError(TOO_LARGE, mb=MAX_FILE_BYTES // 2**20)])
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Refused([RuleError(NOT_TEXT)]) from None
    try:
        document = json.loads(data)
    except json.JSONDecodeError as error:
        raise Refused([RuleError(NOT_JSON, line=error.lineno, column=error.colno)]) from None
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = {"type": "FeatureCollection", "features": [document]}
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" \
            or not isinstance(document.get("features"), list):
        raise Refused([RuleError(NOT_COLLECTION)])
    crs = document.get("crs")
    if crs is not None:  # GeoJSON 2008 named its CRS; RFC 7946 is WGS-84 only
        name = ((crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None) or str(crs)[:60]
        if name not in WGS84_NAMES:
            raise Refused([RuleError(NOT_WGS84, crs=name)])
    if not document["features"]:
        raise Refused([RuleError(NO_FEATURES)])
    return document["features"]


def _feature(number, feature):
    """(code, clean geometry, None) or (code, None, the problem)."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None, None, RuleError(NOT_FEATURE, n=number)
    code = (feature.get("properties") or {}).get("code") if isinstance(feature.get("properties"), dict) else None
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)  # a code typed as a number in a spreadsheet
    if not isinstance(code, str) or not code.strip():
        return None, None, RuleError(NO_CODE, n=number)
    code = code.strip()
    geometry = feature.get("geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if not kind:
        return code, None, RuleError(NO_GEOMETRY, n=number, code=code)
    if kind not in ("Polygon", "MultiPolygon"):
        return code, None, RuleError(NOT_POLYGON, n=number, code=code, type=str(kind)[:30])
    polygons = geometry.get("coordinates")
    polygons = [polygons] if kind == "Polygon" else polygons
    clean, count = [], 0
    if not isinstance(polygons, list) or not polygons:
        return code, None, RuleError(BAD_COORDINATES, n=number, code=code)
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return code, None, RuleError(BAD_COORDINATES, n=number, code=code)
        rings = []
        for ring in polygon:
            if not isinstance(ring, list):
                return code, None, RuleError(BAD_COORDINATES, n=number, code=code)
            positions = []
            for position in ring:
                if not (isinstance(position, list) and len(position) >= 2
                        and all(_is_number(v) for v in position[:2])):
                    return code, None, RuleError(BAD_COORDINATES, n=number, code=code)
                lng, lat = float(position[0]), float(position[1])
                if not places.valid_position(lat, lng):
                    return code, None, RuleError(OUT_OF_RANGE, n=number, code=code,
                                                 position=f"[{position[0]}, {position[1]}]"[:60])
                positions.append([lng, lat])  # altitudes dropped
            if len(positions) < 4 or positions[0] != positions[-1]:
                return code, None, RuleError(OPEN_RING, n=number, code=code)
            count += len(positions)
            if count > MAX_VERTICES:
                return code, None, RuleError(TOO_MANY_VERTICES, n=number, code=code, max=MAX_VERTICES)
            rings.append(positions)
        clean.append(rings)
    geometry = {"type": kind, "coordinates": clean[0] if kind == "Polygon" else clean}
    import shapely  # 16 MB: loaded by the first import of boundaries, not by every process

    reason = shapely.is_valid_reason(shapely.from_geojson(json.dumps(geometry)))
    if reason != "Valid Geometry":
        words, _bracket, where = reason.partition("[")
        return code, None, RuleError(INVALID, n=number, code=code, reason=Label(REASONS.get(words.strip(), BROKEN)),
                                     where=where.rstrip("]")[:60] or "?")
    return code, geometry, None


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _measure(geometry):
    rings = geometry["coordinates"] if geometry["type"] == "Polygon" else \
        [ring for polygon in geometry["coordinates"] for ring in polygon]
    lngs = [p[0] for ring in rings for p in ring]
    lats = [p[1] for ring in rings for p in ring]
    return len(lngs), (min(lngs), min(lats), max(lngs), max(lats))


def _grids(codes, user):
    """{code: grid} of the codes that name a grid ``user`` may see."""
    found = {}
    for start in range(0, len(codes), CHUNK):
        query = Grid.select(Grid.id, Grid.code, Grid.name).where(Grid.code.in_(codes[start:start + CHUNK]))
        if user is not None:
            query = scope.restrict(query, Grid, user)
        found.update((grid.code, grid) for grid in query)
    return found


def _summary(row):
    """What the audit log keeps of a boundary: its shape's size and box, not
    its every point."""
    if row is None:
        return None
    return f"{json.loads(row.geometry)['type']}, {row.vertices} points, " \
           f"[{row.min_lng:.6f}, {row.min_lat:.6f}, {row.max_lng:.6f}, {row.max_lat:.6f}]"


def _existing(matches):
    """{grid id: its boundary row} for the matched grids that have one."""
    ids = [m.grid.id for m in matches]
    found = {}
    for start in range(0, len(ids), CHUNK):
        found.update((row.grid_id, row) for row in
                     GridBoundary.select().where(GridBoundary.grid.in_(ids[start:start + CHUNK])))
    return found


def _text(geometry):
    return json.dumps(geometry, separators=(",", ":"))


def _outcome(row, match):
    if row is None:
        return "created"
    return "unchanged" if row.geometry == _text(match.geometry) else "updated"


def save(matches, user=None, address=None, username=None):
    """Write the boundaries ``read`` matched, all or none; sets each match's
    outcome. Someone importing the same grids at once: RuleError, nothing written."""
    if not may_import(user):
        raise RuleError(NOT_ALLOWED)
    try:
        with db.atomic():
            existing = _existing(matches)
            for match in matches:
                row = existing.get(match.grid.id)
                match.outcome = _outcome(row, match)
                if match.outcome == "unchanged":
                    continue
                created = row is None
                before = None if created else _summary(row)
                read_at = {} if created else dict(row.__data__)
                row = row or GridBoundary(grid=match.grid.id)
                row.geometry, row.vertices, row.updated_at = _text(match.geometry), match.vertices, utcnow()
                row.min_lng, row.min_lat, row.max_lng, row.max_lat = match.bbox
                row.size_class = places.size_class(*match.bbox)
                if not created:
                    row.keep_changes(read_at)
                # Not records.save: its unique-grid pre-check would word a
                # concurrent import's insert as a typing mistake; the unique
                # key itself refuses it (IntegrityError, below).
                row.save(force_insert=created)
                changes = {"boundary": [before, _summary(row)]}
                if created:
                    changes["grid"] = [None, match.grid.id]
                audit.record("create" if created else "update", user=user, address=address, obj=row,
                             username=username, changes=changes)
    except (StaleRecord, IntegrityError):
        raise RuleError(CONCURRENT) from None
    return matches


def import_file(data, user=None, address=None, username=None, dry_run=False):
    """Check ``data`` (bytes or text) and, unless ``dry_run``, save it:
    the matches, each with its outcome (created, updated, unchanged)."""
    matches = read(data, user)
    if dry_run:
        existing = _existing(matches)
        for match in matches:
            match.outcome = _outcome(existing.get(match.grid.id), match)
        return matches
    return save(matches, user, address, username)
