"""AMI adapter figures: events/s into port events, Originates/s, Originate-to-socket latency.

Run as ``python bench/ami_bench.py`` (or ``make bench``). Prints, on one core:

* events/s through the adapter's reader, parser and translator into port events,
  beside a raw-socket floor (recv and split only) and plain pyst2, same payload;
* Originates/s through the adapter against the PBX simulator;
* the time from asking for an Originate to its bytes arriving at the server, p50/p99.

Goals (issue 3): >= 10,000 events/s, >= 300 Originates/s, p99 <= 5 ms.
"""

from __future__ import annotations

import re
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asterisk.manager import Manager  # noqa: E402

from dialer.telephony.ami.adapter import AmiAdapter  # noqa: E402
from dialer.telephony.ami.settings import AmiSettings  # noqa: E402
from dialer.telephony.port import AgentFirstCall, CallEnded, ConnectionHealth  # noqa: E402
from dialer.telephony.simulator.pbx import PbxSimulator  # noqa: E402
from tests.telephony.ami.scripted import ScriptedAmi, parse, scripted_settings  # noqa: E402
from tests.telephony.transcripts import load  # noqa: E402

_EPOCH = re.compile(r"\b(17955\d{5})\.")


def call_events(name: str, rep: int) -> str:
    """The events of a recorded call, renamed so repetition ``rep`` is a new call of ours."""
    recorded = load(name)
    originate = next(m for m in recorded.client if m.get("Action") == "Originate")
    action_id = originate.get("ActionID")
    flow = "q" if originate.get("Context") == "dialer-queue" else "a"
    text = "".join(m.raw for m in recorded.server if m.event and m.event != "FullyBooted")
    text = text.replace(f"ActionID: {action_id}\r\n", f"ActionID: dialer-b{rep}-{flow}1\r\n")
    return _EPOCH.sub(lambda m: f"{int(m[1]) + rep * 100_000}.", text)


def payload(reps: int, dialplan_events: bool = True) -> tuple[str, int, int]:
    """(text, AMI events in it, calls of ours in it): agent-first, customer-first, inbound.

    Without ``dialplan_events`` it is what a production AMI user (read = call,agent,cdr,
    not dialplan) receives: no Newexten/VarSet, so nearly every event is parsed and
    translated rather than skipped by name.
    """
    text = "".join(call_events(name, rep) for rep in range(reps) for name in ("01", "13", "12"))
    if not dialplan_events:
        kept = [m for m in text.split("\r\n\r\n") if m and "Privilege: dialplan" not in m]
        text = "".join(m + "\r\n\r\n" for m in kept)
    return text, text.count("Event: "), 2 * reps


SECRET = "dialer-secret"  # the scripted server's test login


def settings(port: int, secret: str) -> AmiSettings:
    return scripted_settings(port, secret=secret, ping_interval_s=30.0, response_timeout_s=10.0)


def timed_push(server: ScriptedAmi, text: str, done: threading.Semaphore, count: int) -> float:
    """Seconds from sending ``text`` until ``done`` was released ``count`` times."""
    started = time.perf_counter()
    server.push(text)
    for _ in range(count):
        if not done.acquire(timeout=300):
            raise RuntimeError("not everything sent was reported back")
    return time.perf_counter() - started


def adapter_events_per_s(text: str, events: int, calls: int) -> float:
    server = ScriptedAmi()
    ended = threading.Semaphore(0)
    up = threading.Event()

    def handle(event: object) -> None:
        if isinstance(event, CallEnded):
            ended.release()
        elif isinstance(event, ConnectionHealth):
            up.set()

    adapter = AmiAdapter(settings(server.port, SECRET))
    adapter.start(handle)
    up.wait(10)
    elapsed = timed_push(server, text, ended, calls)
    adapter.stop()
    server.stop()
    return events / elapsed


def raw_floor_events_per_s(text: str, events: int) -> float:
    """Read the same bytes from a socket and split them into messages: nothing more."""
    data = text.encode()
    listener = socket.create_server(("127.0.0.1", 0))
    sender = threading.Thread(target=lambda: listener.accept()[0].sendall(data), daemon=True)
    sender.start()
    client = socket.create_connection(listener.getsockname())
    started = time.perf_counter()
    received, buffer, count = 0, b"", 0
    while received < len(data):
        chunk = client.recv(65536)
        received += len(chunk)
        buffer += chunk
        parts = buffer.split(b"\r\n\r\n")
        count += len(parts) - 1
        buffer = parts[-1]
    elapsed = time.perf_counter() - started
    client.close()
    listener.close()
    assert count == events
    return events / elapsed


