"""peewee models. No Flask imports here (see DESIGN.md, layers)."""

from .audit import AuditLog, LoginAttempt
from .base import BaseModel, VersionedModel, db, utcnow
from .calendar import CalendarDay
from .dispatch import DispatchRule
from .grid import Grid, Worker
from .imports import ImportLog
from .lookups import Category, Department, Source
from .meeting import Meeting, MeetingItem
from .party import PartyMember, PartyOrg
from .place import GridBoundary
from .points import PointEntry
from .stats import BriefingSettings, PublishedBriefing, Tally
from .ticket import Ticket, TicketCounter, TicketEvent, TicketPhoto
from .user import User, UserSession
from .volunteer import ServiceRecord, Volunteer, VolunteerTeam

ALL_MODELS = [
    Category, Source, Department, Grid, Worker, PartyOrg, PartyMember,
    VolunteerTeam, Volunteer, ServiceRecord, User, Ticket, Meeting, MeetingItem, TicketEvent, TicketPhoto,
    PointEntry, CalendarDay, AuditLog, LoginAttempt, TicketCounter, UserSession, GridBoundary, DispatchRule, ImportLog,
    Tally, BriefingSettings, PublishedBriefing,
]

__all__ = [m.__name__ for m in ALL_MODELS] + ["ALL_MODELS", "BaseModel", "VersionedModel", "db", "utcnow"]
