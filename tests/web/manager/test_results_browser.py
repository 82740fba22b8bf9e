"""In a real browser: the results page, one call opened, an export written by a real worker."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from dialer.domain.exports import campaign as campaign_exports
from dialer.extensions import db
from dialer.jobs.exports import QUEUE
from dialer.models import Role
from tests.factories.exports import INJECTION, make_floor
from tests.factories.people import make_user

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def worker(app) -> Iterator[subprocess.Popen]:  # noqa: ANN001
    """A real RQ worker serving the exports queue for the length of the test."""
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


def test_filter_results_open_a_call_and_download_a_worker_export(
    app, live_server, page, worker, tmp_path, monkeypatch
):
    with app.app_context():
        make_user(db.session, "boss", role=Role.MANAGER, password="boss-pass")
        campaign, _agents, (answered, _busy, retried) = make_floor(db.session)
        campaign_id, answered_id, retried_id = campaign.id, answered.id, retried.id
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "boss-pass")
    page.click("button[type=submit].primary")
    page.wait_for_url(live_server.url + "/manager/")

    page.goto(f"{live_server.url}/campaigns/{campaign_id}")
    page.click("[data-testid=results-link]")
    rows = page.locator("[data-testid=results] tbody tr")
    assert rows.count() == 2
    page.select_option("[data-testid=filter-agent]", label="agent1 · Agent1")
    page.click("[data-testid=results-filter] button[type=submit]")
    assert rows.count() == 1
    assert INJECTION in rows.first.inner_text()  # shown as text, never run

    rows.first.locator("a").click()
    page.wait_for_url(f"{live_server.url}/results/calls/{answered_id}")
    survey = page.locator("[data-testid=survey-card]").inner_text()
    assert "Email; Điện thoại" in survey and "yes" in survey
    assert page.locator("[data-testid=attempts] tbody tr").count() == 1
    page.go_back()

    monkeypatch.setattr(campaign_exports, "SMALL_EXPORT_ROWS", 0)  # make it a worker's job
    page.select_option("[data-testid=filter-agent]", value="")
    page.click("[data-testid=results-filter] button[type=submit]")
    page.select_option("[data-testid=export-kind]", "calls")
    page.click("[data-testid=export-xlsx]")
    link = page.locator("[data-testid=download]")
    link.wait_for(state="visible", timeout=60_000)
    assert page.locator("[data-testid=rows]").inner_text() == "3"
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "calls.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    ids = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert len(ids) == 3 and ids[0] == retried_id
