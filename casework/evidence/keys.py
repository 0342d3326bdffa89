"""Re-encrypting stored evidence files under the newest data key (key rotation)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from sqlalchemy import select

from casework.evidence.models import EvidenceFile
from casework.evidence.storage import FileMissing, get_storage
from casework.extensions import db
from casework.reporters.crypto import rotate_bytes


@dataclass
class Rotation:
    done: int = 0
    missing: list[int] = field(default_factory=list)  # file ids absent from storage
    undecryptable: list[int] = field(default_factory=list)


def reencrypt_files() -> Rotation:
    """Rewrite every stored file and preview under the newest key, in place.

    Safe to interrupt and run again: until it finishes, each object is under the old key
    or the new one, and both are in CASEWORK_DATA_KEY. The SHA-256 is of the original
    bytes, so the record does not change.
    """
    storage = get_storage()
    result = Rotation()
    query = select(EvidenceFile.id, EvidenceFile.storage_key, EvidenceFile.preview_key)
    for file_id, key, preview_key in db.session.execute(query.order_by(EvidenceFile.id)):
        try:
            storage.put(key, rotate_bytes(storage.get(key)))
            if preview_key is not None:
                storage.put(preview_key, rotate_bytes(storage.get(preview_key)))
        except FileMissing:
            result.missing.append(file_id)
        except InvalidToken:
            result.undecryptable.append(file_id)
        else:
            result.done += 1
    return result
