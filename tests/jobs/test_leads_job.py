"""The import job on a real RQ worker and real Redis, including a work-horse killed mid-import."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bench.gen_leads import generate
from dialer.domain.leads.imports import rejections
from dialer.extensions import db, redis_hub
from dialer.jobs.leads import QUEUE, enqueue_import, read_progress
from dialer.models import ImportStatus, Lead, LeadImport
from tests.factories.campaigns import make_draft_campaign
from tests.factories.leads import queued_import, run_worker_burst, write_csv
from tests.support.waiting import wait_until

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
