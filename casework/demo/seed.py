"""Fill an empty database with a realistic demo: sites, committees, users, reporters, cases.

Every case is walked through the real operations (`casework.cases.operations`), with
Casework's clock moved back and forth so the timeline spans the last five months; each case's
event chain is therefore exactly what the app itself would have written. Content is
deterministic for a given seed (case references stay random: they come from `secrets`).
The seed flushes and leaves the commit to its caller.
"""

from __future__ import annotations

import importlib.resources
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random
from typing import Any

import phonenumbers
from sqlalchemy import func, select, update
from werkzeug.security import generate_password_hash

from casework import clock
from casework.auth.models import User
from casework.cases import operations as ops
from casework.cases.models import CATEGORIES, RESTRICTED_CATEGORIES, Case
from casework.committees import meetings, votes
from casework.committees import operations as committee_ops
from casework.committees.models import Committee, CommitteeMembership
from casework.committees.scope import covering
from casework.contacts.models import Contact
from casework.demo import data
from casework.demo.accounts import add_departing_officer, disable_departed_officer
from casework.demo.committees import show_committees_at_work
from casework.demo.data import Report
from casework.demo.evidence import add_demo_files
from casework.demo.media import add_demo_media
from casework.extensions import db
from casework.intake.replies import render as render_reply
from casework.messages.models import Message
from casework.notices.models import Notice
from casework.reporters.erasure import REQUESTED as ERASE_REQUESTED
from casework.reporters.erasure import erase_contact, held_cases, set_legal_hold
from casework.reporters.models import Reporter
from casework.sites.importer import read_rows
from casework.sites.models import Site
from casework.sites.operations import import_site_rows

# The steps each plan walks, in order; a step is a method of `_CaseWalk`.
_VERIFIED = ["triage", "start_verification", "verify"]
_COMMITTEE = [*_VERIFIED, "escalate", "decide", "start_mitigation"]
_LOCAL = [*_VERIFIED, "mitigate_locally"]
PLANS: dict[str, list[str]] = {
    "received": [],
    "triaged": ["triage"],
    "verifying": ["triage", "start_verification"],
    "verified": _VERIFIED,
    "escalated": [*_VERIFIED, "escalate"],
    "mitigation": _COMMITTEE,
    "monitoring": [*_COMMITTEE, "monitor", "complete_some"],
    "closed_resolved": [*_COMMITTEE, "monitor", "complete_all", "close_resolved"],
    "closed_unresolved": [*_COMMITTEE, "close_unresolved"],
    "mitigation_local": _LOCAL,
    "monitoring_local": [*_LOCAL, "monitor", "complete_some"],
    "closed_resolved_local": [*_LOCAL, "monitor", "complete_all", "close_resolved"],
    "closed_unresolved_local": [*_LOCAL, "close_unresolved"],
    "closed_resolved_quick": [*_VERIFIED, "close_resolved"],
    "closed_unsubstantiated_early": ["triage", "start_verification", "close_unsubstantiated"],
    "closed_unsubstantiated": [*_VERIFIED, "close_as_unsubstantiated"],
    "rejected": ["reject"],
    "rejected_reopened": ["reject", "reopen", "details", "start_verification"],
    "reopened": ["triage", "start_verification", "close_unsubstantiated", "reopen"],
    "duplicate": ["mark_duplicate"],
    "duplicate_after_triage": ["triage", "mark_duplicate"],
    "downgrade_pending": [*_VERIFIED, "request_downgrade"],
    "downgraded_local": [*_VERIFIED, "request_downgrade", "approve_downgrade", "mitigate_locally"],
    # Open far longer than they should be: near the six-month limit, and over it.
    "verifying_long": ["triage", "start_verification"],
    "verifying_over_limit": ["triage", "start_verification"],
}

