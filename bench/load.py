"""A closed-loop load generator on loopback: N connections, each sending its next request as
soon as the previous answer arrives, spread over a few processes (one Python process could
not keep 16 connections busy against a fast endpoint).

With a `Target`, each request is a Twilio-style inbound SMS webhook with a distinct
MessageSid, signed with twilio's RequestValidator, from a pool of numbers, with a body from
DOMAIN.md's examples. With a `GetTarget`, each request is a GET of the next of its paths
(each connection starts at its own place in the list), carrying its headers (a session
cookie, a bearer token); the statuses in ``ok`` count as answers, any other as an error.
"""

from __future__ import annotations

import http.client
import multiprocessing
import random
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from twilio.request_validator import RequestValidator

BODIES = (
    "Bjr. Kwa barrière ya Mushaki, FARDC wanatoza 2000 FC kwa kila sac ya coltan inayotoka Rubaya.",
    "Watoto wa miaka 12-14 wanachimba ndani ya shimo kwa site ya Nyabibwe, hawaendi shule.",
    "3 femmes violées hier près du puits de Kalimbi par hommes armés en tenue. Aidez-nous svp.",
    "Police des mines ku pont ya Kalehe exige 20$ pour passer moto sans documents ya traçabilité.",
    "Éboulement leo saa 10 puits ya Kalimbi: watu 2 wamekufa, 3 wamejeruhiwa.",
    "Cahier ya coopérative haijajazwa tangu wiki 2, poids hailingani na tags.",
    "Armed men are taxing the diggers at the Bisie site every morning.",
)


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str
    signed_url: str
    token: str


@dataclass(frozen=True)
class GetTarget:
    host: str
    port: int
    paths: tuple[str, ...]
    headers: tuple[tuple[str, str], ...] = ()
    ok: frozenset[int] = frozenset({200})


def _get_loop(target: GetTarget, worker: int, stop_at: float, out: list) -> None:
    headers = {**dict(target.headers), "Connection": "close"}
    n = worker * 7919  # each connection starts elsewhere in the list
    while time.perf_counter() < stop_at:
        path = target.paths[n % len(target.paths)]
        n += 1
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(target.host, target.port, timeout=60)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            conn.close()
        except OSError:
            status = -1
        out.append((time.perf_counter() - started, status))


def _numbers(count: int) -> list[str]:
    # Valid DRC mobile numbers (+243 99x xxx xxx) that phonenumbers accepts.
    return [f"+24399{n:07d}" for n in range(1, count + 1)]


def _connection_loop(
    target: Target | GetTarget, worker: int, stop_at: float, out: list, seed: int
) -> None:
    if isinstance(target, GetTarget):
        _get_loop(target, worker, stop_at, out)
        return
    rng = random.Random(seed)
    validator = RequestValidator(target.token)
    numbers = _numbers(2000)
    n = 0
    while True:
        started = time.perf_counter()
        if started >= stop_at:
            return
        n += 1
        params = {
            "MessageSid": f"SM{seed:08x}{worker:04x}{n:020x}",
            "AccountSid": "AC" + "0" * 32,
            "From": rng.choice(numbers),
            "To": "+15005550006",
            "Body": rng.choice(BODIES),
            "NumMedia": "0",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        body = urllib.parse.urlencode(params)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": validator.compute_signature(target.signed_url, params),
            "Connection": "close",
        }
        started = time.perf_counter()
        status = 0
        try:
            conn = http.client.HTTPConnection(target.host, target.port, timeout=30)
            conn.request("POST", target.path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            conn.close()
        except OSError:
            status = -1
        out.append((time.perf_counter() - started, status))


def _process(
    target: Target | GetTarget, threads: int, first_worker: int, seconds: float, seed: int, queue
):
    stop_at = time.perf_counter() + seconds
    results: list = []
    workers = [
        threading.Thread(
            target=_connection_loop,
            args=(target, first_worker + i, stop_at, results, seed * 1000 + first_worker + i),
        )
        for i in range(threads)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    queue.put(results)


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    statuses: dict[int, int] = field(default_factory=dict)  # how many of each status (-1: none)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run(
    target: Target | GetTarget, *, connections: int, seconds: float, processes: int, seed: int
) -> Result:
    """Keep ``connections`` requests in flight for ``seconds``; what came back."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    per = [connections // processes + (1 if i < connections % processes else 0)
           for i in range(processes)]  # fmt: skip
    procs, first = [], 0
    for threads in per:
        if threads:
            p = ctx.Process(target=_process, args=(target, threads, first, seconds, seed, queue))
            p.start()
            procs.append(p)
            first += threads
    results = []
    for _ in procs:
        results.extend(queue.get(timeout=seconds + 120))
    for p in procs:
        p.join(timeout=30)
    ok = target.ok if isinstance(target, GetTarget) else frozenset({200})
    latencies = sorted(lat for lat, status in results if status in ok)
    errors = sum(1 for _, status in results if status not in ok)
    statuses: dict[int, int] = {}
    for _, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    if not latencies:
        return Result(0, seconds, float("nan"), float("nan"), errors, statuses)
    # Requests start until the deadline: the rate is over the nominal duration.
    return Result(
        requests=len(latencies),
        seconds=seconds,
        p50_ms=1000 * latencies[len(latencies) // 2],
        p99_ms=1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        errors=errors,
        statuses=statuses,
    )
