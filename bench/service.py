"""Service benchmarks: webhook ingest, classification lag, start-up time and idle memory.

Each scenario starts a real ``triage serve`` on a loopback port with a fresh database and
drives it with ``bench/loadgen.py`` in a separate process:

- ingest: raw-MIME webhook at a fixed rate (default 200/s) with the worker off, so the
  figures are "accept and store" only; SQLite, and PostgreSQL when one answers on 127.0.0.1;
  afterwards every accepted message is checked to be in the database (nothing lost). Besides
  latency it reports the server's CPU time per request, which a noisy host disturbs far less;
- lag: a steady 20 messages/s with the in-process worker on; accepted -> classified time per
  message, read from the database;
- start-up: seconds from ``triage serve`` to ``/readyz`` = 200 (model loaded, warm cache) and
  resident memory when idle.

Writes ``bench/results/service.md``.  ``.venv/bin/python -m bench.service [--rate 200]``
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager, nullcontext
from pathlib import Path

import httpx

from models.paths import REPO_ROOT

RESULTS = REPO_ROOT / "bench" / "results" / "service.md"
TOKEN = "bench-token"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def postgres_database():
    """A throw-away PostgreSQL database, or None when no server answers."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception:
        yield None
        return
    name = f"triage_bench_{uuid.uuid4().hex[:8]}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


@contextmanager
def server(database_url: str | None, worker: bool, code_dir: Path = REPO_ROOT):
    """Run ``triage serve`` with its own data dir; yield (base URL, process, start time).

    ``code_dir`` runs the service from another checkout (``bench/ab.py``): the interpreter
    imports the packages from its working directory before the editable install's.
    """
    data_dir = tempfile.mkdtemp(prefix="triage-bench-")
    env = os.environ | {
        "TRIAGE_DATA_DIR": data_dir, "TRIAGE_INBOUND_TOKEN": TOKEN, "TRIAGE_LOG_LEVEL": "WARNING",
        "TRIAGE_RUN_WORKER": "true" if worker else "false",
    }  # fmt: skip
    if database_url:  # a fresh database: this one process may migrate it
        env |= {"TRIAGE_DATABASE_URL": database_url, "TRIAGE_AUTO_MIGRATE": "true"}
    port = free_port()
    started = time.perf_counter()
    command = [sys.executable, "-c", "from service.cli import main; raise SystemExit(main())"]
    process = subprocess.Popen([*command, "serve", "--port", str(port)], env=env, cwd=code_dir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}", process, started, env
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for(url: str, deadline_s: float = 120) -> None:
    end = time.time() + deadline_s
    while time.time() < end:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)


def loadgen(base: str, rate: float, seconds: float) -> dict:
    command = [
        sys.executable,
        str(REPO_ROOT / "bench" / "loadgen.py"),
        f"{base}/v1/inbound/raw",
        TOKEN,
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (robust to a noisy host, unlike latency)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stored_ids(env: dict) -> dict[int, tuple[str, float | None]]:
    """Message id -> (status, classified - received seconds), read straight from the store."""
    code = (
        "import json\n"
        "from sqlalchemy import select\n"
        "from service.config import get_settings\n"
        "from service.db.session import Database\n"
        "from service.db.models import Message\n"
        "db = Database.from_settings(get_settings())\n"
        "with db.session() as s:\n"
        "    rows = s.execute(select(Message.id, Message.status, Message.received_at,"
        " Message.classified_at)).all()\n"
        "print(json.dumps({r[0]: [r[1], (r[3] - r[2]).total_seconds() if r[3] else None]"
        " for r in rows}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=REPO_ROOT)  # fmt: skip
    return {int(k): tuple(v) for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}


def ingest(
    database_url: str | None, rate: float, seconds: float, code_dir: Path = REPO_ROOT
) -> dict:
    with server(database_url, worker=False, code_dir=code_dir) as (base, process, _, env):
        wait_for(f"{base}/readyz", deadline_s=300)
        loadgen(base, 20, 2)  # warm-up: the first requests compile statements, fill the pool
        before = cpu_seconds(process.pid)
        result = loadgen(base, rate, seconds)
        result["server_cpu_ms"] = 1000 * (cpu_seconds(process.pid) - before) / result["sent"]
        stored = stored_ids(env)
    accepted = {i for i, _ in result.pop("ids")}
    result["lost"] = len(accepted - set(stored))
    return result


def lag(rate: float, seconds: float) -> dict:
    with server(None, worker=True) as (base, _, _, env):
        wait_for(f"{base}/readyz", deadline_s=300)
        result = loadgen(base, rate, seconds)
        time.sleep(10)
        stored = stored_ids(env)
    lags = sorted(v[1] for v in stored.values() if v[1] is not None)
    return {
        "classified": len(lags), "accepted": len(result["ids"]),
        "p50_s": statistics.median(lags) if lags else None,
        "p95_s": lags[int(0.95 * len(lags))] if lags else None,
    }  # fmt: skip


def startup() -> dict:
    with server(None, worker=True) as (base, process, started, _):
        wait_for(f"{base}/readyz", deadline_s=300)
        ready = time.perf_counter() - started
        time.sleep(5)
        return {"ready_s": ready, "idle_rss_mb": rss_mb(process.pid)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))  # run as a script: the bench package too
    from bench.machine import describe

    rows = []
    for backend in ("sqlite", "postgresql"):
        with postgres_database() if backend == "postgresql" else nullcontext() as url:
            if backend == "postgresql" and url is None:
                rows.append(f"| {backend} | not available | | | | | | |")
                continue
            runs = [ingest(url, args.rate, args.seconds) for _ in range(args.repeats)]
        best = sorted(runs, key=lambda r: r["p99_ms"])[len(runs) // 2]
        errors = sum(n for r in runs for code, n in r["statuses"].items() if code != "202")
        rows.append(f"| {backend} | {args.rate:.0f} | {best['achieved_rps']:.0f} | "
                    f"{best['p50_ms']:.1f} | {best['p95_ms']:.1f} | {best['p99_ms']:.1f} | "
                    f"{statistics.median(r['server_cpu_ms'] for r in runs):.1f} | "
                    f"{errors} errors, {sum(r['lost'] for r in runs)} lost |")  # fmt: skip
    lag_result = lag(20, 30)
    starts = [startup() for _ in range(args.repeats)]
    text = "\n".join([
        "# Service benchmarks", "", describe(), "",
        f"## Ingest (webhook accept + store, worker off; median of {args.repeats} runs by p99)",
        "", "| database | offered req/s | achieved req/s | p50 ms | p95 ms | p99 ms | "
        "server CPU ms/req | outcome |", "|---|---|---|---|---|---|---|---|", *rows, "",
        "## Classification lag at a steady 20 messages/s for 30 s (SQLite, in-process worker)",
        "", f"accepted {lag_result['accepted']}, classified {lag_result['classified']}; lag p50 "
        f"{lag_result['p50_s']:.2f} s, p95 {lag_result['p95_s']:.2f} s", "",
        "## Start-up (warm cache) and idle memory", "",
        f"ready in {statistics.median(s['ready_s'] for s in starts):.1f} s (median of "
        f"{len(starts)}); idle RSS {statistics.median(s['idle_rss_mb'] for s in starts):.0f} MB",
        "",
    ])  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
