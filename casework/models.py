"""Every model, imported once so metadata (and Alembic) sees the whole schema."""

from casework.auth.models import ApiToken, User
from casework.cases.models import Case, CaseEvent, Corroboration, MitigationAction
from casework.committees.models import Committee, CommitteeMembership, Decision
from casework.messages.models import Message
from casework.reporters.models import Reporter
from casework.sites.models import Site
from notifications.models import OutboxMessage

__all__ = [
    "ApiToken",
    "Case",
    "CaseEvent",
    "Committee",
    "CommitteeMembership",
    "Corroboration",
    "Decision",
    "Message",
    "MitigationAction",
    "OutboxMessage",
    "Reporter",
    "Site",
    "User",
]
