"""The outcome table, and every recorded transcript replayed into port events and a final status."""

from __future__ import annotations

import pytest

from dialer.telephony.ami import outcomes
from dialer.telephony.ami.outcomes import CallFacts, outbound_outcome
from dialer.telephony.port import (
    CallAnswered,
    CallConnected,
    CallEnded,
    CallRinging,
    PortEvent,
    QueueCallCompleted,
    QueueCallConnected,
    QueueCallJoined,
    QueueCallOffered,
    QueueCallRingNoAnswer,
)
from tests.telephony.ami.scripted import translate_transcript


def summary(events: list[PortEvent]) -> list[tuple]:
    """The call and queue events as short tuples (extension states are tested elsewhere)."""
    out: list[tuple] = []
    for e in events:
        match e:
            case CallRinging() | CallAnswered():
                out.append((type(e).__name__, e.call_uid, e.leg.value))
            case CallConnected():
                out.append(("CallConnected", e.call_uid))
            case CallEnded():
                out.append(
                    (
                        "CallEnded",
                        e.call_uid,
                        e.status,
                        e.cause,
                        e.hung_up_by.value,
                        e.customer_dialled,
                    )
                )
            case QueueCallCompleted():
                out.append(("QueueCallCompleted", e.call_uid, e.extension, e.status, e.talk_s))
            case (
                QueueCallJoined()
                | QueueCallOffered()
                | QueueCallConnected()
                | QueueCallRingNoAnswer()
            ):
                out.append((type(e).__name__, e.call_uid, getattr(e, "extension", e.queue)))
    return out


AGENT_ANSWERS = [("CallAnswered", "{id}", "agent"), ("CallRinging", "{id}", "customer")]
TALK = [("CallAnswered", "{id}", "customer"), ("CallConnected", "{id}")]

EXPECTED = {
    "01": [*AGENT_ANSWERS, *TALK, ("CallEnded", "{id}", "ANSWER", 16, "customer", True)],
    "02": [*AGENT_ANSWERS, *TALK, ("CallEnded", "{id}", "ANSWER", 16, "agent", True)],
    "03": [("CallAnswered", "{id}", "agent"), ("CallEnded", "{id}", "BUSY", 17, "system", True)],
    "04": [("CallEnded", "{id}", "BUSY", 17, "system", True)],
    "05": [*AGENT_ANSWERS, ("CallEnded", "{id}", "NOANSWER", None, "system", True)],
    "06": [
        ("CallRinging", "{id}", "customer"),
        ("CallEnded", "{id}", "NOANSWER", 19, "system", True),
    ],
    "07": [("CallRinging", "{id}", "agent"), ("CallEnded", "{id}", "FAIL", 19, "system", False)],
    "08": [("CallAnswered", "{id}", "agent"), ("CallEnded", "{id}", "FAIL", 34, "system", True)],
    "09": [("CallEnded", "{id}", "FAIL", 34, "system", True)],
    "10": [("CallEnded", "{id}", "FAIL", 1, "system", True)],
    "11": [
        ("CallAnswered", "{id}", "agent"),
        ("CallEnded", "{id}", "NOANSWER", 21, "system", True),
    ],
    "12": [
        ("QueueCallJoined", None, "support"),
        ("QueueCallOffered", None, "1001"),
        ("QueueCallConnected", None, "1001"),
        ("QueueCallCompleted", None, "1001", "COMPLETECALLER", 7),
    ],
    "13": [
        ("CallRinging", "{id}", "customer"),
        ("CallAnswered", "{id}", "customer"),
        ("QueueCallJoined", "{id}", "support"),
        ("QueueCallOffered", "{id}", "1001"),
        ("CallAnswered", "{id}", "agent"),
        ("QueueCallConnected", "{id}", "1001"),
        ("CallConnected", "{id}"),
        ("QueueCallCompleted", "{id}", "1001", "COMPLETECALLER", 5),
        ("CallEnded", "{id}", "ANSWER", 16, "customer", True),
    ],
    "14": [
        ("CallRinging", "{id}", "customer"),
        ("CallAnswered", "{id}", "customer"),
        ("QueueCallJoined", "{id}", "sales"),
        ("QueueCallOffered", "{id}", "2002"),
        ("CallRinging", "{id}", "agent"),
        ("QueueCallRingNoAnswer", "{id}", "2002"),
        ("QueueCallOffered", "{id}", "1002"),
        ("CallAnswered", "{id}", "agent"),
        ("QueueCallConnected", "{id}", "1002"),
        ("CallConnected", "{id}"),
        ("QueueCallCompleted", "{id}", "1002", "COMPLETECALLER", 3),
        ("CallEnded", "{id}", "ANSWER", 16, "customer", True),
    ],
    "15": [],  # the login is refused: no events at all
    "16": [("CallEnded", "{id}", "FAIL", None, "system", True)],
    "17": [],  # a synchronous Originate fails in its response, without events
    "18": [("CallEnded", "{id}", "FAIL", None, "system", True)],
    "19": [],  # synchronous Originates give no OriginateResponse: the dialer never sends them
    "20": [*AGENT_ANSWERS, *TALK, ("CallEnded", "{id}", "ANSWER", 16, "agent", True)],
    "21": [
        ("CallAnswered", "21-1", "agent"),
        ("CallAnswered", "21-0", "agent"),
        ("CallRinging", "21-0", "customer"),
        ("CallAnswered", "21-2", "agent"),
        ("CallEnded", "21-1", "BUSY", 17, "system", True),
        ("CallEnded", "21-2", "FAIL", 34, "system", True),
        ("CallAnswered", "21-0", "customer"),
        ("CallConnected", "21-0"),
        ("CallEnded", "21-0", "ANSWER", 16, "customer", True),
    ],
    "22": [*AGENT_ANSWERS, *TALK, ("CallEnded", "{id}", "ANSWER", 16, "system", True)],
}


