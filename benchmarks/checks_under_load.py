#!/usr/bin/env python
"""Quality checks under W2: do the check workers keep up with 32 trainers?

Over HTTP against a gunicorn you started (as for ``distribution.py run``) on a project that
``distribution.py setup`` made. Three phases, each from a fresh project state (``reset``):

1. **queued**: W2 with no check worker: submissions/s with the checks only queued.
2. **live**: a real ``celery worker -Q qa`` on the same machine during W2: submissions/s,
   the ``qa`` queue's length every second, the check lag of each run (submit to results
   stored: ``finished_at - created_at``) at p50/p99, and how long after the load stops the
   queue is empty and every run done.
3. **drain**: W2 with no worker again, then a worker starts on the backlog alone: the CPU
   of the worker processes and of every PostgreSQL process while it drains, per checked
   submission (the machine does nothing else meanwhile, so this is the check's own cost).
4. **profile** (not in the default phases): W2 with no worker, then this process runs the
   backlog through the batch job in process: statements per checked submission, and the
   functions that cost most (cProfile).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/annotation_bench
    export REDIS_URL=redis://127.0.0.1:6379/3
    .venv/bin/python benchmarks/checks_under_load.py --seconds 60 [--concurrency 1]

The worker gets the same environment (database, Redis) as this script. CPU comes from
/proc (the database must run on this machine). Nothing here is a timed test: it prints.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _workload import percentile, setup_django
from distribution import OUT, annotate, reset

ROOT = Path(__file__).resolve().parent.parent


def _tick_ms() -> float:
    return 1000 / os.sysconf("SC_CLK_TCK")


def _cpu_ms(pid: int) -> float:
    """User + system CPU of a process and its reaped children, in ms."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) * _tick_ms()


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(child) for child in children)
    return found


def _postgres_cpu_ms() -> float:
    """CPU of every PostgreSQL process (backends, writer, WAL) alive now, in ms."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if Path(entry, "comm").read_text().strip() == "postgres":
                total += _cpu_ms(int(entry.name))
        except OSError:
            continue
    return total


class Worker:
    def __init__(self, concurrency: int) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "annotation_platform", "worker",
                "-Q", "qa", "--pool=prefork", f"--concurrency={concurrency}",
                "--without-mingle", "--without-gossip", "--loglevel=WARNING",
                "-n", f"bench-{os.getpid()}@localhost",
            ],
            cwd=ROOT,
            env={**os.environ, "DEBUG": "false", "SECRET_KEY": "bench"},
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(4)  # imports and pool start

    def cpu_ms(self) -> float:
        return sum(_cpu_ms(pid) for pid in _tree(self.process.pid))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _queue_length() -> int:
    from annotation_platform.celery import app

    with app.connection_for_read() as conn:
        return conn.default_channel.client.llen("qa")


def _purge() -> None:
    from annotation_platform.celery import app

    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("qa")


def _runs(project: int):
    from quality.models import CheckRun

    return CheckRun.objects.filter(submission__task__project_id=project)


def _pending(project: int) -> int:
    return _runs(project).filter(status="pending").count()


def _load(args, state, sampler=None) -> dict:
    stop = threading.Event()
    samples: list[tuple[float, int]] = []

    def sample() -> None:
        started = time.perf_counter()
        while not stop.is_set():
            samples.append((round(time.perf_counter() - started, 1), _queue_length()))
            stop.wait(1.0)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    figures = annotate(args.base_url, state["project"], state["tokens"], args.seconds, args.seed)
    stop.set()
    thread.join()
    figures["queue"] = samples
    return figures


def _wait_drained(project: int, timeout: float) -> float | None:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if _queue_length() == 0 and _pending(project) == 0:
            return round(time.perf_counter() - started, 1)
        time.sleep(0.2)
    return None


def _lag(project: int) -> dict:
    from django.db.models import F

    lags = [
        delta.total_seconds() * 1000
        for delta in _runs(project)
        .filter(status="done")
        .annotate(lag=F("finished_at") - F("created_at"))
        .values_list("lag", flat=True)
    ]
    return {
        "runs": len(lags),
        "lag_p50_ms": round(percentile(lags, 0.5), 1),
        "lag_p99_ms": round(percentile(lags, 0.99), 1),
        "lag_max_ms": round(max(lags), 1) if lags else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=1, help="worker pool processes")
    parser.add_argument("--phases", default="queued,live,drain")
    parser.add_argument("--state", type=Path, default=OUT)
    args = parser.parse_args()
    setup_django()
    state = json.loads(args.state.read_text())
    project = state["project"]
    phases = args.phases.split(",")
    report: dict = {"seconds": args.seconds, "concurrency": args.concurrency}

    if "queued" in phases:
        reset(args)
        _purge()
        report["queued"] = _load(args, state)
        report["queued"].pop("queue")
        _purge()
        _phase_done(report)

    if "live" in phases:
        reset(args)
        _purge()
        worker = Worker(args.concurrency)
        try:
            figures = _load(args, state)
            figures["drained_after_s"] = _wait_drained(project, timeout=600)
            figures.update(_lag(project))
        finally:
            worker.stop()
        queue = figures.pop("queue")
        figures["queue_max"] = max((length for _, length in queue), default=0)
        figures["queue_every_5s"] = [length for t, length in queue if int(t) % 5 == 0]
        report["live"] = figures
        _phase_done(report)

    if "drain" in phases:
        reset(args)
        _purge()
        figures = _load(args, state)
        backlog = _pending(project)
        postgres_before = _postgres_cpu_ms()
        worker = Worker(args.concurrency)
        try:
            worker_before = worker.cpu_ms()  # start-up, not checks
            started = time.perf_counter()
            drained = _wait_drained(project, timeout=1800)
            wall = time.perf_counter() - started
            worker_ms = worker.cpu_ms() - worker_before
        finally:
            worker.stop()
        postgres_ms = _postgres_cpu_ms() - postgres_before
        checked = max(backlog, 1)
        report["drain"] = {
            "submissions": figures["submissions"],
            "backlog": backlog,
            "drained_s": drained,
            "checks_per_second": round(backlog / max(wall, 1e-9), 1),
            "worker_cpu_ms_per_check": round(worker_ms / checked, 2),
            "postgres_cpu_ms_per_check": round(postgres_ms / checked, 2),
            "total_cpu_ms_per_check": round((worker_ms + postgres_ms) / checked, 2),
        }
        _phase_done(report)
    if "profile" in phases:
        report["profile"] = _profile(args, state)
    print(json.dumps(report, indent=2))


def _phase_done(report: dict) -> None:
    """Each phase's figures as soon as it ends (stderr), so a later failure loses none."""
    print(json.dumps(report), file=sys.stderr, flush=True)


def _profile(args, state) -> dict:
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from quality.jobs import submission_checks_run_batch

    reset(args)
    _purge()
    _load(args, state)
    _purge()
    ids = list(
        _runs(state["project"]).filter(status="pending").order_by("pk").values_list("pk", flat=True)
    )
    job = submission_checks_run_batch
    profiler = cProfile.Profile()
    started = time.process_time()
    with CaptureQueriesContext(connection) as queries:
        profiler.enable()
        for start in range(0, len(ids), 50):
            job.run(ids[start : start + 50])
        profiler.disable()
    cpu = (time.process_time() - started) * 1000
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    print(out.getvalue()[:12000], file=sys.stderr)
    return {
        "runs": len(ids),
        "statements_per_run": round(len(queries) / max(len(ids), 1), 1),
        "process_cpu_ms_per_run": round(cpu / max(len(ids), 1), 2),
    }


if __name__ == "__main__":
    main()
