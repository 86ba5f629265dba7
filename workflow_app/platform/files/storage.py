"""Where the bytes of attachments live: a content-addressed store keyed by SHA-256 (docs/files.md "Storage").

The database holds what a file *is* (name, type, case, uploader); a :class:`BlobStore` holds its bytes under
the hex SHA-256 of the content. Writing the same content twice is one blob, and the key proves the content:
:meth:`BlobStore.get` re-hashes what it reads and refuses bytes that no longer match their key.

Two backends: :class:`LocalFolderStorage` (a folder, sharded ``ab/cd/<sha256>``; the default) and
:class:`S3Storage` (any S3-compatible object store through boto3; production).
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobMissing(LookupError):
    """No blob is stored under this key."""


class BlobCorrupted(RuntimeError):
    """The stored bytes no longer hash to their key (tampering or a storage fault)."""


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked_key(sha256: str) -> str:
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


class BlobStore(Protocol):
    """The storage interface every backend implements."""

    def put(self, data: bytes) -> str:
        """Store ``data``; returns its SHA-256 (idempotent: the same content is stored once)."""

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256`` (:class:`BlobMissing`, :class:`BlobCorrupted`)."""

    def exists(self, sha256: str) -> bool:
        """Whether a blob is stored under ``sha256``."""


def _verified(sha256: str, data: bytes) -> bytes:
    if sha256_of(data) != sha256:
        raise BlobCorrupted(f"blob {sha256} does not match its content")
    return data


class LocalFolderStorage:
    """Blobs as files in a folder: ``<root>/ab/cd/<sha256>``, written atomically (temporary file + rename)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        key = _checked_key(sha256)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        sha256 = sha256_of(data)
        path = self._path(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)  # atomic: a reader never sees half a blob
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha256

    def get(self, sha256: str) -> bytes:
        path = self._path(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlobMissing(sha256) from None
        return _verified(sha256, data)

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()


class S3Storage:
    """Blobs as objects of one bucket of an S3-compatible store (key ``<prefix>ab/cd/<sha256>``)."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None, prefix: str = "",
                 create_bucket: bool = False, client=None):
        if client is None:
            import boto3  # imported here: installations on the local folder never load it
            from botocore.config import Config
            client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region or "us-east-1",
                                  aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                                  config=Config(retries={"max_attempts": 3, "mode": "standard"}))
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        if create_bucket and not self._bucket_exists():
            self.client.create_bucket(Bucket=bucket)

    def _bucket_exists(self) -> bool:
        from botocore.exceptions import ClientError
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return True
        except ClientError:
            return False

    def _key(self, sha256: str) -> str:
        key = _checked_key(sha256)
        return f"{self.prefix}{key[:2]}/{key[2:4]}/{key}"

    def put(self, data: bytes) -> str:
        sha256 = sha256_of(data)
        if not self.exists(sha256):
            import base64
            # The store checks the upload against the checksum we computed: no silently truncated blob.
            self.client.put_object(Bucket=self.bucket, Key=self._key(sha256), Body=data,
                                   ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode())
        return sha256

    def get(self, sha256: str) -> bytes:
        from botocore.exceptions import ClientError
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(sha256))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise BlobMissing(sha256) from None
            raise
        return _verified(sha256, answer["Body"].read())

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(sha256))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise
