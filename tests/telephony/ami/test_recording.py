"""MixMonitor through the telephony port: the simulator writes a real WAV for a live call."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from dialer.telephony.ami.adapter import AmiAdapter
from dialer.telephony.port import CallConnected, Health, RecordCall, UnsafeValueError
from dialer.telephony.simulator.pbx import PbxSimulator
from tests.telephony.test_contract import Heard, agent_first, dialplan


def test_a_connected_call_is_recorded_into_a_real_wav(tmp_path: Path) -> None:
    with PbxSimulator(
        port=0, username="dialer", secret="s", speed=0.05, recordings_dir=str(tmp_path)
    ) as sim:
        settings = dialplan("127.0.0.1", sim.port, "dialer", "s")
        heard, listener, port = Heard(), AmiAdapter(settings), AmiAdapter(settings)
        listener.start(heard)
        try:
            heard.health(Health.UP)  # the listener hears the call from its first event
            cid = agent_first(port, "5551230004")
            heard.wait(lambda e: isinstance(e, CallConnected) and e.call_uid == cid)
            started = port.start_recording(RecordCall("call-1-x.wav", call_uid=cid))
            gone = port.start_recording(RecordCall("call-2-y.wav", call_uid="no-such-call"))
            with pytest.raises(UnsafeValueError):
                port.start_recording(RecordCall("../etc/passwd.wav", call_uid=cid))
        finally:
            listener.stop()
            port.close()

    assert (started, gone) == (True, False)
    with wave.open(str(tmp_path / "call-1-x.wav")) as audio:
        assert (audio.getnchannels(), audio.getframerate(), audio.getsampwidth()) == (1, 8000, 2)
        assert audio.getnframes() >= 8000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["call-1-x.wav"]
