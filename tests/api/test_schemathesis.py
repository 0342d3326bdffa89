"""schemathesis against a running app: no 5xx, and every answer as the document says.

The app runs on a real HTTP server on loopback (the test's database: SQLite, or PostgreSQL
with CASEWORK_TEST_DATABASE_URL), seeded with users, a site, a committee, cases in several
states and a write token; the schemathesis CLI reads /api/v1/openapi.json from it and sends
generated requests (valid and invalid) to every operation, with path parameters pinned to
the seeded rows so that writes reach real cases. It fails on a 5xx, an undocumented status
or content type, or a body that breaks its schema. Bounded: a few examples per operation.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from casework import clock
from casework.auth.models import ApiToken
from casework.cases import operations as ops
from casework.committees import meetings

pytestmark = pytest.mark.slow

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "ignored_auth",  # each operation also sent without the token: 401, never the data
    )
)


@pytest.fixture
def seeded(db, make_user, make_site, make_committee, make_case):
    """A working world; the values schemathesis puts in path parameters."""
    site = make_site()
    committee = make_committee()
    supervisor = make_user("supervisor", email="sup@example.org")
    member = make_user("committee", committee=committee)
    make_user("officer", email="officer@example.org")
    make_case(category="SEC", level=2, site=site)  # received
    make_case(status="verifying", category="CHL", level=2, site=site, suggested_category="CHL")
    make_case(status="closed", category="ENV", level=3, site=site)
    case = make_case(status="escalated", category="TAX", level=2, site=site, committee=committee)
    action = ops.add_action(
        case,
        description="Publish the tax receipts.",
        due_date=date(2026, 12, 31),
        actor=supervisor,
        owner_user=supervisor,
    )
    meeting = meetings.schedule_meeting(
        committee, starts_dt=clock.now() + timedelta(days=1), place="Goma", actor=supervisor
    )
    item = next((i for i in meeting.items if i.case_id == case.id), None)
    item = item or meetings.add_item(meeting, case, actor=supervisor)
    raw = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=supervisor, token_hash=ApiToken.hash(raw), scopes="read write"))
    db.session.commit()
    del member
    return {
        "token": raw,
        "reference": case.reference,
        "committee_id": committee.id,
        "meeting_id": meeting.id,
        "item_id": item.id,
        "action_id": action.id,
    }


@pytest.fixture
def served(app, seeded):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(
    served, seeded, tmp_path
):
    pytest.importorskip("schemathesis")
    cli = Path(sys.executable).with_name("schemathesis")
    pinned = ", ".join(
        f'{name} = "{seeded[name]}"' if name == "reference" else f"{name} = {seeded[name]}"
        for name in ("reference", "committee_id", "meeting_id", "item_id", "action_id")
    )
    config = tmp_path / "schemathesis.toml"
    config.write_text(f"parameters = {{ {pinned} }}\n")
    result = subprocess.run(
        [
            str(cli),
            "--config-file",
            str(config),
            "run",
            f"{served}/api/v1/openapi.json",
            "--url",
            served,
            "--header",
            f"Authorization: Bearer {seeded['token']}",
            "--checks",
            CHECKS,
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            os.environ.get("CASEWORK_SCHEMATHESIS_EXAMPLES", "10"),
            "--seed",
            "8",
            "--workers",
            "1",
            "--request-timeout",
            "20",
            "--report-dir",
            str(tmp_path / "report"),
        ],
        capture_output=True,
        text=True,
        timeout=420,
        cwd=tmp_path,
        check=False,
    )
    output = result.stdout + result.stderr
    print(output[-3000:])  # the summary, for the log (pytest -rP)
    assert result.returncode == 0, output[-15000:]
