from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from casework import clock
from casework.cases import operations as ops
from casework.cases.audit import verify_chains
from casework.cases.models import Case, CaseEvent
from casework.errors import GuardFailed, InvalidInput, PermissionDenied, StaleCase


def test_reference_is_readable_and_unguessable(make_case):
    refs = {make_case().reference for _ in range(20)}
    assert len(refs) == 20
    for ref in refs:
        assert re.fullmatch(r"CW-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", ref)


def test_create_case_starts_the_triage_clock_and_the_chain(db, frozen_now):
    case = ops.create_case(description="Éboulement leo saa 10 puits ya Kalimbi 🙏", level=2)
    db.session.commit()
    assert case.status == "received"
    assert case.due_dt == frozen_now + timedelta(days=3)
    assert case.description == "Éboulement leo saa 10 puits ya Kalimbi 🙏"
    [event] = ops.events_of(case)
    assert (event.kind, event.seq, event.prev_hash) == ("created", 1, "0" * 64)


def test_a_full_lifecycle_through_operations(
    db, make_user, make_site, make_committee, frozen_now, decide
):
    officer, supervisor = make_user("officer"), make_user("supervisor")
    committee = make_committee()
    member = make_user("committee", committee=committee)
    case = ops.create_case(description="Hommes armés à Rubaya", channel="sms")
    ops.assign(case, officer, actor=supervisor)
    ops.update_details(case, actor=officer, category="NSAG", site=make_site())
    ops.change_level(case, 1, actor=officer)
    ops.fire(case, "triage", actor=officer)
    assert case.due_dt == frozen_now + timedelta(days=3)  # Level 1: verification within 72 h
    ops.fire(case, "start_verification", actor=officer)
    with pytest.raises(GuardFailed):
        ops.fire(case, "verify", actor=officer)
    ops.add_corroboration(case, source="Site visit", summary="Seen", actor=officer)
    ops.fire(case, "verify", actor=officer)
    ops.fire(case, "escalate", actor=supervisor, committee_id=committee.id)
    assert case.committee_id == committee.id
    with pytest.raises(GuardFailed, match="quorate meeting"):
        ops.fire(case, "start_mitigation", actor=member)
    decide(case, "suspend")
    action = ops.add_action(
        case,
        description="Remove roadblock",
        owner="FARDC liaison",
        due_date=frozen_now.date() + timedelta(days=30),
        actor=member,
    )
    ops.fire(case, "start_mitigation", actor=member)
    ops.fire(case, "monitor", actor=officer)
    with pytest.raises(GuardFailed):
        ops.fire(case, "close", actor=supervisor, resolution="resolved")
    ops.complete_action(action, actor=officer)
    ops.fire(case, "close", actor=supervisor, resolution="resolved")
    db.session.commit()
    assert (case.status, case.resolution, case.due_dt) == ("closed", "resolved", None)
    ops.fire(case, "reopen", actor=supervisor, reason="New report of the same roadblock")
    db.session.commit()
    assert (case.status, case.resolution) == ("triaged", None)
    kinds = [e.kind for e in ops.events_of(case)]
    assert kinds.count("transition") == 8
    assert verify_chains() == (len(kinds), None)


def test_committee_member_of_another_committee_cannot_act(db, make_user, make_committee, make_case):
    mine, other = make_committee("Masisi"), make_committee("Kalehe")
    outsider = make_user("committee", committee=other)
    case = make_case(status="escalated", committee_id=mine.id, level=2, category="BRB")
    with pytest.raises(PermissionDenied):
        ops.fire(case, "start_mitigation", actor=outsider)


def test_stale_version_is_a_conflict_not_an_overwrite(db, make_user, make_case):
    officer = make_user("officer")
    case = make_case(category="BRB", level=2, location_text="Pont de Kalehe")
    loaded_version = case.version
    ops.add_note(case, "first", actor=officer)
    ops.update_details(case, actor=officer, title="Changed by someone else")
    db.session.commit()
    with pytest.raises(StaleCase):
        ops.update_details(case, actor=officer, title="Mine", expected_version=loaded_version)
    assert case.title == "Changed by someone else"


