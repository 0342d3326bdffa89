"""``reporter-feedback`` (daily): the reporter of an open case hears from the programme at
least every 30 days (DOMAIN.md), even when nothing has moved.

A case qualifies when its reporter has been sent nothing that reached them for
REPORTER_FEEDBACK_EVERY: no outbound message on the case since then (failed ones do not
count), counting from the report itself when nothing was ever sent. The update is the
same plain-words status text the milestones use ("reminder"), in the reporter's language,
through `casework.messages.operations.send_status_update`, which also refuses anonymous
reporters, STOP, invalid numbers and cases marked "do not contact".

The dedupe key names the case and the 30-day period since the report: two sends at least
30 days apart always fall in different periods, and a rerun in the same period sends
nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, select

from casework import clock
from casework.cases.models import Case
from casework.intake.replies import milestone_text
from casework.jobs.common import BATCH, batches
from casework.messages.models import Message
from casework.messages.operations import send_status_update
from casework.reporters.models import Reporter
from workflows.notices import REPORTER_FEEDBACK_EVERY

# An outbound message in these states never reached the reporter.
NOT_HEARD = ("failed", "undelivered", "canceled")


def due_cases(now: datetime):
    """Open cases of contactable reporters who have heard nothing for the period."""
    since = now - REPORTER_FEEDBACK_EVERY
    heard = exists().where(
        Message.case_id == Case.id,
        Message.direction == "out",
        Message.created_dt > since,
        Message.status.not_in(NOT_HEARD),
    )
    return and_(
        Case.status != "closed",
        Case.do_not_contact.is_(False),
        Case.reported_dt <= since,
        Reporter.anonymity != "anonymous",
        Reporter.is_phone_valid.is_(True),
        Reporter.opted_out_dt.is_(None),
        ~heard,
    )


def sweep(batch: int = BATCH) -> dict[str, int]:
    """Queue the 30-day status updates due now; commits after each batch of cases."""
    now = clock.now()
    sent = 0
    due = select(Case).join(Reporter, Reporter.id == Case.reporter_id).where(due_cases(now))
    for cases in batches(due, Case, batch):
        sent += sum(_update(case, now) for case in cases)
    return {"updated": sent}


def _update(case: Case, now: datetime) -> bool:
    reporter = case.reporter
    assert reporter is not None
    period = (now - case.reported_dt) // REPORTER_FEEDBACK_EVERY
    language = reporter.language or case.language
    text = milestone_text("reminder", case.reference, language, case.status)
    key = f"reporter-feedback:{case.id}:{period}"
    return send_status_update(case, text, kind="reminder", key=key) is not None
