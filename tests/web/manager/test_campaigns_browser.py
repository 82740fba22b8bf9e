"""In a real browser: upload a lead file, confirm its columns, see it reach 100%, get the report."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.gen_leads import generate
from dialer.extensions import db
from dialer.jobs.leads import QUEUE
from dialer.models import Role
from tests.factories.campaigns import make_draft_campaign
from tests.factories.people import make_user

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
