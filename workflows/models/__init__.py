"""All tables. MODELS lists them in dependency order for schema tools."""
from peewee import sort_models

from workflows.models.base import BaseModel
from workflows.models.cases import LEVELS, SOURCES, Attachment, Case, CaseEvent, Counter
from workflows.models.clock import (
    CALENDAR_SOURCES,
    NOTICE_STATUSES,
    CalendarDay,
    CalendarYear,
    Notice,
    NoticeEvent,
    TimeLimit,
)
from workflows.models.org import (
    ORG_KINDS,
    ROLE_SCOPE_KINDS,
    ROLES,
    URGENCIES,
    Building,
    Category,
    Department,
    OrgUnit,
    Unit,
    User,
)
from workflows.models.patrols import Patrol

MODELS = sort_models(
    [OrgUnit, Building, Unit, Department, Category, User, Patrol, Case, CaseEvent, Attachment, Counter,
     CalendarDay, CalendarYear, TimeLimit, Notice, NoticeEvent]
)

__all__ = [
    "BaseModel", "MODELS", "LEVELS", "SOURCES", "ORG_KINDS", "ROLES", "ROLE_SCOPE_KINDS", "URGENCIES",
    "OrgUnit", "Building", "Unit", "Department", "Category", "User", "Patrol",
    "Case", "CaseEvent", "Attachment", "Counter",
    "CALENDAR_SOURCES", "NOTICE_STATUSES", "CalendarDay", "CalendarYear", "TimeLimit", "Notice", "NoticeEvent",
]
