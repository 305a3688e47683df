"""Volunteer service: hours summed from service records, never stored."""

from decimal import Decimal

from peewee import fn

from ..models import ServiceRecord, Volunteer, db
from . import records
from .errors import RuleError


def total_hours(field, ids):
    """{id: hours} summed over service records, by ``ServiceRecord.team`` or
    ``ServiceRecord.volunteer``; one grouped query for a whole page."""
    if not ids:
        return {}
    rows = (ServiceRecord.select(field, fn.SUM(ServiceRecord.hours))
            .where(field.in_(list(ids)))
            .group_by(field)
            .tuples())
    return {key: Decimal(str(hours)) for key, hours in rows}


MAX_HOURS_A_DAY = Decimal(24)


def check_record(record):
    """A service record's volunteer serves in its team, and one person's
    records on one day add up to at most 24 hours."""
    volunteer = Volunteer.get_or_none(Volunteer.id == record.volunteer_id)
    if volunteer is None or volunteer.team_id != record.team_id:
        raise RuleError("The volunteer must be a member of this team.", field="volunteer")
    others = (ServiceRecord.select(fn.SUM(ServiceRecord.hours))
              .where((ServiceRecord.volunteer == record.volunteer_id) & (ServiceRecord.served_on == record.served_on)))
    if record.id is not None:
        others = others.where(ServiceRecord.id != record.id)
    total = Decimal(str(others.scalar() or 0)) + Decimal(str(record.hours or 0))
    if total > MAX_HOURS_A_DAY:
        raise RuleError("One person cannot serve more than %(max)s hours a day (%(total)s hours on this day).",
                        field="hours", max=int(MAX_HOURS_A_DAY), total=total)


def save_record(record, is_created):
    """Check and save a service record. The volunteer's row is held while
    checking, so two records saved at once cannot both fit under 24 hours."""
    with db.atomic():
        records.lock(Volunteer, record.volunteer_id)
        check_record(record)
        return records.save(record, is_created)
