"""`flask export survey|calls` run as a script runs it: a real flask process, one JSON line."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from dialer.extensions import db
from tests.factories.exports import INJECTION, make_floor

ROOT = Path(__file__).resolve().parents[3]


def flask(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "export", *args],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def floor(app):  # noqa: ANN001, ANN201
    with app.app_context():
        campaign, _agents, calls = make_floor(db.session)
        return campaign.name, [c.id for c in calls]


def test_survey_and_calls_exports_print_one_json_line(floor, tmp_path: Path) -> None:
    name, (answered, busy, retried) = floor
    survey = tmp_path / "survey.xlsx"
    done = flask("survey", name, "--format", "xlsx", "-o", str(survey), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"rows": 2, "file": str(survey)}
    sheet = openpyxl.load_workbook(survey).active
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row}
    assert cells[INJECTION].data_type == "s" and cells["+84912345670"].data_type == "s"

    calls = tmp_path / "calls.csv"
    done = flask("calls", name, "-o", str(calls), "--status", "busy", "--json")
    assert json.loads(done.stdout)["rows"] == 1
    rows = list(csv.reader(calls.read_text(encoding="utf-8-sig").splitlines()))
    assert [row[0] for row in rows[1:]] == [str(busy)]
    assert {answered, retried}.isdisjoint({int(row[0]) for row in rows[1:]})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-03-10", "--to", "2026-03-01"],
         "the date range is upside down: 2026-03-10 is after 2026-03-01"),
        (["--agent", "nobody"], "no agent with id or username 'nobody'"),
        (["--status", "HAPPY"], "'HAPPY' is not a call status"),
    ],
)  # fmt: skip
def test_bad_input_exits_1_with_one_line_naming_it(floor, tmp_path, args, message) -> None:
    name, _calls = floor
    out = tmp_path / "x.csv"
    done = flask("survey", name, "-o", str(out), *args)
    assert done.returncode == 1
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_an_unknown_campaign_is_named(app, tmp_path) -> None:  # noqa: ANN001
    done = flask("calls", "Không có", "-o", str(tmp_path / "x.csv"))
    assert done.returncode == 1 and "no campaign with id or name 'Không có'" in done.stderr
