"""Uploading through the case page as a browser does, and a local S3-compatible server
(moto's, on 127.0.0.1) for the object-store tests."""

from __future__ import annotations

import io
import uuid

import pytest

from tests.conftest import csrf_token


def upload(client, case, data: bytes, name: str = "photo.jpg", *, caption: str = "",
           source: str = "field_visit", claimed_type: str = "image/jpeg"):  # fmt: skip
    """POST the case page's upload form; ``claimed_type`` is what the browser says."""
    token = csrf_token(client, f"/cases/{case.reference}")
    return client.post(
        f"/cases/{case.reference}/files",
        data={
            "csrf_token": token,
            "caption": caption,
            "source": source,
            "file": (io.BytesIO(data), name, claimed_type),
        },
        content_type="multipart/form-data",
    )


@pytest.fixture(scope="session")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(moto_endpoint, monkeypatch):
    """A fresh bucket on the local server; fake credentials in the environment, and no
    AWS config file read from the machine."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    name = f"evidence-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    return client, name


@pytest.fixture
def storage_kind() -> str:
    """The folder; a module runs on both with
    ``pytestmark = pytest.mark.parametrize("storage_kind", ["folder", "s3"])``."""
    return "folder"


@pytest.fixture
def app_config(request, storage_kind):
    """The folder in the test's tmp_path (tests/conftest.py), or a fresh bucket."""
    if storage_kind == "s3":
        _client, bucket = request.getfixturevalue("s3_bucket")
        endpoint = request.getfixturevalue("moto_endpoint")
        query = f"endpoint_url={endpoint}&region=us-east-1"
        return {"CASEWORK_FILES_URL": f"s3://{bucket}/casework?{query}"}
    return {}
