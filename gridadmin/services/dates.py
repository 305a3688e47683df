"""Dates and times as people type them, within a sane range.

People type ``2026-11-24 09:30`` as often as they use a picker, and write
dates the ways Chinese offices do (``2026/11/24``, ``2026.11.24``,
``2026年11月24日``). Anything outside 1900–2100 is a typing slip (year 1,
year 9999), refused with a message rather than saved or left to overflow.
"""

import re
from datetime import date, datetime

from ..models.base import N_

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
OUT_OF_RANGE = N_("Enter a date between 1900-01-01 and 2100-12-31.")

_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_TIME = r"(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})\s*秒?)?"
DATE_RE = re.compile(rf"^\s*{_DATE}\s*$")
DATETIME_RE = re.compile(rf"^\s*{_DATE}(?:\s*[T\s]\s*{_TIME})?\s*$")


class OutOfRange(ValueError):
    """A well-formed date outside 1900–2100."""


def _checked(day):
    if not EARLIEST <= day <= LATEST:
        raise OutOfRange(day)
    return day


def parse_date(text):
    """The date in ``text``, or None when it is not one; OutOfRange outside 1900–2100."""
    match = DATE_RE.match(text or "")
    if not match:
        return None
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError:  # 2026-02-30, month 13
        if 1900 <= int(match.group(1)) <= 2100:
            return None
        raise OutOfRange(text) from None
    return _checked(day)


def parse_datetime(text):
    """The date and time in ``text`` (seconds and the time itself optional:
    a bare date is its midnight), or None; OutOfRange outside 1900–2100."""
    match = DATETIME_RE.match(text or "")
    if not match:
        return None
    year, month, day, hour, minute, second = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        if 1900 <= int(year) <= 2100:
            return None
        raise OutOfRange(text) from None
    _checked(moment.date())
    return moment


MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits only


def parse_month(text):
    """``2026-10`` (what <input type=month> sends, or typed; spaces around
    are ignored) as the month's first day, or None."""
    match = MONTH_RE.fullmatch((text or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (EARLIEST.year <= year <= LATEST.year and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def in_range(value):
    """Whether a date or datetime lies within 1900–2100."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST
