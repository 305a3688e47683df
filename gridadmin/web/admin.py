"""The admin site: its menu, in the order people work, and its home page."""

from flask import redirect, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..models import VersionedModel
from ..services import permissions
from . import frame, photos, setup, todo
from .i18n import TRANSLATIONS
from .views.briefing import BriefingView, PublishedBriefingsView
from .views.calendar import CalendarBulkLink, CalendarDayView
from .views.dashboard import BriefingSettingsView, DashboardView
from .views.dispatch import DispatchRuleView
from .views.grid import GridView, WorkerView
from .views.lookups import CategoryView, DepartmentView, SourceView
from .views.meeting import MeetingItemView, MeetingView
from .views.party import PartyMemberView, PartyOrgView
from .views.places import BoundaryImportView, MapView
from .views.points import PointEntryView, RankingView
from .views.system import (
    AccountView,
    AuditLogView,
    ImportLogView,
    LoginAttemptView,
    PermissionMatrixView,
    UserView,
)
from .views.ticket import OverdueTicketsLink, TicketView
from .views.volunteer import ServiceRecordView, VolunteerTeamView, VolunteerView


class HomeView(AdminIndexView):
    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        allowed = {e for e in permissions.VIEWS if permissions.allowed(current_user, e, permissions.VIEW)}
        return self.render("admin/home.html", allowed=allowed)


def record_versions(rows=None, model=None):
    """{id: version} of the versioned records a page shows (for versions.js)."""
    shown = list(rows) if isinstance(rows, (list, tuple)) else []
    if model is not None:
        shown.append(model)
    return {str(obj.id): obj.version for obj in shown if isinstance(obj, VersionedModel) and obj.id is not None}


def init_app(app):
    app.jinja_env.globals["gridadmin_versions"] = record_versions
    app.jinja_env.globals["gridadmin_todo_badge"] = todo.badge
    app.jinja_env.globals["gridadmin_menu"] = frame.menu
    app.jinja_env.globals["gridadmin_fixed_url"] = frame.fixed_url
    app.after_request(todo.forget_badge)
    app.after_request(frame.forget_after_post)
    app.jinja_env.globals["gridadmin_home_queues"] = todo.home_queues
    app.jinja_env.globals["gridadmin_home_headline"] = todo.home_headline
    admin = Admin(
        app,
        name=_l("Grid governance"),
        index_view=HomeView(name=_l("Home"), url="/admin"),
        translations_path=TRANSLATIONS,
        theme=Bootstrap4Theme(base_template="admin/gridadmin_base.html", fluid=True),
    )
    grids, party, volunteers, lookups = _l("Grids"), _l("Party building"), _l("Volunteers"), _l("Lookup tables")
    system = _l("System")
    ticket_view = TicketView(category=None)
    admin.add_view(ticket_view)
    admin.add_link(OverdueTicketsLink(_l("Overdue tickets"), ticket_view))
    admin.add_view(MapView(name=_l("Map"), endpoint="map", url="map"))
    figures = _l("Figures")
    admin.add_view(DashboardView(name=_l("Dashboard"), endpoint="dashboard", url="dashboard", category=figures))
    admin.add_view(BriefingView(name=_l("Monthly briefing"), endpoint="briefing", url="briefing", category=figures))
    admin.add_view(PublishedBriefingsView(name=_l("Published briefings"), endpoint="publishedbriefings",
                                          url="briefing/published", category=figures))
    admin.add_view(GridView(category=grids))
    admin.add_view(WorkerView(category=grids))
    admin.add_view(BoundaryImportView(name=_l("Import grid boundaries"), endpoint="boundaries", url="boundaries",
                                      category=grids))
    admin.add_view(PartyOrgView(category=party))
    admin.add_view(PartyMemberView(category=party))
    deliberation = _l("Deliberation")
    admin.add_view(MeetingView(category=deliberation))
    admin.add_view(MeetingItemView(category=deliberation))
    admin.add_view(VolunteerTeamView(category=volunteers))
    admin.add_view(VolunteerView(category=volunteers))
    admin.add_view(ServiceRecordView(category=volunteers))
    scores = _l("Points")
    admin.add_view(PointEntryView(category=scores))
    admin.add_view(RankingView(name=_l("Points ranking"), endpoint="ranking", url="ranking", category=scores))
    admin.add_view(CategoryView(category=lookups))
    admin.add_view(SourceView(category=lookups))
    admin.add_view(DepartmentView(category=lookups))
    calendar_view = CalendarDayView(category=lookups)
    admin.add_view(calendar_view)
    admin.add_link(CalendarBulkLink(_l("Enter holidays in bulk"), calendar_view, category=lookups))
    admin.add_view(DispatchRuleView(category=lookups))
    admin.add_view(BriefingSettingsView(category=lookups, name=_l("Briefing ranking"), endpoint="briefingsettings"))
    admin.add_view(UserView(category=system))
    admin.add_view(AuditLogView(category=system))
    admin.add_view(LoginAttemptView(category=system))
    admin.add_view(ImportLogView(category=system))
    admin.add_view(PermissionMatrixView(name=_l("Permissions"), endpoint="permissions", category=system))
    admin.add_view(AccountView(name=_l("Change password"), endpoint="account", url="account"))
    setup.init_app(app, admin)  # the getting-started checklist's demo button (no menu entry)
    photos.init_app(app, admin)  # photo images (no menu entry) and the too-large-upload answer
    return admin
