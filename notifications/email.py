"""Email through Flask-Mail, with the SMTP timeout Flask-Mail lacks."""

from __future__ import annotations

import smtplib
import threading

from flask import current_app
from flask_mail import Connection
from flask_mail import Message as MailMessage

from notifications.errors import DeliveryError, Undeliverable
from notifications.outbox import Outgoing, SendResult

DEFAULT_TIMEOUT = 30.0  # seconds; MAIL_TIMEOUT overrides


class TimeoutConnection(Connection):
    """Flask-Mail's connection, opened with a socket timeout: a dead or stalled SMTP server
    fails the attempt (to be retried) instead of hanging the dispatcher forever."""

    def __init__(self, mail, timeout: float):
        super().__init__(mail)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        # As Flask-Mail's own configure_host, plus the timeout.
        host: smtplib.SMTP
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(self.mail.server, self.mail.port, timeout=self.timeout)
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=self.timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


_open = threading.local()  # the SMTP connection this thread's dispatch batch is using


def _connection() -> TimeoutConnection:
    """The batch's open connection, or a new one."""
    connection = getattr(_open, "connection", None)
    if connection is not None and connection.host is not None:
        return connection
    timeout = float(current_app.config.get("MAIL_TIMEOUT") or DEFAULT_TIMEOUT)
    connection = TimeoutConnection(current_app.extensions["mail"], timeout)
    connection.__enter__()
    _open.connection = connection
    return connection


def close_connection() -> None:
    """End the batch's SMTP session, if one is open (QUIT, or just the socket if it died)."""
    connection = getattr(_open, "connection", None)
    _open.connection = None
    if connection is not None and connection.host is not None:
        try:
            connection.host.quit()
        except (smtplib.SMTPException, OSError):
            connection.host.close()


def send_email(outgoing: Outgoing) -> SendResult:
    """Send one email; its Message-ID is the provider id. Emails sent in one dispatch
    batch share an SMTP connection (`close_connection` ends it)."""
    message = MailMessage(
        subject=outgoing.subject or "",
        recipients=[outgoing.to],
        body=outgoing.body,
        html=outgoing.html,
    )
    try:
        try:
            _connection().send(message)
        except smtplib.SMTPServerDisconnected:
            # The server hung up on the batch's connection between two messages (an idle
            # timeout): nothing of this message was accepted; send it on a new connection.
            close_connection()
            _connection().send(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            raise Undeliverable("SMTP server refused the recipient", code=str(codes[0])) from None
        raise DeliveryError(
            "SMTP server refused the recipient for now", code=str(codes[0])
        ) from None
    except smtplib.SMTPDataError as exc:
        # 5xx on DATA: this message is rejected (content, size); 4xx: try again later.
        raise DeliveryError(
            f"SMTP server rejected the message ({exc.smtp_code})",
            code=str(exc.smtp_code),
            permanent=500 <= exc.smtp_code < 600,
        ) from None
    except smtplib.SMTPResponseException as exc:
        # Sender refused, authentication, ...: the server's or our configuration's fault,
        # not this message's; retry while an operator fixes MAIL_* settings.
        raise DeliveryError(
            f"{type(exc).__name__} ({exc.smtp_code}); check the MAIL_* settings",
            code=str(exc.smtp_code),
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError.from_exception(exc) from None
    return SendResult(provider_id=message.msgId.strip("<>"), provider_status="sent")
