"""Reporters hear about their case at each public milestone, without an officer writing:
one short SMS in their language, queued with the transition, never with anything that
could identify someone; nothing to the anonymous, the opted out, or under "do not contact"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework import clock
from casework.cases.models import Case, CaseEvent, MitigationAction
from casework.intake.replies import MILESTONES, is_gsm7, milestone_text, segments
from casework.messages.models import Message
from casework.messages.operations import send_status_update
from casework.reporters.models import Reporter
from notifications.models import OutboxMessage
from notifications.outbox import dispatch
from tests.conftest import csrf_token
from workflows import STATES

PHONE = "+243812345678"
LONGEST_REFERENCE = "CW-WWWW-WWWW"
SITE_WORDS = ("Nyabibwe", "Rubaya", "CD-NK-RUB", "Watoto", "SA-WFCL", "CHL")


@pytest.fixture
def make_reporter(db):
    def make(language: str = "sw", phone: str = PHONE, **fields) -> Reporter:
        reporter = Reporter.for_phone(phone, country="CD", language=language, **fields)
        db.session.add(reporter)
        db.session.commit()
        return reporter

    return make


def outbox(db) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)))


def automatic_events(db, case) -> list[CaseEvent]:
    db.session.expire_all()
    return [
        e
        for e in db.session.scalars(
            db.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
        if e.kind == "message_out" and e.data.get("automatic")
    ]


def fire(client, case: Case, name: str, **fields):
    """POST the transition's form from the case page, as the browser does."""
    url = f"/cases/{case.reference}"
    data = {"csrf_token": csrf_token(client, url), "version": str(case.version), **fields}
    return client.post(f"{url}/transitions/{name}", data=data)


# Each milestone: the state the case is in, what the case needs for the guards, who fires
# it with which inputs, and the milestone the reporter hears.
# fmt: off
SCENARIOS = {
    "start_verification": ("triaged", {}, "officer", {}, "verifying"),
    "escalate": ("verified", {}, "supervisor", {"committee_id": "COMMITTEE"}, "escalated"),
    "start_mitigation": ("escalated", {"decision", "action"}, "supervisor", {}, "mitigation"),
    "mitigate_locally": ("verified", {"action"}, "officer", {}, "mitigation"),
    "close": ("monitoring", {}, "supervisor", {"resolution": "unresolved"}, "closed_unresolved"),
    "close_resolved": ("verified", {}, "supervisor", {"resolution": "resolved"}, "closed_resolved"),
    "close_unsubstantiated": ("verifying", {}, "supervisor", {"reason": "Rien trouvé"},
                              "closed_unsubstantiated"),
    "mark_duplicate": ("triaged", {}, "officer", {"duplicate_of": "ORIGINAL"}, "closed_duplicate"),
    "reject": ("received", {}, "supervisor", {"reason": "Hors programme"}, "closed_rejected"),
    "reopen": ("closed", {}, "supervisor", {"reason": "Nouveaux faits"}, "reopened"),
}
# fmt: on


@pytest.fixture
def at_milestone(db, make_case, make_committee, make_reporter, make_site, decide):
    """``at_milestone("escalate", language)``: a case ready for the transition, its inputs."""

    def prepare(scenario: str, language: str = "sw", **reporter_fields):
        state, needs, role, inputs, _ = SCENARIOS[scenario]
        committee = make_committee()
        reporter = make_reporter(language, **reporter_fields)
        case = make_case(
            status=state, reporter=reporter, level=2, category="SA-WFCL", site=make_site(),
            committee_id=committee.id if state == "escalated" else None,
        )  # fmt: skip
        if "decision" in needs:
            decide(case, "suspend")
        if "action" in needs:
            db.session.add(
                MitigationAction(
                    case=case, description="Visite", owner="Coopérative",
                    due_date=clock.now().date() + timedelta(days=10),
                )
            )  # fmt: skip
        db.session.commit()
        inputs = dict(inputs)
        if inputs.get("committee_id") == "COMMITTEE":
            inputs["committee_id"] = str(committee.id)
        if inputs.get("duplicate_of") == "ORIGINAL":
            inputs["duplicate_of"] = make_case().reference
        name = scenario.removesuffix("_resolved")
        return case, role, name, inputs

    return prepare


@pytest.mark.parametrize("language", ["fr", "sw", "en"])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_each_milestone_queues_one_sms_in_the_reporters_language(
    db, login_as, at_milestone, scenario, language
):
    case, role, name, inputs = at_milestone(scenario, language)
    client, actor = login_as(role)
    response = fire(client, case, name, **inputs)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    milestone = SCENARIOS[scenario][4]
    rows = [r for r in outbox(db) if r.recipient.startswith("reporter:")]
    assert len(rows) == 1, [r.body for r in rows]
    [row] = rows
    [message] = db.session.scalars(db.select(Message).where(Message.direction == "out")).all()
    expected = milestone_text(milestone, case.reference, language, "closed")
    assert row.channel == "sms" and row.template is None and row.body == expected
    assert row.recipient == f"reporter:{case.reporter_id}:case:{case.id}"
    assert row.ref == f"message:{message.id}"
    assert (message.body, message.language, message.channel) == (expected, language, "sms")
    assert case.reference in row.body
    assert not any(word in row.body for word in SITE_WORDS)  # no report text, no site
    assert PHONE not in str(vars(row))
    [event] = automatic_events(db, case)
    assert event.actor_id == actor.id
    assert event.data == {
        "message_id": message.id, "body": expected, "automatic": True, "milestone": milestone,
    }  # fmt: skip


