"""WTForms validators built on the services' value rules."""

from flask_babel import lazy_gettext as _l
from wtforms.validators import NumberRange, Optional, Regexp

from ..services.validators import MOBILE_RE

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
