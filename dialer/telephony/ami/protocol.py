"""AMI wire format: frame the byte stream into messages, parse them, encode actions.

pyst2 reads the socket one byte per system call and its parser calls
``dict.has_key`` on ``ChanVariable`` headers (a Python 2 method), which kills
its reader thread. :class:`AmiFramer` splits a buffered byte stream on the
blank line that ends every message; :class:`AmiMessage` is pyst2's
``ManagerMsg`` with a parser that survives ``ChanVariable`` and keeps repeated
``Output`` lines. :func:`encode_action` refuses header injection.
"""

from __future__ import annotations

from asterisk.manager import ManagerMsg

from dialer.telephony.port import TelephonyError, UnsafeValueError

EOL = "\r\n"
_END = b"\r\n\r\n"
_CRLF = b"\r\n"
_FORBIDDEN_IN_HEADERS = ("\r", "\n", "\x00")


class AmiFramer:
    """Turns received bytes into whole AMI messages, however the bytes were split."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._scanned = 0  # bytes already searched for a message end
        self.greeting: str | None = None
        self._expect_greeting = True

    def feed(self, data: bytes) -> list[str]:
        """Add received bytes; return every message now complete (text, without the blank line)."""
        buf = self._buf
        buf += data
        out: list[str] = []
        start = 0
        if self._expect_greeting:
            start = self._take_greeting()
            if self._expect_greeting:
                return out
        search_from = max(start, self._scanned - 3)
        while True:
            end = buf.find(_END, search_from)
            if end < 0:
                break
            while start < end and buf[start] in _CRLF:  # stray empty lines between messages
                start += 1
            if end > start:
                out.append(buf[start:end].decode("utf-8", "replace"))
            start = end + 4
            search_from = start
        if start:
            del buf[:start]
        self._scanned = len(buf)
        return out

    def _take_greeting(self) -> int:
        """Consume the greeting line (the only line not ended by a blank line)."""
        eol = self._buf.find(b"\r\n")
        if eol < 0:
            return 0
        self._expect_greeting = False
        line = self._buf[:eol].decode("utf-8", "replace")
        if ":" in line:  # no greeting: the stream starts with a message
            return 0
        self.greeting = line
        return eol + 2


class AmiMessage(ManagerMsg):
    """pyst2's ManagerMsg, parsed from one framed message without pyst2's crashes.

    ``headers`` maps each header to its value; ``ChanVariable`` and
    ``DestChanVariable`` map to ``{name: value}`` dicts; repeated ``Output``
    lines are joined with newlines. ``events`` holds the items of a list
    response (CoreShowChannels, QueueStatus...).
    """

    def __init__(self, text: str) -> None:
        self.events: list[AmiMessage] = []
        super().__init__(text)

    def parse(self, response: str) -> None:  # type: ignore[override]
        """Parse 'Key: value' lines; a line without a colon starts free-form data."""
        headers = self.headers
        lines = response.split(EOL)
        for n, line in enumerate(lines):
            key, sep, value = line.partition(":")
            if not sep:
                self.data = EOL.join(lines[n:])
                return
            key = key.strip()
            value = value.strip()
            if key.endswith("ChanVariable"):
                name, _, var_value = value.partition("=")
                headers.setdefault(key, {})[name.strip()] = var_value.strip()
            elif key == "Output" and key in headers:
                headers[key] += "\n" + value
            else:
                headers[key] = value

    @property
    def name(self) -> str:
        """The event name, or '' for a response."""
        return self.headers.get("Event", "")


def check_header_value(key: str, value: str) -> str:
    """Return ``value`` if it cannot break out of its header line, else raise UnsafeValueError."""
    for bad in _FORBIDDEN_IN_HEADERS:
        if bad in key or bad in value:
            raise UnsafeValueError(f"refused AMI header {key!r}: it contains {bad!r}")
    if not key or ":" in key:
        raise UnsafeValueError(f"refused AMI header name {key!r}")
    return value


def encode_action(headers: dict[str, str | list[str]]) -> bytes:
    """Encode an action; every header is checked first, so nothing unsafe reaches the socket."""
    lines = []
    for key, value in headers.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            lines.append(f"{key}: {check_header_value(key, str(item))}")
    lines.append(EOL)
    return EOL.join(lines).encode("utf-8")


def is_success(response: AmiMessage) -> bool:
    """Whether the PBX answered an action with Response: Success."""
    return response.headers.get("Response") == "Success"


def raise_unless_success(response: AmiMessage, action: str, tolerated: str = "") -> None:
    """Raise TelephonyError with the PBX's message unless the action succeeded.

    ``tolerated`` is a phrase of an error message that means the wanted state
    already holds (e.g. "already there" for QueueAdd): no error then.
    """
    if is_success(response):
        return
    message = response.headers.get("Message", "no message")
    if tolerated and tolerated in message.lower():
        return
    raise TelephonyError(f"the PBX refused {action}: {message}")
