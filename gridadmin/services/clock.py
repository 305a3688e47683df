"""Time zones: every stored time is naive UTC; people see and type local time."""

from datetime import UTC
from functools import lru_cache
from zoneinfo import ZoneInfo

from ..models import utcnow


@lru_cache(maxsize=8)
def zone(name):
    return ZoneInfo(name)


def to_local(value, tz_name):
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(zone(tz_name)).replace(tzinfo=None)


def to_utc(value, tz_name):
    if value is None:
        return None
    return value.replace(tzinfo=zone(tz_name)).astimezone(UTC).replace(tzinfo=None)


def local_today(tz_name):
    return to_local(utcnow(), tz_name).date()
