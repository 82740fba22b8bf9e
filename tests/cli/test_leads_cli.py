"""`flask leads import` and `flask campaigns create|list`, as a script would run them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import select

from dialer.extensions import db
from dialer.models import Campaign, Lead
from tests.factories.leads import write_csv


def flask(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_create_and_list_campaigns(app):
    created = flask(app, "campaigns", "create", "Tết 2025", "--caller-id", "028 3812 3456")
    assert created.exit_code == 0, created.output
    assert "caller id +842838123456" in created.stdout
    listing = flask(app, "campaigns", "list")
    assert "Tết 2025" in listing.stdout and "draft" in listing.stdout
    rows = [
        json.loads(line) for line in flask(app, "campaigns", "list", "--json").stdout.splitlines()
    ]
    assert rows[0]["caller_id"] == "+842838123456" and rows[0]["leads"] == 0


def test_create_a_campaign_whose_calls_are_not_recorded(app):
    kept = flask(app, "campaigns", "create", "Kín", "--caller-id", "+842838123456")
    quiet = flask(
        app, "campaigns", "create", "Riêng", "--caller-id", "+842838123456", "--no-record-calls"
    )
    assert "calls recorded" in kept.stdout and "calls not recorded" in quiet.stdout
    with app.app_context():
        recorded = dict(db.session.execute(select(Campaign.name, Campaign.record_calls)).all())
    assert recorded == {"Kín": True, "Riêng": False}


def test_create_refuses_a_bad_caller_id_clearly(app):
    result = flask(app, "campaigns", "create", "X", "--caller-id", "hello")
    assert result.exit_code == 1
    assert "caller id 'hello' is not a valid phone number" in result.output
    with app.app_context():
        assert db.session.scalar(select(Campaign)) is None


def test_create_sets_the_dial_mode(app):
    created = flask(
        app,
        "campaigns",
        "create",
        "Hè",
        "--caller-id",
        "+842838123456",
        "--dial-mode",
        "Progressive",
    )
    assert created.exit_code == 0, created.output
    assert "progressive" in created.stdout
    rows = [
        json.loads(line) for line in flask(app, "campaigns", "list", "--json").stdout.splitlines()
    ]
    assert rows[0]["dial_mode"] == "progressive"
    assert "progressive" in flask(app, "campaigns", "list").stdout


def test_create_refuses_an_unknown_dial_mode_with_the_list_of_modes(app):
    result = flask(
        app, "campaigns", "create", "X", "--caller-id", "+842838123456", "--dial-mode", "robot"
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == ["Error: unknown dial mode 'robot': use preview, progressive, predictive"]
    with app.app_context():
        assert db.session.scalar(select(Campaign)) is None


def _campaign(app) -> None:
    assert flask(app, "campaigns", "create", "Q4", "--caller-id", "+842838123456").exit_code == 0


def test_import_prints_one_summary_line_and_the_report_path(app, tmp_path):
    _campaign(app)
    path = write_csv(
        tmp_path / "leads.csv", ["Điện thoại,Tên", "0912000001,An", "abc,B", "912000002,C"]
    )
    result = flask(app, "leads", "import", "Q4", str(path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "imported 2, rejected 1, file encoding UTF-8, delimiter comma"
    report = Path(lines[1].removeprefix("rejection report: "))
    with report.open(encoding="utf-8-sig") as handle:
        assert list(csv.reader(handle)) == [
            ["Line", "Value", "Reason", "Detail"],
            ["3", "abc", "not a phone number", ""],
        ]
    with app.app_context():
        assert db.session.scalars(select(Lead.phone).order_by(Lead.id)).all() == [
            "+84912000001",
            "+84912000002",
        ]


def test_json_summary_and_a_mapping_given_on_the_command_line(app, tmp_path):
    _campaign(app)
    path = write_csv(tmp_path / "l.txt", ["Liên hệ\tGhi chú", "0912000001\tx"], "utf-16")
    refused = flask(app, "leads", "import", "Q4", str(path))
    assert refused.exit_code == 1
    assert "no column is mapped to phone; use --map COLUMN=phone" in refused.output
    result = flask(app, "leads", "import", "1", str(path), "--map", "Liên hệ=phone", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in ("status", "imported", "rejected", "encoding", "delimiter")} == {
        "status": "done",
        "imported": 1,
        "rejected": 0,
        "encoding": "UTF-16",
        "delimiter": "tab",
    }


def test_a_file_that_cannot_be_read_exits_non_zero_with_the_reason(app, tmp_path):
    _campaign(app)
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    result = flask(app, "leads", "import", "Q4", str(path))
    assert result.exit_code == 1
    assert "Excel 97-2003 (.xls) files are not supported" in result.output
    unknown = flask(app, "leads", "import", "Nope", str(path))
    assert unknown.exit_code == 1 and "no campaign with id or name 'Nope'" in unknown.output
