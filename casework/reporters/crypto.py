"""Field encryption for reporter phone numbers.

``CASEWORK_DATA_KEY`` holds one or more Fernet keys separated by commas, newest first.
The newest encrypts; any of them decrypts (MultiFernet), so a key can be rotated in
without downtime: prepend the new key, run ``casework reporters rotate-key``, then drop
the old one. Lookups use a keyed hash (HMAC-SHA256 with a subkey derived from each data
key); a lookup tries every configured key, so rotation never hides a reporter.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app


class DataKeyError(RuntimeError):
    pass


@lru_cache(maxsize=8)
def _keys(raw: str) -> tuple[Fernet, ...]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise DataKeyError("CASEWORK_DATA_KEY is empty; set it to a Fernet key.")
    try:
        return tuple(Fernet(p.encode()) for p in parts)
    except ValueError:
        raise DataKeyError(
            "CASEWORK_DATA_KEY must be Fernet keys (32 url-safe base64-encoded bytes), "
            "separated by commas."
        ) from None


@lru_cache(maxsize=8)
def _hash_keys(raw: str) -> tuple[bytes, ...]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    return tuple(hashlib.sha256(b"casework-lookup:" + p.encode()).digest() for p in parts)


def _raw() -> str:
    return current_app.config["CASEWORK_DATA_KEY"]


def encrypt(value: str) -> str:
    return MultiFernet(list(_keys(_raw()))).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return MultiFernet(list(_keys(_raw()))).decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt ``token`` under the newest key."""
    return MultiFernet(list(_keys(_raw()))).rotate(token.encode()).decode()


def lookup_hashes(value: str) -> list[str]:
    """Keyed hashes of ``value`` under every configured key, newest first."""
    return [hmac.new(k, value.encode(), hashlib.sha256).hexdigest() for k in _hash_keys(_raw())]


def lookup_hash(value: str) -> str:
    return lookup_hashes(value)[0]


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt a file's bytes under the newest key (evidence files at rest)."""
    return MultiFernet(list(_keys(_raw()))).encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return MultiFernet(list(_keys(_raw()))).decrypt(token)


def rotate_bytes(token: bytes) -> bytes:
    return MultiFernet(list(_keys(_raw()))).rotate(token)
