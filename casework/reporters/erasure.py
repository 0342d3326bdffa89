"""Erasing a reporter's contact details: at their request (ERASE by SMS) or when the
retention period ends (`casework.jobs.retention`).

What goes: the `Reporter` row (the encrypted number, its keyed hash, the masked form, the
language and opt-out that came with it) and every link to it (each case's and message's
``reporter_id``). Messages still waiting in the outbox for that reporter are given up (a
message waiting for a number that no longer exists must never go out), and every outbox
row that named the reporter names "reporter:erased" instead: on SQLite a new reporter
could take the erased one's id, and a supervisor's "retry" must not reach them.

What stays: the cases and their texts, the messages' texts, and each case's record. Each
case gets a ``contact_erased`` event whose data is the reason only; the chain never held
the number, so nothing in it is rewritten and `casework audit verify` still passes.

A legal hold on any of the reporter's cases blocks erasure (`OnLegalHold`): the hold
exists to keep what a court or an inquiry may need, the means to reach a witness
included. Callers check `held_cases` first; the operation refuses anyway (closed by
default).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, or_, select, update

from casework import clock
from casework.cases.models import Case
from casework.cases.operations import _check_version, _touch, record_event
from casework.cases.permissions import can_view
from casework.errors import CaseworkError, InvalidInput, PermissionDenied
from casework.extensions import db
from casework.messages.models import Message
from casework.reporters.models import Reporter
from notifications.models import OutboxMessage

# The reasons an erasure is on a case's record (the event's data, in these words).
REQUESTED = "erase requested by the reporter"
RETENTION_ENDED = "retention period ended"
REASONS = (REQUESTED, RETENTION_ENDED)

# What the outbox rows of an erased reporter name instead (`_resolve_reporter` refuses it).
ERASED_RECIPIENT = "reporter:erased"
GIVEN_UP_CODE = "contact_erased"
GIVEN_UP_DETAIL = "the reporter's contact details were erased"
# Outbox rows not yet handed to a dispatcher: these are given up. A row being sent right
# now is left to its dispatcher, whose resolver then finds the reporter gone.
_WAITING = ("pending", "failed")


class OnLegalHold(CaseworkError):
    """A case of this reporter is on legal hold: their contact details must stay."""


@dataclass(frozen=True)
class Erased:
    """What one erasure did, in counts (for the job's summary and the tests)."""

    cases: int
    messages: int
    given_up: int


def held_cases(reporter: Reporter) -> list[Case]:
    """The reporter's cases on legal hold (none: their contact details may be erased)."""
    return list(
        db.session.scalars(
            select(Case)
            .where(Case.reporter_id == reporter.id, Case.legal_hold_reason.is_not(None))
            .order_by(Case.id)
        )
    )


def erase_contact(reporter: Reporter, *, actor, reason: str) -> Erased:
    """Erase ``reporter``'s contact details everywhere (see the module docstring).

    ``actor`` is None for the reporter's own request and for the retention job. Flushes,
    never commits. The caller holds the reporter's row locked (intake does; the job claims
    it), so no new case can attach to it meanwhile.
    """
    if reason not in REASONS:
        raise ValueError(f"unknown erasure reason {reason!r}; use one of {REASONS}")
    if held_cases(reporter):
        raise OnLegalHold(
            _l("A case of this reporter is on legal hold: their contact details are kept.")
        )
    now = clock.now()
    db.session.flush()
    cases = list(
        db.session.scalars(select(Case).where(Case.reporter_id == reporter.id).order_by(Case.id))
    )
    # Core statements: the cases' version does not move, so nobody's open form on these
    # cases turns stale because a reporter asked to be forgotten.
    table = Case.__table__
    assert isinstance(table, Table)
    db.session.execute(
        update(table)
        .where(table.c.reporter_id == reporter.id)
        .values(reporter_id=None, contact_erased_dt=now)
    )
    # Through the ORM, so that messages already in the session (a reply just written)
    # read as unlinked too.
    messages = db.session.execute(
        update(Message).where(Message.reporter_id == reporter.id).values(reporter_id=None)
    )
    given_up = _give_up_outbox(reporter.id, now)
    for case in cases:
        record_event(case, "contact_erased", actor=actor, data={"reason": reason}, flush=False)
    db.session.delete(reporter)
    db.session.flush()
    for case in cases:  # their reporter and erasure date moved outside the ORM
        db.session.expire(case, ["reporter_id", "reporter", "contact_erased_dt"])
    return Erased(len(cases), getattr(messages, "rowcount", 0) or 0, given_up)


def _give_up_outbox(reporter_id: int, now) -> int:
    """Give up the reporter's waiting outbox rows (and their `Message` rows, which then
    read "given up"), and make every row of theirs name nobody."""
    mine = or_(
        OutboxMessage.recipient == f"reporter:{reporter_id}",
        OutboxMessage.recipient.startswith(f"reporter:{reporter_id}:", autoescape=True),
    )
    rows = list(db.session.scalars(select(OutboxMessage).where(mine).order_by(OutboxMessage.id)))
    given_up = 0
    for row in rows:
        row.recipient = ERASED_RECIPIENT + row.recipient[len(f"reporter:{reporter_id}") :]
        if row.status not in _WAITING:
            continue
        row.status = "dead"
        row.claim_token = None
        row.last_error, row.last_error_code = GIVEN_UP_DETAIL, GIVEN_UP_CODE
        given_up += 1
        ref = row.ref or ""
        if ref.startswith("message:") and ref[8:].isdigit():
            message = db.session.get(Message, int(ref[8:]))
            if message is not None and message.status == "queued":
                message.status, message.error_code = "failed", GIVEN_UP_CODE
                message.updated_dt = now
    return given_up


# ---------------------------------------------------------------- legal hold

HOLD_ROLES = frozenset({"supervisor"})


def may_hold(user, case: Case) -> bool:
    return user is not None and user.role in HOLD_ROLES and can_view(user, case)


def set_legal_hold(case: Case, *, reason: str, actor, expected_version: int | None = None) -> Case:
    """Put ``case`` on legal hold, with a reason (on the record): its reporter's contact
    details are kept past the retention period and an ERASE request waits for a person."""
    if not may_hold(actor, case):
        raise PermissionDenied(_l("Only a supervisor can put a case on legal hold."))
    _check_version(case, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Say why the case is on legal hold: it is kept on the record."))
    if case.legal_hold_reason is not None:
        raise InvalidInput(_l("This case is already on legal hold."))
    case.legal_hold_reason = reason
    _touch(case)
    record_event(case, "legal_hold_set", actor=actor, data={"reason": reason})
    return case


def clear_legal_hold(
    case: Case, *, reason: str, actor, expected_version: int | None = None
) -> Case:
    """Lift the legal hold, with a reason (on the record): retention applies again."""
    if not may_hold(actor, case):
        raise PermissionDenied(_l("Only a supervisor can lift a legal hold."))
    _check_version(case, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Say why the legal hold is lifted: it is kept on the record."))
    if case.legal_hold_reason is None:
        raise InvalidInput(_l("This case is not on legal hold."))
    case.legal_hold_reason = None
    _touch(case)
    record_event(case, "legal_hold_cleared", actor=actor, data={"reason": reason})
    return case
