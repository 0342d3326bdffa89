"""CASEWORK_FILES_URL: which store each spelling names, and a wrong one named as such."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.config import ConfigError
from casework.evidence.storage import FolderStorage, S3Storage, storage_from_url


def test_unset_is_the_instance_folder_and_a_path_or_file_url_a_folder(tmp_path):
    default = storage_from_url("", str(tmp_path))
    assert isinstance(default, FolderStorage) and default.root == tmp_path / "files"
    assert storage_from_url("/srv/casework/files", "x").root == Path("/srv/casework/files")  # type: ignore[attr-defined]
    assert storage_from_url("file:///srv/files", "x").root == Path("/srv/files")  # type: ignore[attr-defined]


def test_an_s3_url_names_bucket_prefix_endpoint_region_and_credentials(moto_endpoint):
    store = storage_from_url(
        f"s3://evidence/casework/prod?endpoint_url={moto_endpoint}&region=eu-west-1"
        "&access_key_id=AKIDEXAMPLE&secret_access_key=secret",
        "x",
    )
    assert isinstance(store, S3Storage)
    assert (store.bucket, store.prefix) == ("evidence", "casework/prod")
    assert store.client.meta.endpoint_url == moto_endpoint
    assert store.client.meta.region_name == "eu-west-1"
    assert store.client._request_signer._credentials.access_key == "AKIDEXAMPLE"


@pytest.mark.parametrize("url", ["ftp://files.example.org/evidence", "s3://"])
def test_a_url_casework_cannot_use_names_the_setting(url):
    with pytest.raises(ConfigError, match="CASEWORK_FILES_URL"):
        storage_from_url(url, "x")


def test_a_key_never_leaves_the_folder(tmp_path):
    store = FolderStorage(tmp_path)
    for key in ("../outside", "/etc/passwd", "cases/1/../../x"):
        with pytest.raises(ValueError):
            store.put(key, b"x")
