"""`make test`: the suite on the embedded default, then on PostgreSQL + Redis.

The second run happens when TEST_DATABASE_URL / TEST_REDIS_URL are set, or when
PostgreSQL and Redis answer on 127.0.0.1:5432 and :6379. Each run prints
pytest's summary; the command fails when either run fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys


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


def run(backend: str, args: list[str]) -> int:
    print(f"\n===== test run: {backend} =====", flush=True)
    env = dict(os.environ, DIALER_TEST_BACKEND=backend)
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main() -> int:
    args = sys.argv[1:]
    results = {"embedded (SQLite + embedded Redis)": run("embedded", args)}
    if server_backend_available():
        results["server (PostgreSQL + Redis)"] = run("server", args)
    else:
        print("\nPostgreSQL/Redis not found on 127.0.0.1: server run skipped.")
    print("\n===== summary =====")
    for name, code in results.items():
        print(f"{name}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
