"""Text written by reporters and users is isolated for direction: a RIGHT-TO-LEFT OVERRIDE
(U+202E) in a title, a note or a name cannot reorder the page around it."""

from __future__ import annotations

import re

from casework.bidi import isolate
from tests.conftest import csrf_token

RLO, PDF, FSI, PDI = "\u202e", "\u202c", "\u2068", "\u2069"
OPENERS = {"\u2066", "\u2067", FSI}
EMBEDDINGS = {"\u202a", "\u202b", "\u202d", RLO}


# A form control's text (an option, a textarea, an input's value) is laid out in the
# control's own box, a paragraph of its own: it cannot reorder the page around it.
FORM_CONTROLS = re.compile(r"<(select|textarea)\b.*?</\1>|\svalue=\"[^\"]*\"", re.S)


def assert_isolated(html: str) -> None:
    """Every override or embedding sits inside an isolate, and every isolate is closed."""
    html = FORM_CONTROLS.sub("", html)
    depth = 0
    for at, ch in enumerate(html):
        if ch in OPENERS:
            depth += 1
        elif ch == PDI:
            depth -= 1
            assert depth >= 0, f"an isolate closed that was never opened, at {html[at - 60 : at]!r}"
        elif ch in EMBEDDINGS:
            assert depth > 0, f"a direction control outside any isolate: {html[at - 60 : at]!r}"
    assert depth == 0, "an isolate left open"


def test_an_override_in_text_is_wrapped_and_cannot_close_the_isolate_early():
    assert isolate(f"abc{PDI}{RLO}def") == f"{FSI}abc{RLO}def{PDI}"
    assert isolate("plain words") == "plain words"


def test_a_case_page_isolates_the_title_the_note_and_the_names_around_them(
    login_as, make_user, make_case
):
    officer = make_user("officer", name=f"Amani {RLO}inamA")
    case = make_case(
        title=f"Shimo {RLO}ésuof{PDF} Rubaya",
        description=f"Watoto {RLO}wanachimba",
        assignee=officer,
    )
    client, _ = login_as("supervisor", name=f"Furaha {RLO}ahaFuF")
    token = csrf_token(client, f"/cases/{case.reference}")
    posted = client.post(
        f"/cases/{case.reference}/notes",
        data={"text": f"Note {PDI}{RLO}gnol", "version": case.version, "csrf_token": token},
    )
    assert posted.status_code in (200, 302, 303)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert f"Note {RLO}gnol" in page  # the note is there, our isolate around it
    assert f"Amani {RLO}inamA" in page and f"Shimo {RLO}ésuof" in page
    assert_isolated(page)
    assert_isolated(client.get("/cases").get_data(as_text=True))


def test_a_sentence_naming_user_text_isolates_the_text_inside_it(app):
    with app.test_request_context():
        from flask import render_template_string

        html = render_template_string(
            "<p>{{ _('%(title)s was closed.', title=t) }}</p>", t=f"A{RLO}B"
        )
    assert f"{FSI}A{RLO}B{PDI}" in html
    assert_isolated(html)


def test_the_queue_the_api_and_notifications_show_the_text_itself(login_as, make_user, make_case):
    make_case(title=f"Pit {RLO}tip")
    client, _ = login_as("supervisor")
    assert_isolated(client.get("/cases").get_data(as_text=True))
    items = client.get("/api/v1/cases").json["items"]
    assert items[0]["title"] == f"Pit {RLO}tip"  # JSON is data: the API keeps the text as sent
