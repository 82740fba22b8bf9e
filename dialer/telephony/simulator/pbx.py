"""A PBX simulator that speaks the Asterisk Manager Interface over TCP.

It models the reference dialplan of ``docs/asterisk/`` (agent
extensions 1XXX answer, 2XXX ring, 3XXX are busy; a customer's outcome is the last
digit of the number; the support and sales queues; inbound injection) and sends
the events a real Asterisk 22 sends for each of those calls, as recorded in the
AMI transcripts. Timings are multiplied by ``speed`` (0.01 in tests, 1.0 in the demo).

From synchronous code (pytest, the demo)::

    with PbxSimulator(port=0, username="dialer", secret=my_secret, speed=0.01) as pbx:
        connect_to("127.0.0.1", pbx.port)

Options: ``hints`` (agent extensions answer ExtensionState and send ExtensionStatus
as if the dialplan had hints; the reference dialplan has none), ``channel_vars``
(like manager.conf ``channelvars``: ChanVariable headers on channel events),
``restart_pause`` (how long restart() refuses connections).

The asyncio server itself is :class:`dialer.telephony.simulator.server.AmiServer`; the
modules ``sim_*`` hold its parts (wire format, channels, engine, dialplan, calls,
queues, devices, actions, server) and ``sim_cli`` the ``pbx-sim`` commands.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from dialer.telephony.simulator.calls import OriginateRequest
from dialer.telephony.simulator.server import AmiServer
from dialer.telephony.simulator.wire import STATE_DESC

T = TypeVar("T")

START_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ChannelInfo:
    """One live channel of the simulated PBX."""

    name: str
    uniqueid: str
    linkedid: str
    state: int
    state_desc: str
    context: str
    exten: str
    caller_num: str
    connected_num: str
    application: str
    variables: dict[str, str]
    bridged: bool


@dataclass(frozen=True)
class QueueMemberInfo:
    """One member of a simulated queue."""

    interface: str
    name: str
    dynamic: bool
    paused: bool


class PbxSimulator:
    """Runs an :class:`AmiServer` on its own event loop thread, for synchronous callers."""

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
        restart_pause: float | None = None,
        channel_vars: tuple[str, ...] = (),
        recordings_dir: str | None = None,
        answer_faults: float = 0.0,
    ) -> None:
        pause = restart_pause if restart_pause is not None else max(0.75 * speed, 0.05)
        self.server = AmiServer(
            host,
            port,
            username,
            secret,
            speed,
            hints=hints,
            static_queue_members=static_queue_members,
            restart_pause=pause,
            channel_vars=channel_vars,
            recordings_dir=recordings_dir,
            answer_faults=answer_faults,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> PbxSimulator:
        """Bind and serve in a background thread; returns once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("simulator already started")
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._serve, args=(ready, failure), name="pbx-simulator", daemon=True
        )
        self._thread.start()
        if not ready.wait(START_TIMEOUT_S):
            raise RuntimeError("PBX simulator did not start")
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def _serve(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self.server.start())
        except BaseException as exc:  # reported to start()'s caller
            failure.append(exc)
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self.server.stop())
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self) -> None:
        """Stop serving; every connection and call ends."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(START_TIMEOUT_S)
        self._thread = None

    def __enter__(self) -> PbxSimulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port clients connect to."""
        return self.server.port

    @property
    def host(self) -> str:
        """The address the simulator listens on."""
        return self.server.host

    # --------------------------------------------------------------- calls in

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        if self._loop is None:
            raise RuntimeError("simulator not started")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _call(self, fn: Callable[[], T]) -> T:
        async def call() -> T:
            return fn()

        return self._run(call())

    # ------------------------------------------------------ failure injection

    def drop_connections(self, reset: bool = True) -> None:
        """Cut every AMI connection at once (an RST by default), with no Goodbye."""
        self._call(lambda: self.server.drop_connections(reset))

    def go_silent(self) -> None:
        """Keep the sockets open but answer nothing and send nothing (half-open)."""
        self._call(self.server.go_silent)

    def resume(self) -> None:
        """Serve new connections again after go_silent()."""
        self._call(self.server.resume)

    def restart(self, pause: float | None = None) -> None:
        """Restart like `core restart now`; returns once connections are accepted again."""
        self._run(self.server.restart(pause))

    # ------------------------------------------------------------ inspection

    def channels(self) -> list[ChannelInfo]:
        """The live channels, as CoreShowChannels would list them."""

        def snapshot() -> list[ChannelInfo]:
            return [
                ChannelInfo(
                    name=c.name,
                    uniqueid=c.uniqueid,
                    linkedid=c.linkedid,
                    state=c.state,
                    state_desc=STATE_DESC.get(c.state, "Unknown"),
                    context=c.context,
                    exten=c.exten,
                    caller_num=c.cid_num,
                    connected_num=c.conn_num,
                    application=c.app,
                    variables=dict(c.variables),
                    bridged=c.bridge is not None,
                )
                for c in self.server.engine.channels.values()
            ]

        return self._call(snapshot)

    def queue_members(self, queue: str) -> list[QueueMemberInfo]:
        """Members of a queue right now (queues.conf plus QueueAdd, minus QueueRemove)."""

        def members() -> list[QueueMemberInfo]:
            found = self.server.queues.queues.get(queue)
            if found is None:
                return []
            return [
                QueueMemberInfo(m.interface, m.name, m.dynamic, m.paused) for m in found.members
            ]

        return self._call(members)

    # ------------------------------------------------------------ scenarios

    def set_registered(self, extension: str, registered: bool) -> None:
        """Make an agent's phone unregistered (Unavailable) or registered again."""
        self._call(lambda: self.server.devices.set_registered(extension, registered))

    def inject_inbound(
        self, number: str, seconds: float = 60.0, did: str = "5550100", name: str = ""
    ) -> None:
        """An inbound call from `number` into queue support, as the `inbound` context does."""
        request = OriginateRequest(
            channel=f"Local/{did}@inbound",
            application="Wait",
            data=f"{seconds:g}",
            timeout=seconds + 30,
            caller=(number, name or "<unknown>"),
        )

        def place() -> None:
            self.server.background(self.server.calls.originate(request, lambda _result: None))

        self._call(place)