@pytest.mark.parametrize("name", ["triage", "verify", "monitor"])
def test_internal_steps_tell_the_reporter_nothing(db, login_as, make_case, make_reporter, name):
    case = make_case(
        status={"triage": "received", "verify": "verifying", "monitor": "mitigation"}[name],
        reporter=make_reporter(), category="TRC", level=3, location_text="Nyabibwe",
    )  # fmt: skip
    if name == "verify":
        from casework.cases.models import Corroboration

        db.session.add(Corroboration(case=case, source="Visite", summary=""))
        db.session.commit()
    client, _ = login_as("officer")
    assert fire(client, case, name).status_code == 302
    assert [r for r in outbox(db) if r.recipient.startswith("reporter:")] == []


@pytest.mark.parametrize(
    "reporter_fields",
    [{"anonymity": "anonymous"}, {"opted_out_dt": "now"}, {"is_phone_valid": False}],
    ids=["anonymous", "opted-out", "invalid-number"],
)
def test_no_milestone_sms_to_reporters_who_may_not_be_contacted(
    db, login_as, at_milestone, reporter_fields
):
    if reporter_fields.get("opted_out_dt") == "now":
        reporter_fields = {"opted_out_dt": clock.now()}
    case, role, name, inputs = at_milestone("start_verification", **reporter_fields)
    client, _ = login_as(role)
    assert fire(client, case, name, **inputs).status_code == 302
    assert [r for r in outbox(db) if r.recipient.startswith("reporter:")] == []
    assert db.session.scalars(db.select(Message)).all() == []
    assert automatic_events(db, case) == []


def test_no_milestone_sms_under_do_not_contact(db, login_as, at_milestone):
    case, role, name, inputs = at_milestone("escalate")
    case.do_not_contact = True
    db.session.commit()
    client, _ = login_as(role)
    assert fire(client, case, name, **inputs).status_code == 302
    assert [r for r in outbox(db) if r.recipient.startswith("reporter:")] == []
    assert automatic_events(db, case) == []


def test_no_milestone_sms_for_a_case_without_a_reporter(db, login_as, make_case):
    case = make_case(status="triaged", reporter=None)
    client, _ = login_as("officer")
    assert fire(client, case, "start_verification").status_code == 302
    assert [r for r in outbox(db) if r.recipient.startswith("reporter:")] == []


def test_the_milestone_sms_is_sent_through_twilio(db, login_as, at_milestone, twilio_fake):
    case, role, name, inputs = at_milestone("start_verification", "fr")
    client, _ = login_as(role)
    assert fire(client, case, name, **inputs).status_code == 302
    assert dispatch().sent >= 1
    [request] = [r for r in twilio_fake.creates() if r.form["To"] == PHONE]
    assert request.form["Body"] == milestone_text("verifying", case.reference, "fr")
    assert request.form["From"] == "+15005550006"


def test_a_key_already_used_sends_nothing_more(db, make_case, make_reporter):
    case = make_case(reporter=make_reporter("en"))
    first = send_status_update(case, "Report X: update.", kind="reminder", key="k:1")
    again = send_status_update(case, "Report X: update.", kind="reminder", key="k:1")
    db.session.commit()
    assert first is not None and again is None
    assert len(outbox(db)) == 1
    assert len(db.session.scalars(db.select(Message)).all()) == 1
    assert [e.data["milestone"] for e in automatic_events(db, case)] == ["reminder"]


def test_an_automatic_update_leaves_the_case_version_alone(db, make_case, make_reporter):
    """An officer's open form must not turn stale because Casework texted the reporter."""
    case = make_case(reporter=make_reporter("en"))
    version = case.version
    send_status_update(case, "Report X: update.", kind="reminder")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Case, case.id).version == version


# ------------------------------------------------------------------ the texts themselves


def renderings():
    for lang, table in MILESTONES.items():
        for key in table:
            for state in STATES if key == "reminder" else ("closed",):
                yield lang, key, milestone_text(key, LONGEST_REFERENCE, lang, state)


@pytest.mark.parametrize(("lang", "key", "text"), list(renderings()))
def test_every_milestone_text_fits_one_gsm_segment(lang, key, text):
    assert is_gsm7(text), [c for c in text if not is_gsm7(c)]
    assert segments(text) == 1, f"{lang}/{key}: {len(text)} characters"
    assert LONGEST_REFERENCE in text


def test_every_language_has_every_milestone():
    keys = set(MILESTONES["en"])
    assert {"en", "fr", "sw"} <= set(MILESTONES)
    for table in MILESTONES.values():
        assert set(table) == keys
    resolutions = ("resolved", "unresolved", "unsubstantiated", "duplicate", "rejected")
    assert {f"closed_{r}" for r in resolutions} <= keys


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "outside what this programme handles"), ("fr", "en dehors de ce que ce programme"),
     ("sw", "nje ya kazi za mpango huu")],
)  # fmt: skip
def test_rejected_is_explained_as_outside_the_programme(lang, words):
    text = milestone_text("closed_rejected", LONGEST_REFERENCE, lang)
    assert words in text and "reject" not in text.lower()
