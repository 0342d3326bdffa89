"""Who is told what, by which channel, and when reminders fall: a table to review.

Pure Python, like the lifecycle. `casework.notices` turns case events into notices with
`NOTICE_KINDS`; the scheduled jobs (`casework.jobs`) follow the reminder rules below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from workflows.i18n import N_

STAFF = ("officer", "supervisor")
TIME_ZONES = (
    "Africa/Kinshasa",
    "Africa/Lubumbashi",
    "Africa/Kigali",
    "Africa/Bujumbura",
    "Africa/Kampala",
    "Africa/Nairobi",
    "Africa/Dar_es_Salaam",
    "UTC",
)
CHANNELS = ("email", "sms")


@dataclass(frozen=True)
class NoticeKind:
    name: str
    label: str  # what a user reads in their notification settings
    email: tuple[str, ...]  # roles that get it by email unless they opt out
    sms: tuple[str, ...]  # roles that get it by SMS unless they opt out
    # Urgent notices go by email and SMS whatever the settings say, and ignore quiet hours.
    urgent: bool = False


# fmt: off
NOTICE_KINDS: tuple[NoticeKind, ...] = (
    NoticeKind("level1_alert", N_("A Level 1 report arrives, or a case is raised to Level 1"),
               ("supervisor",), ("supervisor",), urgent=True),
    NoticeKind("assigned", N_("A case is assigned to you"), STAFF, ()),
    NoticeKind("downgrade_approval", N_("A Level 1 downgrade waits for your approval"),
               ("supervisor",), ("supervisor",)),
    NoticeKind("escalated", N_("A case is escalated to your committee"),
               ("committee",), ("committee",)),
    NoticeKind("action_assigned", N_("A mitigation action is given to you"),
               (*STAFF, "committee"), ()),
    NoticeKind("case_status", N_("Your case is closed or reopened"), STAFF, ()),
    NoticeKind("deadline", N_("A deadline on your case is near or has passed"),
               STAFF, ("officer",)),
    NoticeKind("overdue", N_("A case has been overdue for a day"), ("supervisor",), ()),
    NoticeKind("action_reminder", N_("A mitigation action is due or overdue"),
               (*STAFF, "committee"), ()),
    NoticeKind("age_limit", N_("A case nears or passes the six-month limit"), STAFF, ()),
    NoticeKind("digest", N_("Your daily digest"), STAFF, ()),
    NoticeKind("meeting_invitation", N_("Your committee schedules a meeting"),
               ("committee", "supervisor"), ("committee",)),
    NoticeKind("meeting_reminder", N_("Your committee meets tomorrow"),
               ("committee", "supervisor"), ("committee",)),
    NoticeKind("written_vote", N_("Your committee opens an urgent written vote"),
               ("committee", "supervisor"), ("committee",)),
    NoticeKind("vote_result", N_("An urgent written vote of your committee closes"),
               ("committee", "supervisor"), ("committee",)),
)
# fmt: on
KINDS = {kind.name: kind for kind in NOTICE_KINDS}


def default_channels(kind: str, role: str) -> set[str]:
    """The channels a user of ``role`` gets ``kind`` by, before any setting of theirs."""
    notice = KINDS[kind]
    return {c for c, roles in (("email", notice.email), ("sms", notice.sms)) if role in roles}


def kinds_for(role: str) -> list[NoticeKind]:
    """The kinds a role can receive at all (what its settings page offers)."""
    return [k for k in NOTICE_KINDS if role in k.email or role in k.sms]


# ------------------------------------------------------------------ reminder rules

# Deadlines: a warning a quarter of the state's span before its deadline, at most a day
# before; the breach to the assignee; a day later, to the supervisors.
DEADLINE_WARNING_SHARE = 0.25
DEADLINE_WARNING_AT_MOST = timedelta(days=1)
OVERDUE_TO_SUPERVISORS_AFTER = timedelta(days=1)

# Mitigation actions: 3 days before the due date, on the day, then every week while overdue,
# from this hour of the owner's day.
ACTION_REMINDER_DAYS_BEFORE = 3
ACTION_OVERDUE_EVERY_DAYS = 7
REMINDER_LOCAL_HOUR = 8

# The reporter hears from the programme at least this often while the case is open.
REPORTER_FEEDBACK_EVERY = timedelta(days=30)

# Maximum time open: warned at 5 months, over the limit at 6 (DOMAIN.md).
AGE_WARNING_MONTHS = 5
AGE_LIMIT_MONTHS = 6


def warning_before(span: timedelta) -> timedelta:
    """How long before a deadline of this span its warning goes out."""
    return min(span * DEADLINE_WARNING_SHARE, DEADLINE_WARNING_AT_MOST)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months, the day clipped to the month's last."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    last_day = (following - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def next_action_reminder(due: date, today: date) -> tuple[str, date]:
    """The next reminder of an action due on ``due``, from ``today`` (the owner's date) on:
    ``(kind, day)``, kind ``soon``, ``today`` or ``overdue``. A reminder whose day has
    passed is skipped, not sent late: the next one is due instead."""
    soon = due - timedelta(days=ACTION_REMINDER_DAYS_BEFORE)
    if today <= soon:
        return "soon", soon
    if today <= due:
        return "today", due
    weeks = -(-(today - due).days // ACTION_OVERDUE_EVERY_DAYS)  # ceil: the next weekly mark
    return "overdue", due + timedelta(days=weeks * ACTION_OVERDUE_EVERY_DAYS)
