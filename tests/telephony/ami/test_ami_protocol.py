"""The AMI framer and parser on the recorded bytes, however TCP cuts them."""

from __future__ import annotations

import pytest

from dialer.telephony.ami.protocol import AmiFramer, AmiMessage, encode_action
from dialer.telephony.port import UnsafeValueError
from tests.telephony.transcripts import load, names

ALL = [name[:2] for name in names()]


def recorded(name: str) -> tuple[str, list[str]]:
    """The greeting and the message texts the server sent, as the framer must return them."""
    raws = [m.raw for m in load(name).server]
    return raws[0].removesuffix("\r\n"), [raw.removesuffix("\r\n\r\n") for raw in raws[1:]]


def frame(chunks: list[bytes]) -> tuple[str | None, list[str]]:
    framer = AmiFramer()
    out: list[str] = []
    for chunk in chunks:
        out.extend(framer.feed(chunk))
    return framer.greeting, out


@pytest.mark.parametrize("name", ALL)
def test_recorded_reads_frame_into_the_recorded_messages(name: str) -> None:
    reads = [m.wire for m in load(name).server]
    assert frame(reads) == recorded(name)


@pytest.mark.parametrize("name", ALL)
def test_everything_in_one_read(name: str) -> None:
    assert frame([load(name).server_bytes()]) == recorded(name)


@pytest.mark.parametrize("name", ["04", "15", "16", "18"])
def test_a_cut_at_every_byte_gives_the_same_messages(name: str) -> None:
    stream = load(name).server_bytes()
    expected = recorded(name)
    for cut in range(len(stream) + 1):
        assert frame([stream[:cut], stream[cut:]]) == expected, f"cut at byte {cut}"


@pytest.mark.parametrize("name", ["01", "12", "21"])
def test_one_byte_at_a_time(name: str) -> None:
    stream = load(name).server_bytes()
    assert frame([stream[i : i + 1] for i in range(len(stream))]) == recorded(name)


def test_parser_reads_headers_of_a_recorded_event() -> None:
    _, messages = recorded("01")
    originate = next(AmiMessage(t) for t in messages if "Event: OriginateResponse" in t)
    assert originate.name == "OriginateResponse"
    assert originate.headers["Reason"] == "4"
    assert originate.headers["Channel"] == "Local/1001@sim-agent-00000007;1"
    assert originate.headers["ActionID"] == "01-orig"


def test_parser_keeps_empty_values_and_colons_in_values() -> None:
    msg = AmiMessage("Event: Newchannel\r\nAccountCode: \r\nEventTV: 2026-11-24T19:46:06.935+0000")
    assert msg.headers["AccountCode"] == ""
    assert msg.headers["EventTV"] == "2026-11-24T19:46:06.935+0000"


def test_chanvariable_headers_become_dicts() -> None:
    msg = AmiMessage(
        "Event: Newstate\r\nChannel: PJSIP/1001-00000001\r\nChanVariable: DIALER_CALL_ID=42\r\n"
        "ChanVariable: DIALER_FLOW=a\r\nDestChanVariable: DIALER_CALL_ID=43"
    )
    assert msg.headers["ChanVariable"] == {"DIALER_CALL_ID": "42", "DIALER_FLOW": "a"}
    assert msg.headers["DestChanVariable"] == {"DIALER_CALL_ID": "43"}


def test_command_output_lines_are_kept() -> None:
    _, messages = recorded("20")
    output = next(AmiMessage(t) for t in messages if "Message: Command output follows" in t)
    lines = output.headers["Output"].split("\n")
    assert len(lines) == 4 and lines[0].startswith("Local/5551230004@sim-callee-00000022;1!")


def test_stray_blank_lines_between_messages_are_skipped() -> None:
    greeting, out = frame(
        [b"Asterisk Call Manager/11.0.0\r\n\r\nResponse: Success\r\nActionID: a\r\n\r\n"]
    )
    assert greeting == "Asterisk Call Manager/11.0.0"
    assert out == ["Response: Success\r\nActionID: a"]


def test_encode_action_writes_one_header_per_list_item() -> None:
    payload = encode_action({"Action": "Originate", "Variable": ["A=1", "B=2"]})
    assert payload == b"Action: Originate\r\nVariable: A=1\r\nVariable: B=2\r\n\r\n"


@pytest.mark.parametrize("value", ["555\r\nAction: Hangup", "555\nx", "555\rx", "555\x00"])
def test_encode_action_refuses_line_breaks_and_nul(value: str) -> None:
    with pytest.raises(UnsafeValueError):
        encode_action({"Action": "Originate", "Exten": value})
