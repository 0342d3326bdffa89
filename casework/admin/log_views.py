"""The admin log in the browser (/admin/log), for admins: newest first, a page at a time,
each entry's who, when, what and target, and what changed as a readable before → after.

Read-only: the log is written by the operations (`casework.admin.log`) and checked by
`casework audit verify`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from casework.admin.log import COMMAND_LINE
from casework.admin.models import AdminLogEntry
from casework.extensions import db

bp = Blueprint("admin_log", __name__, url_prefix="/admin/log")

PAGE_SIZE = 50
MAX_SEQ = 2**31 - 1  # seq is an integer column: a bigger anchor is an edited link
TYPE_NAME = re.compile(r"[a-z_]{1,40}")

TARGET_TYPES = {
    "user": _l("Users"),
    "committee": _l("Committees"),
    "site": _l("Sites"),
    "cases": _l("Case exports"),
}

ACTIONS = {
    "user.create": _l("account created"),
    "user.update": _l("account changed"),
    "user.disable": _l("account disabled"),
    "user.enable": _l("account enabled"),
    "user.role": _l("role changed"),
    "user.password_reset": _l("password reset"),
    "user.password_change": _l("password changed"),
    "user.second_factor_reset": _l("second factor reset"),
    "token.create": _l("API token created"),
    "token.revoke": _l("API tokens revoked"),
    "committee.create": _l("committee created"),
    "committee.update": _l("committee changed"),
    "committee.member_add": _l("member added"),
    "committee.member_sector": _l("member's sector changed"),
    "committee.member_remove": _l("member removed"),
    "committee.chair": _l("chair changed"),
    "site.import": _l("sites imported"),
    "site.update": _l("site changed"),
    "cases.export": _l("cases exported"),
}

FIELDS = {
    "name": _l("name"),
    "email": _l("email"),
    "role": _l("role"),
    "is_enabled": _l("enabled"),
    "scope": _l("scope"),
    "country": _l("country"),
    "province": _l("province"),
    "territory": _l("territory"),
    "territories": _l("territories"),
    "time_zone": _l("time zone"),
    "language": _l("language"),
    "quorum_percent": _l("quorum (%)"),
    "majority_percent": _l("majority (%)"),
    "quorum_each_sector": _l("quorum needs each sector"),
    "member": _l("member"),
    "sector": _l("sector"),
    "chair": _l("chair"),
    "code": _l("code"),
    "minerals": _l("minerals"),
    "latitude": _l("latitude"),
    "longitude": _l("longitude"),
    "timezone": _l("time zone"),
    "has_phone": _l("has a phone number"),
    "has_password": _l("has a password"),
    "sessions_ended": _l("sessions ended"),
    "tokens_revoked": _l("API tokens revoked"),
    "method": _l("how"),
    "token_id": _l("token number"),
    "scopes": _l("scopes"),
    "expires_dt": _l("expires"),
    "live_tokens": _l("live tokens (numbers)"),
    "format": _l("format"),
    "filters": _l("filters"),
    "file": _l("file"),
    "imported": _l("imported"),
    "updated": _l("updated"),
    "unchanged": _l("unchanged"),
    "rejected": _l("rejected"),
    "codes_added": _l("codes added"),
    "codes_updated": _l("codes updated"),
}


@dataclass(frozen=True)
class Change:
    """One line of an entry's diff: a field, its value before and after (None: absent)."""

    field: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def show_value(value: Any) -> str:
    """A logged value in words: yes/no, lists joined, nothing as a dash."""
    if value is None or value == "" or value == []:
        return "\u2013"  # an en dash: nothing
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def changes(entry: AdminLogEntry) -> list[Change]:
    """The entry's before and after as lines: changed fields first in the order logged,
    then what only one side has; a field the same on both sides stays (it says who or what,
    e.g. the member whose sector changed)."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(before) + [key for key in after if key not in before]
    return [
        Change(
            str(FIELDS.get(key, key.replace("_", " "))),
            show_value(before[key]) if key in before else None,
            show_value(after[key]) if key in after else None,
        )
        for key in keys
    ]


# Where each kind of target is managed: the entry links to it.
TARGET_PAGES = {
    "user": ("admin_users.detail", "user_id"),
    "committee": ("committees.edit", "committee_id"),
    "site": ("admin_sites.edit", "site_id"),
}


def target_url(entry: AdminLogEntry) -> str | None:
    page = TARGET_PAGES.get(entry.target_type)
    if page is None or not entry.target_id.isdigit() or page[0] not in current_app.view_functions:
        return None
    endpoint, argument = page
    values: dict[str, Any] = {argument: int(entry.target_id)}
    return url_for(endpoint, **values)


def _anchor() -> int | None:
    value = request.args.get("before", "")
    if value.isascii() and value.isdigit() and len(value) <= 10 and 1 <= int(value) <= MAX_SEQ:
        return int(value)
    return None  # missing or edited: the newest page


@bp.before_request
def _only_admins():
    # Logged-in users only (casework.security); of those, admins.
    if getattr(current_user, "role", None) != "admin":
        abort(403)


@bp.get("")
def index():
    target_type = request.args.get("type", "")
    query = select(AdminLogEntry)
    if target_type:
        if not TYPE_NAME.fullmatch(target_type):
            abort(400)
        query = query.where(AdminLogEntry.target_type == target_type)
    before = _anchor()
    if before is not None:
        query = query.where(AdminLogEntry.seq < before)
    entries = list(
        db.session.scalars(query.order_by(AdminLogEntry.seq.desc()).limit(PAGE_SIZE + 1))
    )
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    return render_template(
        "admin/log.html",
        entries=entries,
        changes={entry.seq: changes(entry) for entry in entries},
        links={entry.seq: target_url(entry) for entry in entries},
        actions=ACTIONS,
        target_types=TARGET_TYPES,
        target_type=target_type,
        paged=before is not None,
        next_before=entries[-1].seq if more else None,
        command_line=COMMAND_LINE,
    )
