"""`casework reporters rotate-key` also re-encrypts evidence files (and previews), so the
old key can be dropped afterwards; the SHA-256 on the record is of the original and holds."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import select

from casework.evidence.models import EvidenceFile
from tests.conftest import TEST_DATA_KEY
from tests.evidence import samples
from tests.evidence.conftest import upload

KEY_B = Fernet.generate_key().decode()


def test_rotation_moves_files_to_the_newest_key(login_as, make_case, db, app, runner):
    client, _ = login_as("officer")
    case = make_case(status="verifying")
    data = samples.photo()
    upload(client, case, data, "receipt.jpg")
    file = db.session.scalar(select(EvidenceFile))

    app.config["CASEWORK_DATA_KEY"] = f"{KEY_B},{TEST_DATA_KEY}"
    result = runner.invoke(args=["reporters", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 evidence file(s) under the newest key." in result.output

    app.config["CASEWORK_DATA_KEY"] = KEY_B  # the old key is gone
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    assert client.get(f"/cases/{case.reference}/files/{file.id}").data == data
    assert client.get(f"/cases/{case.reference}/files/{file.id}/preview").status_code == 200

    app.config["CASEWORK_DATA_KEY"] = TEST_DATA_KEY  # and the old key alone opens nothing
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "cannot be decrypted" in result.output


def test_rotation_says_which_files_it_could_not_reencrypt(
    login_as, make_case, db, app, runner, tmp_path
):
    client, _ = login_as("officer")
    case = make_case(status="verifying")
    upload(client, case, samples.pdf(), "a.pdf")
    upload(client, case, samples.pdf(), "b.pdf")
    gone, _ = db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id))
    (tmp_path / "files" / gone.storage_key).unlink()

    app.config["CASEWORK_DATA_KEY"] = f"{KEY_B},{TEST_DATA_KEY}"
    result = runner.invoke(args=["reporters", "rotate-key"])

    assert result.exit_code == 1
    assert "Re-encrypted 1 evidence file(s)" in result.output
    assert f"evidence file(s) {gone.id} are missing from storage" in result.output
