"""peewee models. No Flask imports here (see DESIGN.md, layers)."""

from .audit import AuditLog, LoginAttempt
from .base import BaseModel, db, utcnow
from .grid import Grid, Worker
from .lookups import Category, Department, Source
from .meeting import Meeting, MeetingItem
from .party import PartyMember, PartyOrg
from .ticket import Ticket
from .user import User
from .volunteer import ServiceRecord, Volunteer, VolunteerTeam

ALL_MODELS = [
    Category, Source, Department, Grid, Worker, PartyOrg, PartyMember,
    VolunteerTeam, Volunteer, ServiceRecord, Meeting, MeetingItem, Ticket, User, AuditLog, LoginAttempt,
]

__all__ = [m.__name__ for m in ALL_MODELS] + ["ALL_MODELS", "BaseModel", "db", "utcnow"]
