"""AMI wire format for the PBX simulator: framing, parsing, and the texts Asterisk uses.

Asterisk ends every line with CRLF and every message with an empty line; it only
recognises CRLF as a line end, so a client sending bare LF waits forever, and so
does this simulator.
"""

from __future__ import annotations

from collections.abc import Iterable

GREETING = b"Asterisk Call Manager/11.0.0\r\n"

Headers = list[tuple[str, str]]

STATE_DESC = {
    0: "Down",
    1: "Rsrvd",
    2: "OffHook",
    3: "Dialing",
    4: "Ring",
    5: "Ringing",
    6: "Up",
    7: "Busy",
    8: "Dialing Offhook",
    9: "Pre-ring",
}

# Q.850 cause texts exactly as Asterisk's ast_cause2str() spells them.
CAUSE_TEXT = {
    0: "Unknown",
    1: "Unallocated (unassigned) number",
    2: "No route to specified transmit network",
    3: "No route to destination",
    16: "Normal Clearing",
    17: "User busy",
    18: "No user responding",
    19: "User alerting, no answer",
    20: "Subscriber absent",
    21: "Call Rejected",
    22: "Number changed",
    26: "Non-selected user clearing",
    27: "Destination out of order",
    28: "Invalid number format",
    31: "Normal, unspecified",
    34: "Circuit/channel congestion",
    38: "Network out of order",
    41: "Temporary failure",
    42: "Switching equipment congestion",
    127: "Interworking, unspecified",
}

EXTENSION_STATE_TEXT = {
    -1: "Unknown",
    0: "Idle",
    1: "InUse",
    2: "Busy",
    4: "Unavailable",
    8: "Ringing",
    9: "InUse&Ringing",
    16: "Hold",
    17: "InUse&Hold",
}

MAX_PENDING_BYTES = 1 << 20


def cause_text(cause: int) -> str:
    """The Cause-txt Asterisk prints for a hangup cause; unknown codes read 'Unknown'."""
    return CAUSE_TEXT.get(cause, "Unknown")


def _clean(value: str) -> str:
    # A value with CR or LF would split our own message; Asterisk never emits one.
    if "\r" in value or "\n" in value:
        return value.replace("\r", " ").replace("\n", " ")
    return value


def encode(headers: Iterable[tuple[str, str]]) -> bytes:
    """One AMI message: 'Key: Value' lines ending in CRLF, then an empty line."""
    parts = [f"{key}: {_clean(value)}\r\n" for key, value in headers]
    parts.append("\r\n")
    return "".join(parts).encode("utf-8", "replace")


class Request:
    """One client message; header lookups are case-insensitive like astman_get_header()."""

    __slots__ = ("headers",)

    def __init__(self, headers: Headers) -> None:
        self.headers = headers

    def get(self, key: str, default: str = "") -> str:
        """The first value of a header, or ``default`` when absent."""
        wanted = key.lower()
        for name, value in self.headers:
            if name.lower() == wanted:
                return value
        return default

    def get_all(self, key: str) -> list[str]:
        """Every value of a repeated header (such as Variable), in order."""
        wanted = key.lower()
        return [value for name, value in self.headers if name.lower() == wanted]

    @property
    def action(self) -> str:
        """The Action header, trimmed."""
        return self.get("Action").strip()

    @property
    def action_id(self) -> str:
        """The ActionID header (empty when absent)."""
        return self.get("ActionID")


def parse_message(block: bytes) -> Request:
    """Parse one message (without its terminating empty line) into headers."""
    headers: Headers = []
    for raw in block.split(b"\r\n"):
        if not raw:
            continue
        line = raw.decode("utf-8", "replace")
        key, sep, value = line.partition(":")
        if not sep:
            continue
        headers.append((key.strip(), value.lstrip(" ")))
    return Request(headers)


class FrameReader:
    """Splits a byte stream into messages at CRLF CRLF, across any read boundaries."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[Request]:
        """Add bytes; return the complete messages now available."""
        self._buffer += data
        messages = []
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            block, self._buffer = self._buffer[:end], self._buffer[end + 4 :]
            if block.strip():
                messages.append(parse_message(block))
        return messages

    @property
    def overflowing(self) -> bool:
        """True when a client sent a huge message without ever ending it."""
        return len(self._buffer) > MAX_PENDING_BYTES


def response(kind: str, action_id: str, *fields: tuple[str, str]) -> Headers:
    """A Response message in Asterisk's order: Response, ActionID, then the fields."""
    headers: Headers = [("Response", kind)]
    if action_id:
        headers.append(("ActionID", action_id))
    headers.extend(fields)
    return headers


def success(action_id: str, message: str) -> bytes:
    """Response: Success with a Message, as astman_send_ack() writes it."""
    return encode(response("Success", action_id, ("Message", message)))


def error(action_id: str, message: str) -> bytes:
    """Response: Error with a Message, as astman_send_error() writes it."""
    return encode(response("Error", action_id, ("Message", message)))


def list_start(action_id: str, message: str) -> bytes:
    """The acknowledgement that opens an event list (EventList: start)."""
    return encode(response("Success", action_id, ("EventList", "start"), ("Message", message)))


def list_complete(event: str, action_id: str, items: int, *extra: tuple[str, str]) -> bytes:
    """The event that closes an event list, with its ListItems count."""
    headers: Headers = [("Event", event)]
    if action_id:
        headers.append(("ActionID", action_id))
    headers += [("EventList", "Complete"), ("ListItems", str(items))]
    headers.extend(extra)
    return encode(headers)


# An event mask that lets every class through.
ALL_CLASSES = None


def parse_event_mask(text: str) -> set[str] | None:
    """Events: on/off or a class list ('call,agent'); None means every class."""
    value = text.strip().lower()
    if value in ("on", "yes", "true", "all", "1") or not value:
        return ALL_CLASSES
    if value in ("off", "no", "false", "0", "none"):
        return set()
    return {part.strip() for part in value.split(",") if part.strip()}


# A client that stops reading is dropped past this much unread output, like Asterisk's
# writetimeout.
MAX_UNREAD_OUTPUT = 64 << 20
