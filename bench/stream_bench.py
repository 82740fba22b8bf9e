"""Open live streams on one web process: how many it holds, memory per stream, Get Lead meanwhile.

Run as ``python -m bench.stream_bench [--streams N]`` (``make bench`` runs it). One
gunicorn gevent worker (the production worker class) on PostgreSQL and Redis;
N agents each open ``GET /api/events`` with their own Bearer token and keep it
open (each keep-alive is that agent's heartbeat, every 10 s). Printed: the
worker's threads and resident memory before and with the streams open (so the
memory each stream costs), and Get Lead p50/p99 from one more agent while they
are all open. Needs PostgreSQL and Redis on 127.0.0.1; prints and skips without.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.desk_load_bench import Api, Floor, build, pct, read_head  # noqa: E402


def _worker_pid(master: int) -> int:
    return int(Path(f"/proc/{master}/task/{master}/children").read_text().split()[0])


def _status(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


async def _open(port: int, token: str) -> asyncio.StreamWriter:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /api/events HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
    )
    status, _headers = await read_head(reader)
    assert status == 200, status
    seen = b""
    while b'"hello"' not in seen:
        seen += await reader.read(4096)
    asyncio.create_task(_drain(reader))
    return writer


async def _drain(reader: asyncio.StreamReader) -> None:
    """Read and drop what the stream sends, until it closes."""
    data = b"x"
    while data:
        data = await reader.read(4096)


async def measure(port: int, worker: int, floor: Floor, streams: int) -> None:
    asker = Api(port, floor.tokens[-1])
    for _ in range(20):  # untimed: the worker's first requests pay one-off costs
        await asker.call("POST", "/api/leads/next", {"campaign_id": floor.campaign_id})
    await asyncio.sleep(1)
    rss_before, threads_before = _status(worker, "VmRSS"), _status(worker, "Threads")
    started = time.perf_counter()
    writers = []
    for k in range(0, streams, 100):
        batch = floor.tokens[k : min(k + 100, streams)]
        writers += await asyncio.gather(*(_open(port, token) for token in batch))
    opened_s = time.perf_counter() - started
    await asyncio.sleep(12)  # a full keep-alive round: every stream has beaten once
    rss_after, threads_after = _status(worker, "VmRSS"), _status(worker, "Threads")
    latencies = []
    for _ in range(200):
        t0 = time.perf_counter()
        status, _body = await asker.call(
            "POST", "/api/leads/next", {"campaign_id": floor.campaign_id}
        )
        assert status == 200, status
        latencies.append((time.perf_counter() - t0) * 1000)
        await asyncio.sleep(0.02)
    per_stream = (rss_after - rss_before) / streams
    print(f"  {len(writers)} streams open on one gevent worker in {opened_s:.1f} s")
    print(f"  worker threads: {threads_before} before, {threads_after} with the streams open")
    print(
        f"  worker memory: {rss_before / 1024:.0f} MiB before, {rss_after / 1024:.0f} MiB with"
        f" the streams open = {per_stream:.0f} KiB per stream"
    )
    print(
        f"  Get Lead meanwhile: p50 {pct(latencies, 0.5):.1f} ms  p99 {pct(latencies, 0.99):.1f} ms"
        f"  mean {statistics.fmean(latencies):.1f} ms (n={len(latencies)})"
    )
    for writer in writers:
        writer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    args = parser.parse_args(sys.argv[1:] if argv is None and __name__ == "__main__" else argv)

    from bench.desk_load_bench import running
    from dialer import create_app
    from tests.backends import server_backend
    from tests.suites import server_backend_available

    if not server_backend_available():
        print("PostgreSQL or Redis is not reachable on 127.0.0.1: skipped.")
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.streams)), hard))
    with server_backend() as backend, tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        env = {
            **os.environ,
            "DATABASE_URL": backend.database_url,
            "REDIS_URL": backend.redis_url,
            "DIALER_INSTANCE_PATH": str(out / "instance"),
        }
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            floor = build(create_app({"AMI_SECRET": "bench-secret"}), args.streams + 1, 5000)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        options = argparse.Namespace(speed=1.0, answer_faults=0.0, calls_workers=0, web_workers=1)
        with running(env, options, out, web_only=True) as processes:
            worker = _worker_pid(processes.pids["web"])
            asyncio.run(measure(processes.web_port, worker, floor, args.streams))
    return 0


if __name__ == "__main__":
    sys.exit(main())
