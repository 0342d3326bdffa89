"""What the reporter hears, unasked, when their case reaches a public milestone.

DOMAIN.md: feedback to the reporter on every public status change. The table says which
lifecycle transitions are public milestones and which text (`casework.intake.replies.
MILESTONES`, in the reporter's language) tells the reporter:

| transition                         | milestone           | the reporter reads       |
|------------------------------------|---------------------|--------------------------|
| start_verification                 | verifying           | checking has started     |
| escalate                           | escalated           | passed to a committee    |
| start_mitigation, mitigate_locally | mitigation          | steps are under way      |
| any transition to closed           | closed_<resolution> | closed, and how it ended |
| reopen                             | reopened            | looked at again          |

Triage, "verified" and "monitoring" are internal steps: the reporter already heard
"received" and hears nothing new worth an SMS. Every message says only the reference, the
milestone and what happens next (never a site, a name or a category), and is queued with
the transition, in its transaction, once per case event (`send_status_update` and its
dedupe key). Nothing goes to a reporter who is anonymous, texted STOP, has no valid number,
or whose case has "do not contact" switched on.
"""

from __future__ import annotations

from casework.auth.models import User
from casework.cases.models import Case, CaseEvent
from casework.extensions import db
from casework.intake.replies import milestone_text
from casework.messages.models import Message

MILESTONES: dict[str, str] = {
    "start_verification": "verifying",
    "escalate": "escalated",
    "start_mitigation": "mitigation",
    "mitigate_locally": "mitigation",
    "reopen": "reopened",
}


def milestone_of(event: CaseEvent) -> str | None:
    """The milestone a ``transition`` event is, if the reporter hears of it."""
    data = event.data or {}
    if data.get("to") == "closed" and data.get("resolution"):
        return f"closed_{data['resolution']}"
    return MILESTONES.get(data.get("transition", ""))


def tell_reporter(case: Case, event: CaseEvent) -> Message | None:
    """Queue the milestone SMS (or WhatsApp) a transition event calls for, if any."""
    from casework.messages.operations import send_status_update  # it imports cases.operations

    milestone = milestone_of(event)
    if milestone is None or case.reporter is None:
        return None
    language = case.reporter.language or case.language
    text = milestone_text(milestone, case.reference, language, case.status)
    actor = db.session.get(User, event.actor_id) if event.actor_id else None
    return send_status_update(
        case, text, kind=milestone, actor=actor, key=f"milestone:{case.id}:{event.seq}"
    )
