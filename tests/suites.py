"""`make test`: the suite on the embedded default and on PostgreSQL + Redis.

The second run happens when TEST_DATABASE_URL / TEST_REDIS_URL are set, or when
PostgreSQL and Redis answer on 127.0.0.1:5432 and :6379. The two runs share
nothing (each has its own database, Redis database, ports and temporary
folders). They run one after the other; ``DIALER_TEST_SIDE_BY_SIDE=1`` runs them
side by side (the embedded run prints as it goes, the server run's output
follows), about half the time on two cores, but the browser tests that watch a
short-lived state then time out now and then on a loaded machine. The command
fails when either run fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile

EMBEDDED = "embedded (SQLite + embedded Redis)"
SERVER = "server (PostgreSQL + Redis)"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def server_backend_available() -> bool:
    """True when the PostgreSQL + Redis run should happen."""
    if os.environ.get("TEST_DATABASE_URL") or os.environ.get("TEST_REDIS_URL"):
        return True
    return _answers("127.0.0.1", 5432) and _answers("127.0.0.1", 6379)


def _command(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "pytest", *args]


def _env(backend: str) -> dict[str, str]:
    return dict(os.environ, DIALER_TEST_BACKEND=backend)


def run(backend: str, args: list[str]) -> int:
    print(f"\n===== test run: {backend} =====", flush=True)
    return subprocess.call(_command(args), env=_env(backend))  # noqa: S603


def run_side_by_side(args: list[str]) -> dict[str, int]:
    """Start the server run in the background, run the embedded one in the foreground."""
    with tempfile.TemporaryFile(mode="w+b") as server_log:
        server = subprocess.Popen(  # noqa: S603
            _command(args), env=_env("server"), stdout=server_log, stderr=subprocess.STDOUT
        )
        try:
            embedded = run("embedded", args)
        finally:
            server_code = server.wait()
        print("\n===== test run: server =====", flush=True)
        server_log.seek(0)
        sys.stdout.buffer.write(server_log.read())
        sys.stdout.flush()
    return {EMBEDDED: embedded, SERVER: server_code}


def main() -> int:
    args = sys.argv[1:]
    if not server_backend_available():
        results = {EMBEDDED: run("embedded", args)}
        print("\nPostgreSQL/Redis not found on 127.0.0.1: server run skipped.")
    elif os.environ.get("DIALER_TEST_SIDE_BY_SIDE") == "1":
        results = run_side_by_side(args)
    else:
        results = {EMBEDDED: run("embedded", args), SERVER: run("server", args)}
    print("\n===== summary =====")
    for name, code in results.items():
        print(f"{name}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
