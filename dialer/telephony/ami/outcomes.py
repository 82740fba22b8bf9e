"""What Asterisk says about a call, mapped to the brief's statuses (O4, I5).

One table per signal Asterisk gives, and one function that weighs them for an
outbound call. Pure: no database, no pyst2, no Flask. The telephony adapter
collects the facts of a call (``CallFacts``) and asks :func:`outbound_outcome`.

Decisions worth knowing:

* An agent-first call whose agent leg never answers (OriginateResponse
  Reason 3/5/8/0) ends ``FAIL`` with ``customer_dialled=False``: the customer
  was never called, so it must not count as the customer's NOANSWER nor
  against the lead's attempts; the cause (19 no answer, 17 busy...) tells why.
* The agent leg hung up before it answered (Reason 1), or the agent hung up
  while the customer was ringing (DialStatus CANCEL) is ``CANCEL``.
* A customer who rejects the call (cause 21) is ``NOANSWER``, as Asterisk's
  own DialStatus says; an unallocated or invalid number (cause 1, 3, 28) and
  congestion (34, 38...) are ``FAIL``.
"""

from __future__ import annotations

from dataclasses import dataclass

ANSWER = "ANSWER"
BUSY = "BUSY"
NOANSWER = "NOANSWER"
CANCEL = "CANCEL"
FAIL = "FAIL"
OUTBOUND_STATUSES = (ANSWER, BUSY, NOANSWER, CANCEL, FAIL)

COMPLETEAGENT = "COMPLETEAGENT"
COMPLETECALLER = "COMPLETECALLER"
TRANSFER = "TRANSFER"
ABANDON = "ABANDON"
RINGNOANSWER = "RINGNOANSWER"
INBOUND_STATUSES = (COMPLETEAGENT, COMPLETECALLER, TRANSFER, ABANDON, RINGNOANSWER)

# ------------------------------------------------------------------ the table

# OriginateResponse Reason for the originated leg (the customer, when customer-first).
# 4 answered; 5 busy; 3 rang until Timeout; 8 congestion; 1 hung up before answer;
# 0 any other failure (unknown technology, missing context, pre-answer hangup with a cause).
ORIGINATE_REASON_STATUS: dict[int, str] = {
    4: ANSWER,
    5: BUSY,
    3: NOANSWER,
    8: FAIL,
    1: NOANSWER,
    0: FAIL,
}

# Asterisk's Dial() result for the customer leg of an agent-first call.
DIAL_STATUS: dict[str, str] = {
    "ANSWER": ANSWER,
    "BUSY": BUSY,
    "NOANSWER": NOANSWER,
    "CANCEL": CANCEL,
    "CONGESTION": FAIL,
    "CHANUNAVAIL": FAIL,
    "DONTCALL": FAIL,
    "TORTURE": FAIL,
    "INVALIDARGS": FAIL,
}

# Q.850 hangup cause of the customer leg; it overrides a vague DialStatus/Reason
# (Reason 0, DialStatus NOANSWER after a pre-answer hangup). 0 (Unknown, on a
# Local ;1 half) and 16 (Normal Clearing) say nothing about an unanswered call.
CAUSE_STATUS: dict[int, str] = {
    1: FAIL,  # unallocated number
    3: FAIL,  # no route to destination
    17: BUSY,  # user busy
    18: NOANSWER,  # no user responding
    19: NOANSWER,  # user alerting, no answer
    20: FAIL,  # subscriber absent
    21: NOANSWER,  # call rejected
    22: FAIL,  # number changed
    27: FAIL,  # destination out of order
    28: FAIL,  # invalid number format
    34: FAIL,  # circuit/channel congestion
    38: FAIL,  # network out of order
    41: FAIL,  # temporary failure
    42: FAIL,  # switching equipment congestion
}

# AgentComplete Reason of a queue call an agent took.
QUEUE_COMPLETE_REASON: dict[str, str] = {
    "caller": COMPLETECALLER,
    "agent": COMPLETEAGENT,
    "transfer": TRANSFER,
}


@dataclass(frozen=True)
class CallFacts:
    """What the PBX told us about one outbound call, gathered over its events."""

    agent_first: bool
    originate_reason: int | None = None  # None: not (yet) known, e.g. adopted after a reconnect
    dial_status: str | None = None  # Dial() to the customer (agent-first only)
    customer_cause: int | None = None  # first non-zero hangup cause on the customer leg
    agent_cause: int | None = None  # first non-zero hangup cause on the agent leg
    customer_answered: bool = False
    customer_dialled: bool = False  # agent-first: the dialplan started dialling the customer
    agent_hung_up_first: bool = False


@dataclass(frozen=True)
class Outcome:
    status: str
    cause: int | None
    customer_dialled: bool


def cause_status(cause: int | None) -> str | None:
    """The status a hangup cause implies on its own, or None when it says nothing."""
    return CAUSE_STATUS.get(cause) if cause else None


def dial_outcome(dial_status: str, cause: int | None) -> str:
    """Status of a Dial() to the customer: DialStatus, refined by the customer's cause."""
    status = DIAL_STATUS.get(dial_status.upper(), FAIL)
    if status == NOANSWER:
        return cause_status(cause) or NOANSWER
    return status


def originate_failure_outcome(reason: int, cause: int | None) -> str:
    """Status of a customer-first Originate that failed, refined by the customer's cause."""
    status = ORIGINATE_REASON_STATUS.get(reason, FAIL)
    if reason in (0, 1):
        return cause_status(cause) or status
    return status


def queue_completion_status(reason: str) -> str:
    """COMPLETECALLER / COMPLETEAGENT / TRANSFER from an AgentComplete Reason."""
    return QUEUE_COMPLETE_REASON.get(reason.lower(), COMPLETEAGENT)


def outbound_outcome(facts: CallFacts) -> Outcome:
    """The one status (O4) an ended outbound call gets, with the cause behind it."""
    if facts.agent_first:
        return _agent_first_outcome(facts)
    return _customer_first_outcome(facts)


def _agent_first_outcome(facts: CallFacts) -> Outcome:
    reason = facts.originate_reason
    if reason is not None and reason != 4:
        # The agent's own phone did not answer: the customer was never dialled.
        status = CANCEL if reason == 1 else FAIL
        return Outcome(status, facts.agent_cause, customer_dialled=False)
    if facts.customer_answered:
        return Outcome(ANSWER, facts.customer_cause, customer_dialled=True)
    if facts.dial_status:
        status = dial_outcome(facts.dial_status, facts.customer_cause)
        return Outcome(status, facts.customer_cause, customer_dialled=True)
    if facts.customer_dialled:
        status = (
            CANCEL if facts.agent_hung_up_first else (cause_status(facts.customer_cause) or FAIL)
        )
        return Outcome(status, facts.customer_cause, customer_dialled=True)
    status = CANCEL if facts.agent_hung_up_first else FAIL
    return Outcome(status, facts.agent_cause, customer_dialled=False)


def _customer_first_outcome(facts: CallFacts) -> Outcome:
    reason = facts.originate_reason
    if facts.customer_answered or reason == 4:
        return Outcome(ANSWER, facts.customer_cause, customer_dialled=True)
    if reason is None:
        return Outcome(cause_status(facts.customer_cause) or FAIL, facts.customer_cause, True)
    status = originate_failure_outcome(reason, facts.customer_cause)
    return Outcome(status, facts.customer_cause, customer_dialled=True)
