"""The domain's tables. MODELS lists them in dependency order (app.storage.ALL_MODELS adds the web layer's)."""
from peewee import sort_models

from workflows.models.base import BaseModel
from workflows.models.cases import LEVELS, PART_STATES, SOURCES, Attachment, Case, CaseEvent, CasePart, Counter
from workflows.models.clock import CALENDAR_SOURCES, CalendarDay, CalendarYear, TimeLimit
from workflows.models.org import (
    ORG_KINDS,
    ROLE_SCOPE_KINDS,
    INSPECTED_ROUTES,
    ROLES,
    URGENCIES,
    Building,
    Category,
    Department,
    OrgUnit,
    Unit,
    User,
)
from workflows.models.notices import NOTICE_STATUSES, EmergencyReport, Notice, NoticeEvent
from workflows.models.patrols import NOTE_KINDS, PATROL_PERIODS, Patrol, PatrolBuilding, PatrolRule, WorkLogNote
from workflows.models.people import PortraitChange
from workflows.models.registry import (
    BUILDING_KINDS, CHANGE_KINDS, PERSON_STATUSES, RELATIONS, RESIDENCE_KINDS, REVEAL_FIELDS, ROOM_USES, SEXES,
    THING_CONDITIONS, BuildingHead, CaseLink, Household, Organisation, Person, PersonTag, RegistryChange, RegistryRoundup, RevealLog,
    Room, Thing,
)
from workflows.models.points import (
    POINT_KINDS, PERSON_KINDS, PointEntry, PointMonth, PointPerson, PointPersonLink, PointRule,
)
from workflows.models.public import RATINGS, REOPEN_STATUSES, ReopenRequest, ResidentRating, StreetIntake
from workflows.models.services import Application, ApplicationEvent, Objection, ServiceKind, ServiceNotice
from workflows.models.stats import RankingPublication, ScoreWeights
from workflows.models.visits import (
    DUE_REASONS, MEMO_CATEGORIES, MEMO_ENDINGS, VISIT_KINDS, MemoEntry, Visit, VisitDue,
)
from workflows.models.work import TASK_STATES, Task, TaskEvent
from workflows.models.statfacts import StatsCut, StatsFact, StatsOccurrence, StatsStep
from workflows.models.assess import (
    ACCOUNTABILITY_MEASURES,
    ENTRY_STAGES,
    ITEM_KINDS,
    Accountability,
    AssessEntry,
    AssessEvidence,
    AssessItem,
    AssessResult,
    AssessScheme,
)
from workflows.models.meetings import (
    DECISION_KINDS,
    MEETING_KINDS,
    MEETING_STATES,
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    MeetingEvent,
    MeetingItem,
)

MODELS = sort_models(
    [OrgUnit, Building, Unit, Department, Category, User, Patrol, Case, CaseEvent, Attachment, Counter, CasePart,
     ResidentRating, ReopenRequest, StreetIntake, ScoreWeights, RankingPublication, PatrolBuilding, PatrolRule,
     WorkLogNote, PointPerson, PointPersonLink, PointRule, PointEntry, PointMonth,
     CalendarDay, CalendarYear, TimeLimit, Notice, NoticeEvent, EmergencyReport,
     Task, TaskEvent, PortraitChange,
     StatsCut, StatsFact, StatsOccurrence, StatsStep, AssessScheme, AssessItem, AssessEntry, AssessResult,
     AssessEvidence,
     Accountability, Meeting, MeetingItem, MeetingAttendance, MeetingDecision, MeetingEvent,
     Room, Household, Person, PersonTag, Organisation, Thing, CaseLink, RegistryChange, RevealLog, RegistryRoundup,
     BuildingHead, ServiceKind, Application, ApplicationEvent, Objection, ServiceNotice,
     VisitDue, Visit, MemoEntry]
)

__all__ = [
    "BaseModel", "MODELS", "LEVELS", "SOURCES", "ORG_KINDS", "ROLES", "ROLE_SCOPE_KINDS", "URGENCIES",
    "INSPECTED_ROUTES",
    "OrgUnit", "Building", "BuildingHead", "Unit", "Department", "Category", "User", "Patrol",
    "Case", "CaseEvent", "Attachment", "Counter", "CasePart", "PART_STATES",
    "NOTE_KINDS", "PATROL_PERIODS", "PatrolBuilding", "PatrolRule", "WorkLogNote",
    "POINT_KINDS", "PERSON_KINDS", "PointPerson", "PointPersonLink", "PointRule", "PointEntry", "PointMonth",
    "RATINGS", "REOPEN_STATUSES", "ResidentRating", "ReopenRequest", "StreetIntake",
    "ScoreWeights", "RankingPublication",
    "CALENDAR_SOURCES", "NOTICE_STATUSES", "CalendarDay", "CalendarYear", "TimeLimit", "Notice", "NoticeEvent",
    "EmergencyReport",
    "TASK_STATES", "Task", "TaskEvent", "PortraitChange",
    "StatsCut", "StatsFact", "StatsOccurrence", "StatsStep",
    "ITEM_KINDS", "ENTRY_STAGES", "AssessScheme", "AssessItem", "AssessEntry", "AssessResult", "AssessEvidence",
    "ACCOUNTABILITY_MEASURES", "Accountability",
    "MEETING_KINDS", "MEETING_STATES", "DECISION_KINDS", "Meeting", "MeetingItem", "MeetingAttendance",
    "MeetingDecision", "MeetingEvent",
    "BUILDING_KINDS", "CHANGE_KINDS", "PERSON_STATUSES", "RELATIONS", "RESIDENCE_KINDS", "REVEAL_FIELDS", "ROOM_USES",
    "SEXES", "THING_CONDITIONS", "CaseLink", "Household", "Organisation", "Person", "PersonTag", "RegistryChange",
    "RevealLog", "Room", "Thing", "RegistryRoundup",
    "ServiceKind", "Application", "ApplicationEvent", "Objection", "ServiceNotice",
    "DUE_REASONS", "MEMO_CATEGORIES", "MEMO_ENDINGS", "VISIT_KINDS", "MemoEntry", "Visit", "VisitDue",
]