def test_two_sessions_editing_one_case_one_wins(app, db, make_case):
    case = make_case(title="original")
    with Session(db.engine) as first, Session(db.engine) as second:
        a = first.get(Case, case.id)
        b = second.get(Case, case.id)
        a.title = "first writer"
        first.commit()
        b.title = "second writer"
        with pytest.raises(StaleDataError):
            second.commit()
    db.session.expire_all()
    assert db.session.get(Case, case.id).title == "first writer"


def test_level_1_downgrade_needs_a_second_supervisor(db, make_user, make_case):
    first, second = make_user("supervisor"), make_user("supervisor")
    officer = make_user("officer")
    case = make_case(level=1, category="SEC")
    with pytest.raises(InvalidInput):
        ops.change_level(case, 2, actor=officer)  # a reason is required
    ops.change_level(case, 2, actor=officer, reason="Tax was legal: provincial decree")
    assert (case.level, case.pending_level) == (1, 2)
    with pytest.raises(PermissionDenied):
        ops.approve_level_change(case, actor=officer)
    ops.approve_level_change(case, actor=first)
    assert (case.level, case.pending_level) == (2, None)

    case2 = make_case(level=1, category="SEC")
    ops.change_level(case2, 3, actor=first, reason="Error in report")
    with pytest.raises(PermissionDenied):
        ops.approve_level_change(case2, actor=first)  # not their own request
    ops.reject_level_change(case2, actor=second, reason="Keep it at 1")
    assert (case2.level, case2.pending_level) == (1, None)
    # Upgrades need no second pair of eyes.
    ops.change_level(case2, 1, actor=officer)
    case3 = make_case(level=3, category="TRC")
    ops.change_level(case3, 1, actor=officer)
    assert case3.level == 1


def test_stricter_level_shortens_the_running_deadline(db, make_user, make_case, frozen_now):
    officer = make_user("officer")
    case = make_case(level=3, category="ENV")
    assert case.due_dt == frozen_now + timedelta(days=3)
    clock.freeze(frozen_now + timedelta(hours=2))
    ops.change_level(case, 1, actor=officer)
    assert case.due_dt == frozen_now + timedelta(hours=26)


def test_duplicates_point_at_the_original(db, make_user, make_case):
    officer = make_user("officer")
    original, copy1, copy2 = make_case(), make_case(), make_case()
    ops.link_duplicate(copy1, original, actor=officer)
    ops.link_duplicate(copy2, copy1, actor=officer)
    assert copy2.duplicate_of_id == original.id
    with pytest.raises(InvalidInput):
        ops.link_duplicate(original, copy2, actor=officer)
    ops.fire(copy2, "mark_duplicate", actor=officer)
    assert (copy2.status, copy2.resolution) == ("closed", "duplicate")


def test_viewer_cannot_write(db, make_user, make_case):
    viewer = make_user("viewer")
    case = make_case(is_published=True)
    with pytest.raises(PermissionDenied):
        ops.add_note(case, "hello", actor=viewer)


def test_phone_reveal_is_audited_and_limited(db, make_user, make_case):
    from casework.reporters.models import Reporter

    reporter = Reporter.for_phone("+243991234567")
    case = make_case(reporter=reporter)
    with pytest.raises(PermissionDenied):
        ops.reveal_phone(case, actor=make_user("officer"))
    assert ops.reveal_phone(case, actor=make_user("supervisor")) == "+243991234567"
    assert ops.events_of(case)[-1].kind == "phone_revealed"
    assert reporter.phone_masked == "+243 ••• ••• 567"
    assert "243991234567" not in reporter.phone_encrypted


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder"])
def test_audit_detects_tampering(db, make_user, make_case, runner, tamper):
    officer = make_user("officer")
    case = make_case()
    for i in range(3):
        ops.add_note(case, f"note {i}", actor=officer)
    db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    events = ops.events_of(case)
    target = events[2]
    with db.engine.begin() as conn:
        if tamper == "edit":
            conn.execute(
                update(CaseEvent)
                .where(CaseEvent.id == target.id)
                .values(data={"text": "nothing happened"})
            )
        elif tamper == "delete":
            conn.execute(CaseEvent.__table__.delete().where(CaseEvent.id == target.id))
        else:
            conn.execute(
                update(CaseEvent)
                .where(CaseEvent.id == target.id)
                .values(created_dt=target.created_dt - timedelta(days=1))
            )
    db.session.expire_all()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"event #{3 if tamper != 'delete' else 4}" in result.output
    assert db.session.scalar(select(CaseEvent.id).where(CaseEvent.id == events[0].id))


