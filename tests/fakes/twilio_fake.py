"""A fake of Twilio's Messages REST API on 127.0.0.1, for the real twilio client.

    fake = TwilioFake().start()
    app.config["TWILIO_API_BASE_URL"] = fake.url   # notifications.sms rewrites to it
    ...
    fake.requests[0].form["To"], fake.requests[0].auth  # what the client sent
    fake.fail_next(1, status=400, code=21211)          # Twilio-style errors
    url = fake.add_media(b"...", "image/jpeg")         # an MMS's media, as Twilio serves it
    fake.fail_next(1, status=503, method="GET")        # the next media fetch fails
    fake.deleted                                       # media paths DELETEd so far
    fake.stop()

Answered: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (create), ``GET .../{sid}.json``
(fetch), and an inbound message's media: ``GET .../Messages/{MM...}/Media/{ME...}`` (the
bytes; Basic auth as the account required) and ``DELETE`` on it (``.json`` or not; recorded
in ``deleted`` without the suffix). Anything else gets Twilio's 404 JSON. `add_media`
returns the media's ``https://api.twilio.com/...`` URL, as Twilio's webhook gives it: the
app reaches the fake by rewriting that host to ``TWILIO_API_BASE_URL``.
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
_MEDIA = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Messages/(?P<message>(?:MM|SM)\w+)/Media/ME\w+(?:\.json)?$"
)
TWILIO_API = "https://api.twilio.com"
ACCOUNT = "AC" + "0" * 32  # the tests' TWILIO_ACCOUNT_SID

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
    method: str = "POST"


@dataclass
class _Media:
    data: bytes
    content_type: str


@dataclass
class TwilioFake:
    """The server; thread-safe records of what it received and of the messages it made."""

    delay: float = 0.0  # seconds to wait before answering (to widen race windows)
    requests: list[RecordedRequest] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, _Media] = field(default_factory=dict)  # by path
    deleted: list[str] = field(default_factory=list)  # media paths DELETEd, in order
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
        self,
        count: int = 1,
        *,
        status: int = 500,
        code: int = 20500,
        message: str | None = None,
        method: str = "POST",
    ) -> None:
        """Answer the next ``count`` requests of ``method`` (POST: creates; GET: media and
        message fetches) with a Twilio error instead."""
        with self._lock:
            for _ in range(count):
                self._failures.append(
                    _Failure(status, code, message or ERROR_MESSAGES.get(code, "Error"), method)
                )

    def add_media(
        self,
        data: bytes,
        content_type: str = "image/jpeg",
        *,
        account: str = ACCOUNT,
        message_sid: str | None = None,
    ) -> str:
        """Serve ``data`` as a media item of an inbound message; its Twilio URL."""
        message_sid = message_sid or "MM" + secrets.token_hex(16)
        media_sid = "ME" + secrets.token_hex(16)
        path = f"/2010-04-01/Accounts/{account}/Messages/{message_sid}/Media/{media_sid}"
        with self._lock:
            self.media[path] = _Media(data, content_type)
        return TWILIO_API + path

    def media_fetches(self) -> list[RecordedRequest]:
        """The GET requests for media received (answered or not), in order."""
        with self._lock:
            return [r for r in self.requests if r.method == "GET" and _MEDIA.match(r.path)]

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
            for i, failure in enumerate(self._failures):
                if failure.method == request.method:
                    return self._failures.pop(i)
        return None

    def _delete_media(self, path: str) -> bool:
        path = path.removesuffix(".json")  # the resource's URL; the bytes' URL has no suffix
        with self._lock:
            if self.media.pop(path, None) is None:
                return False
            self.deleted.append(path)
            return True

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

    def _media(self, method: str, path: str, match: re.Match[str], auth) -> None:
        if auth is None or auth[0] != match["account"]:
            return self._error(401, 20003, ERROR_MESSAGES[20003])
        if method == "DELETE":
            if not self.fake._delete_media(path):
                return self._error(404, 20404, "The requested resource was not found")
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        media = self.fake.media.get(path)
        if media is None:
            return self._error(404, 20404, "The requested resource was not found")
        self.send_response(200)
        self.send_header("Content-Type", media.content_type)
        self.send_header("Content-Length", str(len(media.data)))
        self.end_headers()
        self.wfile.write(media.data)
        return None

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
        media = _MEDIA.match(path)
        if media is not None and method in {"GET", "DELETE"}:
            return self._media(method, path, media, request.auth)
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

    def do_DELETE(self):
        self._handle("DELETE")
