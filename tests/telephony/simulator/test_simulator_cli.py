"""`pbx-sim serve` and `pbx-sim inbound`, against a running simulator over TCP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from dialer.cli.pbx_sim import pbx_sim
from dialer.telephony.simulator.pbx import PbxSimulator
from tests.telephony.transcripts import AmiRecorder

USER, SECRET, SPEED = "dialer", "sim-cli-secret", 0.01
ROOT = Path(__file__).resolve().parents[3]
RUN_GROUP = "from dialer.cli.pbx_sim import pbx_sim; pbx_sim(prog_name='pbx-sim')"


@pytest.fixture
def pbx() -> Iterator[PbxSimulator]:
    with PbxSimulator(username=USER, secret=SECRET, speed=SPEED) as simulator:
        yield simulator


@pytest.fixture
def watcher(pbx: PbxSimulator) -> Iterator[AmiRecorder]:
    with AmiRecorder(pbx.port) as client:
        client.login(USER, SECRET)
        yield client


def run_inbound(pbx: PbxSimulator, *args: str, secret: str = SECRET):
    options = ["--host", "127.0.0.1", "--port", str(pbx.port), "--username", USER]
    options += ["--secret", secret] if secret else []
    return CliRunner().invoke(pbx_sim, ["inbound", *args, *options])


def test_inbound_puts_the_caller_in_support(pbx: PbxSimulator, watcher: AmiRecorder) -> None:
    result = run_inbound(pbx, "5551239999", "--seconds", "120")
    assert result.exit_code == 0, result.output
    assert "queue 'support'" in result.output
    join = watcher.event("QueueCallerJoin")
    assert (join.get("Queue"), join.get("CallerIDNum")) == ("support", "5551239999")
    assert watcher.event("AgentConnect").get("Interface") == "Local/1001@sim-agent"


def test_inbound_to_another_queue_goes_through_dialer_queue(
    pbx: PbxSimulator, watcher: AmiRecorder
) -> None:
    result = run_inbound(pbx, "+84901234567", "--queue", "sales", "--seconds", "120")
    assert result.exit_code == 0, result.output
    join = watcher.event("QueueCallerJoin")
    assert (join.get("Queue"), join.get("CallerIDNum")) == ("sales", "+84901234567")
    assert (join.get("Channel") or "").startswith("Local/sales@dialer-queue-")
    assert watcher.event("AgentConnect", Queue="sales").get("Interface") == "Local/1002@sim-agent"


def test_inbound_takes_the_pbx_login_from_the_flask_config(
    pbx: PbxSimulator, watcher: AmiRecorder
) -> None:
    app = Flask(__name__)
    app.config.update(AMI_HOST="127.0.0.1", AMI_PORT=pbx.port, AMI_USERNAME=USER, AMI_SECRET=SECRET)
    with app.app_context():
        result = CliRunner().invoke(pbx_sim, ["inbound", "5551230000"])
    assert result.exit_code == 0, result.output
    assert watcher.event("QueueCallerJoin").get("CallerIDNum") == "5551230000"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["55512\r\nAction: Logoff"], "digits only"),
        (["5551239999\n"], "digits only"),
        (["5551239999", "--queue", "Sales;drop"], "a queue name"),
        (["5551239999", "--seconds", "0"], "0 is not in the range"),
    ],
)
def test_inbound_refuses_bad_input_before_touching_the_pbx(
    pbx: PbxSimulator, watcher: AmiRecorder, args: list[str], message: str
) -> None:
    result = run_inbound(pbx, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not watcher.events("Newchannel")


def test_inbound_says_what_is_wrong_with_the_login_or_the_address(pbx: PbxSimulator) -> None:
    no_secret = run_inbound(pbx, "5551239999", secret="")
    assert no_secret.exit_code == 2 and "no AMI secret" in no_secret.output
    wrong = run_inbound(pbx, "5551239999", secret="wrong")
    assert wrong.exit_code == 1 and "AMI login refused" in wrong.output
    pbx.stop()
    down = run_inbound(pbx, "5551239999")
    assert down.exit_code == 1 and "cannot reach the PBX" in down.output


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, text
    return match.group(1)


def serve(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-c", RUN_GROUP, "serve", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_serve_listens_until_terminated() -> None:
    process = serve("--port", "0", "--secret", SECRET, "--speed", "0.01")
    try:
        banner = process.stdout.readline() if process.stdout else ""
        port = int(found(r"listening on 127\.0\.0\.1:(\d+)", banner))
        with AmiRecorder(port) as client:
            assert client.login(USER, SECRET).get("Response") == "Success"
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0
    assert "PBX simulator stopped." in output


def test_serve_reports_a_busy_port(pbx: PbxSimulator) -> None:
    process = serve("--port", str(pbx.port), "--secret", SECRET)
    output, _ = process.communicate(timeout=10)
    assert process.returncode == 1
    assert f"cannot listen on 127.0.0.1:{pbx.port}" in output


def test_serve_without_a_secret_makes_one_up_and_says_it() -> None:
    process = serve("--port", "0")
    try:
        first = process.stdout.readline() if process.stdout else ""
        banner = process.stdout.readline() if process.stdout else ""
        secret = found(r"accepts secret '([^']+)'", first)
        port = int(found(r":(\d+) ", banner))
        with AmiRecorder(port) as client:
            assert client.login(USER, secret).get("Response") == "Success"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)


@pytest.mark.parametrize(("flag", "members"), [("--static-members", 1), ("--no-static-members", 0)])
def test_serve_can_start_with_queues_empty_as_a_call_centre_configures_them(
    flag: str, members: int
) -> None:
    process = serve("--port", "0", "--secret", SECRET, "--speed", "0.01", flag)
    try:
        banner = process.stdout.readline() if process.stdout else ""
        port = int(found(r"listening on 127\.0\.0\.1:(\d+)", banner))
        with AmiRecorder(port) as client:
            client.login(USER, SECRET)
            action = client.action("QueueStatus", Queue="support")
            client.event("QueueStatusComplete", ActionID=action)
            found_members = [m for m in client.events("QueueMember") if m.get("ActionID") == action]
        assert len(found_members) == members
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)


def test_serve_refuses_bad_fault_shares_and_unwritable_traces_plainly(tmp_path: Path) -> None:
    base = ["serve", "--port", "0", "--secret", SECRET]
    share = CliRunner().invoke(pbx_sim, [*base, "--answer-faults", "1.5"])
    assert share.exit_code == 2
    assert "1.5 is not in the range 0.0<=x<=1.0" in share.output
    unwritable = tmp_path / "no-such-folder" / "trace.jsonl"
    trace = CliRunner().invoke(pbx_sim, [*base, "--trace", str(unwritable)])
    assert trace.exit_code == 1
    assert f"cannot write the trace to {unwritable}: No such file or directory" in trace.output
    assert "Traceback" not in trace.output
