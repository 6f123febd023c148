#!/usr/bin/env python
"""Distribution benchmark: W1 load, W2 annotate (32 trainers), W4 task list.

Run against a server and PostgreSQL you started yourself (gunicorn, DEBUG off), e.g.:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/annotation_bench
    export REDIS_URL=redis://127.0.0.1:6379/3   # checks queued for workers, not in the request
    .venv/bin/python manage.py migrate
    DEBUG=false SECRET_KEY=bench ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false \\
      API_THROTTLE_RATE=100000/min \\
      .venv/bin/gunicorn annotation_platform.wsgi -b 127.0.0.1:8000 &  # gunicorn.conf.py
    .venv/bin/python benchmarks/distribution.py setup --tasks 100000   # W1 (writes the DB)
    .venv/bin/python benchmarks/distribution.py run                   # W2 and W4 over HTTP
    .venv/bin/python benchmarks/distribution.py profile   # CPU and queries per request

`profile` runs next + submit pairs in process (no server) and reports the CPU each request
costs in Django and in its PostgreSQL backend, and its queries: CPU time moves far less than
wall time when other jobs load the machine.

`setup` writes benchmarks/out/distribution.json (project id, trainer tokens); `run` reads it
(`--state PATH` for another file, e.g. to keep two benchmark databases side by side).
W2 talks to the server only through the API; duplicates are counted in the database after.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _workload import (
    answer_from,
    load_workload,
    pairwise_project,
    percentile,
    setup_django,
)

OUT = Path(__file__).resolve().parent / "out" / "distribution.json"


# --- W1: load -------------------------------------------------------------------------------


def setup(args: argparse.Namespace) -> None:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from accounts.services import api_token_create
    from tasks.models import Membership, Role
    from tasks.services import tasks_create

    workload = load_workload()
    User = get_user_model()
    owner, _ = User.objects.get_or_create(username="bench-owner")
    project, _ = pairwise_project(owner, "Pairwise benchmark")

    started = time.perf_counter()
    batch = []
    for i in range(args.tasks):
        task = workload.gen_task(args.seed, i)
        batch.append(
            {k: task[k] for k in ("prompt", "response_a", "response_b")} | {"uid": task["uid"]}
        )
        if len(batch) == 1000:
            tasks_create(project=project, items=batch, by=owner)
            batch = []
    if batch:
        tasks_create(project=project, items=batch, by=owner)
    load_seconds = time.perf_counter() - started

    tokens = []
    for n in range(args.trainers):
        user, _ = User.objects.get_or_create(username=f"bench-trainer-{n:03d}")
        Membership.objects.get_or_create(
            user=user, project=project, defaults={"role": Role.TRAINER}
        )
        tokens.append(api_token_create(user=user, name=f"bench {project.pk}")[1])
    _, setter_token = api_token_create(user=owner, name=f"bench {project.pk}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tasks_task")
    args.state.parent.mkdir(parents=True, exist_ok=True)
    args.state.write_text(
        json.dumps(
            {"project": project.pk, "tasks": args.tasks, "tokens": tokens, "setter": setter_token}
        )
    )
    print(f"W1 load: {args.tasks} tasks in {load_seconds:.1f} s (service loader, batches of 1000)")
    print(f"project {project.pk}; {args.trainers} trainers; wrote {args.state}")


def reset(args: argparse.Namespace) -> None:
    """Make the project's tasks new again (W2 runs use them up: ~10,000 per minute): its
    submissions, leases and skips go, and the counters are rebuilt from the tasks."""
    setup_django()
    from django.db import connection, transaction

    from tasks.models import Lease, Project, Skip, Submission, Task
    from tasks.services import task_states_rebuild

    project = Project.objects.get(pk=json.loads(args.state.read_text())["project"])
    with transaction.atomic():
        Submission.objects.filter(task__project=project).delete()
        Lease.objects.filter(project=project).delete()
        Skip.objects.filter(task__project=project).delete()
        Task.objects.filter(project=project).update(filled=0, leased=0, skips=0)
        task_states_rebuild(project=project)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) tasks_task, tasks_lease, tasks_submission")
    print(f"project {project.pk}: every task new again")


# --- HTTP -----------------------------------------------------------------------------------


class Client:
    """One keep-alive connection per trainer, like a browser tab or an SDK client."""

    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes, float]:
        payload = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=payload, headers=self.headers)
                response = self.conn.getresponse()
                data = response.read()
                return response.status, data, time.perf_counter() - started
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def _machine_cpu_ms() -> tuple[float, float]:
    """CPU time all cores spent busy since boot, and time the hypervisor took from this
    machine (steal), from Linux /proc/stat, in ms; zeros elsewhere. Steal is not ours: on
    a shared host it comes and goes, and while it is high every figure here is slower."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    tick = 1000 / os.sysconf("SC_CLK_TCK")
    busy = sum(fields[i] for i in (0, 1, 2, 5, 6) if i < len(fields))  # user .. softirq
    steal = fields[7] if len(fields) > 7 else 0
    return busy * tick, steal * tick


