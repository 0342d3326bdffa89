"""Which delivery channels are configured, and what happens to a message on one that is not.

A channel is configured by one setting: email by ``MAIL_SERVER``, SMS and WhatsApp by
``TWILIO_ACCOUNT_SID`` (the rest of a channel's settings are checked when it sends, and
named in the error when missing). On an unconfigured channel:

- in development (``CASEWORK_ENV`` ``development`` or ``testing``) the message is
  *captured*: nothing leaves the machine, the outbox row ends ``sent`` with
  ``provider_status`` ``captured`` (so the dispatcher, retries and hooks run as for a real
  send) and the "Sent mail and SMS" page shows it;
- anywhere else the send fails with a `DeliveryError` naming the setting (code
  ``not_configured``): retried, then given up, and reported by `problems` (``/healthz``,
  the admin outbox page) so an operator sees it before anyone wonders where the mail went.
"""

from __future__ import annotations

from flask import current_app

from notifications.errors import DeliveryError

CAPTURED = "captured"  # provider_status of a row captured in development
NOT_CONFIGURED = "not_configured"  # last_error_code of a send refused for want of a setting
DEVELOPMENT_ENVS = frozenset({"development", "testing"})

# channel -> the setting that turns it on
SETTINGS = {"email": "MAIL_SERVER", "sms": "TWILIO_ACCOUNT_SID", "whatsapp": "TWILIO_ACCOUNT_SID"}
# The services an operator configures (WhatsApp goes through the SMS service's account).
SERVICES = ("email", "sms")


def is_development() -> bool:
    return current_app.config.get("CASEWORK_ENV", "development") in DEVELOPMENT_ENVS


def setting(channel: str) -> str:
    return SETTINGS[channel]


def is_configured(channel: str) -> bool:
    return bool((current_app.config.get(SETTINGS[channel]) or "").strip())


def captures(channel: str) -> bool:
    """Is a message on ``channel`` captured rather than sent?"""
    return not is_configured(channel) and is_development()


def capture_active() -> bool:
    """Is any channel captured (development with a channel unconfigured)?"""
    return any(captures(channel) for channel in SERVICES)


def not_configured_error(channel: str) -> DeliveryError:
    """The error a send on an unconfigured channel fails with, outside development."""
    name = SETTINGS[channel]
    service = "email" if channel == "email" else "SMS and WhatsApp"
    return DeliveryError(
        f"{name} is not set: {service} cannot be sent until it is", code=NOT_CONFIGURED
    )


def service_status(service: str) -> str:
    """``ok``, ``captured`` (development) or ``not configured: set <SETTING>``."""
    if is_configured(service):
        return "ok"
    if is_development():
        return CAPTURED
    return f"not configured: set {SETTINGS[service]}"


def problems() -> dict[str, str]:
    """The services that cannot deliver as configured, each with what to set (production)."""
    return {
        service: status
        for service in SERVICES
        if (status := service_status(service)) not in ("ok", CAPTURED)
    }
