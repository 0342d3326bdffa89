"""pytest fixtures for the fakes; tests/conftest.py imports them.

Both fixtures set the app's settings through ``app_config`` (so an app created after them
sees the fake), and patch an app a test created earlier, whichever order pytest chose.
"""

from __future__ import annotations

import pytest

from tests.fakes.smtp import SMTPServer
from tests.fakes.twilio_fake import TwilioFake


@pytest.fixture
def twilio_fake(request, app_config):
    """A fake Twilio REST API on 127.0.0.1; the app's TWILIO_API_BASE_URL points at it."""
    with TwilioFake() as fake:
        app_config["TWILIO_API_BASE_URL"] = fake.url
        if "app" in request.fixturenames:
            request.getfixturevalue("app").config["TWILIO_API_BASE_URL"] = fake.url
        yield fake


@pytest.fixture
def smtp_server(request, app_config):
    """A real SMTP server (aiosmtpd) on 127.0.0.1; the app's Flask-Mail sends to it."""
    with SMTPServer() as server:
        settings = {
            "MAIL_SERVER": server.host,
            "MAIL_PORT": server.port,
            "MAIL_SUPPRESS_SEND": False,
            "MAIL_USE_TLS": False,
            "MAIL_USE_SSL": False,
        }
        app_config.update(settings)
        if "app" in request.fixturenames:
            from casework.extensions import mail

            app = request.getfixturevalue("app")
            if app.config.get("MAIL_PORT") != server.port:
                app.config.update(settings)
                mail.init_app(app)  # Flask-Mail reads its settings once, at init
        yield server
