"""SMS through Twilio's REST API, with the real twilio client.

``TWILIO_API_BASE_URL`` (optional) sends every REST call to another base URL, e.g. the
local fake the tests run on 127.0.0.1.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit, urlunsplit

from flask import current_app
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.channels import NOT_CONFIGURED
from notifications.errors import DeliveryError, Undeliverable
from notifications.outbox import Outgoing, SendResult

DEFAULT_TIMEOUT = 15.0  # seconds; TWILIO_TIMEOUT overrides
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_clients = threading.local()  # requests sessions are not safe to share between threads


class RebasedHttpClient(TwilioHttpClient):
    """Twilio's HTTP client with the scheme and host of every request replaced by
    ``base_url`` (path and query kept)."""

    def __init__(self, base_url: str, **kwargs):
        super().__init__(**kwargs)
        base = urlsplit(base_url)
        if base.scheme not in {"http", "https"} or not base.netloc:
            raise ValueError(
                f"TWILIO_API_BASE_URL must be a base URL such as http://127.0.0.1:8080, "
                f"got {base_url!r}"
            )
        self.base = base
        if self.session is not None and base.hostname in _LOOPBACK:
            self.session.trust_env = False  # no proxy from the environment for loopback

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        url = urlunsplit(
            (
                self.base.scheme,
                self.base.netloc,
                self.base.path.rstrip("/") + parts.path,
                parts.query,
                parts.fragment,
            )
        )
        return super().request(method, url, *args, **kwargs)


def _settings() -> tuple[str, str, str, str, float]:
    config = current_app.config
    values = (
        config.get("TWILIO_ACCOUNT_SID") or "",
        config.get("TWILIO_AUTH_TOKEN") or "",
        config.get("TWILIO_FROM_NUMBER") or "",
        config.get("TWILIO_API_BASE_URL") or "",
        float(config.get("TWILIO_TIMEOUT") or DEFAULT_TIMEOUT),
    )
    for name, value in zip(
        ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"), values, strict=False
    ):
        if not value:
            raise DeliveryError(
                f"{name} is not set: SMS cannot be sent until it is", code=NOT_CONFIGURED
            )
    return values


def client() -> tuple[Client, str]:
    """A Twilio client for the current settings (one per thread) and the sender number."""
    sid, token, from_number, base_url, timeout = _settings()
    key = (sid, token, base_url, timeout)
    cached = getattr(_clients, "entry", None)
    if cached is None or cached[0] != key:
        if cached is not None and cached[1].http_client.session is not None:
            cached[1].http_client.session.close()
        http_client = (
            RebasedHttpClient(base_url, timeout=timeout)
            if base_url
            else TwilioHttpClient(timeout=timeout)
        )
        cached = (key, Client(sid, token, http_client=http_client))
        _clients.entry = cached
    return cached[1], from_number


def send_sms(outgoing: Outgoing) -> SendResult:
    """Send one SMS; Twilio's message SID is the provider id."""
    twilio, from_number = client()
    return _create(twilio, outgoing, {"to": outgoing.to, "from_": from_number})


def send_whatsapp(outgoing: Outgoing) -> SendResult:
    """Send one WhatsApp message through Twilio: free-form text, or with ``template`` an
    approved template (Content SID) whose variables are the body, as JSON. The sender is
    TWILIO_WHATSAPP_FROM, else TWILIO_FROM_NUMBER."""
    twilio, from_number = client()
    sender = current_app.config.get("TWILIO_WHATSAPP_FROM") or from_number
    options = {"to": f"whatsapp:{outgoing.to}", "from_": f"whatsapp:{sender}"}
    return _create(twilio, outgoing, options)


def _create(twilio: Client, outgoing: Outgoing, options: dict) -> SendResult:
    if outgoing.template:
        options["content_sid"] = outgoing.template
        options["content_variables"] = outgoing.body
    else:
        options["body"] = outgoing.body
    if outgoing.status_callback_url:
        options["status_callback"] = outgoing.status_callback_url
    try:
        message = twilio.messages.create(**options)
    except TwilioRestException as exc:
        # Twilio's message text may quote the number: keep only the status and the code.
        code = str(exc.code) if exc.code else str(exc.status)
        detail = f"Twilio answered HTTP {exc.status}" + (f", error {exc.code}" if exc.code else "")
        if exc.status == 400:  # this message is invalid (number, opt-out, body): final
            raise Undeliverable(detail, code=code) from None
        raise DeliveryError(detail, code=code) from None
    return SendResult(provider_id=message.sid, provider_status=message.status)
