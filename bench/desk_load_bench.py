"""A floor of agents at once: each works Get Lead -> call -> survey -> next with its stream open.

Run as ``python -m bench.desk_load_bench --agents 200 --minutes 10`` (``make bench``
runs a short one). Every part is the production one, each in its own OS process
on PostgreSQL and Redis: gunicorn with gevent workers (the web), ``flask worker
--queue calls --no-fork`` (Originates), ``flask ami-listener`` and the PBX
simulator (``flask pbx-sim serve --trace``, optionally ``--answer-faults``).

Each simulated agent is its own API client (a Bearer token) and keeps
``GET /api/events`` open as a desktop does. It asks for a lead, calls it, waits
for the call's end on its stream, takes 20 s over the survey when the customer
answered (scaled by ``--speed``, like the simulator's dialplan), saves it and
goes on. The customers' numbers pick the simulator's behaviours (answer and
talk, ring then answer, busy, no such number, a long talk).

Printed: errors (any refused request, a call whose end never reached the screen,
a lead or call left in a wrong state), double dials (a lead with two calls up at
once, or a call originated twice), p50/p99 of Get Lead (client side), of
click -> Originate (the simulator's trace gives when the Originate arrived) and
of PBX event -> screen (the first BridgeEnter or Hangup of the call in the trace
-> the stream frame that shows it: an upper bound, as the event the listener
acts on may come later), calls per minute, CPU seconds per call by process.
Needs PostgreSQL and Redis on 127.0.0.1 (TEST_DATABASE_URL / TEST_REDIS_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import time as clock
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ports import free_port, wait_for_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
AMI_SECRET = "bench-secret"
SURVEY_THINK_S = 20.0  # a person over the survey, at the simulator's real timings
NEXT_THINK_S = 2.0  # a glance at the outcome before the next lead when there is no survey
# The customers: the number's last digit picks the simulator's behaviour.
#   0 ring 2 s, talk 5 s | 9 answer, talk 1 s | 6 ring 20 s, talk 5 s | 7 answer, talk 30 s
#   1 busy | 5 no such number
BEHAVIOURS = {"0": 35, "9": 25, "6": 10, "7": 10, "1": 10, "5": 10}
_CALL_UID = re.compile(r"^dialer-([0-9a-f]{32})-")
_TICKS = os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values``, nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


# ------------------------------------------------------------------ data


@dataclass
class Floor:
    campaign_id: int
    tokens: list[str]
    answers: dict[str, str]
    database_url: str


def build(app: Any, agents: int, leads: int) -> Floor:
    """A running campaign with a two-question survey, ``agents`` signed in, ``leads`` leads."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from dialer.domain.people import accounts
    from dialer.domain.people import tokens as api_tokens
    from dialer.extensions import db
    from dialer.models import (
        Campaign,
        CampaignAgent,
        Extension,
        Lead,
        PauseReason,
        Role,
        User,
        utcnow,
    )
    from tests.factories.campaigns import make_yes_no_survey

    rng = random.Random(7)
    digits = "".join(digit * weight for digit, weight in BEHAVIOURS.items())
    with app.app_context():
        upgrade()
        survey = make_yes_no_survey(db.session, "Bench", questions=2)
        campaign = Campaign(
            name="Bench floor",
            status="running",
            timezone="Asia/Ho_Chi_Minh",
            call_days="1234567",
            call_start=clock(0, 0),
            call_end=clock(23, 59),
            max_attempts=3,
            survey=survey,
        )
        db.session.add(campaign)
        db.session.add(PauseReason(code="disconnected", name="Disconnected", is_system=True))
        users = []
        for i in range(agents):
            user = User(
                username=f"floor{i}",
                display_name=f"Floor {i}",
                role=Role.AGENT,
                password_hash="!",  # signs in with its token only
                default_extension=Extension(number=str(1000 + i)),
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
        rows = [
            {
                "campaign_id": campaign.id,
                "phone": f"+8491{n:06d}{rng.choice(digits)}",
                "phone_raw": f"091{n:06d}",
                "first_name": "An",
                "last_name": "Nguyễn",
            }
            for n in range(leads)
        ]
        db.session.execute(insert(Lead), rows)
        db.session.commit()
        answers = {str(q.id): "yes" for q in survey.questions}
        floor = Floor(
            campaign.id, tokens, answers, db.engine.url.render_as_string(hide_password=False)
        )
        db.engine.dispose()
    return floor


def sign_in_now(floor: Floor) -> None:
    """The floor signs in now, not when it was built: the sweep would pause every agent
    whose screen had been silent while the processes started."""
    import psycopg

    with psycopg.connect(floor.database_url) as connection:
        connection.execute(
            "UPDATE agent_sessions SET last_heartbeat_at = now(), state = 'ready',"
            " state_since = now(), pause_reason_id = NULL WHERE logout_at IS NULL"
        )


# ------------------------------------------------------------ processes


@dataclass
class Processes:
    web_port: int
    trace_path: Path
    pids: dict[str, int] = field(default_factory=dict)


@contextmanager
def running(
    env: dict[str, str], args: argparse.Namespace, out: Path, *, web_only: bool = False
) -> Iterator[Processes]:
    """The simulator, the listener, the calls worker(s) and gunicorn, each an OS process."""
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    ami_port, web_port = free_port(), free_port()
    env = {**env, "AMI_HOST": "127.0.0.1", "AMI_PORT": str(ami_port), "AMI_SECRET": AMI_SECRET}
    trace = out / "pbx-trace.jsonl"
    started: dict[str, subprocess.Popen] = {}
    logs = ExitStack()

    def start(name: str, argv: list[str]) -> subprocess.Popen:
        log = logs.enter_context(open(out / f"{name}.log", "wb"))  # noqa: SIM115
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        started[name] = process
        return process

    try:
        if not web_only:
            sim = [*flask, "pbx-sim", "serve", "--port", str(ami_port), "--speed", str(args.speed)]
            sim += ["--trace", str(trace), "--answer-faults", str(args.answer_faults)]
            wait_for_port(ami_port, start("pbx-sim", sim), "the PBX simulator")
            start("ami-listener", [*flask, "ami-listener"])
            for k in range(args.calls_workers):
                start(f"calls-worker-{k}", [*flask, "worker", "--queue", "calls", "--no-fork"])
        web = [sys.executable, "-m", "gunicorn", "--worker-class=gevent"]
        web += [f"--workers={args.web_workers}", "--worker-connections=2000"]
        web += ["--keep-alive=75", "--log-level=warning", f"--bind=127.0.0.1:{web_port}"]
        wait_for_port(web_port, start("web", [*web, "app:app"]), "the web server")
        time.sleep(2.0)  # the listener logs in and the workers register
        yield Processes(web_port, trace, {name: p.pid for name, p in started.items()})
    finally:
        for process in started.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in started.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        logs.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its waited-for children, and of its live children."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += sum(int(v) for v in fields[11:15]) / _TICKS
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return total
    return total + sum(cpu_seconds(int(child)) for child in children)


def rss_kb(pid: int) -> int:
    """Resident memory of a process and its children, in KiB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0
    own = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return own + sum(rss_kb(int(child)) for child in children)


# ------------------------------------------------------------------ HTTP


class Api:
    """One keep-alive HTTP/1.1 connection with a Bearer token, as one agent's client holds."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def call(
        self, method: str, path: str, body: dict | None = None, headers: dict | None = None
    ) -> tuple[int, Any]:
        for attempt in (1, 2):
            try:
                return await self._call(method, path, body, headers or {})
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _call(
        self, method: str, path: str, body: dict | None, extra: dict
    ) -> tuple[int, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        payload = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", "Host: bench", f"Authorization: Bearer {self.token}"]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        head += [f"{name}: {value}" for name, value in extra.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        assert self.reader is not None
        status, headers = await read_head(self.reader)
        data = await read_body(self.reader, headers)
        if headers.get("connection", "").lower() == "close":
            self.writer.close()
            self.writer = None
        return status, json.loads(data) if data else None


async def read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status_line = await reader.readuntil(b"\r\n")
    if not status_line.strip():
        raise ConnectionResetError("empty answer")
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while True:
        line = (await reader.readuntil(b"\r\n")).decode("latin-1").strip()
        if not line:
            return status, headers
        name, _sep, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return b"".join(chunks)
            chunks.append(chunk[:-2])
    return await reader.read()


# ------------------------------------------------------------------ agents


@dataclass
class Results:
    get_lead_ms: list[float] = field(default_factory=list)
    clicks: dict[int, float] = field(default_factory=dict)  # call id -> wall time of the click
    frames: dict[int, list[tuple[float, str, bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # call id -> (wall time received, state, is_up)
    errors: Counter = field(default_factory=Counter)
    ended_calls: int = 0
    answered_calls: int = 0
    surveys: int = 0


class Desk:
    """One simulated agent: its stream open, working lead after lead until told to stop."""

    def __init__(self, port: int, token: str, floor: Floor, results: Results, speed: float):
        self.port, self.token, self.floor, self.results = port, token, floor, results
        self.speed = speed
        self.api = Api(port, token)
        self.hello = asyncio.Event()
        self.ends: dict[int, asyncio.Future] = {}
        self.stream_task: asyncio.Task | None = None

    async def open_stream(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        self._stream_writer = writer
        request = (
            f"GET /api/events HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {self.token}\r\n"
            "Accept: text/event-stream\r\n\r\n"
        )
        writer.write(request.encode())
        status, headers = await read_head(reader)
        if status != 200:
            self.results.errors[f"stream answered {status}"] += 1
            return
        self.stream_task = asyncio.create_task(self._read_stream(reader, headers))

    async def _read_stream(self, reader: asyncio.StreamReader, headers: dict[str, str]) -> None:
        buffer = b""
        chunked = headers.get("transfer-encoding", "").lower() == "chunked"
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                if chunked:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    data = (await reader.readexactly(size + 2))[:-2]
                    if size == 0:
                        break
                else:
                    data = await reader.read(65536)
                    if not data:
                        break
                received = time.time()
                buffer += data
                while b"\n\n" in buffer:
                    frame, buffer = buffer.split(b"\n\n", 1)
                    self._frame(received, frame)
        if not self.stopping:
            self.results.errors["stream ended by the server"] += 1

    stopping = False
    pending: int | None = None

    def _call_frame(self, received: float, call: dict) -> None:
        call_id = call["id"]
        self.results.frames[call_id].append((received, call["state"], call["is_up"]))
        future = self.ends.get(call_id)
        if not call["is_up"] and future is not None and not future.done():
            future.set_result(call)

    def _frame(self, received: float, frame: bytes) -> None:
        for line in frame.split(b"\n"):
            if not line.startswith(b"data: "):
                continue
            message = json.loads(line[6:])
            event, data = message.get("event"), message.get("data") or {}
            if event == "hello":
                self.hello.set()
            elif event == "call" and data.get("id") is not None:
                self._call_frame(received, data)
            elif event == "agent":
                call = data.get("call")
                if call is not None:
                    self._call_frame(received, call)
                elif self.pending is not None and data.get("state") in ("ready", "paused"):
                    # Back to Ready with no call on the bar: the pending call has ended.
                    self._call_frame(
                        received, {"id": self.pending, "state": "ended", "is_up": False}
                    )
            elif event == "signed_out":
                self.results.errors["signed out"] += 1

    async def _survey(self, call_id: int) -> None:
        status, body = await self.api.call(
            "PUT",
            f"/api/calls/{call_id}/survey",
            {"answers": self.floor.answers},
            {"Idempotency-Key": f"survey-{call_id}"},
        )
        if status == 201:
            self.results.surveys += 1
        elif status != 200:  # 200: the same key again, already saved
            self.results.errors[f"survey {status} {body and body.get('code')}"] += 1

    async def _recover(self, refusal: Any) -> None:
        """Get Lead refused: as a person would, look at the bar and press Ready if paused."""
        status, body = await self.api.call("GET", "/api/agent")
        state = (body or {}).get("state")
        code = (refusal or {}).get("code")
        call = (body or {}).get("call") or {}
        if state == "wrapup" and call.get("id") is not None:
            # The end reached this desk before the call's outcome did: its survey is owed.
            self.results.errors["survey owed when the next lead was asked for"] += 1
            await self._survey(call["id"])
        elif state == "paused":
            reason = ((body or {}).get("pause_reason") or {}).get("code")
            self.results.errors[f"agent paused ({reason}), pressed Ready"] += 1
            await self.api.call("POST", "/api/agent/ready")
        else:
            self.results.errors[f"get lead 409 {code} while {state}"] += 1
            await asyncio.sleep(0.5)

    async def work(self, until: float) -> None:
        loop = asyncio.get_running_loop()
        while time.monotonic() < until:
            started = time.perf_counter()
            status, body = await self.api.call(
                "POST", "/api/leads/next", {"campaign_id": self.floor.campaign_id}
            )
            self.results.get_lead_ms.append((time.perf_counter() - started) * 1000)
            if status == 409:
                await self._recover(body)
                continue
            if status != 200 or body.get("lead") is None:
                why = (body or {}).get("reason") or (body or {}).get("code")
                self.results.errors[f"get lead {status} {why}"] += 1
                await asyncio.sleep(1.0)
                continue
            clicked = time.time()
            status, body = await self.api.call(
                "POST", "/api/calls", {"lead_id": body["lead"]["id"]}
            )
            if status != 201:
                self.results.errors[f"call {status} {body and body.get('code')}"] += 1
                await asyncio.sleep(1.0)
                continue
            call_id = body["call"]["id"]
            self.results.clicks[call_id] = clicked
            future = self.ends.setdefault(call_id, loop.create_future())
            self.pending = call_id
            for seen in self.results.frames.get(call_id, []):
                if not seen[2] and not future.done():
                    future.set_result({"status": None})
            try:
                ended = await asyncio.wait_for(future, timeout=120 * self.speed + 30)
            except TimeoutError:
                self.results.errors["call end never reached the screen"] += 1
                continue
            finally:
                self.pending = None
                self.ends.pop(call_id, None)
            self.results.ended_calls += 1
            if ended.get("status") is None:
                status, body = await self.api.call("GET", f"/api/calls/{call_id}")
                ended = body["call"]
            if ended["status"] == "ANSWER":
                self.results.answered_calls += 1
                await asyncio.sleep(SURVEY_THINK_S * self.speed)
                await self._survey(call_id)
            else:
                await asyncio.sleep(NEXT_THINK_S * self.speed)


async def run_floor(
    port: int, floor: Floor, results: Results, minutes: float, speed: float
) -> tuple[float, float]:
    """Open every stream, then work for ``minutes``; (wall start, wall end) of the work."""
    desks = [Desk(port, token, floor, results, speed) for token in floor.tokens]
    for k in range(0, len(desks), 50):  # a floor signs in over a few seconds, not at once
        await asyncio.gather(*(desk.open_stream() for desk in desks[k : k + 50]))
    deadline = time.monotonic() + 180
    while not all(desk.hello.is_set() for desk in desks):
        if time.monotonic() > deadline:
            waiting = sum(not desk.hello.is_set() for desk in desks)
            raise RuntimeError(f"{waiting} streams never said hello: {dict(results.errors)}")
        await asyncio.sleep(0.2)
    print(f"  streams open in {time.monotonic() - deadline + 180:.1f} s", flush=True)
    for desk in desks:  # untimed: each web process's first requests pay one-off costs
        await desk.api.call("GET", "/api/agent")
    print(f"  {len(desks)} streams open", flush=True)
    started = time.time()
    until = time.monotonic() + minutes * 60
    random.seed(3)
    await asyncio.gather(*(_stagger(desk, until, speed) for desk in desks))
    ended = time.time()
    for desk in desks:
        desk.stopping = True
        desk._stream_writer.close()
    return started, ended


async def _stagger(desk: Desk, until: float, speed: float) -> None:
    await asyncio.sleep(random.random() * SURVEY_THINK_S * speed)
    await desk.work(until)


# ------------------------------------------------------------------ analysis


def read_trace(path: Path) -> tuple[dict[str, list[float]], dict[str, list[tuple[float, str]]]]:
    """(Originate times by call uid, PBX events by call uid) from the simulator's trace."""
    originates: dict[str, list[float]] = defaultdict(list)
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    origin_of: dict[str, str] = {}  # originated channel's Uniqueid -> call uid
    for line in lines:
        if line.get("action", "").lower() == "originate":
            found = _CALL_UID.match(line.get("ActionID", ""))
            if found:
                originates[found[1]].append(line["t"])
        elif line.get("Event") == "OriginateResponse":
            found = _CALL_UID.match(line.get("ActionID", ""))
            if found and line.get("Uniqueid", "<null>") != "<null>":
                origin_of[line["Uniqueid"]] = found[1]
    events: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for line in lines:
        uid = origin_of.get(line.get("Linkedid", "")) or origin_of.get(line.get("Uniqueid", ""))
        if uid is not None and "Event" in line:
            events[uid].append((line["t"], line["Event"]))
    return originates, events


def analyse(
    floor: Floor, results: Results, trace: Path, window: tuple[float, float]
) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(floor.database_url) as connection:
        uids = dict(connection.execute("SELECT id, call_uid FROM calls").fetchall())
        overlapping = connection.execute(
            "SELECT count(*) FROM calls a JOIN calls b ON a.lead_id = b.lead_id AND a.id < b.id"
            " AND b.created_at < coalesce(a.ended_at, now())"
        ).fetchone()[0]
        not_ended = connection.execute(
            "SELECT count(*) FROM calls WHERE state <> 'ended'"
        ).fetchone()[0]
        stuck_agents = connection.execute(
            "SELECT count(*) FROM agent_sessions WHERE logout_at IS NULL"
            " AND state NOT IN ('ready', 'wrapup')"
        ).fetchone()[0]
        ended_in_window = connection.execute(
            "SELECT count(*) FROM calls WHERE ended_at >= to_timestamp(%s)"
            " AND ended_at < to_timestamp(%s)",
            window,
        ).fetchone()[0]
    originates, events = read_trace(trace)
    click_to_originate, event_to_screen = [], []
    double_originates = 0
    for call_id, clicked in results.clicks.items():
        uid = uids.get(call_id)
        sent = originates.get(uid or "", [])
        if len(sent) > 1:
            double_originates += 1
        if sent:
            click_to_originate.append((sent[0] - clicked) * 1000)
        pbx = events.get(uid or "", [])
        shown: set[str] = set()
        for received, state, is_up in results.frames.get(call_id, []):
            wanted = "BridgeEnter" if state == "connected" else "Hangup" if not is_up else None
            if wanted is None or wanted in shown:
                continue  # the screen is told again with each later update: the first counts
            shown.add(wanted)
            cause = next((t for t, name in pbx if name == wanted), None)
            if cause is not None and cause <= received:
                event_to_screen.append((received - cause) * 1000)
    return {
        "calls": len(results.clicks),
        "ended_in_window": ended_in_window,
        "overlapping": overlapping,
        "double_originates": double_originates,
        "not_ended": not_ended,
        "stuck_agents": stuck_agents,
        "click_to_originate": click_to_originate,
        "event_to_screen": event_to_screen,
    }


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--speed", type=float, default=1.0, help="the simulator's timing factor")
    parser.add_argument("--answer-faults", type=float, default=0.0, help="e.g. 0.05")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--calls-workers", type=int, default=1)
    parser.add_argument("--leads", type=int, default=0, help="default: plenty for the run")
    args = parser.parse_args(sys.argv[1:] if argv is None and __name__ == "__main__" else argv)

    from tests.backends import server_backend
    from tests.suites import server_backend_available

    if not server_backend_available():
        print("PostgreSQL or Redis is not reachable on 127.0.0.1: skipped.")
        return 0
    from dialer import create_app

    leads = args.leads or max(2000, int(args.agents * args.minutes * 6 / max(args.speed, 0.05)))
    with server_backend() as backend:
        out = ROOT / "bench" / "out" / f"desk-load-{time.strftime('%Y%m%d-%H%M%S')}"
        out.mkdir(parents=True)
        env = {
            **os.environ,
            "DATABASE_URL": backend.database_url,
            "REDIS_URL": backend.redis_url,
            "DIALER_INSTANCE_PATH": str(out / "instance"),
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("DIALER_ENV", "SECRET_KEY", "DIALER_PBX"):
            env.pop(name, None)
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            app = create_app({"AMI_SECRET": AMI_SECRET})
            floor = build(app, args.agents, leads)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        print(
            f"{args.agents} agents, {args.minutes:g} min, simulator speed {args.speed:g},"
            f" answer faults {args.answer_faults:g}, {leads} leads,"
            f" gunicorn gevent x{args.web_workers}, calls workers x{args.calls_workers}",
            flush=True,
        )
        with running(env, args, out) as processes:
            sign_in_now(floor)
            before = {name: cpu_seconds(pid) for name, pid in processes.pids.items()}
            own_before = time.process_time()
            results = Results()
            window = asyncio.run(
                run_floor(processes.web_port, floor, results, args.minutes, args.speed)
            )
            cpu = {name: cpu_seconds(pid) - before[name] for name, pid in processes.pids.items()}
            own_cpu = time.process_time() - own_before
            web_rss = rss_kb(processes.pids["web"])
            time.sleep(3 * max(args.speed, 0.2))  # the last ends reach the database
            figures = analyse(floor, results, processes.trace_path, window)
        report(args, results, figures, cpu, own_cpu, window, web_rss)
    errors = sum(results.errors.values()) + figures["not_ended"] + figures["stuck_agents"]
    doubles = figures["overlapping"] + figures["double_originates"]
    return 1 if errors or doubles else 0


def report(
    args: argparse.Namespace,
    results: Results,
    figures: dict[str, Any],
    cpu: dict[str, float],
    own_cpu: float,
    window: tuple[float, float],
    web_rss: int,
) -> None:
    minutes = (window[1] - window[0]) / 60
    ended = figures["ended_in_window"]
    errors = sum(results.errors.values()) + figures["not_ended"] + figures["stuck_agents"]
    print(f"  errors: {errors}  {dict(results.errors) or ''}", end="")
    print(f" (calls not ended: {figures['not_ended']}, agents stuck: {figures['stuck_agents']})")
    print(
        f"  double dials: {figures['overlapping'] + figures['double_originates']}"
        f" (leads with two calls up: {figures['overlapping']},"
        f" calls originated twice: {figures['double_originates']})"
    )
    for label, values in (
        ("Get Lead", results.get_lead_ms),
        ("click -> Originate", figures["click_to_originate"]),
        ("PBX event -> screen", figures["event_to_screen"]),
    ):
        mean = statistics.fmean(values) if values else float("nan")
        print(
            f"  {label:<20} p50 {pct(values, 0.5):7.1f} ms  p99 {pct(values, 0.99):7.1f} ms"
            f"  max {max(values, default=float('nan')):7.1f} ms  mean {mean:6.1f}  n={len(values)}"
        )
    print(
        f"  calls: {ended} ended in {minutes:.1f} min = {ended / minutes:.0f} calls/min;"
        f" answered {results.answered_calls}, surveys saved {results.surveys}"
    )
    total = sum(cpu.values())
    per_call = total / ended if ended else float("nan")
    print(f"  CPU: {total:.1f} s in our processes = {per_call * 1000:.0f} ms per call; by process:")
    for name, seconds in sorted(cpu.items(), key=lambda item: -item[1]):
        share = seconds / ended * 1000 if ended else float("nan")
        print(f"    {name:<16} {seconds:7.1f} s  {share:6.1f} ms/call")
    print(f"    {'load generator':<16} {own_cpu:7.1f} s  (the simulated agents, not counted)")
    print(f"  web processes' memory with {args.agents} streams open: {web_rss / 1024:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
