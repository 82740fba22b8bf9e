"""Settings are read once; a bad one stops the process with one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dialer.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_are_the_embedded_demo(tmp_path: Path) -> None:
    config = load_config({}, tmp_path)
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'dialer.db'}"
    assert config["REDIS_URL"] is None
    assert config["DIALER_DEFAULT_REGION"] == "VN"
    assert config["DIALER_TIMEZONE"] == "Asia/Ho_Chi_Minh"
    assert config["AMI_AGENT_CHANNEL"] == "Local/{extension}@sim-agent"
    # The generated secret is kept, so every demo process signs cookies alike.
    assert load_config({}, tmp_path)["SECRET_KEY"] == config["SECRET_KEY"]
    assert len(config["SECRET_KEY"]) >= 32


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        load_config({"DIALER_ENV": "production"}, tmp_path)


def test_the_crm_key_is_generated_for_the_demo_never_in_production(tmp_path: Path) -> None:
    demo = load_config({}, tmp_path)
    production = load_config({"DIALER_ENV": "production", "SECRET_KEY": "s"}, tmp_path / "prod")
    given = load_config(
        {"DIALER_CRM_KEY": "k", "DIALER_ENV": "production", "SECRET_KEY": "s"}, tmp_path
    )

    assert demo["DIALER_CRM_KEY"] == (tmp_path / "crm_key").read_text().strip()
    assert load_config({}, tmp_path)["DIALER_CRM_KEY"] == demo["DIALER_CRM_KEY"]
    assert production["DIALER_CRM_KEY"] is None and not (tmp_path / "prod" / "crm_key").exists()
    assert given["DIALER_CRM_KEY"] == "k"
    assert demo["DIALER_RECORDINGS_DIR"] == str(tmp_path / "recordings")


def test_a_real_asterisk_needs_its_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AMI_SECRET"):
        load_config({"DIALER_PBX": "asterisk"}, tmp_path)
    config = load_config({"DIALER_PBX": "asterisk", "AMI_SECRET": "s"}, tmp_path)
    assert config["AMI_AGENT_CHANNEL"] == "PJSIP/{extension}"


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("DATABASE_URL", "not a url", "DATABASE_URL is malformed"),
        ("DATABASE_URL", "mysql://x@y/z", "postgresql:// or sqlite:///"),
        ("REDIS_URL", "http://nope", "REDIS_URL is malformed"),
        ("AMI_PORT", "five", "AMI_PORT"),
        ("AMI_PORT", "70000", "not a TCP port"),
        ("AMI_PING_INTERVAL", "often", "AMI_PING_INTERVAL"),
        ("AMI_PING_INTERVAL", "0", "positive number of seconds"),
        ("AMI_RESPONSE_TIMEOUT", "-1", "positive number of seconds"),
        ("AMI_CONNECT_TIMEOUT", "inf", "positive number of seconds"),
        ("AMI_ORIGINATE_TIMEOUT", "0", "positive number of seconds"),
        ("AMI_HINT_CONTEXT", "agents\r\nAction: Logoff", "not a dialplan context"),
        ("DIALER_TIMEZONE", "Mars/Olympus", "not a time zone"),
        ("DIALER_DEFAULT_REGION", "XX", "not a known region"),
        ("AMI_PREDICTIVE_CONTEXT", "q,1", "not a dialplan context"),
        ("DIALER_PACING_TICK_S", "0", "positive number of seconds"),
        ("DIALER_PACING_TICK_S", "soon", "DIALER_PACING_TICK_S"),
        ("DIALER_TRUNK_CPS", "-5", "positive number of calls per second"),
    ],
)
def test_a_malformed_setting_is_named(tmp_path: Path, name: str, value: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        load_config({name: value}, tmp_path)


def test_the_process_exits_with_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "routes"],
        cwd=ROOT,
        env={"DATABASE_URL": "nonsense", "DIALER_INSTANCE_PATH": str(tmp_path), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "DATABASE_URL is malformed" in result.stderr
