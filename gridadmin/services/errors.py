"""Errors the services raise for the web layer to show in the user's language."""

from ..models.base import N_


class Label(str):
    """A parameter of a RuleError that is itself an English msgid (a status's
    label, say): the web layer translates it along with the message."""


class RuleError(Exception):
    """A business rule refused the change. ``message`` is an English msgid
    with %(name)s placeholders; ``params`` fill them after translation."""

    def __init__(self, message, field=None, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.field = field
        self.params = params


class InUse(RuleError):
    """A record others refer to cannot be deleted."""

    def __init__(self, obj, references):
        super().__init__(N_("Cannot delete “%(name)s”: other records refer to it."), name=str(obj))
        self.obj = obj
        self.references = references  # [(model class, count)]
