"""The moving parts of a real deployment, in threads of the test process.

The PBX simulator serves AMI over TCP; the AMI listener (the same code as
``flask ami-listener``) feeds its events to the domain; an RQ worker serves the
``calls`` queue. Each starts in its fixture and stops when the test ends.
"""

from __future__ import annotations

import threading

from flask import Flask
from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty

from dialer.extensions import redis_hub
from dialer.jobs.calls import QUEUE
from dialer.jobs.runtime import bind_app
from dialer.processes.listener import PortEventHandler
from dialer.telephony.ami.adapter import AmiAdapter
from dialer.telephony.ami.settings import settings_from_config
from dialer.telephony.listener import run_listener
from dialer.telephony.simulator.pbx import PbxSimulator


def start_simulator(app: Flask, speed: float, *, static_members: bool = True) -> PbxSimulator:
    """A PBX simulator on a free port, with the app's AMI settings pointed at it."""
    simulator = PbxSimulator(
        "127.0.0.1",
        port=0,
        username=app.config["AMI_USERNAME"],
        secret=app.config["AMI_SECRET"],
        speed=speed,
        static_queue_members=static_members,
        recordings_dir=app.config["DIALER_RECORDINGS_DIR"],
    ).start()
    app.config.update(AMI_HOST="127.0.0.1", AMI_PORT=simulator.port, AMI_ORIGINATE_TIMEOUT=30)
    return simulator


class ListenerThread:
    """``flask ami-listener`` in a thread: port events applied and published, sweeps running."""

    def __init__(self, app: Flask) -> None:
        settings = settings_from_config(app.config)
        self.adapter = AmiAdapter(settings)
        self.handler = PortEventHandler(app, self.adapter)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=run_listener,
            args=(settings, self.handler, self._stop),
            kwargs={"adapter": self.adapter},
            name="ami-listener",
            daemon=True,
        )

    def start(self) -> ListenerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)
        self.handler.stop()


class ThreadWorker(SimpleWorker):
    """An RQ worker that runs jobs in its own thread (no fork, no signal handlers)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        pass  # signals belong to the main thread; stop() is how this worker ends


class CallsWorker:
    """A real RQ worker on the ``calls`` queue, in a thread."""

    def __init__(self, app: Flask) -> None:
        bind_app(app)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name="rq-calls", daemon=True)

    def _work(self) -> None:
        # RQ's blocking wait only ends on a job or after max_idle_time: each pass of
        # this loop is one worker run that quits after a second with nothing to do.
        while not self._stop.is_set():
            worker = ThreadWorker([redis_hub.queue(QUEUE)], connection=redis_hub.client)
            worker.work(burst=False, max_idle_time=1, logging_level="WARNING")

    def start(self) -> CallsWorker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)


def call_in(app: Flask, number: str, *, seconds: int = 60, queue: str = "support") -> None:
    """Make ``number`` call the queue, the way `flask pbx-sim inbound` does (an AMI Originate)."""
    config = app.config
    result = app.test_cli_runner().invoke(
        args=["pbx-sim", "inbound", number, "--seconds", str(seconds), "--queue", queue]
        + ["--port", str(config["AMI_PORT"]), "--secret", config["AMI_SECRET"]]
    )
    assert result.exit_code == 0, result.output
