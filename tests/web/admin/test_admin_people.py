"""People administration over HTTP: create, search, edit, passwords, deactivate; bad input."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from dialer.domain.people.passwords import verify_password
from dialer.extensions import db
from dialer.models import AuditEntry, Extension, Queue, QueueMember, User
from tests.factories.people import make_agent, make_user
from tests.support.web import csrf_token, login
from tests.web.admin.admin_helpers import signed_in_admin

GOOD_PW = "a long new secret"


def new_user(client, **fields: object):  # noqa: ANN001, ANN201
    data = {
        "csrf_token": csrf_token(client, "/admin/users/new"),
        "username": "an.nguyen",
        "display_name": "Nguyễn Văn An",
        "role": "agent",
        "extension": "1001",
        "queues": ["support"],
        "password": GOOD_PW,
        "must_change_password": "y",
        **fields,
    }
    return client.post("/admin/users/new", data=data)


def count_users(app) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count(User.id))) or 0


def test_an_admin_creates_an_agent_who_is_listed_and_found(app, client):
    signed_in_admin(app, client)
    assert new_user(client).status_code == 302
    page = client.get("/admin/users/", query_string={"q": "văn an"}).get_data(as_text=True)
    assert "an.nguyen" in page and "Nguyễn Văn An" in page and "support" in page
    assert "must change password" in page
    assert "an.nguyen" not in client.get(
        "/admin/users/", query_string={"role": "manager"}
    ).get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "an.nguyen"))
        assert user.role == "agent" and user.default_extension.number == "1001"
        assert user.must_change_password and verify_password(user.password_hash, GOOD_PW)
        assert user.password_hash.startswith("$argon2id$")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user_created"))
        assert entry.detail["queues"] == ["support"]


def test_bad_input_is_refused_naming_the_problem_and_nothing_is_saved(app, client):
    signed_in_admin(app, client)
    with app.app_context():
        busy, _session = make_agent(db.session, "busy", "2002", signed_in=True)
        busy.default_extension = None  # signed in on a phone that is nobody's own
        make_user(db.session, "owner", extension="3003")
        db.session.commit()
    before = count_users(app)
    cases = [
        ({"username": "root"}, "The agent id root is already taken."),
        ({"username": "ROOT"}, "The agent id ROOT is already taken."),
        ({"username": "an nguyen"}, "is not valid"),
        ({"extension": "3003"}, "Extension 3003 already belongs to owner."),
        ({"extension": "2002"}, "Extension 2002 is in use: busy is signed in on it."),
        ({"password": ""}, "Enter a password."),
        ({"password": "short"}, "use at least 10 characters"),
        ({"password": "1234567890"}, "one of the most common ones"),
        ({"password": "Password123"}, "one of the most common ones"),
        ({"queues": ["nope"]}, "There is no queue named nope."),
    ]
    for fields, words in cases:
        response = new_user(client, **fields)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, fields
        assert words in html.replace("&#39;", "'"), (fields, words)
    assert count_users(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count(QueueMember.id))) == 0
        assert db.session.scalar(select(Extension.id).where(Extension.number == "1001")) is None


def test_an_admin_cannot_deactivate_themselves_nor_demote_the_last_admin(app, client):
    root_id = signed_in_admin(app, client)
    page = f"/admin/users/{root_id}"
    token = csrf_token(client, page)
    response = client.post(
        f"{page}/deactivate",
        data={"csrf_token": token},
        headers={"Referer": f"http://localhost{page}"},
    )
    assert "You cannot deactivate yourself." in client.get(page).get_data(as_text=True)
    demote = client.post(
        page,
        data={"csrf_token": token, "username": "root", "display_name": "Root", "role": "manager"},
        headers={"Referer": f"http://localhost{page}"},
    )
    assert response.status_code == 302
    assert demote.status_code == 400
    assert "root is the last active admin" in demote.get_data(as_text=True)
    with app.app_context():
        root = db.session.get(User, root_id)
        assert root.is_active_user and root.role == "admin"


def test_an_admin_edits_a_user_sets_a_password_and_deactivates_them(app, client):
    signed_in_admin(app, client)
    assert new_user(client, must_change_password="").status_code == 302
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "an.nguyen"))
    agent = app.test_client()
    assert login(agent, "an.nguyen", GOOD_PW, "1001").status_code == 302
    assert agent.get("/agent/").status_code == 200

    page = f"/admin/users/{user_id}"
    edited = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "username": "an.nguyen",
            "display_name": "An Nguyễn",
            "role": "agent",
            "extension": "1001",
            "queues": ["support", "sales"],
        },
    )
    assert edited.status_code == 302
    assert "signed in on extension 1001" in client.get(page).get_data(as_text=True)
    reset = client.post(
        f"{page}/password",
        data={
            "csrf_token": csrf_token(client, page),
            "password": "qwerty",
            "must_change_password": "y",
        },
    )
    assert reset.status_code == 400 and "use at least 10 characters" in reset.get_data(as_text=True)

    gone = client.post(f"{page}/deactivate", data={"csrf_token": csrf_token(client, page)})
    assert gone.status_code == 302
    assert agent.get("/agent/").status_code == 302  # signed out at once
    assert login(app.test_client(), "an.nguyen", GOOD_PW, "1001").status_code == 401
    with app.app_context():
        user = db.session.get(User, user_id)
        assert not user.is_active_user and user.display_name == "An Nguyễn"
        assert sorted(q.queue.name for q in db.session.scalars(select(QueueMember))) == [
            "sales",
            "support",
        ]
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"user_created", "user_updated", "user_deactivated", "forced_logout"} <= actions


def test_must_change_password_leads_only_to_the_change_page(app, client):
    signed_in_admin(app, client)
    assert new_user(client, role="manager", extension="", queues=[]).status_code == 302
    manager = app.test_client()
    assert login(manager, "an.nguyen", GOOD_PW).status_code == 302
    for path in ("/", "/campaigns/", "/manager/"):
        response = manager.get(path)
        assert response.status_code == 302 and response.location.endswith("/account/password")
    assert manager.get("/api/history").get_json()["code"] == "password_change_required"
    page = "/account/password"
    token = csrf_token(manager, page)
    wrong = manager.post(
        page, data={"csrf_token": token, "current": "nope", "password": "x", "confirm": "x"}
    )
    assert "Your current password is not right." in wrong.get_data(as_text=True)
    differ = manager.post(
        page,
        data={
            "csrf_token": token,
            "current": GOOD_PW,
            "password": "brand new phrase",
            "confirm": "other",
        },
    )
    assert "The two new passwords are not the same." in differ.get_data(as_text=True)
    same = manager.post(
        page,
        data={"csrf_token": token, "current": GOOD_PW, "password": GOOD_PW, "confirm": GOOD_PW},
    )
    assert "must differ" in same.get_data(as_text=True)
    done = manager.post(
        page,
        data={
            "csrf_token": token,
            "current": GOOD_PW,
            "password": "brand new phrase",
            "confirm": "brand new phrase",
        },
    )
    assert done.status_code == 302
    assert manager.get("/campaigns/").status_code == 200  # still signed in, now free to go
    assert login(app.test_client(), "an.nguyen", "brand new phrase").status_code == 302


def test_the_csv_bulk_create_reports_each_refused_row_and_creates_the_rest(app, client):
    signed_in_admin(app, client)
    with app.app_context():
        make_user(db.session, "taken", extension="1009")
        db.session.commit()
    csv = (
        "Agent id,Name,Extension,Queues,Role\n"
        "a100,Lê Thị Hoa,1100,support;sales,agent\n"
        "a101,Trần Bình,1101,,\n"
        "taken,Duplicate,1102,,agent\n"
        "a103,Bad Queue,1103,nowhere,agent\n"
        "a104,Bad Role,1104,,king\n"
        "a105,Same ext,1100,,agent\n"
        "a b,Space,1106,,agent\n"
        "s1,Sup,,support,supervisor\n"
    )
    response = client.post(
        "/admin/users/import",
        data={
            "csrf_token": csrf_token(client, "/admin/users/import"),
            "file": (io.BytesIO(csv.encode()), "agents.csv"),
            "password": GOOD_PW,
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 users created, 5 rows refused." in html
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", html)
    assert [(line, agent) for line, agent, _why in rows] == [
        ("4", "taken"),
        ("5", "a103"),
        ("6", "a104"),
        ("7", "a105"),
        ("8", "a b"),
    ]
    assert "already taken" in rows[0][2] and "no queue named nowhere" in rows[1][2]
    assert "Unknown role" in rows[2][2] and "already belongs to a100" in rows[3][2]
    with app.app_context():
        made = {u.username: u for u in db.session.scalars(select(User))}
        assert {"a100", "a101", "s1"} <= set(made) and "a103" not in made
        assert made["a101"].role == "agent" and made["s1"].role == "supervisor"
        assert made["a100"].must_change_password
        assert sorted(
            db.session.scalars(
                select(Queue.name).join(QueueMember).where(QueueMember.user_id == made["a100"].id)
            )
        ) == ["sales", "support"]
        assert db.session.scalar(select(Extension.id).where(Extension.number == "1103")) is None


def test_a_file_without_an_agent_id_column_or_with_a_weak_password_creates_nobody(app, client):
    signed_in_admin(app, client)
    before = count_users(app)
    for csv, password, words in (
        ("Name,Extension\nAn,1001\n", GOOD_PW, "no agent id column"),
        ("Agent id\na1\n", "qwertyuiop", "one of the most common ones"),
    ):
        response = client.post(
            "/admin/users/import",
            data={
                "csrf_token": csrf_token(client, "/admin/users/import"),
                "file": (io.BytesIO(csv.encode()), "agents.csv"),
                "password": password,
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 400 and words in response.get_data(as_text=True)
    assert count_users(app) == before


def test_an_agents_email_is_kept_for_the_helpdesk_and_a_bad_one_is_refused(app, client):
    signed_in_admin(app, client)
    refused = new_user(client, email="an at example")
    assert refused.status_code == 400
    assert "Enter an email address such as name@example.com" in refused.get_data(as_text=True)
    assert count_users(app) == 1  # the admin only

    assert new_user(client, email=" An.Nguyen@Example.VN ").status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "an.nguyen")).one()
        assert user.email == "an.nguyen@example.vn"
        user_id = user.id
    page = f"/admin/users/{user_id}"
    assert 'value="an.nguyen@example.vn"' in client.get(page).get_data(as_text=True)
    edited = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "username": "an.nguyen",
            "display_name": "Nguyễn Văn An",
            "role": "agent",
            "extension": "1001",
            "queues": ["support"],
            "email": "an@acme.vn",
        },
    )
    assert edited.status_code == 302
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user_updated")
        ).one()
        assert entry.detail["changed"] == {"email": ["an.nguyen@example.vn", "an@acme.vn"]}

    sheet = "Agent id,Name,Email\na200,Hoa,Hoa@Acme.vn\na201,Bình,binh@\n"
    imported = client.post(
        "/admin/users/import",
        data={
            "csrf_token": csrf_token(client, "/admin/users/import"),
            "file": (io.BytesIO(sheet.encode()), "agents.csv"),
            "password": GOOD_PW,
        },
        content_type="multipart/form-data",
    )
    html = imported.get_data(as_text=True)
    assert "1 users created, 1 rows refused." in html and "Enter an email address" in html
    with app.app_context():
        assert db.session.scalar(select(User.email).where(User.username == "a200")) == "hoa@acme.vn"