# How long ago (days) a plan's report arrived: long paths started long ago.
AGES: dict[str, tuple[float, float]] = {
    "received": (0.02, 2.5),
    "triaged": (1, 12),
    "verifying": (4, 35),
    "verified": (10, 45),
    "escalated": (20, 60),
    "mitigation": (45, 110),
    "monitoring": (80, 140),
    "closed_resolved": (115, 150),
    "closed_unresolved": (135, 150),
    "mitigation_local": (25, 90),
    "monitoring_local": (60, 130),
    "closed_resolved_local": (75, 150),
    "closed_unresolved_local": (110, 150),
    "closed_resolved_quick": (20, 140),
    "closed_unsubstantiated_early": (20, 140),
    "closed_unsubstantiated": (30, 140),
    "rejected": (3, 150),
    "rejected_reopened": (20, 60),
    "reopened": (40, 100),
    "downgrade_pending": (12, 30),
    "downgraded_local": (30, 80),
    "verifying_long": (160, 168),
    "verifying_over_limit": (186, 192),
}

_OUTCOME_PHRASES = {
    "continue_with_mitigation": "trade continues while mitigation measures are carried out",
    "suspend": "purchases were temporarily suspended",
    "disengage": "buyers disengaged from the supplier",
    "no_action": "no further action was required",
}
_MOBILE_PREFIXES = {
    "CD": ("+243", ("81", "82", "84", "85", "89", "97", "99"), 7),
    "RW": ("+250", ("78", "79", "72", "73"), 7),
    "BI": ("+257", ("79", "71", "61"), 6),
    "UG": ("+256", ("77", "78", "70", "75"), 7),
}


@dataclass
class SeedResult:
    sites: int = 0
    committees: int = 0
    users: int = 0
    reporters: int = 0
    cases: Counter[str] = field(default_factory=Counter)
    resolutions: Counter[str] = field(default_factory=Counter)
    published: int = 0
    contacts: int = 0
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)  # role,email,name,pw


def is_empty() -> bool:
    """True when there is nobody to log in as: the demo may be seeded."""
    return not db.session.scalar(select(func.count()).select_from(User))


def demo_password(role: str) -> str:
    return data.DEMO_PASSWORD_PREFIX + role


def seed(random_seed: int = 2026) -> SeedResult:
    """Create the demo. The database must be empty of users (see `is_empty`)."""
    previous = clock._frozen  # restored at the end: a test may have frozen the clock itself
    now = clock.now()
    try:
        return _Seeder(Random(random_seed), now).run()
    finally:
        clock.freeze(previous)


# How an anonymous report starts, in each language (casework.intake.keywords.ANON).
_ANON_WORD = {"fr": "ANONYME ", "sw": "BILA JINA ", "en": "ANON "}


