"""A fake of Twilio's Messages REST API on 127.0.0.1, for the real twilio client.

    fake = TwilioFake().start()
    app.config["TWILIO_API_BASE_URL"] = fake.url   # notifications.sms rewrites to it
    ...
    fake.requests[0].form["To"], fake.requests[0].auth  # what the client sent
    fake.fail_next(1, status=400, code=21211)          # Twilio-style errors
    fake.stop()

Only ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (create) and ``GET .../{sid}.json``
(fetch) are answered; anything else gets Twilio's 404 JSON.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

_CREATE = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Messages\.json$")
_FETCH = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Messages/(?P<sid>SM\w+)\.json$")

ERROR_MESSAGES = {
    21211: "The 'To' number is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    20003: "Authenticate",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]
    auth: tuple[str, str] | None  # Basic auth (username, password), decoded


@dataclass
class _Failure:
    status: int
    code: int
    message: str


@dataclass
class TwilioFake:
    """The server; thread-safe records of what it received and of the messages it made."""

    delay: float = 0.0  # seconds to wait before answering (to widen race windows)
    requests: list[RecordedRequest] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    _failures: list[_Failure] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> TwilioFake:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="twilio-fake",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> TwilioFake:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ------------------------------------------------------------------ control
    def fail_next(
        self, count: int = 1, *, status: int = 500, code: int = 20500, message: str | None = None
    ) -> None:
        """Answer the next ``count`` create requests with a Twilio error instead."""
        with self._lock:
            for _ in range(count):
                self._failures.append(
                    _Failure(status, code, message or ERROR_MESSAGES.get(code, "Error"))
                )

    @property
    def sent(self) -> list[dict[str, Any]]:
        """The messages created so far, in order."""
        with self._lock:
            return list(self.messages.values())

    def creates(self) -> list[RecordedRequest]:
        """The create requests received (successful or not), in order."""
        with self._lock:
            return [r for r in self.requests if r.method == "POST"]

    # ------------------------------------------------------------------ internals
    def _record(self, request: RecordedRequest) -> _Failure | None:
        with self._lock:
            self.requests.append(request)
            if request.method == "POST" and self._failures:
                return self._failures.pop(0)
        return None

    def _create(self, account: str, form: dict[str, str]) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC), usegmt=True)
        sid = "SM" + secrets.token_hex(16)
        body = form.get("Body", "")
        message = {
            "sid": sid,
            "account_sid": account,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": str(max(1, -(-len(body) // 153))) if len(body) > 160 else "1",
            "price": None,
            "price_unit": "USD",
            "status": "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"
            },
            "to": form.get("To"),
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
            "status_callback": form.get("StatusCallback"),
        }
        with self._lock:
            self.messages[sid] = message
        return message


class _Handler(BaseHTTPRequestHandler):
    fake: TwilioFake
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle's algorithm on, the client's
    # delayed ACK holds the body back ~40 ms per request (real Twilio has no such stall).
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _auth(self) -> tuple[str, str] | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user, password

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: int, message: str) -> None:
        self._reply(
            status,
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        path = self.path.split("?", 1)[0]
        request = RecordedRequest(method, path, dict(self.headers.items()), form, self._auth())
        failure = self.fake._record(request)
        if self.fake.delay:
            time.sleep(self.fake.delay)
        create, fetch = _CREATE.match(path), _FETCH.match(path)
        if request.auth is None:
            return self._error(401, 20003, ERROR_MESSAGES[20003])
        if failure is not None:
            return self._error(failure.status, failure.code, failure.message)
        if method == "POST" and create:
            if not form.get("To") or not (form.get("From") or form.get("MessagingServiceSid")):
                return self._error(400, 21604, "A 'To' phone number is required.")
            return self._reply(201, self.fake._create(create["account"], form))
        if method == "GET" and fetch and fetch["sid"] in self.fake.messages:
            return self._reply(200, self.fake.messages[fetch["sid"]])
        return self._error(404, 20404, "The requested resource was not found")

    def do_POST(self):
        self._handle("POST")

    def do_GET(self):
        self._handle("GET")
