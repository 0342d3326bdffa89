"""``casework reporters ...``: maintenance of reporter records (never shows a number)."""

from __future__ import annotations

import click
from cryptography.fernet import InvalidToken
from flask.cli import with_appcontext
from sqlalchemy import select

from casework.extensions import db
from casework.reporters import crypto
from casework.reporters.models import Reporter

BATCH = 500


@click.group()
def reporters() -> None:
    """Reporters (people who texted a report)."""


@reporters.command("rotate-key")
@with_appcontext
def rotate_key() -> None:
    """Re-encrypt every reporter phone number and two-factor key, then every evidence file,
    under the newest CASEWORK_DATA_KEY key.

    Rotation: put the new Fernet key first in CASEWORK_DATA_KEY ('NEW,OLD'), run this
    command, then remove OLD. Lookup hashes are recomputed with the new key too. All rows
    change in one transaction: on any error nothing is changed.
    """
    count, last_id = 0, 0
    try:
        while True:
            batch = db.session.scalars(
                select(Reporter).where(Reporter.id > last_id).order_by(Reporter.id).limit(BATCH)
            ).all()
            if not batch:
                break
            for reporter in batch:
                phone = crypto.decrypt(reporter.phone_encrypted)
                reporter.phone_encrypted = crypto.rotate(reporter.phone_encrypted)
                reporter.phone_hash = crypto.lookup_hash(phone)
                count += 1
            last_id = batch[-1].id
            db.session.flush()
    except InvalidToken:
        db.session.rollback()
        click.echo(
            f"Error: reporter {reporter.id}'s phone number does not decrypt with any key in "
            "CASEWORK_DATA_KEY. Add the key it was encrypted with (after the new one) and run "
            "the command again. Nothing was changed.",
            err=True,
        )
        raise SystemExit(1) from None
    from casework.auth.twofactor import UndecryptableSecret, rotate_secrets

    try:  # the two-factor keys of users, in the same transaction
        second_factors = rotate_secrets()
    except UndecryptableSecret as exc:
        db.session.rollback()
        click.echo(f"Error: {exc} Nothing was changed.", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"Re-encrypted {count} reporter phone number(s) under the newest key.")
    click.echo(f"Re-encrypted {second_factors} two-factor key(s) under the newest key.")
    from casework.evidence.keys import reencrypt_files

    files = reencrypt_files()
    click.echo(f"Re-encrypted {files.done} evidence file(s) under the newest key.")
    if files.missing or files.undecryptable:
        if files.missing:
            click.echo(
                f"Error: evidence file(s) {', '.join(map(str, files.missing))} are missing "
                "from storage (casework audit verify names their cases).",
                err=True,
            )
        if files.undecryptable:
            click.echo(
                f"Error: evidence file(s) {', '.join(map(str, files.undecryptable))} do not "
                "decrypt with any key in CASEWORK_DATA_KEY: keep the old key until they are "
                "found and re-encrypted.",
                err=True,
            )
        raise SystemExit(1)
