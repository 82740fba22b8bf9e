"""Build the AMI actions the port asks for, refusing values that would inject anything.

Header injection (CR, LF, NUL) is refused for every header by
``ami_protocol.encode_action``. Here each value is checked for what it turns
into on the PBX: a number or extension becomes part of a dial string, where
``&`` would dial a second destination and ``,`` or ``|`` would split Dial()
arguments; a variable value with ``,`` would set a second variable.
"""

from __future__ import annotations

import re

from dialer.telephony.ami.calls import AMD_VAR, CALL_ID_VAR, FLOW_VAR, Flow, call_action_id
from dialer.telephony.port import AgentFirstCall, CustomerFirstCall, UnsafeValueError

_NUMBER = re.compile(r"\+?[0-9*#]{1,32}")
_EXTENSION = re.compile(r"[A-Za-z0-9_+*#.-]{1,40}")
_QUEUE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_FILENAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,120}\.(wav|gsm|ogg)")
# A sound as Playback() names it: no extension, an optional folder, never "..".
_SOUND = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_/-]{0,119}")
_DIAL_SEPARATORS = ("&", ",", "|")
_RESERVED_VARS = {CALL_ID_VAR, FLOW_VAR, "DIAL_TIMEOUT", AMD_VAR, "ABANDON_AFTER", "ABANDON_SOUND"}
_AMD_ACTIONS = frozenset({"hangup", "agent"})


def _checked(kind: str, value: str, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise UnsafeValueError(f"refused {kind} {value!r}: it is not a plain {kind}")
    return value


def check_number(number: str) -> str:
    """A customer number as the PBX dials it: digits, '*', '#', an optional leading '+'."""
    return _checked("phone number", number, _NUMBER)


def check_extension(extension: str) -> str:
    """An agent extension: letters, digits and '_+*#.-' only."""
    return _checked("extension", extension, _EXTENSION)


def check_queue(queue: str) -> str:
    """A queue name: letters, digits and '_.-' only."""
    return _checked("queue name", queue, _QUEUE)


def check_filename(filename: str) -> str:
    """A recording's bare file name: no directory, no ',' (MixMonitor splits its arguments)."""
    return _checked("recording file name", filename, _FILENAME)


def check_sound(sound: str) -> str:
    """A sound file as Playback() names it: letters, digits, '_-/', no extension."""
    return _checked("sound name", sound, _SOUND)


def check_dial_string(channel: str) -> str:
    """A channel built from a template may not carry dial-string separators."""
    for separator in _DIAL_SEPARATORS:
        if separator in channel:
            raise UnsafeValueError(f"refused channel {channel!r}: it contains {separator!r}")
    return channel


def variable_headers(variables: dict[str, str]) -> list[str]:
    """``Variable:`` header values for the caller's own channel variables."""
    headers = []
    for name, value in variables.items():
        _checked("variable name", name, _VAR_NAME)
        if name in _RESERVED_VARS:
            raise UnsafeValueError(f"refused variable {name!r}: the dialer sets it itself")
        text = str(value)
        for separator in _DIAL_SEPARATORS:
            if separator in text:
                raise UnsafeValueError(f"refused value of {name!r}: it contains {separator!r}")
        headers.append(f"{name}={text}")
    return headers


def amd_headers(action: str | None) -> list[str]:
    """The ``Variable:`` that turns the dialplan's answering-machine step on, if asked."""
    if action is None:
        return []
    if action not in _AMD_ACTIONS:
        raise UnsafeValueError(f"refused answering-machine action {action!r}")
    return [f"{AMD_VAR}={action}"]


def agent_channel(template: str, extension: str) -> str:
    """The agent's device/channel, e.g. ``PJSIP/1001`` or ``Local/1001@sim-agent``."""
    return check_dial_string(template.format(extension=check_extension(extension)))


def agent_first_originate(
    call: AgentFirstCall, *, seq: int, agent_template: str, context: str, max_timeout_s: int
) -> dict[str, str | list[str]]:
    """Originate that rings the agent, then runs ``context``/number to dial the customer."""
    return _originate(
        call_action_id(call.call_uid, Flow.AGENT_FIRST, seq),
        channel=agent_channel(agent_template, call.extension),
        context=context,
        exten=check_number(call.number),
        caller_id=call.caller_id,
        timeout_s=min(int(call.timeout_s), int(max_timeout_s)),
        variables=[
            f"{CALL_ID_VAR}={call.call_uid}",
            f"{FLOW_VAR}={Flow.AGENT_FIRST.value}",
            f"DIAL_TIMEOUT={int(call.dial_timeout_s)}",
            *amd_headers(call.amd_action),
            *variable_headers(call.variables),
        ],
    )


def customer_first_originate(
    call: CustomerFirstCall,
    *,
    seq: int,
    customer_template: str,
    context: str,
    max_timeout_s: int,
    predictive_context: str = "dialer-predictive",
) -> dict[str, str | list[str]]:
    """Originate that rings the customer, then queues them in ``call.queue``.

    A call with ``abandon_after_s`` runs ``predictive_context`` instead, which
    gives up on the queue after that many seconds and plays the abandon sound.
    """
    number = check_number(call.number)
    abandon: list[str] = []
    if call.abandon_after_s > 0:
        context = predictive_context
        abandon = [
            f"ABANDON_AFTER={int(call.abandon_after_s)}",
            f"ABANDON_SOUND={check_sound(call.abandon_sound)}",
        ]
    return _originate(
        call_action_id(call.call_uid, Flow.CUSTOMER_FIRST, seq),
        channel=check_dial_string(customer_template.format(number=number)),
        context=context,
        exten=check_queue(call.queue),
        caller_id=call.caller_id,
        timeout_s=min(int(call.timeout_s), int(max_timeout_s)),
        variables=[
            f"{CALL_ID_VAR}={call.call_uid}",
            f"{FLOW_VAR}={Flow.CUSTOMER_FIRST.value}",
            *abandon,
            *amd_headers(call.amd_action),
            *variable_headers(call.variables),
        ],
    )


def _originate(
    action_id: str,
    *,
    channel: str,
    context: str,
    exten: str,
    caller_id: str,
    timeout_s: int,
    variables: list[str],
) -> dict[str, str | list[str]]:
    return {
        "Action": "Originate",
        "ActionID": action_id,
        "Channel": channel,
        "Context": context,
        "Exten": exten,
        "Priority": "1",
        "CallerID": caller_id,
        "Timeout": str(timeout_s * 1000),
        "Async": "true",
        "Variable": variables,
    }
