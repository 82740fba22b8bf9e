"""Get Lead and Call on PostgreSQL: the raw claim floor, the HTTP API under load, Call -> Originate.

Run as ``python -m bench.claim_bench`` (or ``make bench``). With 100,000 leads
and 200 agents signed in, in one run:

* the raw SQL claim (``FOR UPDATE SKIP LOCKED``, one statement) from 8 threads:
  claims/s and p99, the floor everything else is compared with;
* an open-loop load of 100 Get Lead requests/s through the HTTP API (gunicorn,
  Bearer tokens): p50/p99 from each request's scheduled time (goal p99 <= 25 ms);
* Get Lead saturated by 50 concurrent clients: requests/s, as a ratio to the raw claim;
* Call request -> Originate bytes arriving on the AMI socket, through RQ and the
  production ``flask worker``: p50/p99 (goal p99 <= 100 ms).

A background thread marks claimed leads done every 50 ms, as the ends of calls
would, so every request is a new claim. Needs PostgreSQL and Redis on
127.0.0.1 (TEST_DATABASE_URL / TEST_REDIS_URL override); prints and skips without.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import time as clock
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
import redis  # noqa: E402
from rq import Worker  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.ports import free_port, wait_for_port  # noqa: E402
from tests.backends import server_backend  # noqa: E402
from tests.suites import server_backend_available  # noqa: E402
from tests.telephony.ami.scripted import ScriptedAmi, parse  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LEADS = 100_000
AGENTS = 200
RAW_THREADS, RAW_CLAIMS = 8, 20_000
OPEN_LOOP_RATE, OPEN_LOOP_SECONDS = 100, 20
SATURATION_CLIENTS, SATURATION_SECONDS = 50, 10
CALLS, CALL_GAP_S = 150, 0.1  # the rest of the agents call through the forking worker
FORKED_GAP_S = 0.5
AMI_SECRET = "bench-secret"
_ACTION_ID = re.compile(r"^dialer-([0-9a-f]{32})-")


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def pg(url: str) -> psycopg.Connection:
    """A plain psycopg connection (the URL may name SQLAlchemy's driver)."""
    return psycopg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )


# ------------------------------------------------------------------ data


def build(app: object) -> tuple[int, list[str]]:
    """100,000 leads, 200 agents signed in on their extensions; (campaign id, tokens)."""
    from flask_migrate import upgrade

    from dialer.domain.people import accounts
    from dialer.domain.people import tokens as api_tokens
    from dialer.domain.people.passwords import hash_password
    from dialer.extensions import db
    from dialer.models import Campaign, CampaignAgent, Extension, Role, User, utcnow

    with app.app_context():  # type: ignore[attr-defined]
        upgrade()
        password = hash_password("bench-pass")
        campaign = Campaign(
            name="Bench",
            status="running",
            call_days="1234567",
            call_start=clock(0, 0),
            call_end=clock(0, 0),  # the whole day
            max_attempts=3,
        )
        db.session.add(campaign)
        users = []
        for i in range(AGENTS):
            number = str(10_000 + i)
            user = User(
                username=f"bench{i}",
                display_name=f"Bench {i}",
                role=Role.AGENT,
                password_hash=password,
                default_extension=Extension(number=number),
            )
            users.append(user)
            campaign.agents.append(CampaignAgent(user=user))
        db.session.add_all(users)
        db.session.flush()
        now = utcnow()
        tokens = []
        for user in users:
            accounts.start_agent_session(db.session, user, user.default_extension.number, now=now)
            tokens.append(api_tokens.issue_token(db.session, user, now)[0])
        db.session.commit()
        campaign_id = campaign.id
        url = db.engine.url.render_as_string(hide_password=False)
        db.engine.dispose()
    with pg(url) as connection, connection.cursor() as cursor:
        rows = "".join(
            f'{campaign_id},+8491{i:07d},091{i:07d},An,Nguyễn,"","{{}}",new,0,now\n'
            for i in range(LEADS)
        )
        with cursor.copy(
            "COPY leads (campaign_id, phone, phone_raw, first_name, last_name, email, custom,"
            " status, attempts, created_at) FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            copy.write(rows)
        cursor.execute("ANALYZE")
    return campaign_id, tokens


def reset_leads(url: str) -> None:
    """Every lead new and free again, between phases."""
    connection = pg(url)
    connection.autocommit = True  # VACUUM runs outside a transaction
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE leads SET status = 'new', claimed_by_id = NULL, claimed_at = NULL"
            " WHERE status <> 'new'"
        )
        cursor.execute("VACUUM ANALYZE leads")
        # Write the reset's dirty pages now, not in the middle of the next measurement.
        cursor.execute("CHECKPOINT")
    connection.close()


