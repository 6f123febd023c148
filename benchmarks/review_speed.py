#!/usr/bin/env python
"""Review at speed: a QA lead's decision and the next item together ("Decide and go to
next" on the review page), at 100,000 tasks.

Run against a server and PostgreSQL you started yourself (gunicorn, DEBUG off), e.g.:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/review_bench
    export REDIS_URL=redis://127.0.0.1:6379/5   # checks queued for workers, not in the request
    .venv/bin/python manage.py migrate
    DEBUG=false SECRET_KEY=bench ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false \\
      .venv/bin/gunicorn annotation_platform.wsgi -b 127.0.0.1:8000 &  # gunicorn.conf.py
    .venv/bin/python benchmarks/review_speed.py setup --tasks 100000 --queued 3000
    .venv/bin/python benchmarks/review_speed.py run --decisions 300
    .venv/bin/python benchmarks/review_speed.py profile    # queries and CPU, in process

`setup` loads the pairwise project's tasks (the shared workload), pins a 20-criterion rubric
in two sections, has trainers submit ``--queued`` of them through the services and queues
them for review as their checks would (clean, sampled; the checks themselves are not run),
and adds QA leads with passwords. `run` logs the QA leads in through the login page and
each decides items over HTTP as the page does: POST the form with "Decide and go to next"
(every criterion judged, accept) and follow the one redirect to the next item's review page.
A decision's time is the POST (decision + lease of the next item) plus the GET of the next
item's page, as the client sees them on the same machine (no network between). It prints
p50 / p95 / p99 of that sum and of each part, for one reviewer and then several at once.
`profile` runs the same pairs through Django's handler in this process and prints the
queries and the CPU of each part (Django and its PostgreSQL backend).

`setup` writes benchmarks/out/review_speed.json (project id, QA leads' passwords).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _workload import answer_from, load_workload, pairwise_project, percentile, setup_django

OUT = Path(__file__).resolve().parent / "out" / "review_speed.json"
PASSWORD = "bench-review-2026"
CRITERIA = 20


def rubric_content(count: int = CRITERIA) -> dict:
    """``count`` criteria in two sections, with reviewer guidance; every fourth ordinal."""
    criteria = []
    for n in range(1, count + 1):
        criterion = {
            "kind": "criterion",
            "id": f"c{n}",
            "title": f"The better response meets requirement {n}",
            "points": 1 + n % 5 if n % 7 else -2,
            "polarity": "positive" if n % 7 else "pitfall",
            "description": f"Look for requirement {n} in the chosen response.",
        }
        if n % 4 == 0:
            criterion["scale"] = {
                "type": "ordinal",
                "levels": [
                    {"value": 0, "descriptor": "No"},
                    {"value": 1, "descriptor": "Partly"},
                    {"value": 2, "descriptor": "Yes"},
                ],
            }
        criteria.append(criterion)
    half = count // 2
    return {
        "schema_version": 1,
        "criteria": [
            {"kind": "section", "id": "content", "title": "Content", "children": criteria[:half]},
            {"kind": "section", "id": "form", "title": "Form", "children": criteria[half:]},
        ],
    }


def judgments_form(count: int = CRITERIA) -> dict[str, str]:
    return {
        f"j-c{n}": ("2" if n % 4 == 0 else "met" if n % 3 else "not_met")
        for n in range(1, count + 1)
    }


# --- setup ----------------------------------------------------------------------------------


def setup(args: argparse.Namespace) -> None:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from reviews.models import ItemStatus, ReviewItem, Risk
    from tasks.models import Membership, Role, Submission
    from tasks.services import (
        project_rubric_create,
        project_rubric_publish,
        submission_submit,
        task_lease,
        tasks_create,
    )

    workload = load_workload()
    User = get_user_model()
    owner, _ = User.objects.get_or_create(username="review-bench-owner")
    project, _ = pairwise_project(owner, "Review speed benchmark")
    link = project_rubric_create(
        project=project, title="Pairwise quality", content=rubric_content(), by=owner
    )
    project_rubric_publish(link=link, note="v1", by=owner, pin=True)

    started = time.perf_counter()
    batch, tasks = [], []
    for i in range(args.tasks):
        task = workload.gen_task(args.seed, i)
        batch.append(
            {k: task[k] for k in ("prompt", "response_a", "response_b")} | {"uid": task["uid"]}
        )
        if len(batch) == 1000:
            tasks += tasks_create(project=project, items=batch, by=owner)
            batch = []
    if batch:
        tasks += tasks_create(project=project, items=batch, by=owner)
    load_seconds = time.perf_counter() - started

    trainers = []
    for n in range(args.trainers):
        user, _ = User.objects.get_or_create(username=f"review-bench-trainer-{n:03d}")
        Membership.objects.get_or_create(
            user=user, project=project, defaults={"role": Role.TRAINER}
        )
        trainers.append(user)
    import random

    rng = random.Random(args.seed)
    started = time.perf_counter()
    for index in range(args.queued):
        task = tasks[index * (len(tasks) // args.queued)]
        trainer = trainers[index % len(trainers)]
        task_lease(task=task, trainer=trainer)
        submission_submit(
            task=task, author=trainer, answer=answer_from(workload.gen_annotation(rng))
        )
    submit_seconds = time.perf_counter() - started
    # Queue them as the checks would (clean work sampled for review), oldest first.
    now = timezone.now()
    submissions = list(
        Submission.objects.filter(task__project=project)
        .order_by("id")
        .values_list("id", "revision")
    )
    ReviewItem.objects.bulk_create(
        [
            ReviewItem(
                submission_id=pk,
                project=project,
                revision=revision,
                status=ItemStatus.QUEUED,
                risk=Risk.CLEAN,
                reason="sample",
                queued_at=now,
            )
            for pk, revision in submissions
        ],
        batch_size=1000,
    )
    leads = []
    for n in range(args.reviewers):
        user, _ = User.objects.get_or_create(username=f"review-bench-qa-{n:02d}")
        user.set_password(PASSWORD)
        user.save()
        Membership.objects.get_or_create(
            user=user, project=project, defaults={"role": Role.QA_LEAD}
        )
        leads.append(user.username)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    args.state.parent.mkdir(parents=True, exist_ok=True)
    args.state.write_text(json.dumps({"project": project.pk, "tasks": args.tasks, "leads": leads}))
    print(
        f"{args.tasks} tasks in {load_seconds:.1f} s; {len(submissions)} submissions queued "
        f"for review in {submit_seconds:.1f} s; {len(leads)} QA leads"
    )
    print(f"project {project.pk}; wrote {args.state}")


# --- HTTP, as a browser does ----------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RUBRIC_VERSION = re.compile(r'name="rubric_version" value="(\d+)"')
REVISION = re.compile(r'name="revision" value="(\d+)"')


class Browser:
    """One keep-alive connection with cookies, like a reviewer's browser tab."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.cookies: dict[str, str] = {}

    def call(self, method: str, path: str, form: dict | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location"), data.decode(), elapsed

    def login(self, username: str) -> None:
        status, _, page, _ = self.call("GET", "/account/login/")
        token = CSRF_INPUT.search(page).group(1)
        status, _, _, _ = self.call(
            "POST",
            "/account/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
        )
        if status != 302:
            raise SystemExit(f"login of {username}: HTTP {status}")


def decide_form(page: str) -> dict:
    return {
        "csrfmiddlewaretoken": CSRF_INPUT.search(page).group(1),
        "rubric_version": RUBRIC_VERSION.search(page).group(1),
        "revision": REVISION.search(page).group(1),
        "decision": "accept",
        "then": "next",
        **judgments_form(),
    }


def review(base: str, project: int, username: str, decisions: int, out: dict, lock) -> None:
    browser = Browser(base)
    browser.login(username)
    # "Review next" from the queue opens the first item (not timed).
    status, _, queue, _ = browser.call("GET", f"/projects/{project}/review/")
    token = CSRF_INPUT.search(queue).group(1)
    status, location, _, _ = browser.call(
        "POST", f"/projects/{project}/review/next/", {"csrfmiddlewaretoken": token}
    )
    status, _, page, _ = browser.call("GET", location)
    posts, gets, pairs, errors = [], [], [], {}
    for _ in range(decisions):
        status, location, _, post_s = browser.call("POST", location, decide_form(page))
        if status != 302 or "/submissions/" not in (location or ""):
            errors[f"post {status}"] = errors.get(f"post {status}", 0) + 1
            break
        status, _, page, get_s = browser.call("GET", location)
        if status != 200:
            errors[f"get {status}"] = errors.get(f"get {status}", 0) + 1
            break
        posts.append(post_s * 1000)
        gets.append(get_s * 1000)
        pairs.append((post_s + get_s) * 1000)
    with lock:
        out["post"] += posts
        out["get"] += gets
        out["pair"] += pairs
        for key, count in errors.items():
            out["errors"][key] = out["errors"].get(key, 0) + count


def measure(base: str, project: int, leads: list[str], decisions: int) -> dict:
    out = {"post": [], "get": [], "pair": [], "errors": {}}
    lock = threading.Lock()
    threads = [
        threading.Thread(target=review, args=(base, project, lead, decisions, out, lock))
        for lead in leads
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out["seconds"] = time.perf_counter() - started
    return out


def summary(label: str, out: dict) -> None:
    n = len(out["pair"])
    print(
        f"{label}: {n} decisions in {out['seconds']:.1f} s ({n / out['seconds']:.1f}/s)"
        + (f"; errors {out['errors']}" if out["errors"] else "")
    )
    for part, title in (
        ("pair", "decision + next item"),
        ("post", "  POST decide + lease"),
        ("get", "  GET next item page"),
    ):
        values = out[part]
        print(
            f"   {title:22} p50 {percentile(values, 0.5):6.1f} ms  p95 "
            f"{percentile(values, 0.95):6.1f} ms  p99 {percentile(values, 0.99):6.1f} ms"
        )


def run(args: argparse.Namespace) -> None:
    state = json.loads(args.state.read_text())
    project, leads = state["project"], state["leads"]
    print(f"project {project} with {state['tasks']} tasks; server {args.base_url}")
    if hasattr(os, "getloadavg"):
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    summary("1 reviewer", measure(args.base_url, project, leads[:1], args.decisions))
    team = leads[: args.reviewers]
    summary(
        f"{len(team)} reviewers at once",
        measure(args.base_url, project, team, args.decisions // len(team)),
    )
    if hasattr(os, "getloadavg"):
        print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


# --- in process: queries and CPU ------------------------------------------------------------


def _backend_cpu_ms(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6
    except (OSError, ValueError, IndexError):
        return 0.0


def profile(args: argparse.Namespace) -> None:
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    state = json.loads(args.state.read_text())
    project = state["project"]
    client = Client()
    client.force_login(get_user_model().objects.get(username=state["leads"][-1]))
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    location = client.post(reverse("review-next", args=[project]))["Location"]
    page = client.get(location).content.decode()
    cost = {"post": [], "get": []}
    queries = {"post": 0, "get": 0}
    for _ in range(args.pairs):
        form = decide_form(page)
        for kind in ("post", "get"):
            cpu, db = time.process_time(), _backend_cpu_ms(backend)
            with CaptureQueriesContext(connection) as captured:
                if kind == "post":
                    response = client.post(location, form)
                    if response.status_code != 302:
                        raise SystemExit(f"POST {location}: HTTP {response.status_code}")
                    location = response["Location"]
                else:
                    page = client.get(location).content.decode()
            cost[kind].append(((time.process_time() - cpu) * 1000, _backend_cpu_ms(backend) - db))
            queries[kind] = max(queries[kind], len(captured))
    print(f"{args.pairs} decisions in process")
    for kind, title in (("post", "POST decide + lease next"), ("get", "GET next item page")):
        python = [c for c, _ in cost[kind]]
        db = [d for _, d in cost[kind]]
        print(
            f"{title:26}: CPU mean {statistics.mean(python):.2f} ms in Django, "
            f"{statistics.mean(db):.2f} ms in PostgreSQL; {queries[kind]} queries"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", type=Path, default=OUT)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("setup")
    p.add_argument("--tasks", type=int, default=100_000)
    p.add_argument("--queued", type=int, default=3_000)
    p.add_argument("--trainers", type=int, default=30)
    p.add_argument("--reviewers", type=int, default=4)
    p.add_argument("--seed", type=int, default=2026)
    p = sub.add_parser("run")
    p.add_argument("--base-url", default="http://127.0.0.1:8000")
    p.add_argument("--decisions", type=int, default=300)
    p.add_argument("--reviewers", type=int, default=4)
    p = sub.add_parser("profile")
    p.add_argument("--pairs", type=int, default=50)
    args = parser.parse_args()
    {"setup": setup, "run": run, "profile": profile}[args.command](args)


if __name__ == "__main__":
    main()
