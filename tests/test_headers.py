"""Response headers and policy: a Content-Security-Policy that allows no inline script
(and templates that need none), HSTS outside development and testing, and security.txt."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casework import create_app
from casework.config import ConfigError
from tests.conftest import test_config

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


@pytest.mark.parametrize("page", ["/login", "/cases", "/healthz"])
def test_every_page_allows_scripts_from_this_site_only(login_as, page):
    client, _ = login_as("officer")
    policy = _policy(client.get(page))
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]


def test_no_template_has_inline_script_an_event_handler_or_a_javascript_url():
    """What script-src 'self' would block must not be there to begin with."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        html = path.read_text()
        for pattern in (inline_script, handler, re.compile("javascript:", re.IGNORECASE)):
            name = path.relative_to(TEMPLATES)
            found += [f"{name}: {match.group(0)}" for match in pattern.finditer(html)]
    assert found == []


def test_development_and_testing_send_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.mark.parametrize("app_config", [{"CASEWORK_ENV": "production"}])
def test_production_tells_browsers_to_use_https_for_a_year(client, app_config):
    header = client.get("/login").headers["Strict-Transport-Security"]
    assert header == "max-age=31536000; includeSubDomains"


# ---------------------------------------------------------------- security.txt


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "CASEWORK_SECURITY_CONTACT": "security@example.org",
            "CASEWORK_PUBLIC_URL": "https://casework.example.org",
        }
    ],
)
def test_security_txt_names_the_contact_and_expires_a_year_ahead(client, app_config, frozen_now):
    response = client.get("/.well-known/security.txt")  # anonymous: it is public
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    fields = dict(line.split(": ", 1) for line in response.get_data(as_text=True).splitlines())
    assert fields["Contact"] == "mailto:security@example.org"
    expires = datetime.strptime(fields["Expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert frozen_now + timedelta(days=364) < expires <= frozen_now + timedelta(days=365)
    assert fields["Preferred-Languages"] == "en, fr, sw"
    assert fields["Canonical"] == "https://casework.example.org/.well-known/security.txt"


@pytest.mark.parametrize(
    "app_config", [{"CASEWORK_SECURITY_CONTACT": "https://example.org/report-a-vulnerability"}]
)
def test_security_txt_takes_a_web_page_as_contact(client, app_config):
    text = client.get("/.well-known/security.txt").get_data(as_text=True)
    assert "Contact: https://example.org/report-a-vulnerability\n" in text
    assert "Canonical" not in text  # no public URL configured


def test_without_a_contact_there_is_no_security_txt(client):
    assert client.get("/.well-known/security.txt").status_code == 404


@pytest.mark.parametrize(
    "contact", ["not an address", "http://example.org/insecure", "security@example.org\nX: y"]
)
def test_a_wrong_contact_stops_the_app_at_start_naming_the_setting(_schema, contact):
    with pytest.raises(ConfigError, match="CASEWORK_SECURITY_CONTACT"):
        create_app(test_config(_schema, CASEWORK_SECURITY_CONTACT=contact))
