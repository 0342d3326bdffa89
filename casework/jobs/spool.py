"""Every minute: file the SMS kept in the intake spool while the database could not take
them (`casework.intake.spooled`), as soon as it answers again.

An empty spool costs a directory listing. While the database is still away the run
itself cannot be recorded and fails before touching the spool; the next minute tries
again. Safe beside ``casework intake replay``: a message filed twice is a duplicate.
"""

from __future__ import annotations

from casework.intake import spooled

BATCH = 500


def sweep(batch: int = BATCH) -> dict[str, int]:
    """File at most ``batch`` spooled messages, oldest first; the rest wait for the next run."""
    return spooled.file_spooled(limit=batch)
