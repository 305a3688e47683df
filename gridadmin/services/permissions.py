"""Who may do what: the whole role × view × action matrix, in one place.

Views are named by their Flask-Admin endpoint (the model name in lower
case). ``view`` covers the list and details pages; scope (which rows) is
``services.scope``'s business, this module says which actions.
"""

VIEW, CREATE, EDIT, DELETE, EXPORT = "view", "create", "edit", "delete", "export"
ACTIONS = (VIEW, CREATE, EDIT, DELETE, EXPORT)
ALL = frozenset(ACTIONS)
READ = frozenset({VIEW})

SIX_KINDS = ("grid", "worker", "partyorg", "partymember", "volunteerteam", "volunteer", "servicerecord",
             "meeting", "ticket")
# The closed loop's screens: open meeting items, the points ledger and
# ranking. Their steps (ticket workflow, item loop) are checked by their
# services; these say who may open the screens.
LOOP = ("meetingitem", "pointentry", "ranking")
LOOKUPS = ("category", "source", "department", "calendarday", "dispatchrule")
SYSTEM = ("user", "auditlog", "loginattempt", "importlog")
# Places: the map of open tickets and boundaries, and the boundary import
# (screens of their own, not lists of one model).
PLACES = ("map", "boundaries")
# Figures: the dashboard (驾驶舱), the monthly briefing (create = publish,
# export = the .xlsx), and the briefing's ranking settings.
FIGURES = ("dashboard", "briefing", "briefingsettings")
VIEWS = SIX_KINDS + LOOP + LOOKUPS + SYSTEM + PLACES + FIGURES


def _actions(*names):
    return frozenset(names)


LEDGER = _actions(VIEW, EXPORT)  # append-only: read and export, never edit

MATRIX = {
    "admin": {**{v: ALL for v in SIX_KINDS + LOOKUPS + ("user",)},
              "meetingitem": _actions(VIEW, EDIT, EXPORT), "pointentry": LEDGER, "ranking": READ,
              "auditlog": LEDGER, "loginattempt": LEDGER, "importlog": LEDGER,
              "map": READ, "boundaries": _actions(VIEW, CREATE),
              "dashboard": READ, "briefing": _actions(VIEW, CREATE, EXPORT), "briefingsettings": _actions(VIEW, EDIT)},
    "centre": {**{v: ALL for v in SIX_KINDS},
               "meetingitem": _actions(VIEW, EDIT, EXPORT), "pointentry": LEDGER, "ranking": READ,
               "calendarday": READ, "importlog": READ, "map": READ, "boundaries": _actions(VIEW, CREATE),
               "dashboard": READ, "briefing": _actions(VIEW, CREATE, EXPORT)},
    "secretary": {
        "grid": _actions(VIEW, CREATE, EDIT, DELETE),
        "worker": _actions(VIEW, CREATE, EDIT),
        "partyorg": _actions(VIEW, CREATE, EDIT, DELETE),
        "partymember": _actions(VIEW, CREATE, EDIT),
        "volunteerteam": _actions(VIEW, CREATE, EDIT, DELETE),
        "volunteer": _actions(VIEW, CREATE, EDIT),
        "servicerecord": _actions(VIEW, CREATE, EDIT, DELETE),
        "meeting": _actions(VIEW, CREATE, EDIT, DELETE),
        "meetingitem": _actions(VIEW, EDIT),
        "ticket": _actions(VIEW, EDIT),
        "pointentry": READ, "ranking": READ, "calendarday": READ, "map": READ, "importlog": READ,
        "briefing": _actions(VIEW, EXPORT),
    },
    "worker": {
        "grid": READ, "worker": READ, "partyorg": READ, "partymember": READ, "volunteerteam": READ,
        "meeting": READ, "meetingitem": READ, "ticket": _actions(VIEW, CREATE, EDIT),
        "pointentry": READ, "ranking": READ,
    },
    # Departments see what is dispatched to them and act through the steps.
    "department": {"ticket": READ},
    # Volunteers record their service and report what they find (随手拍):
    # they see and correct their own reports (scope), and take no steps.
    "volunteer": {"volunteerteam": READ, "volunteer": READ, "servicerecord": _actions(VIEW, CREATE, EDIT),
                  "ticket": _actions(VIEW, CREATE, EDIT)},
    "viewer": {**{v: READ for v in SIX_KINDS}, "meetingitem": READ, "pointentry": READ, "ranking": READ,
               "map": READ, "dashboard": READ, "briefing": _actions(VIEW, EXPORT)},
}

# Roles whose tickets are only their own reports: no overdue list to chase.
REPORTERS_ONLY = frozenset({"volunteer"})

# Edits limited to the user's own records: (role, view) -> the record's field
# that must name the user's own person.
OWN_RECORDS = {
    ("worker", "ticket"): ("reporter_id", "worker_id"),
    ("volunteer", "servicerecord"): ("volunteer_id", "volunteer_id"),
    ("volunteer", "ticket"): ("reporter_volunteer_id", "volunteer_id"),
}

# Columns a role may see of a view (None: all). Grid workers see party
# members' names and organisations only, never their personal details.
VISIBLE_COLUMNS = {
    ("worker", "partymember"): frozenset({"name", "org"}),
}

# Form fields a role may edit (None: all the form has).
EDITABLE_FIELDS = {}

# Form fields filled from the user's own binding instead of typed.
FORCED_FIELDS = {
    ("worker", "ticket"): {"reporter": "worker"},
    ("volunteer", "servicerecord"): {"volunteer": "volunteer", "team": "team"},
    ("volunteer", "ticket"): {"reporter": None, "reporter_volunteer": "volunteer"},
}


def actions(role, view):
    return MATRIX.get(role, {}).get(view, frozenset())


def allowed(user, view, action):
    """May ``user`` take ``action`` on ``view`` at all (before looking at a record)?"""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    return action in actions(user.role, view)


def allowed_on(user, view, action, obj):
    """May ``user`` take ``action`` on this record (already known to be in scope)?"""
    if not allowed(user, view, action):
        return False
    own = OWN_RECORDS.get((user.role, view))
    if own and action in (EDIT, DELETE):
        record_field, user_field = own
        mine = getattr(user, user_field)
        return mine is not None and getattr(obj, record_field) == mine
    return True


def visible_columns(user, view):
    return VISIBLE_COLUMNS.get((getattr(user, "role", None), view))


def editable_fields(user, view):
    return EDITABLE_FIELDS.get((getattr(user, "role", None), view))


def forced_fields(user, view):
    return FORCED_FIELDS.get((getattr(user, "role", None), view), {})
