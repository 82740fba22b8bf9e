"""`flask users create|list|deactivate|set-password` through a real `flask` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from dialer.domain.people.passwords import verify_password
from dialer.extensions import db
from dialer.models import Queue, User

ROOT = Path(__file__).resolve().parents[2]


def flask(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``flask --app app ...`` as an operator would, on the test's database."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
        timeout=60,
        check=False,
    )


def test_the_first_admin_is_made_listed_and_can_sign_in(app, client):
    made = flask(
        "users",
        "create",
        "boss",
        "--role",
        "admin",
        "--name",
        "Trần Thị Bình",
        "--password-stdin",
        stdin="correct horse battery\n",
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "created admin boss"
    listing = json.loads(flask("users", "list", "--json").stdout)
    assert listing == [
        {
            "agent_id": "boss",
            "name": "Trần Thị Bình",
            "role": "admin",
            "extension": None,
            "queues": [],
            "active": True,
            "must_change_password": False,
        }
    ]
    from tests.support.web import login

    assert login(client, "boss", "correct horse battery").status_code == 302


def test_an_agent_gets_extension_and_queues_and_the_plain_list_shows_them(app):
    with app.app_context():
        db.session.add(Queue(name="support"))
        db.session.commit()
    made = flask(
        "users",
        "create",
        "an.nguyen",
        "--role",
        "agent",
        "--extension",
        "1001",
        "--queue",
        "support",
        "--password-stdin",
        stdin="long enough secret\n",
    )
    assert made.returncode == 0, made.stderr
    line = flask("users", "list").stdout.strip()
    assert line.split("\t")[:5] == ["an.nguyen", "agent", "1001", "support", "active"]


def test_each_refusal_is_one_line_exit_1_and_saves_nothing(app):
    assert (
        flask(
            "users",
            "create",
            "boss",
            "--role",
            "admin",
            "--password-stdin",
            stdin="correct horse battery\n",
        ).returncode
        == 0
    )
    cases = [
        (
            ["users", "create", "a1", "--role", "agent", "--password-stdin"],
            "password123\n",
            "one of the most common",
        ),
        (
            ["users", "create", "a1", "--role", "agent", "--password-stdin"],
            "\n",
            "Enter a password",
        ),
        (
            ["users", "create", "a1", "--role", "agent", "--password-stdin"],
            "short\n",
            "at least 10 characters",
        ),
        (
            ["users", "create", "BOSS", "--role", "agent", "--password-stdin"],
            "long enough pw 1\n",
            "agent id BOSS is already taken",
        ),
        (
            ["users", "create", "a1", "--role", "agent", "--queue", "nope", "--password-stdin"],
            "long enough pw 1\n",
            "no queue named nope",
        ),
        (["users", "deactivate", "boss"], "", "boss is the last active admin"),
        (["users", "deactivate", "ghost"], "", "no user with agent id ghost"),
        (["users", "set-password", "boss", "--password-stdin"], "qwertyuiop\n", "most common"),
    ]
    for args, stdin, words in cases:
        result = flask(*args, stdin=stdin)
        assert result.returncode == 1, (args, result.stdout)
        assert words in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    with app.app_context():
        assert db.session.scalars(select(User.username)).all() == ["boss"]
        boss = db.session.scalar(select(User))
        assert boss.is_active_user and verify_password(boss.password_hash, "correct horse battery")


def test_set_password_and_deactivate(app, client):
    from tests.support.web import login

    for agent_id, role in (("boss", "admin"), ("a1", "agent")):
        assert (
            flask(
                "users",
                "create",
                agent_id,
                "--role",
                role,
                "--extension",
                "1001" if role == "agent" else "",
                "--password-stdin",
                stdin="first secret pass\n",
            ).returncode
            == 0
        )
    changed = flask("users", "set-password", "a1", "--password-stdin", stdin="second secret pass\n")
    assert changed.returncode == 0, changed.stderr
    assert login(client, "a1", "first secret pass", "1001").status_code == 401
    assert login(client, "a1", "second secret pass", "1001").status_code == 302
    gone = flask("users", "deactivate", "a1")
    assert gone.returncode == 0 and gone.stdout.strip() == "deactivated a1"
    assert client.get("/agent/").status_code == 302  # signed out at once
    assert login(client, "a1", "second secret pass", "1001").status_code == 401
    listing = json.loads(flask("users", "list", "--json").stdout)
    assert [row["active"] for row in listing] == [False, True]


def test_an_email_is_kept_lower_cased_and_a_malformed_one_refused(app):
    bad = ["users", "create", "a1", "--role", "agent", "--email", "a1 at x", "--password-stdin"]
    refused = flask(*bad, stdin="long enough pw 1\n")
    good = flask(*bad[:-3], "--email", "A1@Acme.vn", "--password-stdin", stdin="long enough pw 1\n")

    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "Enter an email address such as name@example.com" in refused.stderr
    assert good.returncode == 0, good.stderr
    with app.app_context():
        assert db.session.scalar(select(User.email).where(User.username == "a1")) == "a1@acme.vn"