def pyst2_events_per_s(text: str, events: int) -> float:
    server = ScriptedAmi()
    manager = Manager()
    manager.connect("127.0.0.1", server.port)
    manager.login("dialer", SECRET)
    seen = threading.Semaphore(0)
    manager.register_event("*", lambda event, _m: seen.release())
    elapsed = timed_push(server, text, seen, events)
    manager.close()
    server.stop()
    return events / elapsed


def originates_per_s(count: int) -> tuple[float, float]:
    """(sequential, 4 threads) Originates/s against the simulator, busy customers."""
    with PbxSimulator(port=0, username="dialer", secret="bench", speed=0.01) as sim:
        adapter = AmiAdapter(settings(sim.port, "bench"))
        adapter.live_channels()
        started = time.perf_counter()
        for n in range(count):
            adapter.originate_agent_first(AgentFirstCall(f"s{n}", "1001", "5551230001", "x"))
        sequential = count / (time.perf_counter() - started)

        def worker(k: int) -> None:
            for n in range(count // 4):
                adapter.originate_agent_first(
                    AgentFirstCall(f"t{k}-{n}", "1001", "5551230001", "x")
                )

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        threaded = (count // 4) * 4 / (time.perf_counter() - started)
        adapter.close()
    return sequential, threaded


class _StampingAmi(ScriptedAmi):
    """Notes when each action's bytes arrived, before doing anything else with them."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, float] = {}

    def _handle(self, conn, raw: bytes) -> None:  # type: ignore[override]
        now = time.perf_counter()
        self.arrived[parse(raw.decode()).get("ActionID", "")] = now
        super()._handle(conn, raw)


def originate_latency_ms(count: int) -> tuple[float, float]:
    """p50 and p99 of: Originate asked -> its bytes arrive at the server."""
    server = _StampingAmi()
    adapter = AmiAdapter(settings(server.port, SECRET))
    adapter.live_channels()
    asked: dict[str, float] = {}
    for n in range(count):
        call_id = f"lat{n}"
        asked[f"dialer-{call_id}-a{n + 1}"] = time.perf_counter()
        adapter.originate_agent_first(AgentFirstCall(call_id, "1001", "5551230001", "x"))
    adapter.close()
    server.stop()
    delays = sorted((server.arrived[a] - t) * 1000 for a, t in asked.items())
    return statistics.median(delays), delays[int(len(delays) * 0.99) - 1]


def main() -> int:
    adapter = 0.0
    for dialplan_events in (True, False):
        text, events, calls = payload(reps=300, dialplan_events=dialplan_events)
        kind = "read=all, as recorded" if dialplan_events else "no dialplan class (production)"
        print(f"payload {kind}: {events} events, {len(text) / 1e6:.1f} MB, {calls} calls of ours")
        floor = raw_floor_events_per_s(text, events)
        found = adapter_events_per_s(text, events, calls)
        adapter = found if not dialplan_events else adapter
        print(f"  events/s  raw socket floor (recv + split) : {floor:>12,.0f}")
        print(f"  events/s  adapter -> port events          : {found:>12,.0f}   goal >= 10,000")
    small, small_events, _ = payload(reps=10)
    plain = pyst2_events_per_s(small, small_events)
    print(f"events/s  plain pyst2 (read=all, 10 reps)   : {plain:>12,.0f}")
    sequential, threaded = originates_per_s(2000)
    print(f"Originates/s against the simulator        : {sequential:>12,.0f}   goal >= 300")
    print(f"Originates/s, 4 threads                   : {threaded:>12,.0f}")
    p50, p99 = originate_latency_ms(2000)
    print(
        f"Originate asked -> bytes at server, ms    : p50 {p50:.3f}  p99 {p99:.3f}   goal p99 <= 5"
    )
    ok = adapter >= 10_000 and sequential >= 300 and p99 <= 5
    print("all goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
