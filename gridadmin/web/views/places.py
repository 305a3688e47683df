"""地图 and 网格边界: the map of open tickets and grid boundaries within the
user's scope, and the boundary import screen (admins and centres)."""

import json
import math

from flask import Response, abort, current_app, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms.validators import InputRequired

from ...models import Grid, utcnow
from ...models.ticket import TICKET_STATUSES
from ...services import boundaries, deadlines, permissions, places
from ...services.errors import RuleError
from ..auth import client_address
from ..base import format_local_datetime, rule_message
from ..forms import AdminForm

STATUS_LABELS = dict(TICKET_STATUSES)
LIGHT_LABELS = {"red": _l("Overdue"), "yellow": _l("Due soon"), "green": _l("On time"), None: _l("No due time yet")}


class PlaceView(BaseView):
    """A screen of its own, opened by the roles the matrix names for it."""

    action = permissions.VIEW

    def is_accessible(self):
        return current_user.is_authenticated and permissions.allowed(current_user, self.endpoint, self.action)

    def inaccessible_callback(self, name, **kwargs):
        if current_user.is_authenticated:
            abort(403)
        return redirect(url_for("auth.login", next=request.full_path))


# --- the map ---------------------------------------------------------------

TIANDITU = "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s" \
           "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"


def tile_settings(config):
    """What the map draws under the boundaries: 天地图 (its key), a local tile
    server (a URL template), or nothing. ``coords`` is what the tiles expect:
    天地图 uses CGCS2000, which matches WGS-84 to well under a metre at map
    scales, so nothing is converted; a server of GCJ-02 tiles (most Chinese
    providers) is declared as such and the map shifts what it draws onto them."""
    key = (config.get("MAP_TIANDITU_KEY") or "").strip()
    url = (config.get("MAP_TILE_URL") or "").strip()
    if key:
        return {"layers": [{"url": TIANDITU % (kind, kind, key), "subdomains": "01234567",
                            "attribution": "© 天地图"} for kind in ("vec", "cva")], "coords": "wgs84"}
    if url and all(part in url for part in ("{x}", "{y}", "{z}")):
        coords = "gcj02" if (config.get("MAP_TILE_COORDS") or "").strip().lower() == "gcj02" else "wgs84"
        return {"layers": [{"url": url, "subdomains": "abc",
                            "attribution": config.get("MAP_TILE_ATTRIBUTION") or ""}], "coords": coords}
    return {"layers": [], "coords": "wgs84"}


def _view_box(raw):
    """``west,south,east,north`` from the URL, clamped to the globe, or 400."""
    try:
        west, south, east, north = (float(v) for v in (raw or "").split(","))
    except ValueError:
        abort(400)
    if not all(math.isfinite(v) for v in (west, south, east, north)) or west > east or south > north:
        abort(400)
    return max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0)


class MapView(PlaceView):
    """地图: open tickets coloured by their due light and grid boundaries, in scope."""

    @expose("/")
    def index(self):
        user = current_user._get_current_object()
        settings = {
            "lang": str(get_locale()).replace("_", "-"),
            "tiles": tile_settings(current_app.config),
            "home": places.home_view(user),
            "data": url_for(".data"),
        }
        labels = {  # words the script shows, apart from its settings
            "more": gettext("Not everything in view is shown: zoom in to see the rest."),
            "open": gettext("Open the ticket"),
            "failed": gettext("The map's data could not be loaded."),
            "zoom_in": gettext("Zoom in"),
            "zoom_out": gettext("Zoom out"),
        }
        legend = [(light, LIGHT_LABELS[light]) for light in ("red", "yellow", "green", None)]
        return self.render("admin/map.html", settings=settings, labels=labels, legend=legend)

    @expose("/data/")
    def data(self):
        """The boundaries and open tickets within the view box, at most
        ``places.MAX_*`` of each, as JSON (geometries as stored, unparsed)."""
        user = current_user._get_current_object()
        box = _view_box(request.args.get("bbox"))
        rows, more_boundaries = places.boundaries_in_view(user, *box)
        tickets, more_tickets = places.tickets_in_view(user, *box)
        # Each stored geometry is already JSON (written by the import): spliced
        # in as is, not parsed and dumped again.
        features = ",".join(
            '{"type":"Feature","geometry":' + row.geometry + ',"properties":'
            + json.dumps({"name": row.name, "code": row.code}, ensure_ascii=False) + "}"
            for row in rows)
        more = json.dumps(more_boundaries or more_tickets)
        body = ('{"boundaries":{"type":"FeatureCollection","features":[' + features + ']},"tickets":'
                + json.dumps(self._tickets(tickets), ensure_ascii=False) + ',"more":' + more + "}")
        return Response(body, mimetype="application/json")

    def _tickets(self, tickets):
        now = utcnow()
        ids = {t.grid for t in tickets}
        names = dict(Grid.select(Grid.id, Grid.name).where(Grid.id.in_(list(ids))).tuples()) if ids else {}
        # Labels and the link translated and built once a response, not once a ticket.
        statuses = {value: gettext(label) for value, label in STATUS_LABELS.items()}
        lights = {light: str(label) for light, label in LIGHT_LABELS.items()}
        details = url_for("ticket.details_view") + "?id="
        found = []
        for ticket in tickets:
            light = deadlines.light(ticket, now)
            found.append({
                "number": ticket.number, "title": ticket.title, "lat": ticket.latitude, "lng": ticket.longitude,
                "status": statuses[ticket.status], "light": light or "none", "light_label": lights[light],
                "grid": names.get(ticket.grid, ""), "url": details + str(ticket.id),
                "due": format_local_datetime(ticket.due_at) if ticket.due_at else "",
            })
        return found


# --- importing boundaries ---------------------------------------------------

class BoundaryForm(AdminForm):
    file = FileField(_l("GeoJSON file"), validators=[InputRequired()], description=_l(
        "One feature per grid, with the grid's code in the property “code”; Polygon or MultiPolygon in WGS-84 "
        "longitude and latitude (as GPS and 天地图 give them). Everything is checked first: a file with any "
        "problem changes nothing."), render_kw={"accept": ".geojson,.json,application/geo+json,application/json"})


OUTCOMES = {"created": _l("Added"), "updated": _l("Replaced"), "unchanged": _l("Unchanged")}


class BoundaryImportView(PlaceView):
    """网格边界导入: the command line's import, on a screen (CSRF, audited)."""

    action = permissions.CREATE

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = BoundaryForm()
        matches, problems, checked = None, [], False
        if form.validate_on_submit():
            checked = "check" in request.form
            user = current_user._get_current_object()
            try:
                matches = boundaries.import_file(form.file.data.read(boundaries.MAX_FILE_BYTES + 1), user,
                                                 address=client_address(), dry_run=checked)
            except boundaries.Refused as refused:
                problems = [rule_message(p) for p in refused.problems]
            except RuleError as error:
                problems = [rule_message(error)]
        elif request.method == "POST":
            problems = [f"{field.label.text}: {error}" for field in form for error in field.errors]
        return self.render("admin/boundaries.html", form=form, matches=matches, problems=problems,
                           checked=checked, outcomes=OUTCOMES)
