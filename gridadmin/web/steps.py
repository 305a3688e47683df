"""The forms of the ticket workflow's steps: what each step asks for.

The rules (who, when, what is required) are ``services.workflow``'s; these
forms only read the input, with CSRF, and turn it into the step's fields.
"""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..models import Department, Ticket
from ..models.ticket import SATISFACTION, TICKET_ACTIONS
from ..services import clock
from .forms import AdminForm, AjaxSelect, LocalDateTimeField
from .i18n import choices
from .photos import PhotosField, uploaded
from .validators import parse_id

NOTE_LABELS = {
    "reject": _l("Reason"),
    "return": _l("Reason"),
    "reopen": _l("Reason"),
    "request_extension": _l("Reason"),
    "deny_extension": _l("Reason"),
    "handle": _l("Handling result"),
    "close_on_spot": _l("Handling result"),
    "rate": _l("Resident's comments"),
}
# The fields each step's form has besides the note (every step has a note).
STEP_FIELDS = {
    "dispatch": ("department", "assignee"),
    "handle": ("photos",),
    "close_on_spot": ("photos",),
    "request_extension": ("due_at",),
    "rate": ("satisfaction",),
    "merge": ("target",),
}
ACTION_LABELS = dict(TICKET_ACTIONS)


class StepForm(AdminForm):
    # The version the user saw: acting on a ticket someone has changed since
    # is refused, so two people acting at once never both succeed.
    version = HiddenField()


def form_class(action, assignee_loader=None):
    """The form class of one step."""
    attrs = {"note": TextAreaField(NOTE_LABELS.get(action, _l("Note")), validators=[Optional(), Length(max=2000)])}
    wanted = STEP_FIELDS.get(action, ())
    if "department" in wanted:
        attrs["department"] = SelectField(_l("Department"), choices=_departments, validate_choice=False)
    if "assignee" in wanted and assignee_loader is not None:
        attrs["assignee"] = AjaxSelect(assignee_loader, label=_l("Grid worker"), allow_blank=True)
    if "photos" in wanted:
        attrs["photos"] = PhotosField()
    if "due_at" in wanted:
        attrs["due_at"] = LocalDateTimeField(_l("New due time"), validators=[Optional()])
    if "satisfaction" in wanted:
        attrs["satisfaction"] = RadioField(_l("Satisfaction"), choices=choices(SATISFACTION), validate_choice=False)
    if "target" in wanted:
        attrs["target"] = StringField(_l("Number of the ticket it duplicates"),
                                      validators=[Optional(), Length(max=20)])
    return type(f"{action.title().replace('_', '')}Form", (StepForm,), attrs)


def _departments():
    rows = (Department.select(Department.id, Department.name).where(Department.active)
            .order_by(Department.sort_order, Department.id).tuples())
    return [("", "")] + [(str(pk), name) for pk, name in rows]


def step_fields(action, form):
    """The keyword arguments ``workflow.transition`` takes from the form."""
    fields = {"note": form.note.data}
    if "department" in form:
        pk = parse_id(form.department.data)
        fields["department"] = Department.get_or_none(Department.id == pk) if pk else None
    if "assignee" in form:
        fields["assignee"] = form.assignee.data
    if "photos" in form:
        fields["photos"] = uploaded(form.photos)
    if "due_at" in form:
        # The form shows local time; the service works in UTC.
        fields["due_at"] = clock.to_utc(form.due_at.data, current_app.config["TIMEZONE"])
    if "satisfaction" in form:
        fields["satisfaction"] = form.satisfaction.data
    if "target" in form:
        number = (form.target.data or "").strip()
        fields["target"] = Ticket.get_or_none(Ticket.number == number) if number else None
    return fields
