"""Settings from the environment, with development defaults.

Outside development (``CASEWORK_ENV`` other than ``development``/``testing``) the app refuses to
start without ``SECRET_KEY`` and ``CASEWORK_DATA_KEY``: a production instance must never run
on a generated key.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names the variable to set."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _instance_secret(instance_path: Path, filename: str, make: Callable[[], str]) -> str:
    """Read a development secret from the instance folder, creating it on first use."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / filename
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _roles(name: str, default: str) -> tuple[str, ...]:
    """A comma-separated list of roles (workflows.ROLES); an unknown one is an error."""
    from workflows import ROLES

    raw = os.environ.get(name)
    names = [r.strip().lower() for r in (default if raw is None else raw).split(",") if r.strip()]
    unknown = [r for r in names if r not in ROLES]
    if unknown:
        raise ConfigError(
            f"{name} names unknown roles {', '.join(unknown)}; use some of: {', '.join(ROLES)}."
        )
    return tuple(names)


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` spellings and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_settings(instance_path: str) -> dict:
    env = os.environ.get("CASEWORK_ENV", "development")
    development = env in {"development", "testing"}
    instance = Path(instance_path)

    secret_key = os.environ.get("SECRET_KEY")
    data_key = os.environ.get("CASEWORK_DATA_KEY")
    if not development:
        for name, value in (("SECRET_KEY", secret_key), ("CASEWORK_DATA_KEY", data_key)):
            if not value:
                raise ConfigError(
                    f"{name} is not set. Casework refuses to start in the {env!r} environment "
                    f"without it; set {name} in the environment "
                    + (
                        '(generate one with: python -c "from cryptography.fernet import '
                        'Fernet; print(Fernet.generate_key().decode())")'
                        if name == "CASEWORK_DATA_KEY"
                        else "(a long random string)"
                    )
                    + "."
                )
    if not secret_key:
        secret_key = _instance_secret(instance, "secret.key", lambda: secrets.token_hex(32))
    if not data_key:
        data_key = _instance_secret(instance, "data.key", lambda: Fernet.generate_key().decode())

    # Development has no Twilio account: a generated token lets the SMS simulator sign its
    # requests to the real webhook. Outside development an unset token refuses every webhook.
    twilio_token = os.environ.get("TWILIO_AUTH_TOKEN", "")
    if not twilio_token and development:
        twilio_token = _instance_secret(instance, "twilio-dev.token", lambda: secrets.token_hex(16))

    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'casework.db'}"

    return {
        "CASEWORK_ENV": env,
        "SECRET_KEY": secret_key,
        "CASEWORK_DATA_KEY": data_key,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        # hide_parameters: SQL errors in logs must not carry report text or personal data.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # A login lasts a working day; a stolen or forgotten cookie expires with it.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("CASEWORK_SESSION_HOURS", 10)),
        # Roles that log in with a second factor (casework/auth/twofactor.py): they set one
        # up before anything else. Empty in development and testing unless set.
        "CASEWORK_2FA_ROLES": _roles(
            "CASEWORK_2FA_ROLES", "" if development else "admin,supervisor"
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        "REMEMBER_COOKIE_SECURE": not development,
        "WTF_CSRF_TIME_LIMIT": None,
        "CASEWORK_PUBLIC_URL": os.environ.get("CASEWORK_PUBLIC_URL", "").rstrip("/"),
        "CASEWORK_REFERENCE_PREFIX": os.environ.get("CASEWORK_REFERENCE_PREFIX", "CW"),
        "CASEWORK_FOLLOWUP_WINDOW_HOURS": _int("CASEWORK_FOLLOWUP_WINDOW_HOURS", 24),
        "CASEWORK_SMS_HOURLY_LIMIT": _int("CASEWORK_SMS_HOURLY_LIMIT", 20),
        # SMS intake when the database cannot take a message (casework/intake/spool.py): the
        # longest the webhook waits for a lock or a statement, then where it keeps the
        # message (encrypted) until the database answers; unset: <instance>/spool.
        "CASEWORK_INTAKE_DB_TIMEOUT_MS": _int("CASEWORK_INTAKE_DB_TIMEOUT_MS", 3000),
        "CASEWORK_SPOOL_DIR": os.environ.get("CASEWORK_SPOOL_DIR", "").strip(),
        # Days after a reporter's last case closes before their contact details are erased
        # (casework/jobs/retention.py); a case on legal hold keeps them.
        "CASEWORK_REPORTER_RETENTION_DAYS": _int("CASEWORK_REPORTER_RETENTION_DAYS", 365),
        "CASEWORK_API_PAGE_SIZE": _int("CASEWORK_API_PAGE_SIZE", 50),
        # Evidence files (casework/evidence/storage.py): unset keeps them in instance/files/;
        # a folder path or file:///path; or s3://bucket[/prefix]?endpoint_url=...&region=...
        # for an S3-compatible store shared by several web hosts (credentials from the usual
        # AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or ~/.aws, or access_key_id= and
        # secret_access_key= in the URL). Bytes are encrypted with CASEWORK_DATA_KEY either way.
        "CASEWORK_FILES_URL": os.environ.get("CASEWORK_FILES_URL", "").strip(),
        # The largest file an officer may attach (bytes); a request body may be 1 MB more.
        "CASEWORK_FILE_MAX_BYTES": _int("CASEWORK_FILE_MAX_BYTES", 20 * 1024 * 1024),
        "TWILIO_ACCOUNT_SID": os.environ.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": twilio_token,
        "TWILIO_WEBHOOK_SHARED_KEY": os.environ.get("TWILIO_WEBHOOK_SHARED_KEY", ""),
        "TWILIO_FROM_NUMBER": os.environ.get("TWILIO_FROM_NUMBER", ""),
        "TWILIO_API_BASE_URL": os.environ.get("TWILIO_API_BASE_URL", ""),
        # Delete Twilio's copy of an MMS/WhatsApp media once it is a file on its case (the
        # media-fetch job); off by default: Twilio keeps it until deleted.
        "CASEWORK_DELETE_TWILIO_MEDIA": _bool(os.environ.get("CASEWORK_DELETE_TWILIO_MEDIA")),
        # WhatsApp: the sender (default TWILIO_FROM_NUMBER) and the approved template
        # (Content SID) for messages outside WhatsApp's 24-hour window.
        "TWILIO_WHATSAPP_FROM": os.environ.get("TWILIO_WHATSAPP_FROM", ""),
        "TWILIO_WHATSAPP_TEMPLATE_SID": os.environ.get("TWILIO_WHATSAPP_TEMPLATE_SID", ""),
        # Unset means "no email service": captured in development, an error elsewhere
        # (notifications/channels.py). Flask-Mail is only asked to send when it is set.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "").strip(),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _bool(os.environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(os.environ.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "casework@localhost"),
        # The failed-login throttle's storage (casework/auth/throttle.py): memory:// counts
        # per process; redis://host:6379/0 makes every worker and host count together.
        "RATELIMIT_STORAGE_URI": os.environ.get("CASEWORK_RATELIMIT_STORAGE_URI", "").strip()
        or "memory://",
        # Who to write to about a vulnerability: /.well-known/security.txt's Contact
        # (an email address or an https:// URL); unset, there is no security.txt.
        "CASEWORK_SECURITY_CONTACT": os.environ.get("CASEWORK_SECURITY_CONTACT", "").strip(),
        # Reverse proxies in front of the app (nginx: 1). Each one's X-Forwarded-For is then
        # trusted for the client's address, which the failed-login throttle counts by;
        # without it every client has the proxy's address and is counted together.
        "CASEWORK_TRUSTED_PROXIES": _int("CASEWORK_TRUSTED_PROXIES", 0),
        "BABEL_DEFAULT_LOCALE": "en",
        "CASEWORK_LANGUAGES": ["en", "fr", "sw"],
    }
