"""Anonymous reports: ANON / ANONYME / BILA JINA open a case that keeps no trace of the
number; the reference is the only way back (additions, STATUS), from any number."""

from __future__ import annotations

import logging

import phonenumbers
import pytest
from sqlalchemy import select

from casework.cases.models import CaseEvent
from casework.intake import keywords
from casework.intake.replies import REPLIES, STATUS_WORDS, is_gsm7, segments, status_reply
from casework.messages.models import Message
from casework.messages.operations import (
    ReporterUnreachable,
    send_status_update,
    send_to_reporter,
)
from casework.reporters.crypto import lookup_hashes
from casework.reporters.models import Reporter
from notifications.models import OutboxMessage
from tests.conftest import csrf_token
from tests.intake.conftest import BURUNDI, DRC, DRC_2, RWANDA, cases, count, messages

# (what the reporter types, the reply's language, the status keyword in that language)
REPORTS = [
    ("ANON Watoto wa miaka 12 wanachimba kwa shimo ya Nyabibwe, hawaendi shule.", "sw", "HALI"),
    ("anon: Children are digging in the pits at Nyabibwe every day this week.", "en", "STATUS"),
    ("ANONYME Des hommes armés exigent 10 dollars à la barrière de Mushaki.", "fr", "STATUT"),
    ("Anonyme: des militaires prennent les minerais des creuseurs la nuit.", "fr", "STATUT"),
    ("BILA JINA Askari wanachukua madini ya wachimbaji usiku kwa Rubaya.", "sw", "HALI"),
    ("bila jina, watoto wengi wanafanya kazi kwa mgodi wa Kalimbi leo.", "sw", "HALI"),
]


def forms_of(number: str) -> list[str]:
    """Every way the number could sit in a column: E.164, without '+', national (spaced and
    digits only), the national significant number, and its keyed lookup hashes."""
    parsed = phonenumbers.parse(number)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return [
        number,
        number.lstrip("+"),
        national,
        "".join(c for c in national if c.isdigit()),
        phonenumbers.national_significant_number(parsed),
        *lookup_hashes(number),
    ]


def everything_stored(db) -> str:
    """Every value of every row of every table, as text."""
    db.session.expire_all()
    seen = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            seen.extend(str(value) for value in row)
    return "\n".join(seen)


@pytest.mark.parametrize(("body", "lang", "status_word"), REPORTS)
def test_an_anon_report_opens_a_case_without_any_number(sms, db, body, lang, status_word):
    answer = sms(body, sender=DRC)
    [case] = cases(db)
    assert case.is_anonymous and case.reporter_id is None
    assert case.language == lang
    assert count(db, Reporter) == 0
    [inbound, reply] = messages(db)
    assert inbound.reporter_id is None and reply.reporter_id is None
    assert inbound.case_id == reply.case_id == case.id
    assert inbound.body == body  # the text as sent (the keyword is only a word)
    assert case.description.split()[0].lower() not in {"anon", "anon:", "anonyme", "bila"}
    assert answer.reply == REPLIES[lang]["anon_case"].format(ref=case.reference)
    assert f"{status_word} {case.reference}" in answer.reply
    assert segments(answer.reply) <= 2 and is_gsm7(answer.reply)
    created = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == "created")).one()
    assert created.data["anonymous"] is True


def test_no_table_holds_the_number_after_an_anonymous_exchange(sms, db, caplog, make_case):
    caplog.set_level(logging.DEBUG)
    # An ordinary report from another number, so the tables are not empty of reporters.
    sms("Watoto wanachimba kwa shimo ya Nyabibwe, hawaendi shule.", sender=RWANDA)
    opened = sms("ANON Askari wanachukua madini ya wachimbaji usiku kwa Rubaya.", sender=DRC)
    [case] = [c for c in cases(db) if c.is_anonymous]
    sms(f"{case.reference} Walikuja tena leo asubuhi, watu watatu.", sender=DRC)
    sms(f"{case.reference} Na jana pia.", sender=DRC_2)
    sms(f"STATUS {case.reference}", sender=DRC)
    sms(f"HALI {case.reference}", sender=BURUNDI)
    sms("ANON", sender=DRC)
    sms("CW-ZZZZ-9999 typo in my reference", sender=DRC)
    assert opened.reply and case.reference in opened.reply
    assert count(db, Reporter) == 1  # the ordinary reporter's only

    stored = everything_stored(db)
    assert "outbox_messages" in {t.name for t in db.metadata.sorted_tables}
    for number in (DRC, DRC_2, BURUNDI):
        for form in forms_of(number):
            assert form not in stored, f"{form} of {number} is stored"
            assert not [r.getMessage() for r in caplog.records if form in r.getMessage()]
    # The check itself finds a number that is stored: the ordinary reporter's hash.
    assert lookup_hashes(RWANDA)[0] in stored


