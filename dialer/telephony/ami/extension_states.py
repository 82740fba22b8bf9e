"""Extension and device states as Asterisk spells them, and agent extensions from device names."""

from __future__ import annotations

import re

from dialer.telephony.port import ExtensionState

# Device states as DeviceStateChange spells them, and their numbers in QueueMemberStatus.
_DEVICE_STATE = {
    "NOT_INUSE": ExtensionState.AVAILABLE,
    "INUSE": ExtensionState.IN_USE,
    "ONHOLD": ExtensionState.IN_USE,
    "BUSY": ExtensionState.BUSY,
    "RINGING": ExtensionState.RINGING,
    "RINGINUSE": ExtensionState.RINGING,
    "UNAVAILABLE": ExtensionState.UNAVAILABLE,
    "INVALID": ExtensionState.UNAVAILABLE,
    "UNKNOWN": ExtensionState.UNKNOWN,
}
_DEVICE_STATE_NUMBER = dict(
    enumerate(
        [
            "UNKNOWN",
            "NOT_INUSE",
            "INUSE",
            "BUSY",
            "INVALID",
            "UNAVAILABLE",
            "RINGING",
            "RINGINUSE",
            "ONHOLD",
        ]
    )
)
# ExtensionStatus StatusText (hint state).
_HINT_STATE = {
    "idle": ExtensionState.AVAILABLE,
    "inuse": ExtensionState.IN_USE,
    "busy": ExtensionState.BUSY,
    "unavailable": ExtensionState.UNAVAILABLE,
    "ringing": ExtensionState.RINGING,
    "inuse&ringing": ExtensionState.RINGING,
    "hold": ExtensionState.IN_USE,
    "inuse&hold": ExtensionState.IN_USE,
}


def device_state(value: str) -> ExtensionState:
    """An ExtensionState from a device state name or number."""
    name = _DEVICE_STATE_NUMBER.get(int(value), "UNKNOWN") if value.isdigit() else value.upper()
    return _DEVICE_STATE.get(name, ExtensionState.UNKNOWN)


def hint_state(status_text: str) -> ExtensionState:
    """An ExtensionState from an ExtensionState/ExtensionStatus StatusText."""
    return _HINT_STATE.get(status_text.lower(), ExtensionState.UNKNOWN)


def agent_device_pattern(agent_channel: str) -> re.Pattern[str]:
    """A regex matching the agent devices the template makes, capturing the extension."""
    before, _, after = agent_channel.partition("{extension}")
    return re.compile(re.escape(before) + r"(?P<extension>[^/@;&,|]+)" + re.escape(after))


def extension_of(interface: str, pattern: re.Pattern[str]) -> str:
    """The extension in a queue member interface (our agent template first, then any tech)."""
    match = pattern.fullmatch(interface)
    if match:
        return match["extension"]
    # Other technologies: Local/1001@ctx, PJSIP/1001, SIP/1001...
    return interface.partition("/")[2].partition("@")[0] or interface


def to_int(value: str | None) -> int:
    """A header's integer value; 0 when missing or not a number."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


def caller(value: str | None) -> str:
    """A caller id header, empty when Asterisk says it is unknown."""
    return "" if not value or value == "<unknown>" else value
