"""The production units: every process the README names has a systemd unit that restarts it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dialer.extensions import QUEUE_NAMES

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"


def _unit(name: str) -> dict[str, list[str]]:
    """The unit file's settings as ``Section.Key -> [values]`` (systemd allows repeated keys)."""
    settings: dict[str, list[str]] = {}
    section = ""
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _sep, value = line.partition("=")
        settings.setdefault(f"{section}.{key}", []).append(value)
    return settings


def _production_section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]


def _units_in_readme_table() -> set[str]:
    """The unit files behind the units the README's table names (instances -> templates)."""
    table = [line for line in _production_section().splitlines() if line.startswith("| ")]
    names = set()
    for row in table[1:]:
        unit_cell = row.split("|")[2]
        for name in re.findall(r"`(dialer[-\w@.]*\.(?:service|target))`", unit_cell):
            names.add(re.sub(r"@[^.]+\.", "@.", name))
    return names


def test_every_process_the_readme_names_has_a_unit_that_restarts_it() -> None:
    named = _units_in_readme_table()
    assert named == {
        "dialer-web.service",
        "dialer-worker@.service",
        "dialer-listener@.service",
        "dialer.target",
    }
    for name in named - {"dialer.target"}:
        unit = _unit(name)
        assert unit["Service.Restart"] in (["always"], ["on-failure"]), name
        assert float(unit["Service.RestartSec"][0]) > 0, name
        assert unit["Unit.StartLimitIntervalSec"] == ["0"], name  # systemd never gives up
        assert unit["Service.User"] == ["dialer"], name  # never root
        assert "/etc/dialer/dialer.env" in unit["Service.EnvironmentFile"], name
        assert unit["Unit.PartOf"] == ["dialer.target"], name
        assert unit["Install.WantedBy"] == ["dialer.target"], name


def test_the_units_run_the_commands_the_readme_gives() -> None:
    section = _production_section()
    web = _unit("dialer-web.service")["Service.ExecStart"][0]
    assert "gunicorn --worker-class gevent" in web and web.endswith("app:app")
    worker = _unit("dialer-worker@.service")["Service.ExecStart"][0]
    assert worker.endswith("flask --app app worker --queue %i $WORKER_ARGS")
    listener = _unit("dialer-listener@.service")["Service.ExecStart"][0]
    assert listener.endswith("flask --app app ami-listener")
    # Every queue gets a worker, and the calls worker does not fork per job.
    for queue in QUEUE_NAMES:
        assert f"dialer-worker@{queue}" in section, queue
    assert (UNITS / "worker-calls.env").read_text().strip().endswith("WORKER_ARGS=--no-fork")


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd is not installed")
def test_systemd_accepts_every_unit(tmp_path: Path) -> None:
    # The units name /opt/dialer; point them at this checkout so the commands exist.
    venv = Path(sys.prefix)
    for source in [*UNITS.glob("*.service"), *UNITS.glob("*.target")]:
        text = source.read_text().replace("/opt/dialer/.venv", str(venv))
        text = text.replace("/opt/dialer", str(ROOT))
        text = text.replace("/etc/dialer/dialer.env", str(tmp_path / "dialer.env"))
        (tmp_path / source.name).write_text(text)
    shutil.copy(UNITS / "dialer.env.example", tmp_path / "dialer.env")
    units = [
        "dialer.target",
        "dialer-web.service",
        "dialer-worker@calls.service",
        "dialer-worker@imports.service",
        "dialer-listener@pbx1.service",
    ]
    checked = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Unknown keys and bad values are only warnings: any word from it is a failure.
    assert checked.returncode == 0 and checked.stderr.strip() == "", checked.stderr
