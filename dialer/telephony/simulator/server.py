"""The simulator's TCP side: AMI sessions, login, event delivery, and failure injection."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import socket
import struct
import time
from collections.abc import Coroutine
from typing import Any, TextIO

from dialer.telephony.simulator.actions import Actions
from dialer.telephony.simulator.calls import Calls
from dialer.telephony.simulator.devices import Devices
from dialer.telephony.simulator.dialplan import Dialplan
from dialer.telephony.simulator.engine import SOFT_SHUTDOWN, Engine
from dialer.telephony.simulator.parts import Pbx
from dialer.telephony.simulator.queue_app import QueueApp
from dialer.telephony.simulator.queues import Queues
from dialer.telephony.simulator.trace import Trace
from dialer.telephony.simulator.wire import (
    ALL_CLASSES,
    GREETING,
    MAX_UNREAD_OUTPUT,
    FrameReader,
    Request,
    encode,
    error,
    list_complete,
    parse_event_mask,
    success,
)

log = logging.getLogger(__name__)


class Session:
    """One AMI client connection."""

    def __init__(
        self, server: AmiServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ):
        self.server = server
        self.reader = reader
        self.writer = writer
        self.authenticated = False
        self.frozen = server.silent
        self.closed = False
        self.mask: set[str] | None = ALL_CLASSES
        self.challenge = ""
        self._held: list[bytes] | None = None
        self.session_id = f"0x{secrets.randbits(44):x}"
        self.started = time.time()

    # ---------------------------------------------------------------- output

    def wants(self, cls: str) -> bool:
        """Whether an event of this class goes to this client now."""
        if not self.authenticated or self.frozen or self.closed:
            return False
        return self.mask is ALL_CLASSES or cls in self.mask

    def write(self, data: bytes) -> None:
        """Queue bytes for the client (dropped for a frozen or closed session)."""
        if self.closed or self.frozen:
            return
        transport = self.writer.transport
        if transport.is_closing():
            return
        if transport.get_write_buffer_size() > MAX_UNREAD_OUTPUT:
            self.abort(reset=False)
            return
        self.writer.write(data)

    def send_event(self, data: bytes) -> None:
        """Deliver an event, or keep it while a synchronous action blocks the session."""
        if self._held is not None:
            self._held.append(data)
        else:
            self.write(data)

    def hold_events(self) -> None:
        """Start holding events (Asterisk does not write events during a blocking action)."""
        self._held = []

    def release_events(self) -> None:
        """Write the held events after the blocking action's response."""
        held, self._held = self._held or [], None
        for data in held:
            self.write(data)

    def set_event_mask(self, text: str) -> bool:
        """Apply an Events/EventMask value; True when any event class stays on."""
        self.mask = parse_event_mask(text)
        return self.mask is ALL_CLASSES or bool(self.mask)

    def list_complete(self, event: str, action_id: str, items: int, *extra: tuple[str, str]):
        """Close an event list with its item count."""
        self.write(list_complete(event, action_id, items, *extra))

    def security_event(
        self, name: str, severity: str, *fields: tuple[str, str], account_last: bool = False
    ) -> None:
        """A security event about this session, as res_security_log sends it to readers."""
        now = time.time()
        local = self.writer.get_extra_info("sockname") or ("127.0.0.1", 0)
        remote = self.writer.get_extra_info("peername") or ("127.0.0.1", 0)
        stamp = (
            time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
            + f".{int(now * 1000) % 1000:03d}+0000"
        )
        session_tv = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.started))
        headers = [
            ("Event", name),
            ("Privilege", "security,all"),
            ("EventTV", stamp),
            ("Severity", severity),
            ("Service", "AMI"),
            ("EventVersion", "1"),
            ("AccountID", self.server.username),
            ("SessionID", self.session_id),
            ("LocalAddress", f"IPV4/TCP/{local[0]}/{local[1]}"),
            ("RemoteAddress", f"IPV4/TCP/{remote[0]}/{remote[1]}"),
            *fields,
            ("SessionTV", session_tv + f".{int(self.started * 1000) % 1000:03d}+0000"),
        ]
        if account_last:  # RequestBadFormat puts AccountID after SessionTV
            headers.append(headers.pop(6))
        self.server.engine.emit("security", headers)

    # ------------------------------------------------------------- lifecycle

    async def close(self) -> None:
        """Flush what was written and close (the client reads EOF)."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.writer.drain(), timeout=2)
        with contextlib.suppress(Exception):
            self.writer.close()

    def abort(self, reset: bool) -> None:
        """Drop the connection at once; with `reset` the client gets an RST, not a FIN."""
        self.closed = True
        sock = self.writer.get_extra_info("socket")
        if reset and sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    async def run(self) -> None:
        """Greet, then serve actions one after another until the client goes."""
        if not self.frozen:
            self.write(GREETING)
        frames = FrameReader()
        try:
            while not self.closed:
                data = await self.reader.read(65536)
                if not data:
                    break
                if self.frozen:
                    continue  # half-open: the bytes vanish, nothing ever comes back
                for req in frames.feed(data):
                    await self._dispatch(req)
                    if self.closed:
                        break
                if frames.overflowing:
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            self.server.sessions.discard(self)
            if not self.closed:
                self.abort(reset=False)

    async def _dispatch(self, req: Request) -> None:
        action = req.action.lower()
        if action == "login":
            await self._login(req)
        elif action == "challenge":
            self._challenge(req)
        elif not self.authenticated and action != "logoff":
            self.write(error(req.action_id, "Permission denied"))
        else:
            self.server.trace_action(req)
            await self.server.actions.handle(self, req)

    def _challenge(self, req: Request) -> None:
        if req.get("AuthType").strip().lower() != "md5":
            self.write(error(req.action_id, "Must specify AuthType"))
            return
        self.challenge = str(secrets.randbelow(10**9))
        self.write(encode([("Response", "Success"), ("Challenge", self.challenge)]))

    def _credentials_ok(self, req: Request) -> bool:
        server = self.server
        if req.get("Username").strip().lower() != server.username.lower():
            return False
        if req.get("AuthType").strip().lower() == "md5" and self.challenge:
            digest = hashlib.md5((self.challenge + server.secret).encode(), usedforsecurity=False)
            return secrets.compare_digest(req.get("Key").strip().lower(), digest.hexdigest())
        return secrets.compare_digest(req.get("Secret"), server.secret)

    async def _login(self, req: Request) -> None:
        if self.authenticated:
            self.write(success(req.action_id, "Already authenticated"))
            return
        if not self._credentials_ok(req):
            # Asterisk sleeps about a second before refusing, then closes the socket.
            await asyncio.sleep(max(self.server.speed, 0.05))
            self.write(error(req.action_id, "Authentication failed"))
            await self.close()
            return
        self.authenticated = True
        if req.get("Events"):
            self.set_event_mask(req.get("Events"))
        self.write(success(req.action_id, "Authentication accepted"))
        if self.wants("system"):
            uptime = str(int(time.time() - self.server.engine.started))
            self.write(
                encode(
                    [
                        ("Event", "FullyBooted"),
                        ("Privilege", "system,all"),
                        ("Uptime", uptime),
                        ("LastReload", uptime),
                        ("Status", "Fully Booted"),
                    ]
                )
            )
        self.security_event("SuccessfulAuth", "Informational", ("UsingPassword", "0"))


class AmiServer:
    """An asyncio AMI server in front of the simulated PBX; runs on one event loop."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "dialer",
        secret: str = "",
        speed: float = 1.0,
        *,
        hints: bool = True,
        static_queue_members: bool = True,
        restart_pause: float = 1.0,
        channel_vars: tuple[str, ...] = (),
        recordings_dir: str | None = None,
        answer_faults: float = 0.0,
        trace: TextIO | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        if not secret:
            raise ValueError("an AMI secret is required")
        if not 0.0 <= answer_faults <= 1.0:
            raise ValueError("answer_faults is a fraction between 0 and 1")
        self.host, self.port = host, port
        self.username, self.secret = username, secret
        self.speed = speed
        self.hints = hints
        self.static_queue_members = static_queue_members
        self.restart_pause = restart_pause
        self.channel_vars = channel_vars  # like manager.conf `channelvars`
        self.recordings_dir = recordings_dir  # where MixMonitor writes (None: it refuses)
        self.answer_faults = answer_faults  # share of callee answers dropped or delayed
        self.trace = Trace(trace) if trace is not None else None
        self.silent = False
        self.sessions: set[Session] = set()
        self._listener: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> None:
        """Build the PBX and start listening (port 0 picks a free port)."""
        self.engine = Engine(self.speed, self._publish, self._wants, self.channel_vars)
        self.devices = Devices(self.engine, hints=self.hints)
        self.dialplan = Dialplan(self.engine, self.devices, answer_faults=self.answer_faults)
        self.calls = Calls(self.engine, self.dialplan)
        self.queues = Queues(
            self.engine, self.devices, self.dialplan, static_members=self.static_queue_members
        )
        self.queue_app = QueueApp(self.engine, self.queues, self.dialplan)
        self.actions = Actions(
            Pbx(
                self.engine,
                self.devices,
                self.dialplan,
                self.calls,
                self.queues,
                self.background,
                self.restart,
                self.recordings_dir,
            )
        )
        await self._listen()

    async def _listen(self) -> None:
        self._listener = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = self._listener.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = Session(self, reader, writer)
        self.sessions.add(session)
        await session.run()

    def trace_action(self, req: Request) -> None:
        """Note an action as it arrives (its name and ActionID), when tracing."""
        if self.trace is not None:
            self.trace.action(req)

    def _publish(self, cls: str, data: bytes) -> None:
        if self.trace is not None:
            self.trace.event(data)
        for session in list(self.sessions):
            if session.wants(cls):
                session.send_event(data)

    def _wants(self, cls: str) -> bool:
        return any(session.wants(cls) for session in self.sessions)

    def background(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run a coroutine beside the sessions; its failure is logged, never lost."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("PBX simulator task failed", exc_info=task.exception())

    async def stop(self) -> None:
        """Stop listening, drop every client and every call without a word."""
        await self._close_listener()
        for session in list(self.sessions):
            session.abort(reset=False)
        for chan in list(self.engine.channels.values()):
            if chan.task is not None:
                chan.task.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.sleep(0)

    async def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(listener.wait_closed(), timeout=1)

    # ------------------------------------------------------ failure injection

    def drop_connections(self, reset: bool = True) -> None:
        """Cut every client connection abruptly (RST by default), with no Goodbye."""
        for session in list(self.sessions):
            session.abort(reset=reset)

    def go_silent(self) -> None:
        """Half-open: keep every socket open but never answer or send anything again."""
        self.silent = True
        for session in self.sessions:
            session.frozen = True

    def resume(self) -> None:
        """New connections are served again; sessions that went silent stay silent."""
        self.silent = False

    async def restart(self, pause: float | None = None) -> None:
        """`core restart now`: calls hung up (cause 4), Shutdown, EOF, refusal, then listening."""
        engine = self.engine
        live = list(engine.channels.values())
        for chan in live:
            engine.chan_event("SoftHangupRequest", chan, ("Cause", str(SOFT_SHUTDOWN)))
        # As recorded: bridged outgoing channels drop first, then the ;2 halves' applications
        # stop (with no cause), taking their ;1 halves along; anything left goes last.
        engine.shutting_down = True
        for chan in live:
            if not chan.dead and chan.bridge is not None and not chan.is_pbx:
                engine.hangup(chan, 16, soft=False)
        for chan in live:
            if not chan.dead and chan.name.endswith(";2") and chan.is_pbx:
                engine.hangup(chan, 0, soft=True)
        for chan in live:
            if not chan.dead:
                engine.hangup(chan, 16, soft=False)
        engine.shutting_down = False
        engine.event("Shutdown", "system", [("Shutdown", "Cleanly"), ("Restart", "True")])
        await self._close_listener()
        await asyncio.gather(*(session.close() for session in list(self.sessions)))
        await asyncio.sleep(self.restart_pause if pause is None else pause)
        self.queues.reset()
        engine.started = time.time()
        await self._listen()
