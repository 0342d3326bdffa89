"""Text search through an index (PostgreSQL full-text search with unaccent, SQLite FTS5):
words in any case, accents ignored, each word a prefix, every word required; a reference
typed into search goes straight to its case; the index follows every change of the text."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select, text

from casework.auth.models import ApiToken
from casework.cases import operations as ops
from casework.cases import search
from casework.cases.models import Case
from casework.cases.search import as_reference, words
from tests.cases.test_queue_views import listed, tab_counts
from tests.cases.test_views import text_of

LANDSLIDE = "Éboulement leo saa 10 puits ya Kalimbi: watu 2 wamekufa, 3 wamejeruhiwa."
TAXES = "Police des mines ku pont ya Kalehe exige 20$ pour passer moto sans traçabilité."


def found(client, query: str) -> set[str]:
    return set(listed(text_of(client.get("/cases", query_string={"q": query, "view": "all"}))))


@pytest.fixture
def two(make_case):
    return make_case(description=LANDSLIDE, title="Landslide"), make_case(description=TAXES)


def test_words_in_any_case_without_accents_as_prefixes(login_as, two):
    landslide, taxes = two
    client, _ = login_as("officer")
    assert found(client, "eboulement") == {landslide.reference}
    assert found(client, "ÉBOUL") == {landslide.reference}
    assert found(client, "tracabilite") == {taxes.reference}
    assert found(client, "traçab") == {taxes.reference}
    assert found(client, "kalimbi puits") == {landslide.reference}  # every word
    assert found(client, "kalimbi kalehe") == set()
    assert found(client, "ya") == {landslide.reference, taxes.reference}
    assert found(client, "landslide") == {landslide.reference}  # the title too
    assert found(client, "zzz") == set()


def test_punctuation_only_finds_nothing_and_breaks_nothing(login_as, two):
    client, _ = login_as("officer")
    # ASCII syntax of tsquery and FTS5, and letters that unaccent turns into some (a modifier
    # apostrophe, a triangular colon, a parenthesised digit).
    exotic = ("\u02bcs", "a\u02d0b", "\u2474")
    for query in ('"', "*", "':*", "& | !", "(", "NEAR(", "{title}:", "_", *exotic):
        response = client.get("/cases", query_string={"q": query})
        assert response.status_code == 200, query
    assert found(client, "kalimbi _") == {two[0].reference}  # no letter or digit: no word
    assert found(client, '"kalimbi" *') == {two[0].reference}  # operators are not operators


def test_a_reference_goes_straight_to_the_case(login_as, two):
    landslide, _ = two
    client, _ = login_as("officer")
    for typed in (landslide.reference, landslide.reference.lower(), f"  {landslide.reference} "):
        response = client.get("/cases", query_string={"q": typed})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/cases/{landslide.reference}")
    # An unknown reference is an empty queue, not an error.
    response = client.get("/cases", query_string={"q": "CW-0000-0000"})
    assert response.status_code == 200 and landslide.reference not in text_of(response)


def test_a_reference_read_out_or_without_its_prefix_still_finds_the_case(login_as, make_case):
    case = make_case(description=TAXES)
    case.reference = "CW-7K3Q-9210"
    make_case(description="Armed men at THE-DEAD-CREW checkpoint")
    client, _ = login_as("officer")
    for typed in ("7k3q-9210", "CW-7K3Q-92IO", "cw-7k3q-92lo"):
        response = client.get("/cases", query_string={"q": typed})
        assert response.status_code == 302, typed
        assert response.headers["Location"].endswith("/cases/CW-7K3Q-9210")
    assert len(found(client, "THE-DEAD-CREW")) == 1  # shaped like a reference: words


def test_words_joined_by_punctuation_are_words(login_as, make_case):
    case = make_case(description="Eboulement a Kalimbi.watu 2 wamekufa,Police amani@example.org")
    client, _ = login_as("officer")
    for word in ("watu", "police", "amani", "example"):
        assert found(client, word) == {case.reference}, word


def test_a_viewer_finds_a_published_case_by_its_reference(client, db, make_user, make_case):
    published = make_case(is_published=True, public_summary="Taxation at a checkpoint.")
    hidden = make_case()
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=make_user("viewer"), token_hash=ApiToken.hash(token)))
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    for case, expected in ((published, [published.reference]), (hidden, [])):
        items = client.get("/api/v1/cases", query_string={"q": case.reference}, headers=headers)
        assert [item["reference"] for item in items.json["items"]] == expected


def test_a_reference_the_user_may_not_open_is_not_revealed(login_as, make_case):
    restricted = make_case(description="Viol", category="SA-SGBV")
    client, _ = login_as("officer")  # not assigned: may not see it
    response = client.get("/cases", query_string={"q": restricted.reference})
    assert response.status_code == 200
    assert listed(text_of(response)) == []


def test_the_index_follows_edits_and_deletes(login_as, two, db):
    landslide, _ = two
    client, supervisor = login_as("supervisor")
    ops.update_details(landslide, actor=supervisor, title="Collapse at the Kalimbi pit")
    db.session.commit()
    assert found(client, "collapse") == {landslide.reference}
    assert found(client, "landslide") == set()
    landslide.description = "Rewritten"
    db.session.commit()
    assert found(client, "eboulement") == set()
    assert found(client, "rewritten") == {landslide.reference}


def test_the_api_searches_the_same_way(client, db, make_user, two):
    landslide, taxes = two
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=make_user("officer"), token_hash=ApiToken.hash(token)))
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}

    def refs(query):
        items = client.get("/api/v1/cases", query_string={"q": query}, headers=headers).json
        return {item["reference"] for item in items["items"]}

    assert refs("eboulement kalimbi") == {landslide.reference}
    assert refs(taxes.reference.lower()) == {taxes.reference}


def test_viewers_search_the_published_summary_only(client, db, make_user, make_case):
    make_case(description="Secret name Amani", is_published=True, public_summary="Taxation")
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=make_user("viewer"), token_hash=ApiToken.hash(token)))
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    get = lambda q: client.get("/api/v1/cases", query_string={"q": q}, headers=headers)  # noqa: E731
    assert get("amani").json["items"] == []
    assert len(get("taxat").json["items"]) == 1


def test_words_and_references_are_read_as_plain_text(app):
    assert words("Éboulement, à Kalimbi!") == ["éboulement", "à", "kalimbi"]
    assert len(words("a " * 50)) == 8
    assert as_reference("cw-7k3q-92mx") == "CW-7K3Q-92MX"
    assert as_reference("eboulement") is None  # ten letters are a word
    assert words("kalimbi _ __") == ["kalimbi"]
    assert as_reference("CW-7K3Q-92MX extra") is None


@pytest.mark.parametrize("few", [1000, 1])
def test_rare_and_common_words_find_the_same_cases(login_as, make_case, monkeypatch, few):
    """Few matches are read by id, many through the condition itself (search._few_matches):
    either way, the same cases."""
    monkeypatch.setattr(search, "FEW", few)
    made = [make_case(description=f"{LANDSLIDE} {n}") for n in range(3)]
    make_case(description=TAXES)
    client, _ = login_as("officer")
    assert found(client, "kalimbi") == {c.reference for c in made}
    assert found(client, "kalimbi tracab") == set()


@pytest.mark.postgres
def test_postgresql_search_reads_its_index(db, make_case):
    for n in range(3):
        make_case(description=f"{LANDSLIDE} {n}")
    probe = select(Case.id).where(
        search.REPORT_DOCUMENT.op("@@")(func.to_tsquery(search._SIMPLE, "'kalimbi':*"))
    )
    compiled = probe.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN {compiled}")))
    assert search.PG_REPORT_INDEX in plan, plan
    # The document column is the database's: written with the case, never by the ORM.
    with db.engine.connect() as conn:
        stored = conn.execute(text("SELECT search_document::text FROM cases LIMIT 1")).scalar()
    assert "'eboulement'" in stored and "'kalimbi'" in stored


def test_tab_counts_stop_sooner_when_searching(login_as, make_case, monkeypatch):
    """Every row counted is checked for the words: a search's counts stop at FEW."""
    monkeypatch.setattr(search, "FEW", 2)
    for _ in range(4):
        make_case(description=LANDSLIDE)
    client, _ = login_as("officer")
    html = text_of(client.get("/cases", query_string={"q": "kalimbi"}))
    assert tab_counts(html)["open"] == "2+"
    assert tab_counts(text_of(client.get("/cases")))["open"] == "4"
