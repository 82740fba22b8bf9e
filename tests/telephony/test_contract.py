"""The telephony port's contract: the same tests against the PBX simulator and a real Asterisk.

The simulator runs in every run. A real Asterisk with the reference dialplan
(``docs/asterisk/``) is used when AMI_HOST, AMI_PORT,
AMI_USERNAME and AMI_SECRET are set and ``pytest -m asterisk`` is asked for.
Failure injection (drop, silence, restart) needs the simulator's hands.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pytest

from dialer.telephony.ami.adapter import AmiAdapter
from dialer.telephony.ami.settings import AmiSettings
from dialer.telephony.port import (
    AgentFirstCall,
    AmdStatus,
    CallAmdResult,
    CallConnected,
    CallEnded,
    ConnectionHealth,
    CustomerFirstCall,
    Health,
    PortEvent,
    QueueCallCompleted,
    QueueCallConnected,
    QueueCallJoined,
    TelephonyConfigError,
    TelephonyError,
    UnsafeValueError,
)
from dialer.telephony.simulator.pbx import PbxSimulator

SPEED = 0.02  # simulator seconds: a 5 s talk takes 0.1 s
ASTERISK_ENV = ("AMI_HOST", "AMI_PORT", "AMI_USERNAME", "AMI_SECRET")
_ids = itertools.count(1)


@dataclass
class Pbx:
    settings: AmiSettings
    sim: PbxSimulator | None

    def needs_simulator(self) -> PbxSimulator:
        if self.sim is None:
            pytest.skip("failure injection needs the simulator")
        return self.sim


class Heard:
    """Port events the listener handed over, and a way to wait for one."""

    def __init__(self) -> None:
        self.events: list[PortEvent] = []
        self.changed = threading.Condition()

    def __call__(self, event: PortEvent) -> None:
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def wait(self, predicate: Callable[[PortEvent], bool], timeout: float = 30.0) -> PortEvent:
        with self.changed:
            seen = 0
            while True:
                for event in self.events[seen:]:
                    if predicate(event):
                        return event
                seen = len(self.events)
                if not self.changed.wait(timeout):
                    raise AssertionError(f"not heard in {timeout} s; heard: {self.events}")

    def health(self, health: Health) -> ConnectionHealth:
        return self.wait(lambda e: isinstance(e, ConnectionHealth) and e.health is health)

    def ended(self, call_uid: str) -> CallEnded:
        return self.wait(lambda e: isinstance(e, CallEnded) and e.call_uid == call_uid)

    def of_call(self, call_uid: str) -> list[PortEvent]:
        with self.changed:
            return [e for e in self.events if getattr(e, "call_uid", None) == call_uid]


def dialplan(host: str, port: int, username: str, secret: str) -> AmiSettings:
    return AmiSettings(
        host=host,
        port=port,
        username=username,
        secret=secret,
        agent_channel="Local/{extension}@sim-agent",
        customer_channel="Local/{number}@sim-callee",
        outbound_context="dialer-bridge",
        queue_context="dialer-queue",
        ping_interval_s=0.5,
        response_timeout_s=2.0,
        connect_timeout_s=2.0,
        reconnect_min_s=0.05,
        reconnect_max_s=0.5,
    )


@pytest.fixture(params=["simulator", pytest.param("asterisk", marks=pytest.mark.asterisk)])
def pbx(request: pytest.FixtureRequest) -> Iterator[Pbx]:
    if request.param == "asterisk":
        if "asterisk" not in (request.config.getoption("markexpr") or ""):
            pytest.skip("a real Asterisk is used only with -m asterisk")
        if not all(os.environ.get(name) for name in ASTERISK_ENV):
            pytest.skip("set AMI_HOST, AMI_PORT, AMI_USERNAME and AMI_SECRET for a real Asterisk")
        env = {name: os.environ[name] for name in ASTERISK_ENV}
        yield Pbx(
            dialplan(env["AMI_HOST"], int(env["AMI_PORT"]), env["AMI_USERNAME"], env["AMI_SECRET"]),
            None,
        )
        return
    with PbxSimulator(port=0, username="dialer", secret="contract-secret", speed=SPEED) as sim:
        yield Pbx(dialplan("127.0.0.1", sim.port, "dialer", "contract-secret"), sim)


@pytest.fixture
def heard(pbx: Pbx) -> Iterator[Heard]:
    heard = Heard()
    listener = AmiAdapter(pbx.settings)
    listener.start(heard)
    heard.health(Health.UP)
    yield heard
    listener.stop()


@pytest.fixture
def port(pbx: Pbx) -> Iterator[AmiAdapter]:
    adapter = AmiAdapter(pbx.settings)
    yield adapter
    adapter.close()


def call_uid() -> str:
    return f"k{os.getpid()}-{next(_ids)}"


def agent_first(port: AmiAdapter, number: str, extension: str = "1001", **more: int) -> str:
    cid = call_uid()
    port.originate_agent_first(
        AgentFirstCall(cid, extension, number, '"Campaign 7" <5550007>', **more)
    )
    return cid


# ------------------------------------------------------------------ outcomes


def test_answered_and_the_customer_hangs_up(port: AmiAdapter, heard: Heard) -> None:
    cid = agent_first(port, "5551230000")
    ended = heard.ended(cid)
    assert (ended.status, ended.cause, ended.hung_up_by.value) == ("ANSWER", 16, "customer")
    assert any(isinstance(e, CallConnected) for e in heard.of_call(cid))


def test_the_agent_hangs_up_through_the_port(port: AmiAdapter, heard: Heard) -> None:
    cid = agent_first(port, "5551230004")
    heard.wait(lambda e: isinstance(e, CallConnected) and e.call_uid == cid)
    assert port.hangup(cid) is True
    ended = heard.ended(cid)
    assert (ended.status, ended.hung_up_by.value) == ("ANSWER", "agent")
    assert not [c for c in port.live_channels() if c.call_uid == cid]


@pytest.mark.parametrize(
    ("number", "status", "cause"),
    [
        ("5551230001", "BUSY", 17),
        ("5551230002", "NOANSWER", None),
        ("5551230003", "FAIL", 34),
        ("5551230005", "FAIL", 1),
        ("5551230008", "NOANSWER", 21),
    ],
    ids=["busy", "no-answer", "congestion", "unallocated", "rejected"],
)
def test_customer_outcomes(
    port: AmiAdapter, heard: Heard, number: str, status: str, cause: int | None
) -> None:
    cid = agent_first(port, number, dial_timeout_s=3)
    ended = heard.ended(cid)
    assert (ended.status, ended.customer_dialled) == (status, True)
    if cause is not None:
        assert ended.cause == cause


def test_the_agent_leg_never_answers(port: AmiAdapter, heard: Heard) -> None:
    cid = agent_first(port, "5551230000", extension="2001", timeout_s=3)
    ended = heard.ended(cid)
    assert (ended.status, ended.customer_dialled) == ("FAIL", False)


def test_customer_first_into_a_queue(port: AmiAdapter, heard: Heard) -> None:
    cid = call_uid()
    port.originate_customer_first(CustomerFirstCall(cid, "5551230000", "support", "5550007"))
    connected = heard.wait(lambda e: isinstance(e, QueueCallConnected) and e.call_uid == cid)
    assert connected.extension == "1001"
    ended = heard.ended(cid)
    assert (ended.status, ended.hung_up_by.value) == ("ANSWER", "customer")


def test_a_predictive_call_taken_in_time_is_bridged(port: AmiAdapter, heard: Heard) -> None:
    cid = call_uid()
    call = CustomerFirstCall(cid, "5551230000", "support", "5550007", abandon_after_s=2)
    port.originate_customer_first(replace(call, abandon_sound="dialer-abandoned"))
    connected = heard.wait(lambda e: isinstance(e, QueueCallConnected) and e.call_uid == cid)
    assert connected.extension == "1001"
    assert heard.ended(cid).status == "ANSWER"


def test_customer_first_busy(port: AmiAdapter, heard: Heard) -> None:
    cid = call_uid()
    port.originate_customer_first(CustomerFirstCall(cid, "5551230001", "support", "5550007"))
    assert heard.ended(cid).status == "BUSY"


def test_inbound_queue_call(port: AmiAdapter, heard: Heard) -> None:
    port._connection().send_action(
        Action="Originate",
        Channel="Local/5550100@inbound",
        Application="Wait",
        Data="3",
        CallerID='"Customer" <5551239999>',
        Async="true",
    )
    joined = heard.wait(
        lambda e: isinstance(e, QueueCallJoined) and e.caller_number == "5551239999"
    )
    assert (joined.queue, joined.call_uid) == ("support", None)
    done = heard.wait(lambda e: isinstance(e, QueueCallCompleted) and e.call_ref == joined.call_ref)
    assert (done.status, done.extension) == ("COMPLETECALLER", "1001")


# ------------------------------------------------------------------ failures


def test_reconnects_after_the_connection_drops(pbx: Pbx, port: AmiAdapter, heard: Heard) -> None:
    pbx.needs_simulator().drop_connections()
    heard.health(Health.DOWN)
    heard.health(Health.RECONNECTED)
    cid = agent_first(port, "5551230001")
    assert heard.ended(cid).status == "BUSY"


def test_a_silent_half_open_connection_is_timed_out(pbx: Pbx, heard: Heard) -> None:
    sim = pbx.needs_simulator()
    sim.go_silent()
    assert heard.health(Health.DOWN).detail
    sim.resume()
    heard.health(Health.RECONNECTED)


def test_restart_hangs_up_calls_and_the_listener_comes_back(
    pbx: Pbx, port: AmiAdapter, heard: Heard
) -> None:
    sim = pbx.needs_simulator()
    cid = agent_first(port, "5551230004")
    heard.wait(lambda e: isinstance(e, CallConnected) and e.call_uid == cid)
    sim.restart()
    ended = heard.ended(cid)
    assert (ended.status, ended.hung_up_by.value) == ("ANSWER", "system")
    heard.health(Health.RECONNECTED)


def test_bad_login_is_a_configuration_error(pbx: Pbx) -> None:
    adapter = AmiAdapter(replace(pbx.settings, secret="not-the-secret"))
    with pytest.raises(TelephonyConfigError, match="Authentication failed"):
        adapter.live_channels()
    adapter.close()


def test_injection_is_refused_and_nothing_is_dialled(port: AmiAdapter) -> None:
    cid = call_uid()
    with pytest.raises(UnsafeValueError):
        port.originate_agent_first(
            AgentFirstCall(cid, "1001", "5551230004&Local/5551230000@sim-callee", "x")
        )
    with pytest.raises(UnsafeValueError):
        port.originate_agent_first(
            AgentFirstCall(cid, "1001", "5551230004\r\n\r\nAction: Hangup", "x")
        )
    assert not [c for c in port.live_channels() if c.call_uid == cid]


def test_no_double_dial_when_the_pbx_goes_silent(pbx: Pbx, port: AmiAdapter) -> None:
    sim = pbx.needs_simulator()
    port.live_channels()  # connected before the PBX goes quiet
    sim.go_silent()
    cid = call_uid()
    with pytest.raises(TelephonyError, match="may have been placed"):
        port.originate_agent_first(AgentFirstCall(cid, "1001", "5551230004", "x"))
    sim.resume()
    assert not [c for c in port.live_channels() if c.call_uid == cid]  # and it was not sent again


# ------------------------------------------------------ answering machines


def amd_call(pbx: Pbx, port: AmiAdapter, number: str, action: str) -> str:
    pbx.needs_simulator()  # a real Asterisk's AMD() hears only silence on Local channels
    cid = call_uid()
    port.originate_agent_first(
        AgentFirstCall(cid, "1001", number, '"Campaign 7" <5550007>', amd_action=action)
    )
    return cid


def verdict_of(heard: Heard, cid: str) -> CallAmdResult:
    return heard.wait(lambda e: isinstance(e, CallAmdResult) and e.call_uid == cid)


def test_a_machine_is_hung_up_before_it_reaches_the_agent(
    pbx: Pbx, port: AmiAdapter, heard: Heard
) -> None:
    cid = amd_call(pbx, port, "5551230077", "hangup")  # ...77: an answering machine
    verdict = verdict_of(heard, cid)
    assert (verdict.status, verdict.cause) == (AmdStatus.MACHINE, "LONGGREETING-2000-1500")
    ended = heard.ended(cid)
    assert ended.customer_dialled and ended.status == "ANSWER"
    assert not any(isinstance(e, CallConnected) for e in heard.of_call(cid))
    assert [e for e in heard.of_call(cid) if isinstance(e, CallAmdResult)] == [verdict]
    assert not [c for c in port.live_channels() if c.call_uid == cid]


def test_a_machine_is_put_through_to_the_agent_when_the_campaign_says_so(
    pbx: Pbx, port: AmiAdapter, heard: Heard
) -> None:
    cid = amd_call(pbx, port, "5551230077", "agent")
    assert verdict_of(heard, cid).status == AmdStatus.MACHINE
    heard.wait(lambda e: isinstance(e, CallConnected) and e.call_uid == cid)
    assert heard.ended(cid).status == "ANSWER"


def test_a_person_is_put_through_whatever_the_action(
    pbx: Pbx, port: AmiAdapter, heard: Heard
) -> None:
    cid = amd_call(pbx, port, "5551230004", "hangup")  # ...4: a person, stays on the line
    assert verdict_of(heard, cid).status == AmdStatus.HUMAN
    heard.wait(lambda e: isinstance(e, CallConnected) and e.call_uid == cid)
    assert port.hangup(cid) is True
    heard.ended(cid)


def test_no_detection_unless_asked_and_an_unknown_action_is_refused(
    port: AmiAdapter, heard: Heard
) -> None:
    cid = agent_first(port, "5551230077")  # a machine, but the campaign does not detect
    heard.wait(lambda e: isinstance(e, CallConnected) and e.call_uid == cid)
    assert not any(isinstance(e, CallAmdResult) for e in heard.of_call(cid))
    port.hangup(cid)
    heard.ended(cid)
    with pytest.raises(UnsafeValueError):
        port.originate_agent_first(
            AgentFirstCall(call_uid(), "1001", "5551230077", "x", amd_action="hangup,x")
        )