def test_an_addition_by_reference_from_another_number_joins_the_anonymous_case(sms, db):
    sms("ANONYME Des hommes armés exigent 10 dollars à la barrière de Mushaki.", sender=DRC)
    [case] = cases(db)
    # The other number belongs to someone who reported before, openly.
    sms("Watoto wanachimba kwa shimo ya Nyabibwe, hawaendi shule.", sender=DRC_2)
    [reporter] = db.session.scalars(select(Reporter)).all()
    answer = sms(f"{case.reference.lower()}: Ils étaient encore là ce matin.", sender=DRC_2)
    assert answer.reply == REPLIES["fr"]["anon_follow_up"].format(ref=case.reference)
    assert segments(answer.reply) <= 2 and is_gsm7(answer.reply)
    addition = messages(db, Message.case_id == case.id, Message.direction == "in")[-1]
    assert addition.reporter_id is None and addition.body.endswith("encore là ce matin.")
    event = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "message_in")
    ).one()
    assert event.data["body"] == "Ils étaient encore là ce matin."
    # Nothing links the known reporter to the anonymous case.
    assert count(db, Message, Message.reporter_id == reporter.id) == 2  # their report, its reply
    assert len(cases(db)) == 2


def test_anon_followed_by_the_reference_also_adds_to_the_case(sms, db):
    sms("BILA JINA Askari wanachukua madini ya wachimbaji usiku kwa Rubaya.")
    [case] = cases(db)
    answer = sms(f"BILA JINA {case.reference} Leo pia walikuja.", sender=DRC_2)
    assert len(cases(db)) == 1
    assert answer.reply == REPLIES["sw"]["anon_follow_up"].format(ref=case.reference)


def test_an_addition_to_a_closed_anonymous_case_opens_a_new_anonymous_case(sms, db):
    sms("ANON Children are digging in the pits at Nyabibwe every day this week.")
    [case] = cases(db)
    case.status, case.resolution = "closed", "resolved"
    db.session.commit()
    answer = sms(f"{case.reference} It has started again, the same children.")
    [_, new] = cases(db)
    assert new.is_anonymous and new.reporter_id is None
    assert answer.reply == REPLIES["en"]["anon_case"].format(ref=new.reference)


def test_a_reference_naming_no_anonymous_case_gets_a_neutral_answer_and_keeps_nothing(
    sms, db, make_case
):
    other = make_case()  # someone else's ordinary case
    db.session.commit()
    wrong = sms("CW-ZZZZ-9999 more about the roadblock", sender=DRC_2)
    theirs = sms(f"{other.reference} more about the roadblock", sender=DRC_2)
    assert wrong.reply == theirs.reply == REPLIES["en"]["ref_not_found"]
    assert count(db, Reporter) == 0 and len(cases(db)) == 1
    assert count(db, CaseEvent, CaseEvent.kind == "message_in") == 0


def test_a_reference_to_your_own_case_goes_the_ordinary_way(sms, db):
    sms("Watoto wanachimba kwa shimo ya Nyabibwe, hawaendi shule.", sender=DRC)
    [case] = cases(db)
    answer = sms(f"{case.reference} Walikuwa kumi leo.", sender=DRC)
    assert answer.reply == REPLIES["sw"]["follow_up"].format(ref=case.reference)
    assert messages(db, Message.direction == "in")[-1].reporter_id == case.reporter_id


