"""Smart dispatch (智能派单): the rules that send a reported ticket where it
belongs without a dispatcher reading it first ("网格吹哨、部门报到").

``match(ticket)`` walks the active rules of the ticket's category in order
and returns the first whose conditions hold (grid subtree, source, priority)
and whose target can take the ticket: a rule naming a department no longer
active, or a grid with no worker on duty, is passed over and reported.
``apply(ticket)`` runs at report time, inside the report's transaction: an
automatic rule accepts and dispatches at once, as two workflow steps taken by
the system (the due time from the category), and the timeline names the
rule; any other rule is only the suggestion the centre sees.
"""

from dataclasses import dataclass, field

from peewee import JOIN

from ..models import DispatchRule, Grid, Worker, db
from ..models.base import N_
from . import workflow
from .errors import RuleError

NEEDS_DEPARTMENT = N_("A rule that dispatches to a department must name the department.")
NO_DEPARTMENT_FOR_WORKER = N_("A rule that dispatches to the grid's own worker names no department.")
INACTIVE_DEPARTMENT = N_("Department “%(name)s” is no longer active.")
SKIPPED_INACTIVE = N_("Rule “%(rule)s” was passed over: department “%(name)s” is no longer active.")
SKIPPED_NO_WORKER = N_("Rule “%(rule)s” was passed over: grid “%(grid)s” has no grid worker on duty.")

# Which of a grid's workers takes "the grid's own worker" tickets: its
# leader when on duty, else the first on duty by post.
POST_ORDER = ("leader", "full", "part", "micro", "building")


class SystemActor:
    """The system taking workflow steps on a rule's behalf: it may take any
    step (like an administrator) and is named in the timeline and the log."""

    id = None
    role = "admin"
    active = True
    is_authenticated = True
    worker_id = department_id = grid_id = team_id = volunteer_id = None
    username = "system"

    def __str__(self):
        return self.username


SYSTEM = SystemActor()


@dataclass
class Decision:
    """What the rules say of a ticket: the rule that applies (or None), where
    it sends the ticket, and the rules passed over on the way (RuleErrors)."""

    rule: DispatchRule | None = None
    department: object = None
    assignee: Worker | None = None
    skipped: list = field(default_factory=list)
    auto_failed: RuleError | None = None  # an automatic rule's steps were refused (why)

    @property
    def target_name(self):
        return str(self.department or self.assignee or "")


def check_rule(rule):
    """A rule's own consistency, before it is saved."""
    if rule.target == "department" and rule.department_id is None:
        raise RuleError(NEEDS_DEPARTMENT, field="department")
    if rule.target == "grid_worker" and rule.department_id is not None:
        raise RuleError(NO_DEPARTMENT_FOR_WORKER, field="department")
    if rule.target == "department" and rule.active and not rule.department.active:
        raise RuleError(INACTIVE_DEPARTMENT, field="department", name=rule.department.name)


def grid_worker(grid_id):
    """The worker on duty who takes a grid's own tickets, or None."""
    grid = Grid.select(Grid.leader).where(Grid.id == grid_id).first()
    on_duty = Worker.select().where((Worker.grid == grid_id) & (Worker.status == "active"))
    if grid is not None and grid.leader_id is not None:
        leader = on_duty.where(Worker.id == grid.leader_id).first()
        if leader is not None:
            return leader
    workers = list(on_duty)
    workers.sort(key=lambda w: (POST_ORDER.index(w.post) if w.post in POST_ORDER else len(POST_ORDER), w.id))
    return workers[0] if workers else None


def _applies(rule, ticket, path):
    if rule.source_id is not None and rule.source_id != ticket.source_id:
        return False
    if rule.priority and rule.priority != ticket.priority:
        return False
    return rule.grid_id is None or path.startswith(rule.grid.path)


def rules_for(category_id):
    """The active rules of a category, in the order they are tried."""
    return (DispatchRule.select(DispatchRule, Grid)
            .join(Grid, on=(DispatchRule.grid == Grid.id), join_type=JOIN.LEFT_OUTER)
            .where((DispatchRule.category == category_id) & DispatchRule.active)
            .order_by(DispatchRule.sort_order, DispatchRule.id))


def match(ticket):
    """The Decision for ``ticket`` (its category, grid, source, priority)."""
    decision = Decision()
    path = Grid.select(Grid.path).where(Grid.id == ticket.grid_id).scalar() or ""
    for rule in rules_for(ticket.category_id):
        if not _applies(rule, ticket, path):
            continue
        if rule.target == "department":
            if not rule.department.active:
                decision.skipped.append(RuleError(SKIPPED_INACTIVE, rule=rule.name, name=rule.department.name))
                continue
            decision.rule, decision.department = rule, rule.department
            return decision
        worker = grid_worker(ticket.grid_id)
        if worker is None:
            decision.skipped.append(RuleError(SKIPPED_NO_WORKER, rule=rule.name, grid=str(ticket.grid)))
            continue
        decision.rule, decision.assignee = rule, worker
        return decision
    return decision


def apply(ticket, now=None, tz="Asia/Shanghai", address=None):
    """At report time, inside the report's transaction: an automatic rule
    accepts and dispatches ``ticket`` now. Returns the Decision; a refused
    step (a deadline that cannot be set) leaves the ticket reported."""
    decision = match(ticket)
    rule = decision.rule
    if rule is None or not rule.auto:
        return decision
    read = dict(ticket.__data__)
    try:
        # A savepoint: a step refused half-way leaves the report as it was.
        with db.atomic():
            workflow.transition(ticket, "accept", SYSTEM, now=now, tz=tz, address=address, rule=rule)
            workflow.transition(ticket, "dispatch", SYSTEM, now=now, tz=tz, address=address, rule=rule,
                                department=decision.department, assignee=decision.assignee)
    except RuleError as error:
        ticket.__data__ = read
        decision.auto_failed = error
    return decision
