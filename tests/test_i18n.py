"""The web UI in French and Swahili: locale selection, the language switch, and catalogues
that are complete, consistent with their template and compiled."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from casework.config import load_settings
from casework.errors import StaleCase
from tests.cases.test_views import case_url, form_fields, fresh, submit, text_of
from tests.conftest import csrf_token, login

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "casework" / "translations"
LANGUAGES = tuple(sorted(p.name for p in TRANSLATIONS.iterdir() if p.is_dir()))
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]")


def _catalog(language: str, suffix: str = "po"):
    path = TRANSLATIONS / language / "LC_MESSAGES" / f"messages.{suffix}"
    with path.open("rb") as f:
        return read_mo(f) if suffix == "mo" else read_po(f)


def _forms(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


# ------------------------------------------------------------------ what users see


def test_login_page_follows_the_browser_language(client):
    french = client.get("/login", headers={"Accept-Language": "fr-CD,fr;q=0.9,en;q=0.5"})
    html = french.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Se connecter à Casework" in html
    assert "Mot de passe" in html
    assert "Log in to Casework" not in html

    swahili = client.get("/login", headers={"Accept-Language": "sw"}).get_data(as_text=True)
    assert "Ingia kwenye Casework" in swahili and "Nenosiri" in swahili

    english = client.get("/login").get_data(as_text=True)
    assert "Log in to Casework" in english


def test_login_errors_are_in_the_browser_language(client):
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"email": "", "password": "", "csrf_token": token},
        headers={"Accept-Language": "sw"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Andika anwani yako ya barua pepe." in html
    assert "Andika nenosiri lako." in html


def test_a_swahili_user_sees_the_queue_in_swahili(login_as, make_case):
    client, _user = login_as("officer", language="sw")
    case = make_case(level=1)
    # The saved choice wins over the browser's.
    page = client.get("/cases", headers={"Accept-Language": "fr"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="sw">' in html
    assert "<h1>Kesi</h1>" in html
    assert "Namba ya kesi" in html  # the Reference column
    assert '<span class="status status-received">imepokelewa</span>' in html
    assert ">SA-FL · Kazi ya kulazimishwa</option>" in html  # category filter
    assert 'title="Kiwango 1"' in html
    assert "afisa wa matukio" in html  # the role in the header
    assert case.reference in html
    assert "Reference" not in html and "Log out" not in html


def test_switching_language_is_saved_on_the_account(app, db, login_as):
    client, user = login_as("supervisor")
    assert "Change language" in client.get("/cases").get_data(as_text=True)
    token = csrf_token(client, "/cases")

    response = client.post(
        "/account/language", data={"language": "fr", "csrf_token": token, "next": "/cases"}
    )
    assert response.status_code == 302
    assert response.location.endswith("/cases")
    db.session.refresh(user)
    assert user.language == "fr"

    html = client.get("/cases").get_data(as_text=True)
    assert "Langue enregistrée." in html  # confirmed in the language just chosen
    assert '<html lang="fr">' in html and "Changer de langue" in html
    assert '<option value="fr" lang="fr" selected>Français</option>' in html

    # It stays after logging out and in again, whatever the browser asks for.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/cases")})
    assert login(client, user.email).status_code == 302
    page = client.get("/cases", headers={"Accept-Language": "sw"}).get_data(as_text=True)
    assert "<h1>Cas</h1>" in page


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(app, db, login_as):
    client, user = login_as("officer")
    token = csrf_token(client, "/cases")

    response = client.post(
        "/account/language",
        data={"language": "de", "csrf_token": token, "next": "//evil.example/x"},
    )
    assert response.status_code == 302
    assert response.location.endswith("/cases")  # not to another host
    db.session.refresh(user)
    assert user.language == "en"
    assert "Choose one of the languages offered." in client.get("/cases").get_data(as_text=True)


def test_language_switch_needs_csrf_and_login(app, db, login_as):
    client, user = login_as("officer")
    assert client.post("/account/language", data={"language": "sw"}).status_code == 400
    db.session.refresh(user)
    assert user.language == "en"

    anonymous = app.test_client()
    token = csrf_token(anonymous, "/login")
    response = anonymous.post("/account/language", data={"language": "sw", "csrf_token": token})
    assert response.status_code == 302
    assert response.location.startswith("/login")


# ------------------------------------------------------------------ domain errors


def test_a_french_officer_reads_the_workflow_guards_in_french(login_as, make_case):
    client, _user = login_as("officer", language="fr")
    case = make_case()  # no category, level or place yet
    url = case_url(case)
    # Said before the officer tries...
    assert "Indiquez une catégorie de risque avant le tri." in text_of(client.get(url))
    # ...and as the reason for refusing when they try anyway, on the re-shown page.
    response = submit(client, url, f"{url}/transitions/triage")
    page = html.unescape(text_of(response))
    assert response.status_code == 422
    assert "Indiquez une catégorie de risque avant le tri." in page
    assert "Indiquez un niveau (1, 2 ou 3) avant le tri." in page
    assert "Indiquez un site minier ou décrivez le lieu avant le tri." in page
    assert "Set a risk category before triage." not in page
    assert fresh(case).status == "received"


def test_a_workflow_refusal_names_the_state_and_step_in_the_users_language(login_as, make_case):
    client, _user = login_as("supervisor", language="fr")
    case = make_case()
    url = case_url(case)
    # A "mark verified" form kept from another tab, posted while the case is only received.
    fields = form_fields(text_of(client.get(url)), f"{url}/transitions/triage")
    response = client.post(f"{url}/transitions/verify", data=fields)
    assert response.status_code == 409
    assert (
        "Ce cas est maintenant au statut « reçu » : "
        "l'étape « Marquer comme vérifié » ne s'y applique plus."
    ) in html.unescape(text_of(response))


def test_a_swahili_user_gets_the_conflict_message_in_swahili(login_as, make_case):
    officer, _ = login_as("officer", language="sw")
    supervisor, _ = login_as("supervisor")
    case = make_case()
    url = case_url(case)
    stale = form_fields(text_of(officer.get(url)), f"{url}/details")
    assert submit(supervisor, url, f"{url}/details", title="Kodi haramu Mushaki").status_code == 302

    response = officer.post(f"{url}/details", data={**stale, "title": "Watoto shimoni"})
    page = html.unescape(text_of(response))
    assert response.status_code == 409
    assert "Mtu mwingine amebadilisha kesi hii wakati ulipokuwa ukiihariri" in page
    assert "Someone else changed this case" not in page
    assert fresh(case).title == "Kodi haramu Mushaki"


def test_an_operations_error_is_shown_in_the_users_language(login_as, make_case):
    client, _user = login_as("supervisor", language="sw")
    case = make_case(status="closed")
    url = case_url(case)
    response = submit(client, url, f"{url}/publish", summary="Piga simu +243 991 234 567.")
    assert response.status_code == 422
    assert "Muhtasari wa umma haupaswi kuwa na namba ya simu." in html.unescape(text_of(response))


def test_domain_errors_are_english_outside_a_request(app):
    # A CLI command or a job has no user and no browser: the default language, no crash.
    with app.app_context():
        assert str(StaleCase()).startswith("Someone else changed this case")


# ------------------------------------------------------------------ the catalogues


def test_every_ui_language_but_the_default_has_a_catalogue(tmp_path):
    settings = load_settings(str(tmp_path))
    expected = set(settings["CASEWORK_LANGUAGES"]) - {settings["BABEL_DEFAULT_LOCALE"]}
    assert expected == set(LANGUAGES)
    for language in LANGUAGES:
        assert (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").exists()
        assert (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete_and_placeholders_match(language):
    catalog = _catalog(language)
    assert not catalog.fuzzy, f"{language}: the catalogue header is marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = _forms(message.id)
        strings = _forms(message.string)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        forms = catalog.num_plurals if len(ids) > 1 else 1
        if len(strings) != forms or not all(s.strip() for s in strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        expected = Counter(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            if Counter(PLACEHOLDER.findall(s)) != expected:
                problems.append(f"placeholders differ: {ids[0]!r} -> {s!r}")
            # Template strings are rendered as HTML: no markup a translator could add.
            if ("<" in s and "<" not in ids[0]) or ("&" in s and "&" not in ids[0]):
                problems.append(f"markup in translation: {ids[0]!r} -> {s!r}")
    assert problems == [], f"{language}: run `make translations`, then fix:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_exactly_the_template_messages(language):
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    catalog = {m.id for m in _catalog(language) if m.id}
    assert catalog == template, "run `make translations` to merge messages.pot into the .po"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po(language):
    def entries(catalog):
        return {_forms(m.id): _forms(m.string) for m in catalog if m.id and not m.fuzzy}

    assert entries(_catalog(language, "mo")) == entries(_catalog(language)), (
        f"{language}: messages.mo is out of date; run `make translations`"
    )


# Keep in step with the `pybabel extract` line of the Makefile (checked below).
EXTRACT_KEYWORDS = ("_l", "lazy_gettext", "N_")


def test_makefile_extracts_with_the_keywords_this_test_uses():
    makefile = (ROOT / "Makefile").read_text()
    [line] = [x for x in makefile.splitlines() if "pybabel extract" in x]
    assert tuple(re.findall(r"-k (\S+)", line)) == EXTRACT_KEYWORDS


def test_the_template_is_up_to_date_with_the_sources(tmp_path):
    """A sentence added to the code (or a keyword forgotten) fails here, not in French."""
    out = tmp_path / "messages.pot"
    keywords = [arg for k in EXTRACT_KEYWORDS for arg in ("-k", k)]
    pybabel = [sys.executable, "-m", "babel.messages.frontend", "-q"]
    subprocess.run(
        [*pybabel, "extract", "-F", "babel.cfg", *keywords, "-o", str(out), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )

    def msgids(path: Path) -> set:
        with path.open("rb") as f:
            return {m.id for m in read_po(f) if m.id}

    extracted, template = msgids(out), msgids(TRANSLATIONS / "messages.pot")
    new, gone = sorted(map(str, extracted - template)), sorted(map(str, template - extracted))
    assert (new, gone) == ([], []), (
        "messages.pot is out of date: run `make translations` and translate what is new"
    )
