"""`make demo`'s steps, run as a user would: migrate, seed, serve, log in, fire a transition."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import TEST_DATA_KEY

CASEWORK = str(Path(sys.executable).with_name("casework"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_demo_migrates_seeds_and_serves(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "SECRET_KEY": "quickstart",
        "CASEWORK_DATA_KEY": TEST_DATA_KEY,
        "CASEWORK_ENV": "development",
    }
    env.pop("TWILIO_AUTH_TOKEN", None)
    for args in (["db", "upgrade"], ["demo", "seed", "--if-empty"], ["demo", "seed", "--if-empty"]):
        done = subprocess.run(
            [CASEWORK, *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    port = _free_port()
    server = subprocess.Popen(
        [CASEWORK, "demo", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        for _ in range(100):
            try:
                page = opener.open(f"{base}/login", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the demo server did not answer on /login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = urlencode(
            {
                "email": "officer@example.org",
                "password": "casework-demo-officer",
                "csrf_token": token,
            }
        ).encode()
        queue = opener.open(f"{base}/login", data=form, timeout=5).read().decode()
        assert 'action="/logout"' in queue  # logged in (the demo officer works in French)
        triaged = opener.open(f"{base}/cases?status=triaged&assignee=me", timeout=5).read()
        reference = re.search(r"/cases/(CW-[0-9A-Z]{4}-[0-9A-Z]{4})", triaged.decode()).group(1)
        case_page = opener.open(f"{base}/cases/{reference}", timeout=5).read().decode()
        action = f"/cases/{reference}/transitions/start_verification"
        form_html = case_page[case_page.index(f'action="{action}"') :]
        form_html = form_html[: form_html.index("</form>")]
        fields = dict(re.findall(r'name="(csrf_token|version)"[^>]*value="([^"]*)"', form_html))
        after = opener.open(f"{base}{action}", data=urlencode(fields).encode(), timeout=5)
        assert after.url.endswith(f"/cases/{reference}")
        assert "verifying" in after.read().decode()

        # The SMS simulator signs its messages with the development Twilio token.
        from casework.intake.simulator import NUMBERS

        page = opener.open(f"{base}/simulator", timeout=5).read().decode()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = urlencode(
            {
                "csrf_token": token,
                "number": NUMBERS[0][0],
                "channel": "sms",
                "body": "Watoto wanachimba ndani ya shimo Nyabibwe",
            }
        ).encode()
        thread = opener.open(f"{base}/simulator", data=form, timeout=30).read().decode()
        assert re.search(r"CW-[0-9A-Z]{4}-[0-9A-Z]{4}", thread), thread
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert "casework-demo-officer" in output
