"""Playing a call's recording: range requests for seeking, who may fetch it, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from dialer.extensions import db
from dialer.models import Call, Role, utcnow
from dialer.telephony.simulator.recording import write_tone
from tests.factories.calls import outbound_call
from tests.factories.people import AGENT_PASSWORD, make_agent, make_user
from tests.support.web import login


@pytest.fixture
def recorded(app: Flask) -> dict:
    """agent1's call that ended a minute ago, with a real WAV; agent2 and a supervisor."""
    with app.app_context():
        agent1, _ = make_agent(db.session, "agent1", "1001", signed_in=False)
        make_agent(db.session, "agent2", "1002", signed_in=False)
        make_user(db.session, "boss", role=Role.SUPERVISOR, password="pw")
        now = utcnow()
        call = outbound_call(db.session, agent1, "0901234567", now - timedelta(minutes=2))
        call.recording_ref = f"call-{call.id}.wav"
        write_tone(Path(app.config["DIALER_RECORDINGS_DIR"]) / call.recording_ref)
        db.session.commit()
        return {"call": call.id, "ref": call.recording_ref}


def _client(app: Flask, username: str, password: str = AGENT_PASSWORD, extension: str = ""):  # noqa: ANN202
    client = app.test_client()
    assert login(client, username, password, extension).status_code == 302
    return client


def fetch(client, call_id: int, **headers: str):  # noqa: ANN001, ANN201
    """GET the recording, the response read and closed (the file handle is released)."""
    response = client.get(f"/calls/{call_id}/recording", headers=headers)
    response.get_data()
    response.close()
    return response


def test_a_supervisor_plays_with_range_requests(app, recorded) -> None:
    client = _client(app, "boss", "pw")

    whole = fetch(client, recorded["call"])
    part = fetch(client, recorded["call"], Range="bytes=44-1043")

    assert whole.status_code == 200 and whole.mimetype == "audio/wav"
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.data[:4] == b"RIFF"
    assert part.status_code == 206 and len(part.data) == 1000
    assert part.headers["Content-Range"] == f"bytes 44-1043/{len(whole.data)}"


def test_the_calls_agent_in_wrapup_plays_another_agent_gets_404(app, recorded) -> None:
    own = fetch(_client(app, "agent1", extension="1001"), recorded["call"])
    other = fetch(_client(app, "agent2", extension="1002"), recorded["call"])
    anonymous = fetch(app.test_client(), recorded["call"])

    assert own.status_code == 200
    assert other.status_code == 404
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_after_wrapup_the_agent_no_longer_fetches_it(app, recorded) -> None:
    with app.app_context():
        call = db.session.get(Call, recorded["call"])
        call.ended_at = utcnow() - timedelta(hours=1)
        db.session.commit()

    late = fetch(_client(app, "agent1", extension="1001"), recorded["call"])

    assert late.status_code == 404


def test_retention_deletes_old_files_and_the_call_keeps_that_it_had_one(app, recorded) -> None:
    with app.app_context():
        old = db.session.get(Call, recorded["call"])
        old.created_at = datetime(2026, 1, 1, tzinfo=UTC)
        db.session.commit()
    runner = app.test_cli_runner()

    kept = runner.invoke(args=["recordings", "purge"])
    purged = runner.invoke(args=["recordings", "purge", "--days", "30"])
    fetched = fetch(_client(app, "boss", "pw"), recorded["call"])

    assert "kept for ever" in kept.output
    assert purged.output.strip() == "deleted 1 recordings older than 30 days"
    assert not (Path(app.config["DIALER_RECORDINGS_DIR"]) / recorded["ref"]).exists()
    assert fetched.status_code == 404
    with app.app_context():
        call = db.session.get(Call, recorded["call"])
        assert call.recording_ref == recorded["ref"] and call.recording_deleted_at is not None
