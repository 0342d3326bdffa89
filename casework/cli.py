"""The ``casework`` console script: Flask's CLI plus Casework's own command groups."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, with_appcontext

from casework import create_app


@click.group(cls=FlaskGroup, create_app=create_app)
def cli() -> None:
    """Casework: incident and grievance case management."""


@click.group()
def audit() -> None:
    """Check the audit trail."""


@audit.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check every case's event hash chain, the admin log's chain, then every evidence
    file against the SHA-256 on its case's record; exit 1 at the first broken event or
    admin log entry, or on any missing or changed file."""
    from casework.admin.log import verify_admin_log
    from casework.cases.audit import verify_chains

    checked, broken = verify_chains()
    if broken:
        click.echo(
            f"TAMPERED: case id {broken.case_id}, event #{broken.seq}: "
            f"{broken.problem}. {checked} events checked.",
            err=True,
        )
        raise SystemExit(1)
    entries, broken_entry = verify_admin_log()
    if broken_entry:
        click.echo(
            f"TAMPERED: admin log entry #{broken_entry.seq}: {broken_entry.problem}. "
            f"{entries} entries checked.",
            err=True,
        )
        raise SystemExit(1)
    # The chains are intact, so the SHA-256 their file_added events hold can be trusted.
    from casework.evidence.audit import verify_files

    files, problems = verify_files()
    for p in problems:
        click.echo(
            f"TAMPERED: case {p.reference} (id {p.case_id}), file #{p.file_id} "
            f"{p.filename!r}: {p.problem}.",
            err=True,
        )
    if problems:
        click.echo(f"{len(problems)} of {files} files failed the check.", err=True)
        raise SystemExit(1)
    click.echo(
        f"OK: {checked} events, every chain intact; {entries} admin log entries intact; "
        f"{files} files match the record."
    )


@click.group()
def workflow() -> None:
    """The case lifecycle."""


@workflow.command("diagram")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "graphviz"]), default="mermaid")
def workflow_diagram(fmt: str) -> None:
    """Print the lifecycle as Mermaid or Graphviz text, generated from the declaration."""
    from workflows.machine import graphviz, mermaid

    click.echo(mermaid() if fmt == "mermaid" else graphviz(), nl=False)


def register_commands(app) -> None:
    """Attach Casework's command groups to ``app.cli`` (the ``casework`` script loads them
    from the app, and so does ``app.test_cli_runner()``)."""
    from casework.auth.cli import tokens, users
    from casework.auth.twofactor_cli import reset_second_factor_command
    from casework.cases.export_cli import export
    from casework.committees.cli import committees
    from casework.contacts.cli import contacts
    from casework.demo.cli import demo
    from casework.intake.cli import intake
    from casework.reporters.cli import reporters
    from casework.sites.cli import sites

    for group in (audit, workflow, users, tokens, sites, demo, reporters, intake, contacts, export):
        app.cli.add_command(group)
    app.cli.add_command(committees)  # casework committees list|create|update|add-member...
    users.add_command(reset_second_factor_command)  # casework users reset-second-factor

    from notifications.cli import outbox, scheduler

    app.cli.add_command(outbox)  # casework outbox dispatch [--once], casework outbox status
    app.cli.add_command(scheduler)  # casework scheduler (its own process; run exactly one)

    from notifications.jobs_cli import jobs

    app.cli.add_command(jobs)  # casework jobs list, casework jobs run NAME
