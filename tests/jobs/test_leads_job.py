"""The import job on a real RQ worker and real Redis, including a work-horse killed mid-import."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from sqlalchemy import func, select

from bench.gen_leads import generate
from dialer.domain.leads.rejections import rejections
from dialer.extensions import db, redis_hub
from dialer.jobs.leads import QUEUE, enqueue_import, read_progress
from dialer.models import ImportStatus, Lead, LeadImport
from tests.factories.campaigns import make_draft_campaign
from tests.factories.leads import queued_import, run_worker_burst, write_csv
from tests.support.waiting import wait_until
from tests.support.web import csrf_token, signed_in_manager

ROOT = Path(__file__).resolve().parents[2]


def test_the_job_imports_and_publishes_its_progress(ctx, tmp_path):
    campaign = make_draft_campaign(db.session)
    path = write_csv(tmp_path / "l.csv", ["phone", "0912000001", "0912000002", "x"])
    lead_import = queued_import(db.session, campaign, path)
    queue = redis_hub.queue(QUEUE)
    first = enqueue_import(queue, lead_import.id)
    assert enqueue_import(queue, lead_import.id).id == first.id  # waiting: not queued twice
    assert queue.count == 1
    run_worker_burst()
    db.session.expire_all()
    done = db.session.get(LeadImport, lead_import.id)
    assert (done.status, done.imported, done.rejected) == ("done", 2, 1)
    assert read_progress(redis_hub.client, lead_import.id) == {
        "status": "done",
        "rows_read": 3,
        "imported": 2,
        "rejected": 1,
        "percent": 100,
    }
    assert first.get_status() == "finished"


def test_a_finished_import_enqueued_again_changes_nothing(ctx, tmp_path):
    campaign = make_draft_campaign(db.session)
    path = write_csv(tmp_path / "l.csv", ["phone", "0912000001", "x"])
    lead_import = queued_import(db.session, campaign, path)
    for _ in range(2):
        enqueue_import(redis_hub.queue(QUEUE), lead_import.id)
        run_worker_burst()
    db.session.expire_all()
    assert db.session.scalar(select(LeadImport.imported)) == 1
    assert len(rejections(db.session, lead_import.id)) == 1


def _worker() -> subprocess.Popen:
    """A forking RQ worker in its own process, as `flask worker` runs in production."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--burst", "--queue", QUEUE],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _work_horse(worker: subprocess.Popen) -> int:
    """The pid of the work-horse ``worker`` forks for its job."""
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")

    def forked() -> int | None:
        pids = children.read_text().split() if children.exists() else []
        return int(pids[0]) if pids else None

    return wait_until(forked, timeout=60, message="the worker to fork a work-horse", every=0.01)


def _rows_read(import_id: int) -> int:
    db.session.expire_all()
    return db.session.get(LeadImport, import_id).rows_read


def test_a_work_horse_killed_mid_import_then_run_again_ends_like_one_clean_run(ctx, tmp_path):
    path = tmp_path / "leads.csv"
    generate(120_000, path, seed=3)
    clean_campaign, crashed_campaign = (
        make_draft_campaign(db.session, "sạch"),
        make_draft_campaign(db.session),
    )
    clean = queued_import(db.session, clean_campaign, path)
    enqueue_import(redis_hub.queue(QUEUE), clean.id)
    run_worker_burst()

    crashed = queued_import(db.session, crashed_campaign, path)
    enqueue_import(redis_hub.queue(QUEUE), crashed.id)
    worker = _worker()
    horse = _work_horse(worker)

    def one_chunk_committed() -> bool:  # and the rest still to come
        assert worker.poll() is None, "the worker ended before it could be killed mid-import"
        return _rows_read(crashed.id) > 0

    wait_until(one_chunk_committed, timeout=60, message="the first chunk", every=0.005)
    os.kill(horse, signal.SIGKILL)
    worker.wait(timeout=60)
    db.session.expire_all()
    stopped = db.session.get(LeadImport, crashed.id)
    assert stopped.status == ImportStatus.RUNNING  # nobody could mark it: it was killed
    assert 0 < stopped.rows_read < 120_000

    enqueue_import(redis_hub.queue(QUEUE), crashed.id)
    run_worker_burst()
    db.session.expire_all()
    again, reference = db.session.get(LeadImport, crashed.id), db.session.get(LeadImport, clean.id)
    assert (again.status, again.rows_read, again.imported, again.rejected) == (
        "done",
        reference.rows_read,
        reference.imported,
        reference.rejected,
    )

    def leads(campaign_id: int) -> list[tuple[str, int]]:
        return db.session.execute(
            select(Lead.phone, Lead.line_no)
            .where(Lead.campaign_id == campaign_id)
            .order_by(Lead.line_no)
        ).all()

    assert leads(crashed_campaign.id) == leads(clean_campaign.id)
    refused = [
        (r.line_no, r.raw_value, r.reason, r.detail) for r in rejections(db.session, crashed.id)
    ]
    assert refused == [
        (r.line_no, r.raw_value, r.reason, r.detail) for r in rejections(db.session, clean.id)
    ]