@pytest.mark.parametrize(("keyword", "lang"), [("STATUS", "en"), ("STATUT", "fr"), ("HALI", "sw")])
def test_status_of_an_anonymous_case_is_answered_to_any_number(sms, db, keyword, lang):
    sms("ANON Children are digging in the pits at Nyabibwe every day this week.", sender=DRC)
    [case] = cases(db)
    case.status = "verifying"
    db.session.commit()
    answer = sms(f"{keyword} {case.reference}", sender=RWANDA)
    assert answer.reply == status_reply(case.reference, "verifying", lang)
    assert STATUS_WORDS[lang]["verifying"] in answer.reply
    bare = sms(case.reference, sender=BURUNDI)  # the reference alone asks the same
    # Nothing in a bare reference says a language: the case's (English here) is used.
    assert bare.reply == status_reply(case.reference, "verifying", "en")
    assert count(db, Reporter) == 0
    assert all(m.reporter_id is None for m in messages(db))


def test_status_of_an_ordinary_case_is_still_answered_only_to_its_reporter(sms, db):
    sms("Watoto wanachimba kwa shimo ya Nyabibwe, hawaendi shule.", sender=DRC)
    [case] = cases(db)
    assert sms(f"STATUS {case.reference}", sender=RWANDA).reply == REPLIES["en"]["not_found"]
    assert sms(f"HALI {case.reference}", sender=DRC).reply.startswith(f"Ripoti {case.reference}")
    assert count(db, Reporter) == 1  # the stranger who asked is not kept


def test_anon_alone_explains_itself_and_keeps_nothing(sms, db):
    for word, lang in [("ANON", "en"), ("Anonyme.", "fr"), ("bila jina", "sw")]:
        answer = sms(word)
        assert answer.reply == REPLIES[lang]["anon_without_text"]
    assert count(db, Reporter) == 0 and cases(db) == []


def test_an_anonymous_case_answers_at_most_the_hourly_limit(sms, db, app):
    app.config["CASEWORK_SMS_HOURLY_LIMIT"] = 3
    sms("ANON Children are digging in the pits at Nyabibwe every day this week.")
    [case] = cases(db)
    answers = [sms(f"{case.reference} detail {i}", sender=DRC_2) for i in range(4)]
    assert [a.reply is not None for a in answers] == [True, True, False, False]
    filed = messages(db, Message.case_id == case.id, Message.direction == "in")
    assert len(filed) == 5 and [m.flags for m in filed[-2:]] == [["flood"], ["flood"]]
    floods = count(db, CaseEvent, CaseEvent.kind == "message_flood")
    assert floods == 1
    # A new anonymous report is not held back by another case's flood.
    assert sms("ANON Another report about the Rubaya pits today.").reply is not None


def test_a_failed_anon_message_is_kept_without_its_sender_and_replayed_anonymously(
    sms, db, monkeypatch, runner
):
    from casework.intake import classify

    def broken(text):
        raise ValueError("classifier bug")

    monkeypatch.setattr(classify, "suggest_category", broken)
    assert sms("ANON Children are digging in the pits at Nyabibwe.").reply is None
    [kept] = messages(db)
    assert kept.reporter_id is None and kept.flags == ["processing_failed"]
    monkeypatch.undo()
    result = runner.invoke(args=["intake", "replay"])
    assert result.exit_code == 0, result.output
    [case] = cases(db)
    assert case.is_anonymous and count(db, Reporter) == 0
    assert messages(db, Message.direction == "out") == []  # nobody to answer any more


def test_nothing_can_be_sent_to_an_anonymous_reporter(sms, db, login_as):
    sms("ANON Children are digging in the pits at Nyabibwe every day this week.")
    [case] = cases(db)
    client, officer = login_as("supervisor")
    with pytest.raises(ReporterUnreachable, match="anonymously"):
        send_to_reporter(case, "Hello", actor=officer)
    assert send_status_update(case, "Report news", kind="verifying") is None
    url = f"/cases/{case.reference}"
    response = client.post(
        f"{url}/messages", data={"csrf_token": csrf_token(client, url), "body": "Hello"}
    )
    assert response.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "reported anonymously (ANON)" in page  # the reason, where the compose box would be
    assert count(db, OutboxMessage) == 0
    assert count(db, Message, Message.direction == "out") == 1  # the TwiML reply only


