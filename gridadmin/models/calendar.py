"""The workday calendar (工作日历): days that differ from the default week.

Saturdays and Sundays are off and every other day is a workday, unless a
``CalendarDay`` says otherwise: a public holiday (法定节假日, off) or a
make-up workday (调休上班, on).
"""

from peewee import BooleanField, CharField, DateField

from .base import VersionedModel


class CalendarDay(VersionedModel):
    day = DateField(unique=True)
    workday = BooleanField(default=False)
    name = CharField(max_length=64, null=True)

    def __str__(self):
        return self.day.isoformat()
