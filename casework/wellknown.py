"""``/.well-known/security.txt`` (RFC 9116): where to report a vulnerability.

Its Contact is ``CASEWORK_SECURITY_CONTACT`` (an email address or an https:// URL); without
it there is no file (404), rather than one naming nobody. The file is made on each request,
so its Expires, the start of the day a year from now, never lapses while the app runs.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app
from flask.blueprints import BlueprintSetupState

from casework import clock
from casework.config import ConfigError
from casework.security import public

bp = Blueprint("wellknown", __name__)


def contact_uri(value: str) -> str:
    """The Contact field for ``value``: ``mailto:`` for an email address, an https URL as
    it is; anything else is a configuration error naming the setting."""
    if value and not any(ch.isspace() or not ch.isprintable() for ch in value):
        if value.startswith(("https://", "mailto:")):
            return value
        if "@" in value and ":" not in value and "/" not in value:
            return f"mailto:{value}"
    raise ConfigError(
        "CASEWORK_SECURITY_CONTACT must be an email address (security@example.org) or an "
        f"https:// URL, got {value!r}."
    )


@bp.record_once
def _check_contact(state: BlueprintSetupState) -> None:
    if value := state.app.config.get("CASEWORK_SECURITY_CONTACT"):
        contact_uri(value)  # a wrong contact stops the app at start, not a reader later


@bp.get("/.well-known/security.txt")
@public
def security_txt():
    value = current_app.config.get("CASEWORK_SECURITY_CONTACT")
    if not value:
        abort(404)
    start_of_today = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    expires = start_of_today + timedelta(days=365)
    lines = [
        f"Contact: {contact_uri(value)}",
        f"Expires: {expires:%Y-%m-%dT%H:%M:%SZ}",
        "Preferred-Languages: " + ", ".join(current_app.config["CASEWORK_LANGUAGES"]),
    ]
    if public_url := current_app.config.get("CASEWORK_PUBLIC_URL"):
        lines.append(f"Canonical: {public_url}/.well-known/security.txt")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
