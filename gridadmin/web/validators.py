"""WTForms validators built on the services' value rules."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from peewee import AutoField, BigIntegerField, DecimalField, IntegerField
from wtforms.validators import NumberRange, Optional, Regexp, StopValidation

from ..services.validators import MOBILE_RE

# WTForms' own messages, translated by its catalogue (kept out of ours).
NOT_A_CHOICE = "Not a valid choice."
NOT_A_DECIMAL = "Not a valid decimal value."
OUT_OF_RANGE = "Number must be between %(min)s and %(max)s."
MAX_ID = 2**63 - 1  # the largest key any of our databases stores


def parse_id(value):
    """A record id typed into a URL or form, or None when it cannot be one
    (not a number, or too large for the database driver to send)."""
    try:
        pk = int(str(value).strip()) if value is not None else None
    except ValueError:
        return None
    return pk if pk is not None and 0 < pk <= MAX_ID else None


mobile = Regexp(MOBILE_RE, message=_l("Enter an 11-digit mainland mobile number."))
non_negative = NumberRange(min=0, message=_l("Must not be negative."))


class Positive:
    """Strictly greater than zero (hours of service)."""

    def __call__(self, form, field):
        from wtforms.validators import ValidationError

        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("Must be greater than zero."))


def optional_mobile():
    return {"validators": [Optional(), mobile]}


def required_mobile():
    return {"validators": [mobile]}


def non_negative_args():
    return {"validators": [Optional(), non_negative]}


class NotFuture:
    """A date that has happened (joined, founded, served)."""

    def __call__(self, form, field):
        from datetime import date

        from wtforms.validators import ValidationError

        if field.data is not None and field.data > date.today():
            raise ValidationError(_l("The date cannot be in the future."))


def not_future_args(required=False):
    return {"validators": [NotFuture()] if required else [Optional(), NotFuture()]}


class StorableNumber:
    """A number its column can hold: finite, and within the column's range
    (PostgreSQL refuses an integer over 2**31 - 1 or a decimal with more
    digits than declared). Stops the chain, so later checks see a number."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        if isinstance(value, Decimal) and not value.is_finite():
            raise StopValidation(field.gettext(NOT_A_DECIMAL))
        if not self.low <= value <= self.high:
            raise StopValidation(field.gettext(OUT_OF_RANGE) % {"min": self.low, "max": self.high})


def storable_number(field):
    """The StorableNumber check for a peewee number field, or None."""
    if isinstance(field, DecimalField) and field.max_digits:
        places = field.decimal_places or 0
        high = Decimal(10) ** (field.max_digits - places) - Decimal(1).scaleb(-places)
        return StorableNumber(-high, high)
    if isinstance(field, BigIntegerField):
        return StorableNumber(-(2**63), 2**63 - 1)
    if isinstance(field, IntegerField) and not isinstance(field, AutoField):
        return StorableNumber(-(2**31), 2**31 - 1)
    return None