class _Seeder:
    def __init__(self, rng: Random, now: datetime):
        self.rng = rng
        self.now = now
        self.result = SeedResult()
        self.users: dict[str, User] = {}
        self.committees: dict[str, Committee] = {}
        self.sites: dict[str, Site] = {}
        self.cases: dict[str, Case] = {}
        self.reporters: dict[str, list[Reporter]] = {}  # by country, the ones who gave contact
        self.phones: set[str] = set()

    def run(self) -> SeedResult:
        # Accounts and registry first, dated before the first report.
        clock.freeze(self.now - timedelta(days=200))
        self._sites()
        self._users_and_committees()
        self._contacts()
        add_departing_officer(self)  # an account the admin disables today (demo/accounts.py)
        for report in data.REPORTS:
            _CaseWalk(self, report).run()
        show_committees_at_work(self)
        clock.freeze(self.now)
        self._do_not_contact()
        self._legal_hold_and_erasure()
        add_demo_files(self)  # a photo with a caption, a page of a logbook, a PDF
        add_demo_media(self)  # a WhatsApp photo fetched onto its case, a video refused
        disable_departed_officer(self)
        self._read_old_notices()
        db.session.flush()
        return self.result

    # ------------------------------------------------------------------ registry, people

    def _sites(self) -> None:
        text = importlib.resources.files("casework.demo").joinpath("sites.csv").read_text("utf-8")
        # On the admin log like any import, as made from the command line (`demo seed`).
        outcome = import_site_rows(read_rows(io.StringIO(text)), actor=None, source="sites.csv")
        assert not outcome.rejected, outcome.rejected
        self.sites = {s.code: s for s in db.session.scalars(select(Site))}
        self.result.sites = len(self.sites)

    def _users_and_committees(self) -> None:
        hashes = {role: generate_password_hash(demo_password(role)) for role in _roles()}

        def add(email: str, name: str, role: str, language: str) -> User:
            user = User(email=email, name=name, role=role, language=language)
            user.password_hash = hashes[role]
            db.session.add(user)
            self.users[email] = user
            return user

        for email, name, role, language in data.LOGINS:
            add(email, name, role, language)
            self.result.logins.append((role, email, name, demo_password(role)))
        for name, (scope, country, province, territories, members) in data.COMMITTEES.items():
            committee = Committee(
                name=name, scope=scope, country=country, province=province,
                territories=";".join(territories),
                time_zone="Africa/Kigali" if country == "RW" else "Africa/Lubumbashi",
                language="en" if country == "RW" else "fr",
            )  # fmt: skip
            db.session.add(committee)
            self.committees[name] = committee
            for who, sector in members:
                if "@" in who:
                    user = self.users[who]
                else:
                    email = who.lower().replace(" ", ".") + "@example.org"
                    user = self.users.get(email) or add(email, who, "committee", "fr")
                db.session.add(CommitteeMembership(committee=committee, user=user, sector=sector))
                if "@" in who:  # the demo's committee logins chair their committees
                    committee.chair = user
        for email, (timezone, phone, quiet, digest_hour) in data.NOTIFICATION_SETTINGS.items():
            user = self.users[email]
            user.timezone, user.phone, user.digest_hour = timezone, phone, digest_hour
            user.quiet_from, user.quiet_until = quiet or (None, None)
        db.session.flush()
        self.result.users = len(self.users)
        self.result.committees = len(self.committees)

    def _contacts(self) -> None:
        self.contacts: dict[str, Contact] = {}
        for name, org, sector, email, phone, language, timezone, active in data.CONTACTS:
            contact = Contact(name=name, organisation=org, sector=sector, email=email,
                              language=language, timezone=timezone, is_active=active)  # fmt: skip
            contact.set_phone(phone)
            db.session.add(contact)
            self.contacts[name] = contact
        db.session.flush()
        self.result.contacts = len(self.contacts)

    def owner(self, label: str) -> dict[str, Any]:
        """``add_action``'s owner arguments for an owner as the demo data names it."""
        who = data.ACTION_OWNERS.get(label)
        if who is None:
            return {"owner": label}
        if "@" in who:
            return {"owner_user": self.users[who]}
        return {"owner_contact": self.contacts[who]}

    def _do_not_contact(self) -> None:
        """An officer switched off contact with the reporter of an exposed case."""
        case = self.cases["bisie-sgbv"]
        ops.set_do_not_contact(
            case,
            True,
            reason="Le téléphone de la rapporteuse est surveillé par son mari ; ne rien "
            "envoyer avant une rencontre en personne.",
            actor=case.assignee or self.user("supervisor@example.org"),
        )

    def _legal_hold_and_erasure(self) -> None:
        """A supervisor put a torture case on legal hold (its reporter is a witness); the
        reporter of a closed case texted ERASE, confirmed, and their number is gone."""
        supervisor = self.user("supervisor@example.org")
        held = self.cases["ngungu-torture"]
        set_legal_hold(
            held,
            reason="L'auditorat militaire de Goma instruit les faits de torture : garder les "
            "coordonnées du rapporteur, témoin possible.",
            actor=supervisor,
        )
        reporter = self.cases["rubaya-timbering"].reporter
        if reporter is not None and not held_cases(reporter):
            erase_contact(reporter, actor=None, reason=ERASE_REQUESTED)

    def _read_old_notices(self) -> None:
        """People have read what they were told more than a week ago."""
        cutoff = self.now - timedelta(days=7)
        db.session.execute(update(Notice).where(Notice.created_dt < cutoff).values(read_dt=cutoff))

    def user(self, email: str) -> User:
        return self.users[email]

    def officer_for(self, country: str) -> User:
        return self.user("officer@example.org" if country == "CD" else "officer2@example.org")

    def committee_for(self, site: Site | None, level: int | None) -> Committee:
        """What the escalation form offers first: the committee covering the site."""
        offered = covering(site, level)
        return offered[0] if offered else self.committees[data.PROVINCIAL_COMMITTEE]

    def reporter_for(self, country: str, language: str, anonymous: bool) -> Reporter:
        """Now and then somebody who reported before (same country, contactable) again."""
        known = self.reporters.get(country, [])
        if known and not anonymous and self.rng.random() < 0.15:
            return self.rng.choice(known)
        reporter = self.new_reporter(country, language, anonymous)
        if not anonymous:
            self.reporters.setdefault(country, []).append(reporter)
        return reporter

    def new_reporter(self, country: str, language: str, anonymous: bool) -> Reporter:
        code, prefixes, digits = _MOBILE_PREFIXES.get(country, _MOBILE_PREFIXES["CD"])
        while True:
            phone = code + self.rng.choice(prefixes)
            phone += "".join(str(self.rng.randrange(10)) for _ in range(digits))
            if phone not in self.phones and phonenumbers.is_valid_number(phonenumbers.parse(phone)):
                break
        self.phones.add(phone)
        reporter = Reporter.for_phone(
            phone,
            country=country,
            language=language,
            anonymity="anonymous" if anonymous else "confidential",
        )
        db.session.add(reporter)
        self.result.reporters += 1
        return reporter