# Transcripts with a second Originate that the PBX refused in its response (no events).
CALL_IDS = {"18": "18-0", "20": "20-0"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_transcript_translates_to_the_expected_events_and_status(name: str) -> None:
    call_uid = CALL_IDS.get(name, name)
    expected = [
        tuple(call_uid if part == "{id}" else part for part in row) for row in EXPECTED[name]
    ]
    assert summary(translate_transcript(name)) == expected


@pytest.mark.parametrize("name", ["01", "13", "14", "21"])
def test_reads_cut_anywhere_give_the_same_events(name: str) -> None:
    assert summary(translate_transcript(name, chunks=7)) == summary(translate_transcript(name))


def test_talk_and_wait_seconds_come_from_arrival_times() -> None:
    ended = [e for e in translate_transcript("01") if isinstance(e, CallEnded)]
    assert (ended[0].wait_s, ended[0].talk_s) == (2, 6)
    assert ended[0].cause_text == "Normal Clearing"


def test_queue_completion_reasons_map_to_inbound_statuses() -> None:
    assert outcomes.queue_completion_status("caller") == "COMPLETECALLER"
    assert outcomes.queue_completion_status("agent") == "COMPLETEAGENT"
    assert outcomes.queue_completion_status("transfer") == "TRANSFER"


@pytest.mark.parametrize(
    ("reason", "cause", "status"),
    [
        (4, None, "ANSWER"),
        (5, 17, "BUSY"),
        (3, 19, "NOANSWER"),
        (8, 34, "FAIL"),
        (0, 1, "FAIL"),
        (0, 21, "NOANSWER"),
        (0, None, "FAIL"),
        (1, None, "NOANSWER"),
    ],
)
def test_customer_first_originate_reasons(reason: int, cause: int | None, status: str) -> None:
    facts = CallFacts(agent_first=False, originate_reason=reason, customer_cause=cause)
    assert outbound_outcome(facts).status == status


@pytest.mark.parametrize(
    ("dial_status", "cause", "status"),
    [
        ("BUSY", 17, "BUSY"),
        ("NOANSWER", None, "NOANSWER"),
        ("NOANSWER", 21, "NOANSWER"),
        ("NOANSWER", 1, "FAIL"),
        ("CONGESTION", 34, "FAIL"),
        ("CHANUNAVAIL", None, "FAIL"),
        ("CANCEL", None, "CANCEL"),
    ],
)
def test_agent_first_dial_statuses(dial_status: str, cause: int | None, status: str) -> None:
    facts = CallFacts(
        agent_first=True, originate_reason=4, dial_status=dial_status, customer_cause=cause
    )
    outcome = outbound_outcome(facts)
    assert (outcome.status, outcome.customer_dialled) == (status, True)


@pytest.mark.parametrize(
    ("reason", "status"), [(3, "FAIL"), (5, "FAIL"), (8, "FAIL"), (0, "FAIL"), (1, "CANCEL")]
)
def test_agent_leg_that_never_answers_is_not_the_customers_fault(reason: int, status: str) -> None:
    outcome = outbound_outcome(CallFacts(agent_first=True, originate_reason=reason, agent_cause=19))
    assert (outcome.status, outcome.cause, outcome.customer_dialled) == (status, 19, False)


def test_agent_hanging_up_before_the_customer_is_dialled_is_cancel() -> None:
    facts = CallFacts(agent_first=True, originate_reason=4, agent_hung_up_first=True)
    assert outbound_outcome(facts).status == "CANCEL"
