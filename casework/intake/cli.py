"""``casework intake ...``: SMS intake maintenance."""

from __future__ import annotations

import logging
from collections import Counter

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import IntegrityError

from casework.extensions import db
from casework.intake import operations, spooled

log = logging.getLogger(__name__)

RETRIES = 3


@click.group()
def intake() -> None:
    """SMS intake."""


@intake.command("replay")
@with_appcontext
def replay() -> None:
    """File every inbound message that is on no case: those spooled while the database
    could not take them (the intake-spool job files them too, every minute), those kept
    after their processing failed (processed again as if just received; replies go
    through the outbox) and those flooded before they had a case. Run it after fixing the
    cause of the failures; running it twice is harmless. One transaction per message;
    exit 1 if any still fails."""
    spool = spooled.file_spooled()
    if spool["spooled"]:
        click.echo(
            f"{spool['spooled']} spooled message(s); {spool['filed']} filed, "
            f"{spool['failed'] + spool['unreadable']} failed again."
        )
    ids = operations.unfiled_message_ids()
    actions: Counter[str] = Counter()
    failed = 0
    for message_id in ids:
        for attempt in range(1, RETRIES + 1):
            try:
                outcome = operations.replay(message_id)
                db.session.commit()
            except IntegrityError:
                # A concurrent writer took the next event number of a case: start again.
                db.session.rollback()
                if attempt < RETRIES:
                    continue
                log.exception("Replaying message %s failed", message_id)
                failed += 1
            except Exception:
                db.session.rollback()
                log.exception("Replaying message %s failed", message_id)
                failed += 1
            else:
                actions[outcome.action] += 1
            break
    done = ", ".join(f"{n} {action}" for action, n in sorted(actions.items()))
    click.echo(
        f"{len(ids)} unfiled inbound message(s); {len(ids) - failed} replayed"
        + (f" ({done})" if done else "")
        + f", {failed} failed again."
    )
    if failed or spool["failed"] or spool["unreadable"]:
        click.echo("See the log for why; fix the cause and run this again.", err=True)
        raise SystemExit(1)
