"""`make bench`: run every benchmark of the project, each printing its own figures."""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = [
    "bench.startup_bench",
    "bench.ami_bench",
    "bench.leads_bench",
    "bench.claim_bench",
    "bench.history_bench",
    "bench.export_bench",
    "bench.dashboard_bench",
    "bench.pacing_bench",
    "bench.stream_bench",
    "bench.desk_load_bench",
]


def main() -> int:
    failed = []
    for name in BENCHMARKS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name == name:
                continue
            raise
        print(f"\n===== {name} =====", flush=True)
        started = time.perf_counter()
        code = module.main()
        print(f"({name} took {time.perf_counter() - started:.1f} s)")
        if code:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
