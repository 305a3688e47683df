"""Volunteer service: hours summed from service records, never stored."""

from decimal import Decimal

from peewee import fn

from ..models import ServiceRecord


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
