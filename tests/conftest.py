"""Fixtures: the app on a real database and a real Redis, a live server, a browser."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from tests.backends import Backend, backend_name, embedded_backend, server_backend

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    if backend_name() == "server":
        with server_backend() as found:
            yield found
    else:
        with embedded_backend(tmp_path_factory.mktemp("embedded")) as found:
            yield found


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("instance")


def _set_env(monkeypatch: pytest.MonkeyPatch, backend: Backend, instance: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", backend.database_url)
    monkeypatch.setenv("REDIS_URL", backend.redis_url)
    monkeypatch.setenv("DIALER_INSTANCE_PATH", str(instance))
    for name in ("DIALER_ENV", "SECRET_KEY", "DIALER_PBX"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def migrated(backend: Backend, instance_dir: Path) -> Backend:
    """The test database, built by the migrations (never create_all)."""
    from flask_migrate import upgrade

    from dialer import create_app

    with pytest.MonkeyPatch.context() as monkeypatch:
        _set_env(monkeypatch, backend, instance_dir)
        app = create_app({"TESTING": True})
        with app.app_context():
            upgrade()
            from dialer.extensions import db

            db.engine.dispose()
    return backend


def _clean(app: Flask) -> None:
    from dialer.extensions import db, redis_hub

    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(sa.text(f"DELETE FROM {table}"))
    redis_hub.client.flushdb()


@pytest.fixture
def app(migrated: Backend, instance_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """A fresh app on empty tables and an empty Redis database."""
    from dialer import create_app
    from dialer.extensions import db

    _set_env(monkeypatch, migrated, instance_dir)
    app = create_app({"TESTING": True})
    with app.app_context():
        _clean(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """The app with an app context pushed (for tests that call the domain directly)."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def seeded(app: Flask) -> Flask:
    """The app with the demo data of seeds/ loaded."""
    from dialer.extensions import db
    from dialer.seeding import seed

    with app.app_context():
        seed(db.session)
        db.session.commit()
    return app


class LiveServer:
    def __init__(self, app: Flask) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The app served over real HTTP on a free loopback port."""
    server = LiveServer(app).start()
    yield server
    server.stop()


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    return path if os.path.exists(path) else shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Chromium of the machine, driven by Playwright (no downloaded browser)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser tab (own cookies), English unless a test says otherwise."""
    context = browser.new_context(locale="en-US", timezone_id="Asia/Ho_Chi_Minh")  # type: ignore[attr-defined]
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def pbx_speed() -> float:
    """How fast the simulated PBX runs its dialplan (a module may override this fixture)."""
    return 0.05


@pytest.fixture
def pbx(app: Flask, pbx_speed: float) -> Iterator[object]:
    """The PBX simulator on a free port, the app's AMI_* settings pointed at it."""
    from dialer.telephony.provider import close_port
    from tests.support.pbx import start_simulator

    simulator = start_simulator(app, pbx_speed)
    yield simulator
    close_port()
    simulator.stop()


@pytest.fixture
def listener(app: Flask, pbx: object) -> Iterator[object]:
    """The AMI listener (``flask ami-listener``'s code) in a background thread."""
    from tests.support.pbx import ListenerThread

    running = ListenerThread(app).start()
    yield running
    running.stop()


@pytest.fixture
def calls_worker(app: Flask, pbx: object) -> Iterator[object]:
    """A real RQ worker serving the ``calls`` queue, in a background thread."""
    from tests.support.pbx import CallsWorker

    running = CallsWorker(app).start()
    yield running
    running.stop()
