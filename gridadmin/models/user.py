"""Accounts that log in."""

from peewee import BooleanField, CharField, DateTimeField

from .base import BaseModel, utcnow


class User(BaseModel):
    username = CharField(max_length=64, unique=True)
    password_hash = CharField(max_length=255)
    display_name = CharField(max_length=64, null=True)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)

    def __str__(self):
        return self.display_name or self.username

    # The protocol Flask-Login expects, written out so models import no Flask.
    @property
    def is_active(self):
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self):
        return str(self.id)
