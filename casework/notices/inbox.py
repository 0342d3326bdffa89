"""A user's notifications list: a page of their notices, newest first, and marking them
read. Operations here never commit; a user only ever reaches their own notices."""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import and_, or_, update
from sqlalchemy.orm import selectinload

from casework import clock
from casework.auth.models import User
from casework.extensions import db
from casework.inputs import is_row_id
from casework.notices.models import Notice
from casework.notices.operations import visible_notices


def encode_cursor(notice: Notice) -> str:
    raw = f"n:{notice.created_dt.isoformat()}|{notice.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Raise ValueError on anything that is not a cursor we made."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise ValueError("not a cursor") from None
    if not raw.startswith("n:") or "|" not in raw:
        raise ValueError("not a cursor")
    when, _, ident = raw[2:].rpartition("|")
    moment = datetime.fromisoformat(when)
    if moment.tzinfo is None or not is_row_id(ident):
        raise ValueError("not a cursor")
    return moment, int(ident)


def page_of_notices(
    user: User, *, cursor: str | None, limit: int
) -> tuple[list[Notice], str | None]:
    """``user``'s notices newest first, keyset on (created, id) along the
    ``ix_notices_user_created`` index: a page never shifts when new notices arrive."""
    query = (
        visible_notices(user)
        .options(selectinload(Notice.case))
        .order_by(Notice.created_dt.desc(), Notice.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        created, ident = decode_cursor(cursor)
        query = query.where(
            or_(
                Notice.created_dt < created,
                and_(Notice.created_dt == created, Notice.id < ident),
            )
        )
    notices = list(db.session.scalars(query))
    if len(notices) > limit:
        return notices[:limit], encode_cursor(notices[limit - 1])
    return notices, None


def own_notice(user: User, notice_id: int) -> Notice | None:
    """The notice, when it is ``user``'s; None otherwise (someone else's looks missing)."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.user_id != user.id:
        return None
    return notice


def mark_read(notice: Notice) -> Notice:
    if notice.read_dt is None:
        notice.read_dt = clock.now()
    return notice


def mark_all_read(user: User) -> int:
    """Mark every unread notice of ``user`` read; how many there were."""
    result = db.session.execute(
        update(Notice)
        .where(Notice.user_id == user.id, Notice.read_dt.is_(None))
        .values(read_dt=clock.now())
    )
    return int(getattr(result, "rowcount", 0) or 0)
