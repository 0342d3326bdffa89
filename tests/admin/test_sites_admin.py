"""/admin/sites: admins list and search the mine site registry, import a CSV file from the
browser with the same per-row errors as `casework sites import`, and edit one site; each
import and edit is on the admin log."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from casework.admin.models import AdminLogEntry
from casework.sites.models import Site
from tests.cases.test_views import form_fields, text_of
from tests.conftest import csrf_token

SITES = "/admin/sites"
IMPORT = "/admin/sites/import"
HEADER = "code,name,country,province,territory,minerals,latitude,longitude\n"


def sites(db) -> dict[str, Site]:
    db.session.expire_all()
    return {s.code: s for s in db.session.scalars(select(Site))}


def log(db) -> list[AdminLogEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AdminLogEntry).order_by(AdminLogEntry.seq)))


def upload(client, content: bytes, filename: str = "sites.csv"):
    token = csrf_token(client, IMPORT)
    return client.post(
        IMPORT,
        data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def admin_client(login_as):
    client, _ = login_as("admin", email="root@example.org")
    return client


# ---------------------------------------------------------------- who


def test_only_admins_manage_sites(db, client, login_as, make_site):
    site = make_site()
    for url in (SITES, IMPORT, f"{SITES}/{site.id}"):
        assert client.get(url).status_code == 302  # anonymous: to the login page
        for role in ("supervisor", "officer", "viewer"):
            other, _ = login_as(role)
            assert other.get(url).status_code == 403, (role, url)
    supervisor, _ = login_as("supervisor")
    token = csrf_token(supervisor, "/notifications")
    refused = supervisor.post(f"{SITES}/{site.id}", data={"csrf_token": token, "name": "X"})
    assert refused.status_code == 403
    assert sites(db)["CD-NK-RUB"].name == "Rubaya"


# ---------------------------------------------------------------- the list


def test_the_list_searches_by_name_or_code_with_percent_and_underscore_taken_literally(
    db, admin_client, make_site
):
    make_site()
    make_site(code="CD-SK-NYA", name="Nyabibwe", province="Sud-Kivu", territory="Kalehe")
    make_site(code="RW_WE_GAT", name="Gatumba 100%", country="RW")
    page = text_of(admin_client.get(SITES))
    assert "Rubaya" in page and "Nyabibwe" in page and "Gatumba" in page
    assert "3 sites" in page

    found = text_of(admin_client.get(SITES, query_string={"q": "nyab"}))
    assert "Nyabibwe" in found and "Rubaya" not in found
    by_code = text_of(admin_client.get(SITES, query_string={"q": "cd-nk"}))
    assert "Rubaya" in by_code and "Nyabibwe" not in by_code
    percent = text_of(admin_client.get(SITES, query_string={"q": "100%"}))
    assert "Gatumba" in percent and "Rubaya" not in percent
    assert "Rubaya" not in text_of(admin_client.get(SITES, query_string={"q": "%"}))
    underscore = text_of(admin_client.get(SITES, query_string={"q": "_"}))
    assert "Gatumba" in underscore and "Rubaya" not in underscore
    assert "No site matches" in text_of(admin_client.get(SITES, query_string={"q": "Bisie"}))


def test_the_list_is_paged_by_code(db, admin_client):
    for n in range(105):
        db.session.add(Site(code=f"CD-{n:03}", name=f"Site {n}", country="CD"))
    db.session.commit()
    first = text_of(admin_client.get(SITES))
    assert "<td>CD-099</td>" in first and "<td>CD-100</td>" not in first
    assert 'href="/admin/sites?after=CD-099"' in first
    rest = text_of(admin_client.get(f"{SITES}?after=CD-099"))
    assert "<td>CD-100</td>" in rest and "<td>CD-104</td>" in rest
    assert "<td>CD-099</td>" not in rest


# ---------------------------------------------------------------- the import


def test_an_upload_keeps_good_rows_reports_bad_ones_by_line_and_is_logged_with_counts(
    db, admin_client, make_site
):
    make_site(code="CD-NK-RUB", name="Rubaya", minerals="coltan")
    content = (
        "\ufeff"
        + HEADER
        + "cd-nk-rub,Rubaya (Luwowo),CD,Nord-Kivu,Masisi,coltan;cassiterite,-1.57,28.88\n"  # 2
        + ",Nameless,CD,Nord-Kivu,Masisi,coltan,-1.5,28.9\n"  # 3
        + "CD-SK-NYA,Nyabibwe,Congo,Sud-Kivu,Kalehe,cassiterite,-1.98,28.95\n"  # 4
        + "RW-WE-GAT,Gatumba,rw,Western,Ngororero,Cassiterite; coltan,-1.9,29.6\n"  # 5
        + "CD-SK-NUM,Numbi,CD,Sud-Kivu,Kalehe,coltan,-91,200\n"  # 6
    ).encode()
    response = upload(admin_client, content, "registre.csv")

    assert response.status_code == 200
    page = text_of(response)
    assert "1 imported, 1 updated, 3 rejected" in page
    assert "line 3: code is missing" in page
    assert "line 4: country &#39;Congo&#39; is not an ISO 3166 two-letter code" in page
    assert "line 6: latitude -91 is outside -90..90; longitude 200 is outside -180..180" in page
    registry = sites(db)
    assert sorted(registry) == ["CD-NK-RUB", "RW-WE-GAT"]
    assert registry["CD-NK-RUB"].name == "Rubaya (Luwowo)"

    (entry,) = log(db)
    assert (entry.action, entry.actor_label, entry.target_label) == (
        "site.import",
        "root@example.org",
        "registre.csv",
    )
    assert entry.after == {
        "file": "registre.csv",
        "imported": 1,
        "updated": 1,
        "unchanged": 0,
        "rejected": 3,
        "codes_added": ["RW-WE-GAT"],
        "codes_updated": ["CD-NK-RUB"],
    }
    shown = text_of(admin_client.get("/admin/log?type=site"))
    assert "sites imported" in shown and "RW-WE-GAT" in shown
    assert "Sites: <bdi>registre.csv</bdi>" in shown  # an import links nowhere


def test_the_same_file_on_the_command_line_gives_the_same_row_errors(
    db, admin_client, runner, tmp_path
):
    content = (
        HEADER
        + "CD-SK-KAL,Kalimbi,CD,Sud-Kivu,Kalehe,diamonds,-1.97,28.93\n"
        + "BI-KY-KAB,,BI,Kayanza,Kabarore,coltan,-2.87,x\n"
        + "UG-WE-NYM,Nyamuliro,UG,Western,Kabale,wolframite,,\n"
    )
    page = text_of(upload(admin_client, content.encode()))
    path = tmp_path / "sites.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["sites", "import", str(path)])
    assert result.exit_code == 0
    for line in (
        "line 2: mineral 'diamonds' is not one of cassiterite, coltan, wolframite, gold",
        "line 3: name is missing; longitude 'x' is not a number",
    ):
        assert line in result.output
        assert line.replace("'", "&#39;") in page
    # The command line's import is on the admin log too, as made from the command line.
    browser, command_line = log(db)
    assert (browser.actor_label, command_line.actor_label) == ("root@example.org", "command line")
    assert command_line.after["codes_added"] == [] and command_line.after["unchanged"] == 1


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "The file is empty"),
        (b"code,name,country\nCD-1,X,CD\n", "The header line lacks the column(s) province"),
        (HEADER.encode(), "The file has a header but no sites"),
        ("é".encode("latin-1") + HEADER.encode(), "not UTF-8"),
        (
            (HEADER + ",Nameless,CD,,,,,\n").encode(),
            "No valid row in the file; nothing was imported.",
        ),
    ],
)
def test_a_file_that_cannot_be_imported_is_a_422_with_the_reason_and_changes_nothing(
    db, admin_client, content, says
):
    response = upload(admin_client, content)
    assert response.status_code == 422
    assert says in text_of(response)
    assert sites(db) == {} and log(db) == []


def test_no_file_chosen_is_a_422(db, admin_client):
    token = csrf_token(admin_client, IMPORT)
    response = admin_client.post(IMPORT, data={"csrf_token": token})
    assert response.status_code == 422
    assert "Choose the CSV file to import." in text_of(response)


# ---------------------------------------------------------------- editing one site


def test_an_admin_edits_a_site_and_the_change_is_logged_field_by_field(db, admin_client, make_site):
    site = make_site()
    url = f"{SITES}/{site.id}"
    fields = form_fields(text_of(admin_client.get(url)), url)
    assert (fields["code"], fields["name"], fields["latitude"]) == ("CD-NK-RUB", "Rubaya", "-1.566")
    response = admin_client.post(
        url,
        data={**fields, "name": "Rubaya (Luwowo)", "minerals": ["coltan", "gold"], "territory": ""},
    )
    assert response.status_code == 303
    edited = sites(db)["CD-NK-RUB"]
    assert (edited.name, edited.minerals, edited.territory) == (
        "Rubaya (Luwowo)",
        "coltan;gold",
        "",
    )
    assert (edited.latitude, edited.longitude) == (-1.566, 28.883)
    (entry,) = log(db)
    assert (entry.action, entry.target_type, entry.target_id) == (
        "site.update",
        "site",
        str(site.id),
    )
    assert entry.before == {
        "name": "Rubaya",
        "territory": "Masisi",
        "minerals": "coltan;cassiterite",
    }
    assert entry.after == {"name": "Rubaya (Luwowo)", "territory": "", "minerals": "coltan;gold"}
    shown = text_of(admin_client.get("/admin/log"))
    assert f'<a href="/admin/sites/{site.id}"><bdi>CD-NK-RUB Rubaya (Luwowo)</bdi></a>' in shown


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"name": ""}, "name is missing"),
        ({"country": "C"}, "country &#39;C&#39; is not an ISO 3166 two-letter code"),
        ({"latitude": "north"}, "latitude &#39;north&#39; is not a number"),
        ({"longitude": ""}, "give both latitude and longitude, or neither"),
        ({"code": "CD NK"}, "must be up to 40 letters, digits"),
        ({"code": "cd-sk-nya"}, "Another site already has the code CD-SK-NYA."),
        ({"minerals": ["diamonds"]}, "is not a valid choice"),
    ],
)
def test_bad_input_re_shows_the_form_with_a_422_and_what_was_typed(
    db, admin_client, make_site, change, says
):
    site = make_site()
    make_site(code="CD-SK-NYA", name="Nyabibwe")
    url = f"{SITES}/{site.id}"
    fields = form_fields(text_of(admin_client.get(url)), url)
    response = admin_client.post(url, data={**fields, "name": "Rubaya II", **change})
    assert response.status_code == 422
    page = text_of(response)
    assert says in page
    if "name" not in change:
        assert 'value="Rubaya II"' in page  # what was typed stays
    assert sites(db)["CD-NK-RUB"].name == "Rubaya"
    assert log(db) == []


def test_an_unknown_site_is_404(db, admin_client):
    assert admin_client.get(f"{SITES}/999999").status_code == 404
    assert admin_client.get(f"{SITES}/99999999999999").status_code == 404


def test_an_edit_without_the_csrf_token_is_refused(db, admin_client, make_site):
    site = make_site()
    response = admin_client.post(f"{SITES}/{site.id}", data={"name": "Other"})
    assert response.status_code in (400, 422)
    assert sites(db)["CD-NK-RUB"].name == "Rubaya"


def test_an_edit_of_the_name_keeps_precise_coordinates_exactly(db, admin_client, make_site):
    site = make_site(latitude=-1.56612345678, longitude=28.88312345678)
    url = f"{SITES}/{site.id}"
    fields = form_fields(text_of(admin_client.get(url)), url)
    response = admin_client.post(url, data={**fields, "name": "Luwowo", "minerals": ["coltan"]})
    assert response.status_code == 303
    edited = sites(db)["CD-NK-RUB"]
    assert (edited.latitude, edited.longitude) == (-1.56612345678, 28.88312345678)
    (entry,) = log(db)
    assert set(entry.after) == {"name", "minerals"}


def test_an_edit_based_on_an_older_version_is_a_conflict_and_overwrites_nothing(
    db, admin_client, make_site, login_as
):
    site = make_site()
    url = f"{SITES}/{site.id}"
    mine = form_fields(text_of(admin_client.get(url)), url)
    other, _ = login_as("admin")
    theirs = form_fields(text_of(other.get(url)), url)
    assert other.post(url, data={**theirs, "name": "Rubaya (Bibatama)"}).status_code == 303

    response = admin_client.post(url, data={**mine, "province": "Sud-Kivu"})
    assert response.status_code == 409
    page = text_of(response)
    assert "Someone else changed this site while you were editing it." in page
    assert 'value="Sud-Kivu"' in page  # what was typed is still there to copy
    db.session.expire_all()
    assert (sites(db)["CD-NK-RUB"].name, sites(db)["CD-NK-RUB"].province) == (
        "Rubaya (Bibatama)",
        "Nord-Kivu",
    )
    assert [e.after.get("name") for e in log(db)] == ["Rubaya (Bibatama)"]
    # Reloaded, the edit goes through.
    fresh = form_fields(text_of(admin_client.get(url)), url)
    assert admin_client.post(url, data={**fresh, "province": "Sud-Kivu"}).status_code == 303