def annotate(base: str, project: int, tokens: list[str], seconds: float, seed: int) -> dict:
    next_ms: list[float] = []
    submit_ms: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    workload = load_workload()

    def trainer(index: int, token: str) -> None:
        rng = random.Random(f"{seed}:{index}")
        client = Client(base, token)
        mine_next, mine_submit = [], []
        while time.perf_counter() < stop_at:
            status, body, elapsed = client.call("POST", f"/api/v1/projects/{project}/next")
            mine_next.append(elapsed * 1000)
            if status == 204:
                break
            if status != 200:
                with lock:
                    errors[f"next {status}"] = errors.get(f"next {status}", 0) + 1
                continue
            task = json.loads(body)["task"]["id"]
            answer = answer_from(workload.gen_annotation(rng))
            status, body, elapsed = client.call(
                "POST",
                f"/api/v1/tasks/{task}/submit/",
                {"answer": answer, "idempotency_key": f"{index}-{task}"},
            )
            mine_submit.append(elapsed * 1000)
            if status not in (200, 201):
                with lock:
                    errors[f"submit {status}"] = errors.get(f"submit {status}", 0) + 1
        with lock:
            next_ms.extend(mine_next)
            submit_ms.extend(mine_submit)

    threads = [threading.Thread(target=trainer, args=(i, t)) for i, t in enumerate(tokens)]
    client_cpu, (machine, steal) = time.process_time(), _machine_cpu_ms()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    client_cpu = (time.process_time() - client_cpu) * 1000
    machine_now, steal_now = _machine_cpu_ms()
    machine, steal = machine_now - machine, steal_now - steal
    pairs = max(len(submit_ms), 1)
    return {
        "trainers": len(tokens),
        "seconds": round(wall, 1),
        "submissions": len(submit_ms),
        "per_second": round(len(submit_ms) / wall, 1),
        "next_p50_ms": round(percentile(next_ms, 0.50), 1),
        "next_p95_ms": round(percentile(next_ms, 0.95), 1),
        "next_p99_ms": round(percentile(next_ms, 0.99), 1),
        "submit_p50_ms": round(percentile(submit_ms, 0.50), 1),
        "submit_p95_ms": round(percentile(submit_ms, 0.95), 1),
        "submit_p99_ms": round(percentile(submit_ms, 0.99), 1),
        "errors": errors,
        # CPU per next + submit pair: this client alone, and the whole machine (server,
        # database, client, and whatever else runs meanwhile: an upper bound)
        "client_cpu_ms": round(client_cpu / pairs, 2),
        "machine_cpu_ms": round(machine / pairs, 2),
        "steal_percent": round(100 * steal / max(wall * 1000 * (os.cpu_count() or 1), 1), 1),
    }


def task_list(base: str, project: int, token: str, repeats: int = 20) -> dict:
    client = Client(base, token)
    queries = {
        "first page": "",
        "state=new": "&state=new",
        "contains topic-07:": "&contains=topic-07:",
    }
    results = {}
    for label, query in queries.items():
        timings = []
        for _ in range(repeats + 1):
            status, body, elapsed = client.call(
                "GET", f"/api/v1/projects/{project}/tasks/?page_size=100{query}"
            )
            if status != 200:
                raise SystemExit(f"W4 {label}: HTTP {status}: {body[:200]!r}")
            timings.append(elapsed * 1000)
        results[label] = round(statistics.median(timings[1:]), 1)  # first call warms caches
    return results


