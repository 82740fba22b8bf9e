"""The rules of people administration: passwords, queue membership plans, deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dialer.domain.people import agents, membership, users
from dialer.domain.people.passwords import (
    PASSWORD_COMMON,
    PASSWORD_EMPTY,
    PASSWORD_TOO_SHORT,
    PasswordRefused,
    check_new_password,
    common_passwords,
)
from dialer.extensions import db
from dialer.models import AgentSession, Queue, Role, User, utcnow
from tests.factories.people import make_agent, make_pause_reason, make_user


def test_the_deny_list_holds_ten_thousand_common_passwords() -> None:
    listed = common_passwords()
    assert len(listed) >= 9_900
    assert {"123456", "password", "qwertyuiop", "1234567890"} <= listed


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("", PASSWORD_EMPTY),
        ("          ", PASSWORD_EMPTY),
        ("nine char", PASSWORD_TOO_SHORT),
        ("QwertyUIOP", PASSWORD_COMMON),
        ("Password123", PASSWORD_COMMON),
        ("an.nguyen1", PASSWORD_COMMON),  # the agent id itself
    ],
)
def test_weak_passwords_are_refused_with_their_reason(password: str, code: str) -> None:
    with pytest.raises(PasswordRefused) as refused:
        check_new_password(password, username="an.nguyen1")
    assert refused.value.code == code


def test_a_long_uncommon_password_needs_no_digits_or_symbols() -> None:
    check_new_password("correct horse battery staple")  # no composition rules


def test_the_plan_follows_sign_in_pause_retired_queues_and_sign_out(ctx) -> None:
    now = utcnow()
    for name in ("support", "sales", "old"):
        db.session.add(Queue(name=name))
    user, agent_session = make_agent(
        db.session, "an", "1001", now=now, queues=("support", "sales", "old")
    )
    db.session.scalar(select(Queue).where(Queue.name == "old")).is_enabled = False
    plan = membership.plan_for_extension(db.session, "1001")
    assert (plan.member_name, plan.join, plan.leave, plan.paused) == (
        "An",
        ("sales", "support"),
        ("old",),
        False,
    )
    reason = make_pause_reason(db.session, "lunch", "Lunch")
    agents.pause(db.session, user.id, reason.id, now + timedelta(seconds=1))
    paused = membership.plan_for_extension(db.session, "1001")
    assert (paused.paused, paused.reason) == (True, "Lunch")
    agents.sign_out(db.session, user, now + timedelta(seconds=2))
    gone = membership.plan_for_extension(db.session, "1001")
    assert (gone.signed_in, gone.join, gone.leave) == (False, (), ("old", "sales", "support"))
    assert db.session.get(AgentSession, agent_session.id).logout_at is not None


def test_deactivating_keeps_history_and_names_the_extension_to_empty(ctx) -> None:
    admin = make_user(db.session, "root", role=Role.ADMIN)
    user, _session = make_agent(db.session, "an", "1001", signed_in=True)
    done = users.deactivate_user(db.session, user.id, actor=admin, now=utcnow())
    db.session.flush()
    assert done.extensions == ["1001"]
    assert [n.event for n in done.notices] == ["forced_logout", "agent"]
    assert db.session.get(User, user.id) is not None and not user.is_active_user
    with pytest.raises(users.UserError) as refused:
        users.deactivate_user(db.session, admin.id, actor=admin, now=utcnow())
    assert refused.value.code == users.SELF_DEACTIVATE
    with pytest.raises(users.UserError) as last:
        users.deactivate_user(db.session, admin.id, actor=None, now=utcnow())
    assert last.value.code == users.LAST_ADMIN
