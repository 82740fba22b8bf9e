"""In a real browser: upload a lead file, confirm its columns, see it reach 100%, get the report."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.gen_leads import generate
from dialer.extensions import db
from dialer.jobs.leads import QUEUE
from dialer.models import Lead, LeadImport, Role
from tests.factories.campaigns import make_draft_campaign
from tests.factories.people import make_user
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def worker(app) -> Iterator[subprocess.Popen]:
    """A real RQ worker serving the import queue for the length of the test."""
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--queue", QUEUE],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield process
    process.terminate()
    process.wait(timeout=30)


def sign_in(page, url: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "boss-pass")
    page.click("button[type=submit].primary")
    page.wait_for_url(url + "/manager/")


def test_upload_watch_progress_reach_100_and_download_the_report(
    app, live_server, page, worker, tmp_path
):
    with app.app_context():
        make_user(db.session, "boss", role=Role.MANAGER, password="boss-pass")
        campaign_id = make_draft_campaign(db.session, "Khảo sát Tết").id
        db.session.commit()
    path = tmp_path / "danh-sach.csv"
    counts = generate(60_000, path, seed=11)
    sign_in(page, live_server.url)

    page.goto(f"{live_server.url}/campaigns/{campaign_id}")
    page.set_input_files("[data-testid=upload-form] input[type=file]", str(path))
    page.click("[data-testid=upload-form] button[type=submit]")
    assert "encoding UTF-8, delimiter comma" in page.get_by_test_id("detected").inner_text()
    assert page.locator("select[data-column='Số điện thoại']").input_value() == "phone"
    page.click("[data-testid=start-import]")

    page.get_by_test_id("import-status").wait_for()
    page.get_by_test_id("report").wait_for(timeout=90_000)  # the page reloads itself when done
    assert page.get_by_test_id("percent").inner_text() == "100"
    assert page.get_by_test_id("rows-read").inner_text() == "60000"
    rejected = int(page.get_by_test_id("rejected").inner_text())
    assert rejected >= counts["duplicates"] + counts["invalid"] - 1000
    assert "duplicate in the file" in page.get_by_test_id("rejections").inner_text()

    page.reload()  # the finished report survives a reload
    page.get_by_test_id("report").wait_for()
    with page.expect_download() as download:
        page.click("[data-testid=download-report]")
    report = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert report[0] == "Line,Value,Reason,Detail"
    assert len(report) == rejected + 1


def _start_worker() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--queue", QUEUE],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_mid_import_is_told_in_plain_words_and_run_again(
    app, live_server, page, browser, tmp_path
):
    with app.app_context():
        make_user(db.session, "boss", role=Role.MANAGER, password="boss-pass")
        campaign_id = make_draft_campaign(db.session, "Khảo sát Tết").id
        db.session.commit()
    path = tmp_path / "danh-sach.csv"
    generate(120_000, path, seed=13)
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/campaigns/{campaign_id}")
    page.set_input_files("[data-testid=upload-form] input[type=file]", str(path))
    page.click("[data-testid=upload-form] button[type=submit]")
    worker = _start_worker()
    try:
        page.click("[data-testid=start-import]")
        page.get_by_test_id("import-status").wait_for()
        with app.app_context():

            def rows_read() -> int:
                db.session.expire_all()
                return db.session.scalar(select(LeadImport.rows_read)) or 0

            wait_until(rows_read, timeout=90, message="the first chunk", every=0.01)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    # The page, left open, notices within seconds and says what to do.
    error = page.get_by_test_id("import-error")
    error.wait_for(timeout=30_000)
    assert "The import stopped because its worker stopped; run it again." in error.inner_text()
    assert "Error" not in error.inner_text()
    import_url = page.url

    vietnamese = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh").new_page()
    try:
        sign_in(vietnamese, live_server.url)
        vietnamese.goto(import_url)
        assert "Lần nhập đã dừng vì tiến trình xử lý của nó đã dừng; hãy chạy lại." in (
            vietnamese.get_by_test_id("import-error").inner_text()
        )
    finally:
        vietnamese.context.close()

    worker = _start_worker()
    try:
        error.get_by_role("button").click()
        page.get_by_test_id("report").wait_for(timeout=120_000)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert page.get_by_test_id("rows-read").inner_text() == "120000"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Lead)) == int(
            page.get_by_test_id("imported").inner_text()
        )