def _long_lived_worker() -> subprocess.Popen:
    """``flask worker`` as production runs it: it waits for jobs until it is stopped."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--queue", QUEUE],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _horse_of(worker: subprocess.Popen) -> int | None:
    """The work-horse among the worker's children: RQ puts it in a process group of its own."""
    for child in psutil.Process(worker.pid).children():
        if os.getpgid(child.pid) == child.pid:
            return child.pid
    return None


def _ended(pid: int) -> bool:
    """The process is gone, or a zombie waiting for whoever adopted it: it runs no more."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_worker_killed_mid_import_takes_its_work_horse_with_it(app, client, tmp_path):
    path = tmp_path / "leads.csv"
    generate(120_000, path, seed=5)
    with app.app_context():
        clean_campaign, crashed_campaign = (
            make_draft_campaign(db.session, "sạch"),
            make_draft_campaign(db.session),
        )
        clean = queued_import(db.session, clean_campaign, path)
        enqueue_import(redis_hub.queue(QUEUE), clean.id)
        run_worker_burst()
        crashed = queued_import(db.session, crashed_campaign, path)
        ids = (clean.id, crashed.id, clean_campaign.id, crashed_campaign.id)
        enqueue_import(redis_hub.queue(QUEUE), crashed.id)
    clean_id, crashed_id, clean_campaign_id, campaign_id = ids
    worker = _long_lived_worker()
    with app.app_context():
        try:
            horse = wait_until(
                lambda: _horse_of(worker), timeout=60, message="the work-horse", every=0.01
            )
            wait_until(
                lambda: _rows_read(crashed_id) > 0,
                timeout=60,
                message="the first chunk",
                every=0.005,
            )
            forked = psutil.Process(worker.pid).children(recursive=True)  # horse, scheduler
            os.kill(worker.pid, signal.SIGKILL)
            killed = time.monotonic()
            worker.wait(timeout=10)
            wait_until(lambda: _ended(horse), timeout=10, message="the work-horse to end")
            print(f"\nworker killed -> work-horse ended: {time.monotonic() - killed:.3f} s")
            wait_until(
                lambda: all(_ended(p.pid) for p in forked),
                timeout=10,
                message="the scheduler to end",
            )
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        stopped = db.session.get(LeadImport, crashed_id)
        assert stopped.status == ImportStatus.RUNNING  # the horse wrote nothing more, not a failure
        assert 0 < stopped.rows_read < 120_000
        left_at = stopped.rows_read

    signed_in_manager(app, client)
    url = f"/campaigns/{campaign_id}/imports/{crashed_id}"
    message = "The import stopped because its worker stopped; run it again."
    page = wait_until(
        lambda: (text := client.get(url).get_data(as_text=True)) and message in text and text,
        timeout=15,
        message="the import page to say the worker stopped",
    )
    assert "ConnectionError" not in page
    assert client.get(url + "/progress").get_json()["stalled"] is True
    with app.app_context():
        assert _rows_read(crashed_id) == left_at  # nothing was written after the worker died

    client.post(url + "/retry", data={"csrf_token": csrf_token(client, url)})
    with app.app_context():
        run_worker_burst()
        again, reference = (
            db.session.get(LeadImport, crashed_id),
            db.session.get(LeadImport, clean_id),
        )
        assert (again.status, again.imported, again.rejected) == (
            "done",
            reference.imported,
            reference.rejected,
        )
        count = select(func.count()).select_from(Lead)
        assert db.session.scalar(count.where(Lead.campaign_id == campaign_id)) == (
            db.session.scalar(count.where(Lead.campaign_id == clean_campaign_id))
        )
    assert "The import stopped" not in client.get(url).get_data(as_text=True)


def test_an_import_interrupted_by_a_lost_connection_says_so_in_plain_words(app, client, tmp_path):
    signed_in_manager(app, client)
    with app.app_context():
        campaign = make_draft_campaign(db.session)
        lead_import = queued_import(
            db.session, campaign, write_csv(tmp_path / "l.csv", ["phone", "0912000001"])
        )
        lead_import.status = ImportStatus.FAILED
        lead_import.error = (
            "interrupted: ConnectionError: Error 2 connecting to unix:///tmp/x/redis.socket."
        )
        db.session.commit()
        url = f"/campaigns/{campaign.id}/imports/{lead_import.id}"
    page = client.get(url).get_data(as_text=True)
    assert "The import stopped before it finished; run it again." in page
    assert "ConnectionError" not in page and "redis.socket" not in page
    client.post(url + "/retry", data={"csrf_token": csrf_token(client, url)})
    with app.app_context():
        run_worker_burst()
    assert client.get(url + "/progress").get_json()["imported"] == 1