# ------------------------------------------------------------ raw floor


RAW_CLAIM = (
    "UPDATE leads SET status = 'claimed', claimed_by_id = %s, claimed_at = now()"
    " WHERE id = (SELECT id FROM leads WHERE campaign_id = %s AND status = 'new'"
    " ORDER BY next_call_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
)


def raw_claim_floor(url: str, campaign_id: int, agent_ids: list[int]) -> tuple[float, float]:
    """(claims/s, p99 ms) of the one-statement claim from RAW_THREADS connections."""
    per_thread = RAW_CLAIMS // RAW_THREADS
    latencies: list[float] = []
    lock = threading.Lock()

    def claimer(k: int) -> None:
        mine: list[float] = []
        with pg(url) as connection, connection.cursor() as cursor:
            for n in range(per_thread):
                started = time.perf_counter()
                cursor.execute(RAW_CLAIM, (agent_ids[(k + n) % len(agent_ids)], campaign_id))
                assert cursor.fetchone() is not None
                connection.commit()
                mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    wall = _run_threads(claimer, RAW_THREADS)
    return len(latencies) / wall, pct(latencies, 0.99)


def _run_threads(target: Callable[[int], None], count: int) -> float:
    threads = [threading.Thread(target=target, args=(k,)) for k in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


# ------------------------------------------------------------------ HTTP


@contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[int]:
    """The web app under gunicorn (2 workers x 8 threads); yields its port."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers=2",
            "--threads=8",
            "--worker-class=gthread",
            "--keep-alive=60",
            "--log-level=warning",
            f"--bind=127.0.0.1:{port}",
            "app:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_for_port(port, process, "the web server")
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


class Client:
    """One keep-alive HTTP connection, as one agent's browser or script would hold."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, path: str, token: str, body: dict) -> dict:
        payload = json.dumps(body)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for attempt in (1, 2):
            try:
                self.conn.request("POST", path, payload, headers)
                response = self.conn.getresponse()
                data = json.loads(response.read())
                if response.status >= 400:
                    raise RuntimeError(f"{path}: {response.status} {data}")
                return data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def get_lead(client: Client, token: str, campaign_id: int) -> float:
    """One Get Lead, timed in ms; a refusal is an error (the bench keeps leads available)."""
    started = time.perf_counter()
    body = client.post("/api/leads/next", token, {"campaign_id": campaign_id})
    elapsed = time.perf_counter() - started
    if body["lead"] is None:
        raise RuntimeError(f"no lead: {body['reason']}")
    return elapsed * 1000


@contextmanager
def releasing(url: str, every_s: float = 0.05) -> Iterator[None]:
    """Mark claimed leads done every ``every_s``, as the ends of calls would, in one thread.

    An agent asks again only seconds later, so each request is a new claim.
    """
    stop = threading.Event()

    def release() -> None:
        connection = pg(url)
        with connection.cursor() as cursor:
            while not stop.wait(every_s):
                cursor.execute(
                    "UPDATE leads SET status = 'done', claimed_by_id = NULL"
                    " WHERE status = 'claimed'"
                )
                connection.commit()
        connection.close()

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def warm_up(port: int, url: str, campaign_id: int, tokens: list[str]) -> None:
    """Untimed requests first: each server process's first ones pay one-off costs."""

    def warm(k: int) -> None:
        client = Client(port)
        for n in range(25):
            get_lead(client, tokens[(k + 16 * n) % len(tokens)], campaign_id)

    with releasing(url):
        _run_threads(warm, 16)


def open_loop(port: int, url: str, campaign_id: int, tokens: list[str]) -> tuple[float, float]:
    """(p50, p99) ms of Get Lead at a fixed arrival rate, from each scheduled send time."""
    total = OPEN_LOOP_RATE * OPEN_LOOP_SECONDS
    start = time.perf_counter() + 0.5
    jobs: queue.Queue[int | None] = queue.Queue()
    for n in range(total):
        jobs.put(n)
    latencies: list[float] = []
    lock = threading.Lock()

    def sender(_k: int) -> None:
        client = Client(port)
        while True:
            try:
                n = jobs.get_nowait()
            except queue.Empty:
                break
            due = start + n / OPEN_LOOP_RATE
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            get_lead(client, tokens[n % len(tokens)], campaign_id)
            # Measured from when the request was due: a late sender counts its lateness.
            late_ms = (time.perf_counter() - due) * 1000
            with lock:
                latencies.append(late_ms)

    with releasing(url):
        _run_threads(sender, 16)
    return statistics.median(latencies), pct(latencies, 0.99)


def saturation(port: int, url: str, campaign_id: int, tokens: list[str]) -> tuple[float, float]:
    """(Get Lead requests/s, p99 ms) with SATURATION_CLIENTS clients asking back to back."""
    stop_at = time.perf_counter() + SATURATION_SECONDS
    latencies: list[float] = []
    lock = threading.Lock()

    def hammer(k: int) -> None:
        client = Client(port)
        mine: list[float] = []
        n = 0
        while time.perf_counter() < stop_at:
            token = tokens[(k + n * SATURATION_CLIENTS) % len(tokens)]
            mine.append(get_lead(client, token, campaign_id))
            n += 1
        with lock:
            latencies.extend(mine)

    with releasing(url):
        wall = _run_threads(hammer, SATURATION_CLIENTS)
    return len(latencies) / wall, pct(latencies, 0.99)


# --------------------------------------------------------- Call -> Originate


class StampingAmi(ScriptedAmi):
    """An AMI server that notes when each Originate's bytes arrive, by our call id."""

    def __init__(self) -> None:
        super().__init__(secret=AMI_SECRET)
        self.arrived: dict[str, float] = {}

    def _handle(self, conn, raw: bytes) -> None:  # type: ignore[override]
        now = time.perf_counter()
        match = _ACTION_ID.match(parse(raw.decode()).get("ActionID", ""))
        if match and b"Action: Originate" in raw:
            self.arrived[match.group(1)] = now
        super()._handle(conn, raw)


@contextmanager
def rq_worker(env: dict[str, str], *, no_fork: bool) -> Iterator[None]:
    """The production worker, ``flask worker --queue calls [--no-fork]``."""
    extra = ["--no-fork"] if no_fork else []
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--queue", "calls", *extra],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis.from_url(env["REDIS_URL"])
    try:
        deadline = time.monotonic() + 60
        while not Worker.count(connection=client) and time.monotonic() < deadline:
            time.sleep(0.05)  # until it has registered, and so listens on the queue
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        client.close()


def call_to_originate(
    port: int, url: str, tokens: list[str], server: StampingAmi, gap_s: float
) -> list[float]:
    """Ms from each Call request leaving the client to its Originate reaching the PBX."""
    client = Client(port)
    sent: dict[int, float] = {}
    for n, token in enumerate(tokens):
        due = time.perf_counter()
        body = client.post("/api/calls", token, {"number": f"09123{n:05d}"})
        sent[body["call"]["id"]] = due
        time.sleep(max(0.0, gap_s - (time.perf_counter() - due)))
    deadline = time.monotonic() + 60
    with pg(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT id, call_uid FROM calls WHERE id = ANY(%s)", (list(sent),))
        uid_of = dict(cursor.fetchall())
    while any(uid_of[c] not in server.arrived for c in sent) and time.monotonic() < deadline:
        time.sleep(0.05)
    missing = [c for c in sent if uid_of[c] not in server.arrived]
    if missing:
        with pg(url) as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, state, status, hangup_cause_text FROM calls WHERE id = ANY(%s)",
                (missing,),
            )
            found = cursor.fetchall()
        raise RuntimeError(f"{len(missing)} Originates never arrived: {found}")
    return [(server.arrived[uid_of[c]] - t) * 1000 for c, t in sent.items()]


# ------------------------------------------------------------------- main


def main() -> int:
    if not server_backend_available():
        print("PostgreSQL/Redis not found on 127.0.0.1: claim bench skipped.")
        return 0
    with server_backend() as backend, tempfile.TemporaryDirectory() as instance:
        return _run(backend.database_url, backend.redis_url, instance)


def _run(url: str, redis_url: str, instance: str) -> int:
    from dialer import create_app

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DIALER_INSTANCE_PATH": instance,
        "AMI_SECRET": AMI_SECRET,
        "PYTHONPATH": str(ROOT),
        # The agents send no heartbeat between phases: none is paused as gone meanwhile.
        "DIALER_HEARTBEAT_TIMEOUT_S": "3600",
    }
    os.environ.update(
        {
            k: env[k]
            for k in (
                "DATABASE_URL",
                "REDIS_URL",
                "DIALER_INSTANCE_PATH",
                "DIALER_HEARTBEAT_TIMEOUT_S",
            )
        }
    )
    started = time.perf_counter()
    campaign_id, tokens = build(create_app())
    print(
        f"data: {LEADS:,} leads, {AGENTS} agents signed in ({time.perf_counter() - started:.1f} s)"
    )
    with pg(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT id FROM users ORDER BY id")
        agent_ids = [row[0] for row in cursor.fetchall()]

    raw_rate, raw_p99 = raw_claim_floor(url, campaign_id, agent_ids)
    print(
        f"raw SQL claim, {RAW_THREADS} threads          : {raw_rate:8,.0f} claims/s"
        f"   p99 {raw_p99:.2f} ms"
    )
    reset_leads(url)
    server = StampingAmi()
    env.update(AMI_HOST="127.0.0.1", AMI_PORT=str(server.port), AMI_USERNAME="dialer")
    with gunicorn(env) as port:
        warm_up(port, url, campaign_id, tokens)
        reset_leads(url)
        p50, p99 = open_loop(port, url, campaign_id, tokens)
        print(
            f"Get Lead over HTTP, open loop {OPEN_LOOP_RATE}/s : p50 {p50:.2f} ms"
            f"   p99 {p99:.2f} ms   goal p99 <= 25 ms"
        )
        reset_leads(url)
        rate, sat_p99 = saturation(port, url, campaign_id, tokens)
        print(
            f"Get Lead saturated, {SATURATION_CLIENTS} clients      : {rate:8,.0f} req/s"
            f"   p99 {sat_p99:.1f} ms   {rate / raw_rate:.2f} x the raw claim"
        )
        reset_leads(url)
        with rq_worker(env, no_fork=True):
            delays = call_to_originate(port, url, tokens[:CALLS], server, CALL_GAP_S)
        with rq_worker(env, no_fork=False):
            forked = call_to_originate(port, url, tokens[CALLS:], server, FORKED_GAP_S)
    server.stop()
    call_p99 = pct(delays, 0.99)
    print(
        f"Call -> Originate via RQ, --no-fork ({len(delays)} calls, {1 / CALL_GAP_S:.0f}/s): "
        f"p50 {statistics.median(delays):.1f} ms   p99 {call_p99:.1f} ms   goal p99 <= 100 ms"
    )
    print(
        f"Call -> Originate via RQ, forking ({len(forked)} calls, {1 / FORKED_GAP_S:.0f}/s): "
        f"p50 {statistics.median(forked):.1f} ms   p99 {pct(forked, 0.99):.1f} ms"
    )
    ok = p99 <= 25 and call_p99 <= 100
    print("all goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
