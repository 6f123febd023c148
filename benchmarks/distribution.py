#!/usr/bin/env python
"""Distribution benchmark: W1 load, W2 annotate (32 trainers), W4 task list.

Run against a server and PostgreSQL you started yourself (gunicorn, DEBUG off), e.g.:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/annotation_bench
    .venv/bin/python manage.py migrate
    DEBUG=false SECRET_KEY=bench ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false \\
      .venv/bin/gunicorn annotation_platform.wsgi -w 4 -b 127.0.0.1:8000 &
    .venv/bin/python benchmarks/distribution.py setup --tasks 100000   # W1 (writes the DB)
    .venv/bin/python benchmarks/distribution.py run                   # W2 and W4 over HTTP

`setup` writes benchmarks/out/distribution.json (project id, trainer tokens); `run` reads it
(`--state PATH` for another file, e.g. to keep two benchmark databases side by side).
W2 talks to the server only through the API; duplicates are counted in the database after.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _workload import (
    PAIRWISE_TEMPLATE,
    answer_from,
    load_workload,
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
    from tasks.services import project_create, project_update, tasks_create, template_save

    workload = load_workload()
    User = get_user_model()
    owner, _ = User.objects.get_or_create(username="bench-owner")
    project = project_create(creator=owner, name=f"Pairwise benchmark {int(time.time())}")
    project_update(project=project, status="active")
    template_save(project=project, name="Pairwise", definition=PAIRWISE_TEMPLATE, by=owner)

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
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
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


def run(args: argparse.Namespace) -> None:
    state = json.loads(args.state.read_text())
    project, tokens = state["project"], state["tokens"]
    print(f"project {project} with {state['tasks']} tasks; server {args.base_url}")
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
    listing = task_list(args.base_url, project, state["setter"])
    for label, ms in listing.items():
        print(f"W4 {label}: median {ms} ms (20 requests, 100 rows)")


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
    for command in (p_setup, p_run):
        command.add_argument("--state", type=Path, default=OUT, help="project and tokens file")
    args = parser.parse_args()
    {"setup": setup, "run": run}[args.command](args)


if __name__ == "__main__":
    main()
