"""Twilio's ``X-Twilio-Signature``, checked (webhooks) and made (the simulator).

The signed URL is the one Twilio called: ``CASEWORK_PUBLIC_URL`` + path (+ query) when set,
which is what holds behind a proxy that terminates TLS; else the URL Flask saw. An empty
``TWILIO_AUTH_TOKEN`` refuses every request (an empty HMAC key would let anybody sign).

Twilio can also sign with a SharedKey (a Webhook Rule; the request then carries
``X-Twilio-Webhooks-Signature-Settings``): that is checked with ``TWILIO_WEBHOOK_SHARED_KEY``
and the header's algorithm, and refused when that setting is empty.
"""

from __future__ import annotations

import logging

from flask import current_app, request
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

log = logging.getLogger(__name__)


def public_url(path: str, query: str = "") -> str:
    """The URL Twilio calls for ``path``: under ``CASEWORK_PUBLIC_URL`` when set."""
    base = current_app.config.get("CASEWORK_PUBLIC_URL", "").rstrip("/")
    url = (base or request.host_url.rstrip("/") + request.script_root) + path
    return f"{url}?{query}" if query else url


def signed_url() -> str:
    """The URL this request was signed over."""
    if current_app.config.get("CASEWORK_PUBLIC_URL"):
        return public_url(request.path, request.query_string.decode("latin-1"))
    return request.url


def request_is_from_twilio() -> bool:
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        return False
    settings = request.headers.get(SIGNATURE_SETTINGS_HEADER)
    if settings:
        secret = current_app.config.get("TWILIO_WEBHOOK_SHARED_KEY", "")
        if not secret:
            log.error(
                "Twilio signed %s with a SharedKey but TWILIO_WEBHOOK_SHARED_KEY is not set; "
                "set it, or remove the Webhook Rule in Twilio",
                request.path,
            )
            return False
    else:
        secret = current_app.config.get("TWILIO_AUTH_TOKEN", "")
        if not secret:
            log.error("TWILIO_AUTH_TOKEN is not set: every Twilio webhook is refused")
            return False
    validator = RequestValidator(secret)
    return validator.validate(
        signed_url(), request.form, signature, algorithm=get_signature_algorithm(settings)
    )


def sign(url: str, params: dict[str, str]) -> str:
    """The signature Twilio would send for a POST of ``params`` to ``url``."""
    return RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"]).compute_signature(url, params)
