"""Writing and checking the admin log (casework/admin/models.py).

Operations that change users, sessions, second factors, committees or sites call
`record_admin_change` in the same transaction as the change; `verify_admin_log` is part of
`casework audit verify`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from casework import clock
from casework.admin.models import GENESIS_HASH, AdminLogEntry, AdminLogHead
from casework.extensions import db

COMMAND_LINE = "command line"


def _head() -> AdminLogHead:
    """The head row, locked for this transaction (PostgreSQL: FOR UPDATE; SQLite's write
    lock serialises writers anyway); created on first use."""
    locked = select(AdminLogHead).where(AdminLogHead.id == 1).with_for_update()
    head = db.session.scalar(locked)
    if head is None:
        # Two first changes at once would both insert it: the second waits for the first
        # to commit, inserts nothing, then locks the row the first one wrote.
        insert = (
            postgresql_insert
            if db.session.get_bind().dialect.name == "postgresql"
            else sqlite_insert
        )
        db.session.execute(
            insert(AdminLogHead)
            .values(id=1, count=0, last_hash=GENESIS_HASH)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        head = db.session.scalars(locked.execution_options(populate_existing=True)).one()
    return head


def record_admin_change(
    actor: Any,
    action: str,
    target: tuple[str, Any, str],
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AdminLogEntry:
    """Append one entry: ``actor`` (a User, or None for the command line) did ``action``
    (e.g. "user.disable") to ``target`` = (type, id, label), changing ``before`` into
    ``after`` (plain JSON values; never a password, token or secret). Flushes, never
    commits: the caller's transaction holds the change and its entry together."""
    head = _head()
    entry = AdminLogEntry(
        seq=head.count + 1,
        created_dt=clock.now(),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or COMMAND_LINE,
        action=action,
        target_type=target[0],
        target_id=str(target[1]),
        target_label=str(target[2] or "")[:255],
        before=before or {},
        after=after or {},
        prev_hash=head.last_hash,
    )
    entry.hash = entry.compute_hash()
    db.session.add(entry)
    head.count, head.last_hash = entry.seq, entry.hash
    db.session.flush()
    return entry


@dataclass
class BrokenEntry:
    seq: int
    problem: str


def verify_admin_log(batch_size: int = 5000) -> tuple[int, BrokenEntry | None]:
    """Walk the chain in order, then check it ends where the head says: the entries
    checked and the first break."""
    last_seq, last_hash, checked = 0, GENESIS_HASH, 0
    query = select(AdminLogEntry).order_by(AdminLogEntry.seq)
    with db.session.scalars(query.execution_options(yield_per=batch_size)) as entries:
        for entry in entries:
            checked += 1
            if entry.seq != last_seq + 1:
                return checked, BrokenEntry(
                    entry.seq, f"sequence jumps from {last_seq} to {entry.seq} (removed)"
                )
            if entry.prev_hash != last_hash:
                return checked, BrokenEntry(entry.seq, "prev_hash does not match the previous")
            if entry.compute_hash() != entry.hash:
                return checked, BrokenEntry(entry.seq, "its content does not match its hash")
            last_seq, last_hash = entry.seq, entry.hash
    head = db.session.get(AdminLogHead, 1)
    count, head_hash = (head.count, head.last_hash) if head else (0, GENESIS_HASH)
    if (count, head_hash) != (last_seq, last_hash):
        return checked, BrokenEntry(
            last_seq + 1,
            f"the log records {count} entries but its chain ends at entry #{last_seq} "
            "(the newest entries were removed or changed)",
        )
    return checked, None