def duplicates(project: int) -> int:
    setup_django()
    from django.db.models import Count, F

    from tasks.models import Submission, Task

    over = (
        Task.objects.filter(project_id=project)
        .annotate(n=Count("submissions"))
        .filter(n__gt=F("needed"))
        .count()
    )
    twice = (
        Submission.objects.filter(task__project_id=project)
        .values("task", "author")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return over + twice


# --- in process: CPU and queries per request ------------------------------------------------


def _backend_cpu_ms(pid: int) -> float:
    """CPU time the PostgreSQL backend serving us has used, in ms (from the scheduler's
    nanosecond counter); needs the database on this machine (readable /proc), else 0."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6
    except (OSError, ValueError, IndexError):
        return 0.0


def profile(args: argparse.Namespace) -> None:
    """Run next + submit pairs through Django's request handler in this process (no HTTP,
    no server) and report the CPU each request costs here and in its PostgreSQL backend,
    and its queries. CPU time, unlike wall time, barely moves when others load the machine.
    """
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    setup_django()
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    state = json.loads(args.state.read_text())
    project = state["project"]
    workload = load_workload()
    rng = random.Random(args.seed)
    client = DjangoClient(HTTP_AUTHORIZATION=f"Bearer {state['tokens'][args.trainer]}")
    connection.ensure_connection()
    if args.no_prepare:  # the switch PgBouncer's transaction pooling needs, for comparison
        connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    costs: dict[str, list[tuple[float, float]]] = {"next": [], "submit": []}
    queries: dict[str, list[int]] = {"next": [], "submit": []}
    profiler = None
    if args.cprofile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)

    def call(kind: str, path: str, body: dict | None, capture: bool):
        cpu, db = time.process_time(), _backend_cpu_ms(backend)
        if capture:
            with CaptureQueriesContext(connection) as captured:
                response = client.post(path, body, content_type="application/json")
            queries[kind].append(len(captured))
        else:
            if profiler is not None:
                profiler.enable()
            response = client.post(path, body, content_type="application/json")
            if profiler is not None:
                profiler.disable()
            costs[kind].append(((time.process_time() - cpu) * 1000, _backend_cpu_ms(backend) - db))
        return response

    for index in range(args.warmup + args.pairs + 5):
        capture = index >= args.warmup + args.pairs  # the last few count queries
        measure = index >= args.warmup
        served = call("next", f"/api/v1/projects/{project}/next", None, capture)
        if served.status_code != 200:
            raise SystemExit(f"next: HTTP {served.status_code} {served.content[:300]!r}")
        task = served.json()["task"]["id"]
        answer = answer_from(workload.gen_annotation(rng))
        submitted = call("submit", f"/api/v1/tasks/{task}/submit/", {"answer": answer}, capture)
        if submitted.status_code != 201:
            raise SystemExit(f"submit: HTTP {submitted.status_code} {submitted.content[:300]!r}")
        if not measure:
            for kind in costs:
                del costs[kind][:]
    from django.conf import settings

    where = "queued on Redis" if settings.REDIS_URL else "run in this process (no REDIS_URL)"
    print(f"{args.pairs} pairs; quality checks {where}")
    for kind in ("next", "submit"):
        python = [c for c, _ in costs[kind]]
        db = [d for _, d in costs[kind]]
        print(
            f"{kind:6}: CPU mean {statistics.mean(python):.2f} ms (p50 "
            f"{statistics.median(python):.2f}) in Django, {statistics.mean(db):.2f} ms in "
            f"PostgreSQL; {max(queries[kind])} queries"
        )
    if profiler is not None:
        import pstats

        pstats.Stats(profiler).sort_stats(args.cprofile).print_stats(args.top)


def vacuum_first() -> None:
    """Start every run from the same state: the dead rows earlier runs left behind (two task
    row versions per submission) sit at the head of the queue index, where every ``next``
    scans. Autovacuum clears them in production; on a server where it is off, W2's PostgreSQL
    time per ``next`` roughly doubles after a few runs."""
    setup_django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] != "on":
            print("autovacuum is OFF on this server: dead rows pile up during the run")
        cursor.execute(
            "VACUUM (ANALYZE) tasks_task, tasks_lease, tasks_submission, tasks_taskcounter"
        )


def run(args: argparse.Namespace) -> None:
    state = json.loads(args.state.read_text())
    project, tokens = state["project"], state["tokens"]
    print(f"project {project} with {state['tasks']} tasks; server {args.base_url}")
    # Without a broker (REDIS_URL unset) the server runs every submission's quality checks
    # inside the submit request (eager Celery), which is then most of what W2 measures.
    status, body, _ = Client(args.base_url, "").call("GET", "/healthz")
    # /healthz lists a broker check only when the server has one (REDIS_URL).
    checks = json.loads(body).get("checks", {}) if status in (200, 503) else {}
    broker = "redis" if "broker" in checks else "in-process"
    if broker == "redis":
        print("checks: queued on Redis for the workers (server has REDIS_URL)")
    else:
        print(f"checks: run INSIDE each submit (server broker: {broker}); set REDIS_URL")
    vacuum_first()
    if hasattr(os, "getloadavg"):
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    one = annotate(args.base_url, project, tokens[:1], args.single_seconds, args.seed + 1)
    print(
        f"W2 1 trainer : {one['per_second']} submissions/s, next p50 {one['next_p50_ms']} ms, "
        f"p99 {one['next_p99_ms']} ms; submit p50 {one['submit_p50_ms']} ms"
    )
    many = annotate(args.base_url, project, tokens[: args.trainers], args.seconds, args.seed)
    print(
        f"W2 {many['trainers']} trainers: {many['submissions']} submissions in "
        f"{many['seconds']} s = {many['per_second']} submissions/s"
    )
    print(
        f"   next   p50 {many['next_p50_ms']} ms  p95 {many['next_p95_ms']} ms  "
        f"p99 {many['next_p99_ms']} ms"
    )
    print(
        f"   submit p50 {many['submit_p50_ms']} ms  p95 {many['submit_p95_ms']} ms  "
        f"p99 {many['submit_p99_ms']} ms"
    )
    print(f"   errors {many['errors'] or 'none'}; duplicates {duplicates(project)}")
    print(
        f"   CPU per submission: {many['machine_cpu_ms']} ms on the whole machine, of which "
        f"{many['client_cpu_ms']} ms this client; the hypervisor took "
        f"{many['steal_percent']}% of the cores meanwhile (steal)"
    )
    listing = task_list(args.base_url, project, state["setter"])
    for label, ms in listing.items():
        print(f"W4 {label}: median {ms} ms (20 requests, 100 rows)")
    if hasattr(os, "getloadavg"):
        print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_setup = sub.add_parser("setup", help="W1: create the project, trainers and tasks")
    p_setup.add_argument("--tasks", type=int, default=100_000)
    p_setup.add_argument("--trainers", type=int, default=32)
    p_setup.add_argument("--seed", type=int, default=20240601)
    p_run = sub.add_parser("run", help="W2 and W4 over HTTP")
    p_run.add_argument("--base-url", default="http://127.0.0.1:8000")
    p_run.add_argument("--trainers", type=int, default=32)
    p_run.add_argument("--seconds", type=float, default=60.0)
    p_run.add_argument("--single-seconds", type=float, default=10.0)
    p_run.add_argument("--seed", type=int, default=7)
    sub.add_parser("reset", help="make every task of the project new again")
    p_profile = sub.add_parser("profile", help="CPU and queries per request, in process")
    p_profile.add_argument("--pairs", type=int, default=200)
    p_profile.add_argument("--warmup", type=int, default=20)
    p_profile.add_argument("--trainer", type=int, default=0, help="which trainer's token")
    p_profile.add_argument("--seed", type=int, default=11)
    p_profile.add_argument(
        "--cprofile", metavar="SORT", help="also print a cProfile, e.g. --cprofile cumulative"
    )
    p_profile.add_argument("--top", type=int, default=40)
    p_profile.add_argument(
        "--no-prepare", action="store_true", help="send the hot statements as text, unprepared"
    )
    for command in (p_setup, p_run, p_profile, sub.choices["reset"]):
        command.add_argument("--state", type=Path, default=OUT, help="project and tokens file")
    args = parser.parse_args()
    {"setup": setup, "run": run, "profile": profile, "reset": reset}[args.command](args)


if __name__ == "__main__":
    main()
