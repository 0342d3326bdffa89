"""Follow-ups: later messages attach to the open case within the window; NEW forces a case."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework import clock
from casework.cases.models import CaseEvent
from casework.messages.models import Message
from tests.intake.conftest import DRC_2, cases, messages

FIRST = "3 femmes violées hier près du puits de Kalimbi par hommes armés en tenue."
SECOND = "Aidez-nous svp, ils sont encore là ce matin."


def test_a_second_message_within_the_window_attaches_to_the_case(sms, db, frozen_now):
    first = sms(FIRST)
    clock.freeze(frozen_now + timedelta(hours=23))
    second = sms(SECOND)
    [case] = cases(db)
    assert [m.case_id for m in messages(db, Message.direction == "in")] == [case.id, case.id]
    assert case.description == FIRST  # the report stays as first sent; parts are messages
    assert case.reference in first.reply and case.reference in second.reply
    assert second.reply.startswith("Ajouté à votre signalement")
    events = db.session.scalars(
        db.select(CaseEvent).where(CaseEvent.kind == "message_in").order_by(CaseEvent.seq)
    ).all()
    assert [e.data["body"] for e in events] == [SECOND]  # the first is the description


def test_the_window_runs_from_the_last_message(sms, db, frozen_now):
    sms(FIRST)
    clock.freeze(frozen_now + timedelta(hours=20))
    sms(SECOND)
    clock.freeze(frozen_now + timedelta(hours=40))
    sms("Encore un message.")
    assert len(cases(db)) == 1


def test_after_the_window_a_message_opens_a_new_case(sms, db, frozen_now):
    sms(FIRST)
    clock.freeze(frozen_now + timedelta(hours=24, minutes=1))
    answer = sms("Watoto wanachimba kwa shimo ya Nyabibwe.")
    first, second = cases(db)
    assert second.reporter_id == first.reporter_id
    assert second.reference in answer.reply and first.reference not in answer.reply


class TestShortWindow:
    @pytest.fixture
    def app_config(self):
        return {"CASEWORK_FOLLOWUP_WINDOW_HOURS": 2}

    def test_the_window_is_configurable(self, sms, db, frozen_now):
        sms(FIRST)
        clock.freeze(frozen_now + timedelta(hours=3))
        sms(SECOND)
        assert len(cases(db)) == 2


def test_a_closed_case_takes_no_follow_up(sms, db, frozen_now):
    sms(FIRST)
    [case] = cases(db)
    case.status, case.resolution = "closed", "unsubstantiated"
    db.session.commit()
    clock.freeze(frozen_now + timedelta(minutes=5))
    sms(SECOND)
    assert len(cases(db)) == 2


def test_another_number_never_attaches(sms, db):
    sms(FIRST)
    sms(SECOND, sender=DRC_2)
    first, second = cases(db)
    assert first.reporter_id != second.reporter_id


@pytest.mark.parametrize(
    ("keyword", "text", "reply_start"),
    [
        ("NEW", "Armed men took over the Bisie site last night.", "Report received"),
        ("Nouveau:", "pot-de-vin exigé au pont de Kalehe par la police.", "Signalement"),
        ("mpya", "Watoto wanachimba kwa shimo ya Nyabibwe, hawaendi shule.", "Ripoti"),
    ],
)
def test_new_forces_a_new_case_in_any_language(sms, db, keyword, text, reply_start):
    sms(FIRST)
    answer = sms(f"{keyword} {text}")
    _, second = cases(db)
    assert second.description == text  # the keyword is an instruction, not the report
    assert answer.reply.startswith(reply_start)
    assert second.reference in answer.reply
    [_, inbound] = messages(db, Message.direction == "in")
    assert inbound.body == f"{keyword} {text}"  # the message itself is kept verbatim


def test_new_alone_explains_itself_and_opens_nothing(sms, db):
    sms(FIRST)
    answer = sms("NOUVEAU")
    assert answer.reply.startswith("Envoyez NOUVEAU suivi")
    assert len(cases(db)) == 1


def test_a_split_report_fills_in_suggestions_the_first_part_lacked(sms, db, make_site):
    site = make_site(code="CD-SK-NYA", name="Nyabibwe", province="Sud-Kivu")
    sms("Bonjour, je veux signaler quelque chose de grave")
    [case] = cases(db)
    assert case.suggested_category is None
    sms("Watoto wanachimba ndani ya shimo kwa site ya Nyabibwe")
    [case] = cases(db)
    assert case.suggested_category == "SA-WFCL"
    assert case.suggested_level == 1
    assert case.suggested_site_id == site.id
