"""The public transparency pages, read without a login: statistics checked against a
hand-counted set of cases, the summaries, the feed and the downloads, and nothing of an
unpublished case (nor any case's report text or reference) on any of them."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest

from casework.cases.operations import publish
from casework.extensions import db as _db

ATOM = "{http://www.w3.org/2005/Atom}"
IN_PERIOD = datetime(2026, 8, 3, 10, 0, tzinfo=UTC)  # 2026-H2, the frozen clock's half year
EARLIER = datetime(2026, 2, 10, 10, 0, tzinfo=UTC)  # 2026-H1


@pytest.fixture
def programme(db, frozen_now, make_case, make_site, make_user):
    """Hand-counted, 2026-H2: SEC x6 (Level 1, open, at a Nord-Kivu site), CHL x3 (Level 2,
    resolved), ENV x1 (Level 3, unsubstantiated); not incidents: BRB x5 closed as
    duplicates and one untriaged report. 2026-H1: two SEC. Two summaries published."""
    site = make_site()
    cases = {"SEC": [], "CHL": [], "ENV": [], "other": []}
    for n in range(6):
        cases["SEC"].append(
            make_case(
                category="SEC",
                level=1,
                site=site,
                status="verifying",
                reported_dt=IN_PERIOD,
                description=f"SECRET-SEC-{n} soldiers at the pit",
            )
        )
    for n in range(3):
        cases["CHL"].append(
            make_case(
                category="CHL",
                level=2,
                status="closed",
                resolution="resolved",
                reported_dt=IN_PERIOD,
                description=f"SECRET-CHL-{n} children digging",
            )
        )
    cases["ENV"].append(
        make_case(
            category="ENV",
            level=3,
            status="closed",
            resolution="unsubstantiated",
            reported_dt=IN_PERIOD,
            description="SECRET-ENV river poisoned",
        )
    )
    for n in range(5):
        cases["other"].append(
            make_case(
                category="BRB",
                level=2,
                status="closed",
                resolution="duplicate",
                reported_dt=IN_PERIOD,
                description=f"SECRET-BRB-{n}",
            )
        )
    cases["other"].append(make_case(reported_dt=IN_PERIOD, description="SECRET-UNTRIAGED"))
    for n in range(2):
        cases["other"].append(
            make_case(category="SEC", level=1, reported_dt=EARLIER, description=f"SECRET-H1-{n}")
        )
    supervisor = make_user("supervisor")
    publish(
        cases["CHL"][0],
        summary="Children were seen digging; the cooperative removed "
        "them and the school enrolled them.",
        actor=supervisor,
    )
    publish(
        cases["ENV"][0],
        summary="A report of a poisoned river could not be confirmed.",
        actor=supervisor,
    )
    _db.session.commit()
    return cases


def _figures(data: dict, period: str) -> dict:
    [stats] = [p for p in data["periods"] if p["period"] == period]
    return {
        "incidents": stats["incidents"],
        **{
            dimension: {
                c["key"]: c["count"] if c["count"] is not None else c["suppressed"] for c in cells
            }
            for dimension, cells in stats["by"].items()
        },
    }


SIX = {5, 10}  # what 6 may be published as: a multiple of 5 below or above it


def test_statistics_match_the_hand_count_with_small_counts_suppressed(client, programme):
    response = client.get("/public/statistics.json")
    assert response.status_code == 200
    figures = _figures(response.json, "2026-H2")
    assert figures["incidents"] == 10  # a multiple of 5 is published as it is
    assert figures["category"]["SEC"] in SIX
    assert {k: v for k, v in figures["category"].items() if k != "SEC"} == {
        "CHL": "fewer_than_5",
        "ENV": "fewer_than_5",
    }
    assert figures["level"]["1"] in SIX
    assert (figures["level"]["2"], figures["level"]["3"]) == ("fewer_than_5", "fewer_than_5")
    assert figures["province"]["Nord-Kivu"] in SIX  # the 4 without a site are hidden
    assert figures["province"]["unknown"] == "fewer_than_5"
    assert figures["outcome"]["open"] in SIX
    assert figures["outcome"]["resolved"] == figures["outcome"]["unsubstantiated"] == "fewer_than_5"
    assert set(figures["outcome"]) == {"open", "resolved", "unsubstantiated"}
    # The same figures on every request: asking again does not average the rounding out.
    assert _figures(client.get("/public/statistics.json").json, "2026-H2") == figures
    # Two incidents in 2026-H1: fewer than 5, so no figure at all.
    earlier = next(p for p in response.json["periods"] if p["period"] == "2026-H1")
    assert earlier["incidents"] is None and earlier["by"] == {}


def test_the_csv_has_the_same_figures(client, programme):
    figures = _figures(client.get("/public/statistics.json").json, "2026-H2")
    response = client.get("/public/statistics.csv?period=2026-H2")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_key = {(r["dimension"], r["key"]): (r["count"], r["suppressed"]) for r in rows}
    assert by_key[("total", "")] == ("10", "")
    assert by_key[("category", "SEC")] == (str(figures["category"]["SEC"]), "")
    assert by_key[("category", "CHL")] == ("", "fewer_than_5")
    assert by_key[("province", "unknown")] == ("", "fewer_than_5")
    assert {r["period"] for r in rows} == {"2026-H2"}


def test_the_public_page_shows_periods_figures_and_summaries_without_login(client, programme):
    html = client.get("/public/").get_data(as_text=True)
    assert "July to December 2026" in html and "January to June 2026" in html
    assert "About 10 incidents reported." in html
    assert "fewer than 5" in html
    assert "Children were seen digging" in html
    period = client.get("/public/2026-H2").get_data(as_text=True)
    assert "Children were seen digging" in period and "poisoned river" in period
    assert client.get("/public/2026-H1").status_code == 200
    assert client.get("/public/2019-H1").status_code == 404  # before the first report
    assert client.get("/public/2026-H3").status_code == 404


def test_the_public_pages_speak_french_and_swahili(client, programme):
    for lang, title in (("fr", "Rapports publics"), ("sw", "Taarifa kwa umma")):
        html = client.get(f"/public/?lang={lang}").get_data(as_text=True)
        assert f'<html lang="{lang}">' in html and f"<h1>{title}</h1>" in html
    html = client.get("/public/", headers={"Accept-Language": "sw"}).get_data(as_text=True)
    assert '<html lang="sw">' in html


def test_the_feed_lists_each_publication_newest_first(client, programme):
    response = client.get("/public/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)  # noqa: S314 (our own response)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    contents = [e.find(f"{ATOM}content").text for e in entries]
    assert any("Children were seen digging" in c for c in contents)


def test_summaries_come_as_json_and_csv(client, programme):
    data = client.get("/public/summaries.json?period=2026-H2").json
    [period] = data["periods"]
    assert {s["category"] for s in period["summaries"]} == {"CHL", "ENV"}
    assert {s["outcome"] for s in period["summaries"]} == {"resolved", "unsubstantiated"}
    ids = {s["id"] for s in period["summaries"]}
    assert len(ids) == 2 and all(len(i) == 16 and not i.isdigit() for i in ids)  # opaque
    text = client.get("/public/summaries.csv").get_data(as_text=True)
    assert "Children were seen digging" in text
    assert client.get("/public/summaries.json?period=nonsense").status_code == 404


def test_no_public_response_carries_report_text_or_a_reference(client, programme):
    """Every public URL, in every language and format: no report text of any case (the
    SECRET- markers), no reference, no summary of an unpublished case."""
    everything = [c for group in programme.values() for c in group]
    secrets_ = [c.reference for c in everything] + ["SECRET-"]
    urls = [
        "/public/",
        "/public/2026-H2",
        "/public/2026-H1",
        "/public/feed.atom",
        "/public/statistics.json",
        "/public/statistics.csv",
        "/public/summaries.json",
        "/public/summaries.csv",
    ]
    for url in urls:
        for lang in ("en", "fr", "sw"):
            response = client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            for secret in secrets_:
                assert secret not in body, (url, secret)
    # A summary withdrawn is gone from every page at once.
    from casework.auth.models import User
    from casework.cases.operations import unpublish

    supervisor = _db.session.scalar(_db.select(User).where(User.role == "supervisor"))
    unpublish(programme["ENV"][0], actor=supervisor, reason="the site asked for a correction")
    _db.session.commit()
    for url in urls:
        assert "poisoned river" not in client.get(url).get_data(as_text=True), url
    assert json.loads(client.get("/public/summaries.json").data)["periods"][0]["summaries"]
