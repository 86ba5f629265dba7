"""The blob stores of attachments (platform/files/storage.py): the local folder and an S3-compatible store.

The S3 backend runs against moto's S3 server started on a free local port (``moto.server.ThreadedMotoServer``)
and reached through boto3 at its endpoint URL, as a production store is reached (docs/files.md: MinIO's
server cannot be installed on the build machines)."""
from __future__ import annotations

import hashlib
import socket

import pytest

from workflow_app.platform.files.storage import BlobCorrupted, BlobMissing, LocalFolderStorage, S3Storage


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalFolderStorage(tmp_path / "blobs")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage(f"caseflow-test-{tmp_path.name.lower().replace('_', '-')}"[:60], endpoint_url=endpoint,
                     region="us-east-1", access_key="test", secret_key="test", prefix="files/",
                     create_bucket=True)


def test_put_returns_the_sha256_of_the_content_and_get_gives_the_bytes_back(store):
    data = "证据材料 evidence".encode() * 100
    key = store.put(data)
    assert key == hashlib.sha256(data).hexdigest()
    assert store.exists(key)
    assert store.get(key) == data


def test_putting_the_same_content_twice_stores_one_blob_under_one_key(store):
    assert store.put(b"same bytes") == store.put(b"same bytes")


def test_an_unknown_key_is_missing(store):
    key = hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(key)
    with pytest.raises(BlobMissing):
        store.get(key)


def test_a_key_that_is_not_a_sha256_digest_is_refused(store):
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")


def test_the_local_folder_shards_blobs_by_the_first_bytes_of_their_hash(tmp_path):
    store = LocalFolderStorage(tmp_path)
    key = store.put(b"sharded")
    assert (tmp_path / key[:2] / key[2:4] / key).read_bytes() == b"sharded"


def test_bytes_changed_in_the_folder_are_refused_as_corrupted(tmp_path):
    store = LocalFolderStorage(tmp_path)
    key = store.put(b"original")
    (tmp_path / key[:2] / key[2:4] / key).write_bytes(b"tampered")
    with pytest.raises(BlobCorrupted):
        store.get(key)


def test_the_s3_store_keeps_blobs_under_its_prefix(s3_endpoint):
    store = S3Storage("caseflow-prefix", endpoint_url=s3_endpoint, region="us-east-1", access_key="test",
                      secret_key="test", prefix="tenant-a/", create_bucket=True)
    key = store.put(b"prefixed")
    listed = store.client.list_objects_v2(Bucket="caseflow-prefix")["Contents"]
    assert [o["Key"] for o in listed] == [f"tenant-a/{key[:2]}/{key[2:4]}/{key}"]


def test_the_settings_choose_the_backend(s3_endpoint, tmp_path):
    from workflow_app.entrypoints.app import blob_store
    from workflow_app.entrypoints.config import Settings
    local = blob_store(Settings(database_url=f"sqlite:///{tmp_path / 'cases.sqlite'}"))
    assert isinstance(local, LocalFolderStorage) and local.root == tmp_path / "cases-files"
    remote = blob_store(Settings(files_backend="s3", s3_bucket="caseflow-settings", s3_endpoint=s3_endpoint,
                                 s3_region="us-east-1", s3_access_key="test", s3_secret_key="test"))
    remote.client.create_bucket(Bucket="caseflow-settings")
    assert isinstance(remote, S3Storage) and remote.get(remote.put(b"configured")) == b"configured"


def test_production_refuses_the_s3_backend_without_a_bucket():
    from workflow_app.entrypoints.config import InsecureConfiguration, Settings
    settings = Settings(env="production", secret_key="x" * 40, database_url="postgresql+psycopg://db/caseflow",
                        create_schema=False, files_backend="s3")
    with pytest.raises(InsecureConfiguration, match="CASEFLOW_S3_BUCKET"):
        settings.check()
