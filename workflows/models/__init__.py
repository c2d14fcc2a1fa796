"""All tables. MODELS lists them in dependency order for schema tools."""
from peewee import sort_models

from workflows.models.base import BaseModel
from workflows.models.cases import LEVELS, SOURCES, Attachment, Case, CaseEvent, Counter
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
from workflows.models.public import RATINGS, REOPEN_STATUSES, ApiKey, ReopenRequest, ResidentRating, StreetIntake
from workflows.models.ratelimit import RateBucket
from workflows.models.sessions import LoginSession
from workflows.models.stats import RankingPublication, ScoreWeights

MODELS = sort_models(
    [OrgUnit, Building, Unit, Department, Category, User, Patrol, Case, CaseEvent, Attachment, Counter,
     ApiKey, ResidentRating, ReopenRequest, StreetIntake, RateBucket, ScoreWeights, RankingPublication,
     LoginSession]
)

__all__ = [
    "BaseModel", "MODELS", "LEVELS", "SOURCES", "ORG_KINDS", "ROLES", "ROLE_SCOPE_KINDS", "URGENCIES",
    "OrgUnit", "Building", "Unit", "Department", "Category", "User", "Patrol",
    "Case", "CaseEvent", "Attachment", "Counter",
    "RATINGS", "REOPEN_STATUSES", "ApiKey", "ResidentRating", "ReopenRequest", "StreetIntake", "RateBucket",
    "ScoreWeights", "RankingPublication",
    "LoginSession",
]