def _roles() -> set[str]:
    return {role for _, _, role, _ in data.LOGINS}


class _CaseWalk:
    """One report's way through the lifecycle, on a clock that moves forward step by step."""

    def __init__(self, seeder: _Seeder, report: Report):
        self.s = seeder
        self.rng = seeder.rng
        self.r = report
        self.site = seeder.sites.get(report.site) if report.site else None
        self.country = self.site.country if self.site else "CD"
        self.officer = seeder.officer_for(self.country)
        supervisors = [
            seeder.user("supervisor@example.org"),
            seeder.user("supervisor2@example.org"),
        ]
        self.rng.shuffle(supervisors)
        self.supervisor, self.second_supervisor = supervisors
        self.case: Case
        self.t: datetime

    # ------------------------------------------------------------------ time

    def at(self, when: datetime) -> None:
        self.t = when
        clock.freeze(when)

    def later(self, min_hours: float, max_hours: float) -> None:
        """Move the clock forward, never past the seed's "now" (late steps bunch up there)."""
        step = self.t + timedelta(hours=self.rng.uniform(min_hours, max_hours))
        ceiling = self.s.now - timedelta(minutes=self.rng.randint(5, 90))
        self.at(max(self.t, min(step, ceiling)))

    @property
    def level_1(self) -> bool:
        return self.r.level == 1

    # ------------------------------------------------------------------ the walk

    def run(self) -> None:
        r = self.r
        if r.duplicate_of:
            original = self.s.cases[r.duplicate_of]
            start = original.reported_dt + timedelta(hours=self.rng.uniform(6, 60))
        else:
            low, high = AGES[r.plan]
            if r.published and not r.plan.startswith(("closed", "duplicate")):
                # An open case is published only once it is long-running (ops.publish).
                low, high = max(low, 100), max(high, 150)
            start = self.s.now - timedelta(days=self.rng.uniform(low, high))
        self.at(start)
        self.receive()
        for step in PLANS[r.plan]:
            getattr(self, step)()
        if r.published:
            self.later(24, 240)
            self.publish()
        self.s.cases[r.key] = self.case
        self.s.result.cases[self.case.status] += 1
        if self.case.resolution:
            self.s.result.resolutions[self.case.resolution] += 1

    def receive(self) -> None:
        r = self.r
        occurred = self.t - timedelta(hours=self.rng.uniform(2, 40))
        reporter = None
        if r.channel in {"sms", "whatsapp", "phone"}:
            if r.same_reporter_as:
                reporter = self.s.cases[r.same_reporter_as].reporter
            elif not r.anon:
                reporter = self.s.reporter_for(self.country, r.language, r.anonymous)
        parts = _split(r.text, r.parts)
        description = "\n".join(parts)
        if r.channel in {"sms", "whatsapp"}:
            self.case = ops.create_case(
                description=description,
                channel=r.channel,
                reporter=reporter,
                language=r.language,
                occurred_dt=occurred,
                location_text=r.location,
                suggested_category=r.category,
                suggested_level=CATEGORIES[r.category][1] if r.category else None,
                suggested_site=self.site,
                is_anonymous=r.anon,
            )
            for i, part in enumerate(parts):
                if i:
                    self.later(0.02, 0.2)
                self.message("in", (_ANON_WORD[r.language] + part) if r.anon else part, reporter)
            self.later(0.001, 0.01)
            ack = data.ACKNOWLEDGEMENTS.get(r.language, data.ACKNOWLEDGEMENTS["en"])
            if r.anon:  # what the intake answers an ANON report
                ack = render_reply("anon_case", r.language, ref="{ref}")
            self.message("out", ack.format(ref=self.case.reference), reporter)
        else:  # a hotline call or a field visit: the officer writes the case up
            self.case = ops.create_case(
                description=description,
                channel=r.channel,
                actor=self.officer,
                title=r.title,
                category=r.category,
                level=r.level,
                site=self.site,
                location_text=r.location,
                occurred_dt=occurred,
                reporter=reporter,
                language=r.language,
            )

    def message(self, direction: str, body: str, reporter: Reporter | None) -> None:
        """An SMS in or out, with the event the intake would have recorded for it."""
        msg = Message(
            direction=direction,
            channel=self.case.channel,
            provider_sid=f"SM{self.rng.getrandbits(128):032x}",
            case=self.case,
            reporter=reporter,
            body=body,
            language=self.r.language,
            status="received" if direction == "in" else "delivered",
            created_dt=clock.now(),
            updated_dt=clock.now(),
        )
        db.session.add(msg)
        db.session.flush()
        data: dict[str, Any] = {"message_id": msg.id}
        if direction == "in":
            data.update(channel=msg.channel, language=msg.language)
        data["text"] = body
        ops.record_event(self.case, f"message_{direction}", actor=None, data=data)

    # ------------------------------------------------------------------ steps

    def details(self) -> None:
        """Assignment and the triage fields: what an officer fills in before triage."""
        case = self.case
        if case.assignee is None:
            if self.rng.random() < 0.3 or self.r.category in RESTRICTED_CATEGORIES:
                ops.assign(case, self.officer, actor=self.supervisor)
            else:
                ops.assign(case, self.officer, actor=self.officer)  # taken from the queue
            self.later(0.1, 2)
        ops.update_details(
            case,
            actor=self.officer,
            title=self.r.title,
            category=self.r.category,
            site=self.site,
        )
        if self.r.level is not None and case.level != self.r.level:
            ops.change_level(case, self.r.level, actor=self.officer, reason="Triage")

    def triage(self) -> None:
        self.later(*((2, 20) if self.level_1 else (8, 60)))
        self.details()
        ops.fire(self.case, "triage", actor=self.officer)

    def start_verification(self) -> None:
        self.later(*((6, 60) if self.level_1 else (24, 200)))
        ops.fire(self.case, "start_verification", actor=self.officer)
        for _ in range(self.rng.randint(0, 2)):
            self.later(4, 72)
            ops.add_note(self.case, self.rng.choice(data.NOTES), actor=self.officer)

    def verify(self) -> None:
        found = data.CORROBORATIONS.get(self.r.category or "", data.CORROBORATIONS["TRC"])
        for source, summary in found[: self.rng.randint(1, len(found))]:
            self.later(24, 150)
            ops.add_corroboration(
                self.case,
                source=source,
                summary=summary.format(
                    site=self.site.name if self.site else self.r.location,
                    n=self.rng.randint(3, 24),
                ),
                actor=self.officer,
            )
        self.later(2, 24)
        ops.fire(self.case, "verify", actor=self.officer)

    def escalate(self) -> None:
        self.later(12, 72)
        committee = self.s.committee_for(self.site, self.r.level)
        if self.case.lacks_committee_brief:
            territory = self.site.territory if self.site else "the province"
            committee_ops.write_brief(
                self.case, data.COMMITTEE_BRIEF.format(territory=territory), actor=self.supervisor
            )
        ops.fire(self.case, "escalate", actor=self.supervisor, committee_id=committee.id)

    def committee_member(self) -> User:
        """Who records the committee's work: a member, or a supervisor for restricted cases."""
        if self.case.category in RESTRICTED_CATEGORIES:
            return self.supervisor
        members = [m.user for m in self.case.committee.memberships]
        return next((u for u in members if u.email.startswith("committee")), members[0])

    def decide(self) -> None:
        self.later(*((72, 160) if self.level_1 else (240, 670)))
        outcome, summary = data.DECISIONS.get(self.r.category or "", data.DEFAULT_DECISION)
        self.vote(outcome, summary)
        self.add_actions(self.committee_member())

    def vote(self, outcome: str, rationale: str) -> None:
        """The committee meets on the case: every member present votes for the proposal.

        One meeting per decision, with this case alone on its agenda: the walks are not in
        time order, so what else was before the committee that day is not known here
        (`casework.demo.committees` shows full meetings around "now"). The meeting is held
        and over before the demo's "now", at shorter notice if the walk is near it."""
        committee = self.case.committee
        chair = committee.chair or self.supervisor
        room = self.s.now - timedelta(minutes=1) - self.t
        notice = min(timedelta(hours=2), room / 3)
        voting = min(timedelta(hours=self.rng.uniform(2, 3)), room * 2 / 3)
        meeting = meetings.schedule_meeting(
            committee,
            starts_dt=self.t + notice,
            place="Bureau du comité" if committee.language == "fr" else "District office",
            actor=chair,
        )
        for other in [i for i in meeting.items if i.case_id != self.case.id]:
            meetings.remove_item(other, actor=chair)
        item = next((i for i in meeting.items if i.case_id == self.case.id), None)
        item = item or meetings.add_item(meeting, self.case, actor=chair)
        meetings.set_proposal(item, outcome=outcome, rationale=rationale, actor=chair)
        self.at(self.t + max(voting, notice))
        meetings.record_attendance(meeting, member_ids=committee.member_ids(), actor=chair)
        for membership in committee.memberships:
            votes.cast_vote(item, membership.user, "for", actor=chair)
        votes.close_item(item, actor=chair)
        meetings.close_meeting(meeting, actor=chair)

    def add_actions(self, actor: User) -> None:
        authority = data.AUTHORITY.get(self.country, data.AUTHORITY["CD"])
        for description, owner, days in data.ACTIONS.get(self.r.category or "", []) or [
            ("Follow-up visit", "Field team", 30)
        ]:
            self.later(0.2, 6)
            ops.add_action(
                self.case,
                description=description,
                due_date=(clock.now() + timedelta(days=days)).date(),
                actor=actor,
                **self.s.owner(owner.format(authority=authority)),
            )

    def start_mitigation(self) -> None:
        self.later(1, 48)
        ops.fire(self.case, "start_mitigation", actor=self.committee_member())

    def mitigate_locally(self) -> None:
        self.later(24, 120)
        self.add_actions(self.officer)
        self.later(1, 24)
        ops.fire(self.case, "mitigate_locally", actor=self.officer)

    def monitor(self) -> None:
        self.later(20 * 24, 45 * 24)
        ops.fire(self.case, "monitor", actor=self.officer)

    def complete_some(self) -> None:
        open_actions = [a for a in self.case.actions if not a.is_done]
        for action in open_actions[: max(1, len(open_actions) - 1)]:
            self.later(3 * 24, 15 * 24)
            ops.complete_action(action, actor=self.officer)

    def complete_all(self) -> None:
        for action in self.case.actions:
            if not action.is_done:
                self.later(2 * 24, 12 * 24)
                ops.complete_action(action, actor=self.officer)

    def close_resolved(self) -> None:
        self.later(3 * 24, 15 * 24)
        ops.fire(
            self.case,
            "close",
            actor=self.supervisor,
            resolution="resolved",
            comment="Every action done and checked on a follow-up visit.",
        )

    def close_unresolved(self) -> None:
        """Mitigation that did not work: the committee suspends (OECD), then the case closes."""
        self.later(80 * 24, 120 * 24)
        if self.case.committee_id:
            self.vote("suspend", "Mitigation has failed: purchases from the site are suspended.")
            self.later(24, 72)
        ops.fire(
            self.case,
            "close",
            actor=self.supervisor,
            resolution="unresolved",
            comment=self.r.reason or "Mitigation did not work.",
        )

    def close_unsubstantiated(self) -> None:
        self.later(4 * 24, 15 * 24)
        ops.fire(
            self.case,
            "close_unsubstantiated",
            actor=self.supervisor,
            reason=self.r.reason or "Nothing found to support the report.",
        )

    def close_as_unsubstantiated(self) -> None:
        self.later(2 * 24, 10 * 24)
        ops.fire(
            self.case,
            "close",
            actor=self.supervisor,
            resolution="unsubstantiated",
            comment=self.r.reason or "The facts found do not amount to the risk reported.",
        )

    def reject(self) -> None:
        self.later(2, 30)
        ops.fire(
            self.case,
            "reject",
            actor=self.supervisor,
            reason=self.r.reason or "Outside the programme's scope.",
        )

    def reopen(self) -> None:
        self.later(10 * 24, 30 * 24)
        ops.fire(
            self.case,
            "reopen",
            actor=self.second_supervisor,
            reason=self.r.reason or "New information received.",
        )

    def mark_duplicate(self) -> None:
        self.later(1, 24)
        ops.link_duplicate(self.case, self.s.cases[self.r.duplicate_of or ""], actor=self.officer)
        ops.fire(self.case, "mark_duplicate", actor=self.officer)

    def request_downgrade(self) -> None:
        self.later(12, 72)
        ops.change_level(
            self.case, 2, actor=self.supervisor, reason=self.r.reason or "Verification."
        )

    def approve_downgrade(self) -> None:
        self.later(4, 48)
        if self.r.category == "SA-WFCL":  # the facts found are children at a site, not worst forms
            ops.update_details(self.case, actor=self.second_supervisor, category="CHL")
        ops.approve_level_change(self.case, actor=self.second_supervisor)

    def publish(self) -> None:
        """Publication is a supervisor's separate step; the summary names no person."""
        if not self.case.is_closed:  # an open case is published once it is long-running
            self.at(max(clock.now(), self.case.reported_dt + ops.PUBLISH_OPEN_CASES_AFTER))
        ops.publish(self.case, summary=_public_summary(self.case), actor=self.supervisor)
        self.s.result.published += 1


def _split(text: str, parts: int) -> list[str]:
    """Cut an SMS in ``parts`` at spaces, as a phone splits a long message."""
    if parts <= 1:
        return [text]
    words = text.split(" ")
    size = -(-len(words) // parts)
    return [" ".join(words[i : i + size]) for i in range(0, len(words), size)]


def _public_summary(case: Case) -> str:
    place = (
        f"{case.site.name} ({case.site.territory}, {case.site.province})"
        if case.site
        else case.location_text
    )
    topic = data.PUBLIC_TOPICS.get(case.category or "", case.category_label.lower())
    text = (
        f"A report of {topic} at {place} was received in {case.reported_dt:%B %Y} "
        "and verified by the field team"
    )
    text += f", then reviewed by the {case.committee.name}." if case.committee else "."
    if case.decisions:
        text += f" Decision: {_OUTCOME_PHRASES[case.decisions[-1].outcome]}."
    done = sum(1 for a in case.actions if a.is_done)
    if case.actions:
        text += f" {done} of {len(case.actions)} mitigation actions completed."
    if case.closed_dt:
        text += f" Closed as {case.resolution} on {case.closed_dt:%d %B %Y}."
    else:
        text += " Follow-up continues."
    return text
