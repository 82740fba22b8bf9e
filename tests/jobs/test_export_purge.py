"""Finished export files are deleted by the periodic sweep after the retention; the page says so."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from dialer.domain.exports import campaign as campaign_exports
from dialer.extensions import db, redis_hub
from dialer.jobs import exports as export_jobs
from dialer.models import utcnow
from dialer.processes.housekeeping import sweep
from tests.factories.exports import make_floor
from tests.factories.leads import run_worker_burst_on
from tests.support.web import csrf_token, signed_in_manager


def _age(path: Path, hours: float) -> None:
    then = (utcnow() - timedelta(hours=hours)).timestamp()
    os.utime(path, (then, then))


def test_an_old_export_file_is_deleted_and_its_page_says_expired(app, client, monkeypatch) -> None:
    app.config.update(DIALER_EXPORT_RETENTION_H=24)
    with app.app_context():
        campaign_id = make_floor(db.session)[0].id
    monkeypatch.setattr(campaign_exports, "SMALL_EXPORT_ROWS", 0)
    signed_in_manager(app, client)
    token = csrf_token(client, f"/results/campaigns/{campaign_id}")
    page = client.post(
        f"/exports/campaigns/{campaign_id}",
        data={"csrf_token": token, "kind": "survey", "fmt": "csv"},
    ).headers["Location"]
    with app.app_context():
        run_worker_burst_on("exports")
    download = client.get(page + "/status").get_json()["download"]
    folder = export_jobs.export_folder(app.instance_path)
    (written,) = folder.glob("*.csv")
    running = folder / ("f" * 32 + ".xlsx")  # another export, still being written
    running.write_bytes(b"PK")
    with app.app_context():
        redis_hub.client.hset(export_jobs.status_key("f" * 32), mapping={"status": "running"})
    orphan = folder / ("e" * 32 + ".csv")  # written, never served: no status knows it
    orphan.write_text("x")
    for path in (running, orphan):
        _age(path, 30)

    _age(written, 23)  # within the retention: kept
    sweep(app, utcnow())
    assert written.exists() and running.exists() and not orphan.exists()
    served = client.get(download)
    assert served.status_code == 200
    served.close()

    _age(written, 25)
    sweep(app, utcnow())
    assert not written.exists() and running.exists()
    status = client.get(page + "/status").get_json()
    assert (status["status"], status["download"]) == ("expired", None)
    html = client.get(page).get_data(as_text=True)
    assert "Expired: export files are deleted 24 hours after they are written" in html
    assert 'data-testid="download" href="' in html and "hidden>" in html  # no live link
    gone = client.get(download)
    assert gone.status_code == 302 and gone.headers["Location"].endswith(page)
