"""``reporter-retention`` (daily): reporters' contact details are not kept forever.

The rule (DOMAIN.md, Reporters; issue 10):

| the reporter has                                   | their contact details are        |
|----------------------------------------------------|----------------------------------|
| a case still open                                  | kept                             |
| a case on legal hold (open or closed)              | kept, until a supervisor lifts it |
| cases all closed, the last closed < N days ago     | kept                             |
| cases all closed, the last closed >= N days ago    | erased                           |
| no case at all, last heard from >= N days ago      | erased                           |

N is ``CASEWORK_REPORTER_RETENTION_DAYS`` (365 by default). A case closed before closing
dates were kept counts from its last change. A reporter with no case (they only asked
for help, or texted STOP) is measured from their last message, or from when they first
wrote. Erasing is `casework.reporters.erasure.erase_contact` ("retention period ended" on
each case's record).

Safe to run twice at once and to kill: reporters are claimed in batches (``FOR UPDATE
SKIP LOCKED`` on PostgreSQL, as intake locks a reporter while it files their message),
each batch committed before the next; an erased reporter is gone, so a rerun finds
nothing more to do.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select

from casework import clock
from casework.cases.models import Case
from casework.extensions import db
from casework.jobs.common import BATCH, batches
from casework.messages.models import Message
from casework.reporters.erasure import RETENTION_ENDED, erase_contact, held_cases
from casework.reporters.models import Reporter


def _cutoff(now: datetime) -> datetime:
    return now - timedelta(days=int(current_app.config["CASEWORK_REPORTER_RETENTION_DAYS"]))


def _expired(cutoff: datetime):
    """Reporters past retention, legal holds aside (see the table above)."""
    of_reporter = Case.reporter_id == Reporter.id
    kept_case = exists().where(
        of_reporter,
        or_(Case.status != "closed", func.coalesce(Case.closed_dt, Case.updated_dt) > cutoff),
    )
    any_case = exists().where(of_reporter)
    recent_message = exists().where(Message.reporter_id == Reporter.id, Message.created_dt > cutoff)
    no_case_expired = and_(~any_case, Reporter.created_dt <= cutoff, ~recent_message)
    return and_(~kept_case, or_(any_case, no_case_expired))


def _held():
    return exists().where(Case.reporter_id == Reporter.id, Case.legal_hold_reason.is_not(None))


def sweep(batch: int = BATCH) -> dict[str, int]:
    """Erase the contact details of the reporters past retention; commits each batch."""
    now = clock.now()
    cutoff = _cutoff(now)
    purged = cases = given_up = 0
    due = select(Reporter).where(_expired(cutoff), ~_held())
    for reporters in batches(due, Reporter, batch):
        for reporter in reporters:
            if held_cases(reporter):  # a hold put on since the batch was read
                continue
            erased = erase_contact(reporter, actor=None, reason=RETENTION_ENDED)
            purged += 1
            cases += erased.cases
            given_up += erased.given_up
    held = db.session.scalar(
        select(func.count()).select_from(Reporter).where(_expired(cutoff), _held())
    )
    db.session.commit()
    return {"purged": purged, "cases": cases, "given_up": given_up, "kept_on_hold": held or 0}
