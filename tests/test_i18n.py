"""Every page is in English and Vietnamese: no message without its translation."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dialer.extensions import db
from dialer.models import Role
from tests.factories.people import make_user
from tests.support.web import login

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "dialer" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
METHODS = [("dialer/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS
    ):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def test_every_message_in_the_code_has_a_vietnamese_translation() -> None:
    catalog = read_po(io.BytesIO(PO.read_bytes()))
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and m.string and (all(m.string) if isinstance(m.string, tuple) else True)
    }
    missing = sorted(_source_messages() - translated)
    assert missing == [], f"add Vietnamese for: {missing}"


def test_the_browser_language_picks_vietnamese(client) -> None:
    page = client.get("/login", headers={"Accept-Language": "vi-VN,vi;q=0.9"}).get_data(
        as_text=True
    )
    assert "Đăng nhập" in page and "Máy nhánh" in page


def test_the_choice_of_language_is_remembered_for_the_user(app, client) -> None:
    with app.app_context():
        make_user(db.session, "boss", role=Role.MANAGER, password="pw")
        db.session.commit()
    login(client, "boss", "pw")
    page = client.get("/manager/").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/language", data={"csrf_token": token, "language": "vi", "next": "/manager/"})
    other_browser = app.test_client()
    login(other_browser, "boss", "pw")
    assert "Chiến dịch" in other_browser.get("/manager/").get_data(as_text=True)


def test_the_language_picked_on_the_sign_in_page_is_kept_at_sign_in(app, client) -> None:
    with app.app_context():
        make_user(db.session, "boss", role=Role.MANAGER, password="pw", language="en")
        db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/language", data={"csrf_token": token, "language": "vi", "next": "/login"})
    login(client, "boss", "pw")
    assert "Chiến dịch" in client.get("/manager/").get_data(as_text=True)
    other_browser = app.test_client()
    login(other_browser, "boss", "pw")  # remembered for the user too
    assert "Chiến dịch" in other_browser.get("/manager/").get_data(as_text=True)


def test_every_wtforms_message_is_in_the_catalogue() -> None:
    from wtforms.i18n import messages_path

    template = read_po(io.BytesIO((Path(messages_path()) / "wtforms.pot").read_bytes()))
    wtforms_ids = set()
    for message in template:
        if message.id:
            wtforms_ids.update([message.id] if isinstance(message.id, str) else message.id)
    # Listed in dialer/web/form_text.py, hence extracted (and, by the test above, translated).
    assert wtforms_ids - _source_messages() == set()
