"""Evidence that holds up, on both stores (the instance folder and an S3-compatible bucket
on moto's local server): bytes encrypted at rest, the SHA-256 on the case's record, and
`casework audit verify` failing, naming the case and the file, once a stored file is
replaced or removed behind Casework's back."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from casework.evidence.models import EvidenceFile
from casework.reporters.crypto import encrypt_bytes
from tests.evidence import samples
from tests.evidence.conftest import upload

pytestmark = pytest.mark.parametrize("storage_kind", ["folder", "s3"])


@pytest.fixture
def stored(request, storage_kind, tmp_path):
    """Read, write and remove a stored object directly: on disk, or in the bucket."""
    if storage_kind == "folder":
        root = tmp_path / "files"

        class Folder:
            def read(self, key):
                return (root / key).read_bytes()

            def write(self, key, data):
                (root / key).write_bytes(data)

            def remove(self, key):
                (root / key).unlink()

        return Folder()
    client, bucket = request.getfixturevalue("s3_bucket")

    class Bucket:
        def read(self, key):
            return client.get_object(Bucket=bucket, Key=f"casework/{key}")["Body"].read()

        def write(self, key, data):
            client.put_object(Bucket=bucket, Key=f"casework/{key}", Body=data)

        def remove(self, key):
            client.delete_object(Bucket=bucket, Key=f"casework/{key}")

    return Bucket()


@pytest.fixture
def added(login_as, make_case, db):
    client, _ = login_as("officer")
    case = make_case(status="verifying")
    data = samples.pdf()
    assert upload(client, case, data, "attestation.pdf").status_code == 303
    file = db.session.scalar(select(EvidenceFile))
    return client, case, file, data


def test_the_stored_bytes_are_encrypted_and_come_back_whole(added, stored):
    client, case, file, data = added
    at_rest = stored.read(file.storage_key)
    assert b"%PDF" not in at_rest and b"/Catalog" not in at_rest
    response = client.get(f"/cases/{case.reference}/files/{file.id}")
    assert response.status_code == 200 and response.data == data
    assert hashlib.sha256(response.data).hexdigest() == file.sha256


def test_audit_verify_passes_while_files_are_as_added(added, runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "1 files match the record" in result.output


@pytest.mark.parametrize("how", ["re-encrypted", "garbage"])
def test_a_replaced_file_fails_audit_verify_and_is_not_served(added, stored, runner, how):
    client, case, file, _ = added
    forged = samples.pdf().replace(b"200 200", b"300 300")
    stored.write(file.storage_key, encrypt_bytes(forged) if how == "re-encrypted" else b"x" * 64)

    result = runner.invoke(args=["audit", "verify"])

    assert result.exit_code == 1
    assert f"TAMPERED: case {case.reference}" in result.output
    assert f"file #{file.id} 'attestation.pdf'" in result.output
    expected = "no longer match the SHA-256" if how == "re-encrypted" else "cannot be decrypted"
    assert expected in result.output
    response = client.get(f"/cases/{case.reference}/files/{file.id}")
    assert response.status_code == 409
    assert "no longer matches the one added to the case" in response.get_data(as_text=True)


def test_a_removed_file_fails_audit_verify(added, stored, runner):
    client, case, file, _ = added
    stored.remove(file.storage_key)

    result = runner.invoke(args=["audit", "verify"])

    assert result.exit_code == 1
    assert f"case {case.reference}" in result.output
    assert "'attestation.pdf': it is missing from storage (removed)" in result.output
    response = client.get(f"/cases/{case.reference}/files/{file.id}")
    assert response.status_code == 409
    assert "missing from storage" in response.get_data(as_text=True)


def test_a_file_row_removed_from_the_database_fails_audit_verify(added, runner, db):
    file = added[2]
    db.session.delete(file)
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "the record lists it but its row is gone" in result.output


def test_a_sha256_changed_in_the_database_fails_audit_verify(added, runner, db):
    file = added[2]
    file.sha256 = hashlib.sha256(b"something else").hexdigest()
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "differs from the one on the case's record" in result.output