def test_publish_is_a_supervisors_step_on_closed_or_long_running_cases(
    db, make_user, make_case, frozen_now
):
    supervisor, officer = make_user("supervisor"), make_user("officer")
    case = make_case(category="BRB", level=2)
    with pytest.raises(PermissionDenied):
        ops.publish(case, summary="Illegal fee at a bridge.", actor=officer)
    with pytest.raises(InvalidInput, match="closed"):
        ops.publish(case, summary="Illegal fee at a bridge.", actor=supervisor)
    clock.freeze(frozen_now + timedelta(days=91))
    with pytest.raises(InvalidInput, match="phone"):
        ops.publish(case, summary="Call +243 991 234 567 for details", actor=supervisor)
    ops.publish(case, summary="Illegal fee at a bridge; under mitigation.", actor=supervisor)
    assert case.is_published
    ops.unpublish(case, actor=supervisor, reason="Summary named a cooperative wrongly")
    assert not case.is_published
    assert [e.kind for e in ops.events_of(case)][-2:] == ["published", "unpublished"]


@pytest.mark.parametrize(
    ("summary", "refused"),
    [
        ("Call +243 991 234 567 for details", True),
        ("Witness on 0991 234 567", True),
        ("Reported on 2024-05-12 at the Mushaki barrier", False),
        ("Fees of 20 000 000 FC a month were collected", False),
    ],
)
def test_public_summary_phone_check_spares_dates_and_amounts(
    db, make_user, make_case, summary, refused
):
    supervisor = make_user("supervisor")
    case = make_case(status="closed", category="TAX", level=2)
    if refused:
        with pytest.raises(InvalidInput, match="phone"):
            ops.publish(case, summary=summary, actor=supervisor)
    else:
        ops.publish(case, summary=summary, actor=supervisor)
        assert case.is_published


def test_no_decision_without_a_committee_so_level_1_cannot_close_alone(db, make_user, make_case):
    supervisor = make_user("supervisor")
    case = make_case(status="verified", level=1, category="NSAG", location_text="Rubaya")
    with pytest.raises(GuardFailed, match="committee decision"):
        ops.fire(case, "close", actor=supervisor, resolution="unresolved")


def test_a_pending_downgrade_cannot_be_relayed_to_approve_ones_own(db, make_user, make_case):
    first, officer = make_user("supervisor"), make_user("officer")
    case = make_case(level=1, category="SEC")
    ops.change_level(case, 2, actor=first, reason="Legal tax after all")
    with pytest.raises(InvalidInput, match="already waiting"):
        ops.change_level(case, 2, actor=officer, reason="Same")
    with pytest.raises(PermissionDenied):
        ops.approve_level_change(case, actor=first)


def test_only_a_supervisor_moves_a_case_out_of_a_restricted_category(db, make_user, make_case):
    officer, supervisor = make_user("officer"), make_user("supervisor")
    case = make_case(suggested_category="SA-SGBV", assignee=officer)
    ops.update_details(case, actor=officer, category="SA-SGBV")  # confirming is fine
    with pytest.raises(PermissionDenied):
        ops.update_details(case, actor=officer, category="OHS")
    ops.update_details(case, actor=supervisor, category="OHS")
    assert case.category == "OHS"


