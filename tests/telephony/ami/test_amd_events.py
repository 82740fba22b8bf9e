"""The answering-machine verdict from the AMI stream: a UserEvent (what a production manager
user reads) or the AMDSTATUS/AMDCAUSE VarSets (with the dialplan class), once per call."""

from __future__ import annotations

from datetime import UTC, datetime

from dialer.telephony.ami.calls import Flow, call_action_id
from dialer.telephony.ami.translate import AmiTranslator
from dialer.telephony.port import AmdStatus, CallAmdResult, PortEvent

AT = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
LINKEDID = "1795549566.17"


def customer_channel(**headers: str) -> dict[str, str]:
    return {
        "Channel": "Local/0912345677@sim-callee-00000008;1",
        "Uniqueid": "1795549566.19",
        "Linkedid": LINKEDID,
        "Context": "dialer-amd",
        "Exten": "s",
        **headers,
    }


def fed(*events: tuple[str, dict[str, str]]) -> list[PortEvent]:
    heard: list[PortEvent] = []
    translator = AmiTranslator(heard.append, agent_channel="Local/{extension}@sim-agent")
    for name, headers in events:
        translator.feed(name, {"Event": name, **headers}, AT)
    return [e for e in heard if isinstance(e, CallAmdResult)]


ORIGINATED = (
    "OriginateResponse",
    {
        "Response": "Success",
        "ActionID": call_action_id("c42", Flow.AGENT_FIRST, 1),
        "Channel": "Local/1001@sim-agent",
        "Uniqueid": LINKEDID,
    },
)
USER_EVENT = (
    "UserEvent",
    customer_channel(UserEvent="DialerAMD", AMDStatus="MACHINE", AMDCause="TOOLONG-5000"),
)


def test_the_user_event_gives_the_verdict_even_before_the_call_is_known() -> None:
    # Held until the OriginateResponse says whose Linkedid it is, then replayed.
    assert fed(USER_EVENT, ORIGINATED) == [
        CallAmdResult(at=AT, call_uid="c42", status=AmdStatus.MACHINE, cause="TOOLONG-5000")
    ]


def test_the_varsets_give_it_whole_and_the_user_event_after_them_adds_nothing() -> None:
    verdicts = fed(
        ORIGINATED,
        ("VarSet", customer_channel(Variable="AMDSTATUS", Value="HUMAN")),
        ("VarSet", customer_channel(Variable="AMDCAUSE", Value="HUMAN-300-800")),
        USER_EVENT,
    )
    assert verdicts == [
        CallAmdResult(at=AT, call_uid="c42", status=AmdStatus.HUMAN, cause="HUMAN-300-800")
    ]


def test_other_user_events_variables_and_strangers_calls_are_ignored() -> None:
    assert (
        fed(
            ORIGINATED,
            ("UserEvent", customer_channel(UserEvent="Other", AMDStatus="MACHINE")),
            ("VarSet", customer_channel(Variable="DIALSTATUS", Value="ANSWER")),
            ("UserEvent", customer_channel(UserEvent="DialerAMD", AMDStatus="maybe")),
            ("UserEvent", {**USER_EVENT[1], "Linkedid": "1795549999.1"}),
        )
        == []
    )
