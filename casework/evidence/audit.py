"""Checking every evidence file against the SHA-256 on its case's record.

Run after `verify_chains` has found the chains intact: the ``file_added`` events are then
what was recorded when each file was added, and a file whose stored bytes are gone, cannot
be decrypted or hash to something else was removed or replaced since.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from sqlalchemy import select

from casework.cases.models import Case, CaseEvent
from casework.evidence.models import EvidenceFile
from casework.evidence.storage import FileMissing, get_storage
from casework.extensions import db
from casework.reporters.crypto import decrypt_bytes


@dataclass
class FileProblem:
    case_id: int
    reference: str
    file_id: int
    filename: str
    problem: str


def _recorded() -> dict[tuple[int, int], tuple[str, str, str]]:
    """(case id, file id) -> (sha256, filename, reference) from every ``file_added`` event."""
    rows = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.data, Case.reference)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.kind == "file_added")
    )
    return {
        (case_id, int(data["file_id"])): (data["sha256"], data.get("filename", ""), reference)
        for case_id, data, reference in rows
    }


def _check(file: EvidenceFile, recorded_sha: str) -> str | None:
    if file.sha256 != recorded_sha:
        return "its SHA-256 in the database differs from the one on the case's record"
    try:
        data = decrypt_bytes(get_storage().get(file.storage_key))
    except FileMissing:
        return "it is missing from storage (removed)"
    except InvalidToken:
        return "its stored bytes cannot be decrypted with the data key (replaced or damaged)"
    if hashlib.sha256(data).hexdigest() != recorded_sha:
        return "its stored bytes no longer match the SHA-256 on the case's record (replaced)"
    return None


def verify_files() -> tuple[int, list[FileProblem]]:
    """Check every file; return how many were checked and every problem found."""
    recorded = _recorded()
    problems: list[FileProblem] = []
    checked = 0
    query = (
        select(EvidenceFile, Case.reference)
        .join(Case, Case.id == EvidenceFile.case_id)
        .order_by(EvidenceFile.case_id, EvidenceFile.id)
    )
    for file, reference in db.session.execute(query.execution_options(yield_per=500)):
        checked += 1
        entry = recorded.pop((file.case_id, file.id), None)
        problem = (
            "the case's record has no file_added event for it (added outside Casework)"
            if entry is None
            else _check(file, entry[0])
        )
        if problem:
            problems.append(FileProblem(file.case_id, reference, file.id, file.filename, problem))
        db.session.expunge(file)  # a long run must not keep every file in the session
    for (case_id, file_id), (_sha, filename, reference) in recorded.items():
        problems.append(
            FileProblem(
                case_id, reference, file_id, filename, "the record lists it but its row is gone"
            )
        )
    return checked, problems
