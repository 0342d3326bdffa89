"""Every model, imported once so metadata (and Alembic) sees the whole schema."""

from casework.admin.models import AdminLogEntry, AdminLogHead
from casework.auth.models import ApiToken, RecoveryCode, User, UserSession
from casework.cases import search  # noqa: F401 (the text search's indexes and DDL)
from casework.cases.models import Case, CaseEvent, Corroboration, MitigationAction
from casework.committees.models import Committee, CommitteeMembership, Decision
from casework.contacts.models import Contact
from casework.dashboard import counts  # noqa: F401 (the triggers keeping the counts)
from casework.dashboard.models import CaseMonthCount, CaseSiteMonthCount
from casework.evidence.models import EvidenceFile
from casework.messages.models import Message
from casework.notices.models import Notice
from casework.reporters.models import Reporter
from casework.sites.models import Site
from notifications.models import JobRun, OutboxMessage

__all__ = [
    "AdminLogEntry",
    "AdminLogHead",
    "ApiToken",
    "Case",
    "CaseEvent",
    "CaseMonthCount",
    "CaseSiteMonthCount",
    "Committee",
    "CommitteeMembership",
    "Contact",
    "Corroboration",
    "Decision",
    "EvidenceFile",
    "JobRun",
    "Message",
    "MitigationAction",
    "Notice",
    "OutboxMessage",
    "RecoveryCode",
    "Reporter",
    "Site",
    "User",
    "UserSession",
]
