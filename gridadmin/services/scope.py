"""Data scope: which rows a user may see. Everything else asks here.

A user is bound to one node of the grid tree and sees its whole subtree
(centre, secretary, worker, viewer), or to a department (the tickets
dispatched to it), or to a volunteer team (that team). Administrators see
everything; a user with no binding sees nothing.
"""

from peewee import SQL

from ..models import (
    AuditLog,
    CalendarDay,
    Category,
    Department,
    Grid,
    GridBoundary,
    ImportLog,
    LoginAttempt,
    Meeting,
    MeetingItem,
    PartyMember,
    PartyOrg,
    PointEntry,
    ServiceRecord,
    Source,
    Ticket,
    TicketEvent,
    TicketPhoto,
    User,
    Volunteer,
    VolunteerTeam,
    Worker,
)
from . import trees

NOTHING = SQL("1 = 0")
GRID_ROLES = {"centre", "secretary", "worker", "viewer"}
# Small tables everyone reads (form drop-downs, filters).
SHARED = {Category, Source, Department, CalendarDay}


def remember_path(user, path):
    """Keep the path of ``user``'s grid node on the (per-request) user object,
    read with the user (services.sessions)."""
    user.__dict__["_scope_path"] = (user.grid_id, path)


def _grid_ids(user):
    """The ids of the user's grid node and everything below it, or None.
    Only the node's path is read (the whole row is thirty columns), once per
    (per-request) user object."""
    if user.grid_id is None:
        return None
    kept = user.__dict__.get("_scope_path")
    if kept is None or kept[0] != user.grid_id:  # not read with the login, or the binding changed since
        remember_path(user, Grid.select(Grid.path).where(Grid.id == user.grid_id).scalar())
    path = user.__dict__["_scope_path"][1]
    if not path:
        return None
    return Grid.select(Grid.id).where(trees.subtree_clause(Grid, path))


def condition(model, user):
    """The WHERE clause limiting ``model`` to ``user``'s rows, or None for all."""
    role = getattr(user, "role", None)
    if role == "admin":
        return None
    if model in SHARED:
        return None
    if model is ImportLog:  # one's own imports (administrators read them all)
        return ImportLog.user == user.id if getattr(user, "id", None) else NOTHING
    if model in (User, AuditLog, LoginAttempt):
        return NOTHING
    if role in GRID_ROLES:
        grids = _grid_ids(user)
        if grids is None:
            return NOTHING
        by_grid = {
            Grid: lambda: Grid.id.in_(grids),
            # "+ 0": a filter on the rows the bounding-box index finds, never
            # the plan's driver (a street's thousands of grids, one by one).
            GridBoundary: lambda: (GridBoundary.grid + 0).in_(grids),
            Worker: lambda: Worker.grid.in_(grids),
            PartyOrg: lambda: PartyOrg.grid.in_(grids),
            PartyMember: lambda: PartyMember.org.in_(PartyOrg.select(PartyOrg.id).where(PartyOrg.grid.in_(grids))),
            VolunteerTeam: lambda: VolunteerTeam.grid.in_(grids),
            Volunteer: lambda: Volunteer.team.in_(VolunteerTeam.select(VolunteerTeam.id).where(VolunteerTeam.grid.in_(grids))),
            ServiceRecord: lambda: ServiceRecord.team.in_(VolunteerTeam.select(VolunteerTeam.id).where(VolunteerTeam.grid.in_(grids))),
            Meeting: lambda: Meeting.grid.in_(grids),
            MeetingItem: lambda: MeetingItem.meeting.in_(Meeting.select(Meeting.id).where(Meeting.grid.in_(grids))),
            Ticket: lambda: Ticket.grid.in_(grids),
            TicketEvent: lambda: TicketEvent.ticket.in_(Ticket.select(Ticket.id).where(Ticket.grid.in_(grids))),
            TicketPhoto: lambda: TicketPhoto.ticket.in_(Ticket.select(Ticket.id).where(Ticket.grid.in_(grids))),
            PointEntry: lambda: PointEntry.worker.in_(Worker.select(Worker.id).where(Worker.grid.in_(grids))),
        }
        rule = by_grid.get(model)
        return rule() if rule else NOTHING
    if role == "department" and user.department_id:
        mine = Ticket.select(Ticket.id).where(Ticket.department == user.department_id)
        by_department = {
            Ticket: lambda: Ticket.department == user.department_id,
            TicketEvent: lambda: TicketEvent.ticket.in_(mine),
            TicketPhoto: lambda: TicketPhoto.ticket.in_(mine),
        }
        rule = by_department.get(model)
        return rule() if rule else NOTHING
    if role == "volunteer" and user.team_id:
        by_team = {
            VolunteerTeam: VolunteerTeam.id == user.team_id,
            Volunteer: Volunteer.team == user.team_id,
            ServiceRecord: ServiceRecord.team == user.team_id,
        }
        if user.volunteer_id:  # their own reports (随手拍) and what hangs on them
            reported = Ticket.select(Ticket.id).where(Ticket.reporter_volunteer == user.volunteer_id)
            by_team.update({
                Ticket: Ticket.reporter_volunteer == user.volunteer_id,
                TicketEvent: TicketEvent.ticket.in_(reported),
                TicketPhoto: TicketPhoto.ticket.in_(reported),
            })
        return by_team.get(model, NOTHING)
    return NOTHING


def visible(model, user):
    """``model.select()`` limited to what ``user`` may see."""
    clause = condition(model, user)
    query = model.select()
    return query if clause is None else query.where(clause)


def restrict(query, model, user):
    clause = condition(model, user)
    return query if clause is None else query.where(clause)


def can_see(user, obj):
    model = type(obj)
    return restrict(model.select(model.id), model, user).where(model.id == obj.id).exists()
