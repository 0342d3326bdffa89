"""The admin log: every administrative change (users, roles, sessions, second factors,
committees and their members, sites), append-only and hash-chained like a case's record.

One chain for the whole instance. ``AdminLogHead`` (a single row) holds the chain's length
and newest hash: appending locks it, so concurrent writers queue and the chain stays linear,
and `casework audit verify` notices entries removed from the end.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework import clock
from casework.extensions import Model, UTCDateTime

GENESIS_HASH = "0" * 64


class AdminLogEntry(Model):
    __tablename__ = "admin_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    # Who: a user, or None with actor_label "command line" for `casework ...` without --as.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(60))
    # What: e.g. ("user", "12", "officer@example.org"), ("committee", "3", "Masisi CdS").
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(64))
    target_label: Mapped[str] = mapped_column(String(255), default="")
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor = relationship("User")

    def compute_hash(self) -> str:
        body = json.dumps(
            {
                "seq": self.seq,
                "created_dt": self.created_dt.isoformat(),
                "actor_label": self.actor_label,
                "action": self.action,
                "target": [self.target_type, self.target_id, self.target_label],
                "before": self.before,
                "after": self.after,
                "prev_hash": self.prev_hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(body.encode()).hexdigest()


class AdminLogHead(Model):
    """The chain's one head row (id 1): how many entries, and the newest one's hash."""

    __tablename__ = "admin_log_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


@event.listens_for(AdminLogEntry, "before_update")
@event.listens_for(AdminLogEntry, "before_delete")
def _append_only(mapper, connection, target: AdminLogEntry) -> None:
    raise RuntimeError("the admin log is append-only: record a new entry instead")