def test_milestones_are_never_queued_for_an_anonymous_case(sms, db, login_as):
    sms("ANON Children are digging in the pits at Nyabibwe every day this week.")
    [case] = cases(db)
    client, _ = login_as("supervisor")
    url = f"/cases/{case.reference}"
    data = {"csrf_token": csrf_token(client, url), "version": str(case.version)}
    data["reason"] = "Hors programme"
    assert client.post(f"{url}/transitions/reject", data=data).status_code in (302, 303)
    [case] = cases(db)
    assert case.status == "closed"
    assert count(db, OutboxMessage) == 0
    assert count(db, Message, Message.direction == "out") == 1


def test_the_case_page_shows_anonymous_where_the_number_would_be(sms, db, login_as):
    sms("ANON Children are digging in the pits at Nyabibwe every day this week.")
    [case] = cases(db)
    client, _ = login_as("supervisor")
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert '<strong class="anonymous">anonymous</strong>' in page
    assert "From the anonymous reporter (no number kept)" in page
    assert "reveal-phone" not in page and "do-not-contact" not in page


@pytest.mark.parametrize(
    ("body", "kind", "language", "text", "reference"),
    [
        ("ANON", "anon_without_text", "en", "", None),
        ("Anonymous: watu", "report", None, "Anonymous: watu", None),
        ("anonyme - des hommes", "anon", "fr", "des hommes", None),
        ("BILA  JINA watoto", "anon", "sw", "watoto", None),
        ("Bilajina! watoto", "anon", "sw", "watoto", None),
        ("ANON CW-7K3Q-92MX more", "anon", "en", "CW-7K3Q-92MX more", "CW-7K3Q-92MX"),
        ("cw 7k3q 92mx: more", "by_reference", None, "more", "CW-7K3Q-92MX"),
        ("CW7K3Q92MX", "by_reference", None, "", "CW-7K3Q-92MX"),
        ("CW-7K3Q-92MXY more", "report", None, "CW-7K3Q-92MXY more", None),
        ("Anonimu watu", "report", None, "Anonimu watu", None),
    ],
)
def test_anonymity_keywords_and_references_as_people_type_them(
    body, kind, language, text, reference
):
    parsed = keywords.parse(body)
    assert (parsed.kind, parsed.language, parsed.text, parsed.reference) == (
        kind,
        language,
        text,
        reference,
    )


def test_the_simulator_tries_anon_and_shows_the_thread_from_the_officers_session(login_as, db):
    from tests.intake.test_simulator import NUMBER, send

    client, _ = login_as("officer")
    response = send(client, "ANON Watoto wanachimba ndani ya shimo kwa site ya Nyabibwe.")
    html = client.get(response.location).get_data(as_text=True)
    [case] = cases(db)
    assert case.is_anonymous and count(db, Reporter) == 0
    assert "Ripoti bila jina imepokelewa" in html
    send(client, f"{case.reference} Wako wengi leo.")
    html = client.get(f"/simulator?number={NUMBER}").get_data(as_text=True)
    assert html.count('data-direction="in"') == 2 and html.count('data-direction="out"') == 2
    # Another officer's simulator knows nothing of them: nothing ties them to the number.
    other, _ = login_as("officer")
    assert 'data-direction="in"' not in other.get(f"/simulator?number={NUMBER}").get_data(
        as_text=True
    )


def test_a_report_that_begins_with_the_word_anonymous_is_an_ordinary_report(sms, db):
    sms("Anonymous men came to the pit at night and took the cassiterite.", sender=DRC)
    [case] = cases(db)
    assert not case.is_anonymous and case.reporter_id is not None
    assert count(db, Reporter) == 1


def test_a_reporter_naming_an_older_case_of_their_own_adds_to_that_case(sms, db):
    sms("Hommes armés à la barrière de Mushaki.", sender=DRC)
    first = cases(db)[0]
    sms("NOUVEAU Enfants dans les puits de Nyabibwe.", sender=DRC)
    assert len(cases(db)) == 2
    sms(f"{first.reference} Ils sont revenus ce matin.", sender=DRC)
    assert len(cases(db)) == 2
    added = messages(db, Message.case_id == first.id, Message.direction == "in")
    assert added[-1].body.endswith("Ils sont revenus ce matin.")
