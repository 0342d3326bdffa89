"""``casework reporters rotate-key``."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from casework.reporters.models import Reporter
from tests.conftest import TEST_DATA_KEY

KEY_A = TEST_DATA_KEY
KEY_B = Fernet.generate_key().decode()
PHONES = {"+243991234567": "CD", "+250781234567": "RW"}


def _seed_under_key_a(app, db) -> list[int]:
    app.config["CASEWORK_DATA_KEY"] = KEY_A
    reporters = [Reporter.for_phone(phone, country=c) for phone, c in PHONES.items()]
    db.session.add_all(reporters)
    db.session.commit()
    return [r.id for r in reporters]


def test_rotate_key_moves_every_reporter_to_the_newest_key(app, db, runner):
    ids = _seed_under_key_a(app, db)
    before = {r.id: (r.phone_encrypted, r.phone_hash) for r in db.session.scalars(select(Reporter))}

    app.config["CASEWORK_DATA_KEY"] = f"{KEY_B},{KEY_A}"
    result = runner.invoke(args=["reporters", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 2 reporter phone number(s)" in result.output
    assert not any(p in result.output for p in PHONES)

    app.config["CASEWORK_DATA_KEY"] = KEY_B  # the old key is gone
    db.session.expire_all()
    for reporter_id, phone in zip(ids, PHONES, strict=True):
        found = Reporter.find(phone)
        assert found is not None and found.id == reporter_id
        assert found.phone == phone
        assert found.phone_encrypted != before[reporter_id][0]
        assert found.phone_hash != before[reporter_id][1]

    app.config["CASEWORK_DATA_KEY"] = KEY_A  # and the old key alone opens nothing
    assert Reporter.find("+243991234567") is None
    with pytest.raises(InvalidToken):
        _ = db.session.get(Reporter, ids[0]).phone


def test_rotate_key_with_a_missing_key_changes_nothing(app, db, runner):
    _seed_under_key_a(app, db)
    before = {r.id: (r.phone_encrypted, r.phone_hash) for r in db.session.scalars(select(Reporter))}

    app.config["CASEWORK_DATA_KEY"] = KEY_B  # KEY_A forgotten: nothing decrypts
    result = runner.invoke(args=["reporters", "rotate-key"])
    assert result.exit_code == 1
    assert "does not decrypt" in result.output and "Nothing was changed" in result.output

    db.session.expire_all()
    after = {r.id: (r.phone_encrypted, r.phone_hash) for r in db.session.scalars(select(Reporter))}
    assert after == before


def test_rotate_key_on_an_empty_table(runner):
    result = runner.invoke(args=["reporters", "rotate-key"])
    assert result.exit_code == 0
    assert "Re-encrypted 0" in result.output