def test_closed_cases_take_notes_but_no_new_findings(db, make_user, make_case, frozen_now):
    officer = make_user("officer")
    case = make_case(status="closed", level=2, category="BRB")
    ops.add_note(case, "The cooperative called back.", actor=officer)
    for attempt in (
        lambda: ops.add_corroboration(case, source="Visit", summary="", actor=officer),
        lambda: ops.add_action(case, description="x", owner="y", due_date=None, actor=officer),
        lambda: ops.change_level(case, 1, actor=officer),
    ):
        with pytest.raises(InvalidInput, match="closed"):
            attempt()


@pytest.mark.parametrize(
    "summary",
    [
        "Reach him on 243990000101",
        "tel: 990 000 101",
        "+243/990/000/101",
        "+243  990 000 101",
        "whatsapp 250780000103",
    ],
)
def test_public_summary_refuses_numbers_however_written(db, make_user, make_case, summary):
    case = make_case(status="closed", category="TAX", level=2)
    with pytest.raises(InvalidInput, match="phone"):
        ops.publish(case, summary=summary, actor=make_user("supervisor"))


def test_audit_detects_the_newest_events_removed(db, make_user, make_case, runner):
    officer = make_user("officer")
    case = make_case()
    ops.add_note(case, "first", actor=officer)
    ops.add_note(case, "the one to hide", actor=officer)
    db.session.commit()
    last = ops.events_of(case)[-1]
    with db.engine.begin() as conn:
        conn.execute(CaseEvent.__table__.delete().where(CaseEvent.id == last.id))
    db.session.expire_all()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "newest events were removed" in result.output


def test_events_cannot_be_edited_or_deleted_through_the_orm(db, make_case):
    case = make_case()
    [event] = ops.events_of(case)
    event.data = {"rewritten": True}
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(ops.events_of(case)[0])
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_the_case_row_records_the_chain_head(db, make_user, make_case):
    officer = make_user("officer")
    case = make_case()
    ops.add_note(case, "seen at the barrier", actor=officer)
    db.session.commit()
    db.session.refresh(case)
    last = ops.events_of(case)[-1]
    assert (case.event_count, case.last_event_hash) == (2, last.hash)


@pytest.mark.postgres
def test_concurrent_writers_append_one_after_the_other(app, db, make_user, make_case):
    """A note from the web and an SMS follow-up at the same moment: both kept, chain intact."""
    import threading

    officer = make_user("officer")
    case = make_case()
    case_id, officer_id = case.id, officer.id
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            with app.app_context():
                from casework.auth.models import User

                local_case = db.session.get(Case, case_id)
                actor = db.session.get(User, officer_id)
                barrier.wait()
                ops.record_event(local_case, "note", actor=actor, data={"text": f"n{i}"})
                db.session.commit()
        except BaseException as exc:  # collected, the test fails below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    db.session.expire_all()
    assert [e.seq for e in ops.events_of(db.session.get(Case, case_id))] == [1, 2, 3, 4, 5]
    assert verify_chains()[1] is None


def test_an_action_is_given_only_to_an_owner_who_may_see_the_case(db, make_user, make_case):
    from datetime import date

    from casework.contacts.models import Contact

    supervisor, officer = make_user("supervisor"), make_user("officer")
    restricted = make_case(level=1, category="SA-SGBV", status="verified")
    with pytest.raises(InvalidInput):  # the officer is not assigned to a restricted case
        ops.add_action(restricted, description="Referral", due_date=date(2026, 12, 1),
                       actor=supervisor, owner_user=officer)  # fmt: skip
    gone = Contact(name="Old contact", sector="government", email="o@example.org",
                   is_active=False)  # fmt: skip
    db.session.add(gone)
    with pytest.raises(InvalidInput):
        ops.add_action(restricted, description="Referral", due_date=date(2026, 12, 1),
                       actor=supervisor, owner_contact=gone)  # fmt: skip
