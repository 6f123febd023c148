"""The review queue's filters at 100,000 tasks (issue 19): how long the queue page's query
(first 50 rows and the paginator's count) and "Review next" take with each filter, and the
PostgreSQL plan of each (``--explain``). Run against PostgreSQL:

    DATABASE_URL=postgres:///bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres:///bench .venv/bin/python benchmarks/review_queue_filters.py [--explain]

The first run fills one project with ``--tasks`` tasks, one submission each by 50 trainers,
and a queue item per submission (60% queued; 15% flagged: 2% near-duplicate, the rest
spread over four other checks; queued over the last 14 days), by bulk inserts; later runs
reuse it. Figures: milliseconds, median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _workload import setup_django

NAME = "bench review queue filters"
CHECKS = ["telemetry", "near_duplicate", "gold", "straight_lining", "ai_similarity"]


def fill(tasks: int):
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from reviews.models import ReviewItem
    from tasks.models import Membership, Project, Submission, Task, TaskTemplate

    project = Project.objects.filter(name=NAME).first()
    if project is not None:
        return project
    project = Project.objects.create(name=NAME, description="")
    template = TaskTemplate.objects.create(
        project=project, version=1, name="t", definition={"schema_version": 1}, note=""
    )
    trainers = [User.objects.create(username=f"rqf-trainer-{i}") for i in range(50)]
    Membership.objects.bulk_create(
        [Membership(project=project, user=user, role="trainer") for user in trainers]
    )
    qa = User.objects.create(username="rqf-qa")
    Membership.objects.create(project=project, user=qa, role="qa_lead")
    rows = Task.objects.bulk_create(
        [Task(project=project, data={"i": i}) for i in range(tasks)], batch_size=5000
    )
    submissions = Submission.objects.bulk_create(
        [
            Submission(
                task=task,
                author=trainers[i % 50],
                template=template,
                answer={},
                idempotency_key=f"rqf-{i}",
                status="submitted",
            )
            for i, task in enumerate(rows)
        ],
        batch_size=5000,
    )
    draw = random.Random(2026)
    now = timezone.now()
    items = []
    for submission in submissions:
        roll = draw.random()
        flagged = (
            ["near_duplicate"] if roll < 0.02 else [draw.choice(CHECKS)] if roll < 0.15 else []
        )
        risk = (0 if draw.random() < 0.5 else 1) if flagged else 2
        items.append(
            ReviewItem(
                project=project,
                submission=submission,
                revision=1,
                status="queued" if draw.random() < 0.6 else "decided",
                risk=risk,
                reason="failed" if risk == 0 else "warned" if risk == 1 else "sample",
                flagged_checks=flagged,
                queued_at=now - timedelta(minutes=draw.randint(0, 60 * 24 * 14)),
            )
        )
    ReviewItem.objects.bulk_create(items, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return project


def timed(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    setup_django()
    from django.db import connection, transaction

    from accounts.models import User
    from reviews.models import ReviewPolicy
    from reviews.workflow import queue_filters, review_next, review_queue

    if connection.vendor != "postgresql":
        sys.exit("Run it against PostgreSQL (DATABASE_URL=postgres://…).")
    project = fill(args.tasks)
    ReviewPolicy.objects.update_or_create(project=project, defaults={"show_author_names": True})
    qa = User.objects.get(username="rqf-qa")
    cases = [
        {},
        {"check": "near_duplicate"},
        {"trainer": "rqf-trainer-7"},
        {"waiting": "7d"},
        {"risk": "warned", "status": "free"},
        {
            "check": "near_duplicate",
            "trainer": "rqf-trainer-7",
            "waiting": "1d",
            "risk": "failed",
            "status": "free",
        },
    ]
    print(f"{'filters':<70} {'page':>7} {'count':>7} {'next':>7}")
    for params in cases:
        filters = queue_filters(project=project, params=params)
        items = review_queue(project=project, reviewer=qa, filters=filters)

        def take_next(filters=filters):
            with transaction.atomic():
                review_next(project=project, reviewer=qa, filters=filters)
                transaction.set_rollback(True)  # leave the queue as it was

        page = timed(lambda items=items: list(items[:50]), args.repeat)
        count = timed(items.count, args.repeat)
        nxt = timed(take_next, args.repeat)
        label = "&".join(f"{k}={v}" for k, v in params.items()) or "(none)"
        print(f"{label:<70} {page:7.1f} {count:7.1f} {nxt:7.1f}")
        if args.explain:
            print(items[:50].explain(analyze=True))


if __name__ == "__main__":
    main()
