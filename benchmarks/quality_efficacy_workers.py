#!/usr/bin/env python
"""Quality-check efficacy with real worker processes.

The labelled submissions of ``quality_efficacy.py`` (its generator, its defect classes),
stored as real submissions in five projects (long answer, pairwise, TTS listening, and two
gold-only templates) and checked by real ``celery worker -Q qa`` processes; recall and
false positives are then read from the current results stored in the database. What the
in-process benchmark cannot show is here:

- **Real histories and peers.** An agreement outlier's peers are other trainers'
  submissions on the same task. A straight-lined defect is a run of 30 ratings by one
  trainer after an honest stretch of 0-25 ratings; the labelled submission is first, in the
  middle or last in the run, so only a re-judgment when the next ratings exist catches the
  first. The honest ratings before a run are reported on their own row: they must pass.
- **Outliers before their peers.** Half the planted outliers answer first, before any peer
  (the check cannot judge them then, and must when the peers come); the other half last.
- **A lagging worker, then two.** No worker runs at first; one starts when ``--first-at``
  of the submissions are in, the second at ``--second-at``.
- **Late commits.** ``--late-share`` of the labelled submissions take their sequence, then
  commit 0.3-1.5 s later while others commit meanwhile (a near-copy's original, an
  outlier's peer, a trainer's rating can all arrive after what they bear on).
- This process plays beat: the sweep runs every 15 s, as the schedule has it.

Needs PostgreSQL and Redis (``DATABASE_URL``, ``REDIS_URL``); makes new projects each run.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/annotation_bench
    export REDIS_URL=redis://127.0.0.1:6379/3
    .venv/bin/python manage.py migrate
    .venv/bin/python benchmarks/quality_efficacy_workers.py --n 3000 --seed 92

Nothing here is a timed test: it prints.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality_efficacy as qe
from _workload import percentile, setup_django

RUN_LENGTH = 30  # the straight-lining window's default: a run fills one window
PEERS = 12


@dataclass
class Event:
    """One submission to make, in arrival order."""

    project: str
    task: str  # task key: an item and its peers share one task
    user: str
    answer: dict
    telemetry: dict
    role: str  # item | peer | run (a straight-lined run) | before_run (honest, before one)
    label: int | None = None  # index into the labels, for items
    late: bool = False
    note: str = ""  # before_run: whether the rating has the run's value


@dataclass
class Plan:
    events: list[Event] = field(default_factory=list)
    tasks: dict[str, tuple[str, dict, Any]] = field(
        default_factory=dict
    )  # key -> project, data, gold
    labels: list[tuple[str, dict]] = field(default_factory=list)  # (kind, label)
    users: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # project -> users


PROJECTS = {
    "long": qe.LONG,
    "pairwise": qe.PAIRWISE,
    "tts": qe.TTS,
    "gold_mc": qe.GOLD_MC,
    "gold_rank": qe.GOLD_RANK,
}
PROJECT_OF = {id(definition): key for key, definition in PROJECTS.items()}


def _honest_telemetry(rng: random.Random, project: str, reason: str = "") -> dict:
    if project == "tts":
        duration = rng.uniform(3, 20)
        played = duration * rng.uniform(1.0, 2.0)
        return {
            "active_seconds": round(played + rng.uniform(5, 40), 1),
            "audio": {
                "clip": {
                    "played_seconds": round(played, 1),
                    "duration": round(duration, 1),
                    "completed": True,
                }
            },
        }
    return {
        "active_seconds": round(rng.uniform(40, 120), 1),
        "fields": {"reason": {"typed": int(len(reason) * 1.2), "pasted": 0}},
    }


def _rating_answer(rng: random.Random, project: str, value: int, language: str) -> dict:
    if project == "tts":
        return {"naturalness": value}
    return {
        "preference": {"choice": rng.choice(["A", "B"])},
        "quality": value,
        "reason": qe.pairwise_reason(language, rng, rng.randint(1, 2)),
    }


def _filler_task(plan: Plan, project: str, key: str) -> str:
    data = (
        {"audio": f"tts/filler/{key}.wav"}
        if project == "tts"
        else {"prompt": f"Filler {key}", "response_a": "One reply.", "response_b": "Another."}
    )
    plan.tasks[key] = (project, data, None)
    return key


def _straight_run(
    plan: Plan, rng: random.Random, item: int, project: str, data, trainer: dict, language: str
) -> None:
    """An honest stretch, then a run of one value with the item somewhere in it."""
    user = f"lazy-{item}"
    plan.users[project].add(user)
    values, weights = zip(*trainer["ratings"].items(), strict=True)
    prefix = rng.choices(values, weights, k=rng.randint(0, 25))
    value = rng.choice([v for v in values if not prefix or abs(v - prefix[-1]) >= 2])
    run = [value] * RUN_LENGTH
    position = rng.choice(["first", "middle", "last"])
    at = {"first": 0, "middle": RUN_LENGTH // 2, "last": RUN_LENGTH - 1}[position]
    others = [n for n in range(RUN_LENGTH) if n != at]
    for n in rng.sample(others, rng.choice([0, 0, 1, 2, 3])):
        run[n] = rng.choice([v for v in values if v != value])
    for n, rating in enumerate(prefix):
        task = _filler_task(plan, project, f"B{item}-{n}")
        answer = _rating_answer(rng, project, rating, language)
        same = "the run's value" if rating == value else "another value"
        plan.events.append(
            Event(
                project,
                task,
                user,
                answer,
                _honest_telemetry(rng, project, answer.get("reason", "")),
                "before_run",
                note=same,
            )
        )
    for n, rating in enumerate(run):
        if n == at:
            key = "naturalness" if project == "tts" else "quality"
            answer = {**data.answer, key: value}
            plan.events.append(
                Event(project, f"I{item}", user, answer, data.telemetry, "item", item)
            )
            continue
        task = _filler_task(plan, project, f"R{item}-{n}")
        answer = _rating_answer(rng, project, rating, language)
        plan.events.append(
            Event(
                project,
                task,
                user,
                answer,
                _honest_telemetry(rng, project, answer.get("reason", "")),
                "run",
            )
        )
    plan.labels[-1][1]["position"] = position


def build_plan(args) -> Plan:
    rng = random.Random(args.seed)  # the items: as quality_efficacy.py draws them
    ours = random.Random(args.seed + 1)  # what this benchmark adds: order, peers, runs
    world = qe.World(rng, args.n)
    world.trainers = world.trainers[: args.trainers]  # real histories: fewer, busier trainers
    kinds, weights = zip(*qe.KIND_WEIGHTS.items(), strict=True)
    plan = Plan()
    peers = [f"peer-{n:02d}" for n in range(PEERS)]
    for i in range(args.n):
        kind = rng.choices(kinds, weights)[0]
        defect = None if rng.random() < args.clean_share else rng.choice(qe.DEFECTS[kind])
        data, label = qe.MAKERS[kind](world, i, defect)
        project = PROJECT_OF[id(data.definition)]
        task_data = dict(data.task_data)
        if data.ai_references:
            task_data["ai_references"] = data.ai_references
        plan.tasks[f"I{i}"] = (project, task_data, data.gold_answer if data.is_gold else None)
        plan.labels.append((kind, label))
        label["late"] = ours.random() < args.late_share
        if label["defect"] == "straight_lined":
            label["late"] = False  # a run's ratings commit in order
            trainer = next(t for t in world.trainers if t["id"] == data.trainer_id)
            _straight_run(plan, ours, i, project, data, trainer, label["language"])
            continue
        user = data.trainer_id
        plan.users[project].add(user)
        item = Event(project, f"I{i}", user, data.answer, data.telemetry, "item", i, label["late"])
        group = [item]
        if data.other_answers and not data.is_gold:
            language = label["language"]
            for peer, other in zip(
                ours.sample(peers, len(data.other_answers)), data.other_answers, strict=True
            ):
                plan.users[project].add(peer)
                if project == "tts":
                    answer = {"naturalness": other["naturalness"]}
                else:
                    answer = {
                        "preference": other["preference"],
                        "quality": other["quality"],
                        "reason": qe.pairwise_reason(language, ours, ours.randint(1, 3)),
                    }
                group.append(
                    Event(project, f"I{i}", peer, answer,
                          _honest_telemetry(ours, project, answer.get("reason", "")), "peer")
                )  # fmt: skip
            if label["defect"] == "outlier":  # half answer before any peer, half after all
                label["order"] = ours.choice(["first", "after peers"])
                if label["order"] == "after peers":
                    group = group[1:] + group[:1]
            else:
                ours.shuffle(group)
        plan.events.extend(group)
    return plan


# --- the database side ------------------------------------------------------------------------


def _projects(owner) -> dict[str, Any]:
    from tasks.services import project_create, project_update, template_save

    stamp = int(time.time())
    made = {}
    for key, definition in PROJECTS.items():
        project = project_create(creator=owner, name=f"Efficacy {key} {stamp}")
        project_update(project=project, status="active")
        project.default_overlap = 8  # an item and up to five peers
        project.save(update_fields=["default_overlap"])
        template_save(project=project, name=key, definition=definition, by=owner)
        if key == "long":
            from quality.services import check_config_save

            check_config_save(
                project=project,
                check_name="citation_policy",
                enabled=True,
                config=qe.SOURCE_POLICY,
                on_fail="flag",
            )
        made[key] = project
    return made


def _store_tasks(plan: Plan, projects: dict, owner) -> dict[str, Any]:
    from tasks.services import task_set_gold, tasks_create

    tasks: dict[str, Any] = {}
    for key, project in projects.items():
        keys = [k for k, (p, _, _) in plan.tasks.items() if p == key]
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            created = tasks_create(
                project=project, items=[plan.tasks[k][1] for k in chunk], by=owner
            )
            tasks.update(zip(chunk, created, strict=True))
    for key, (_, _, gold) in plan.tasks.items():
        if gold is not None:
            tasks[key] = task_set_gold(task=tasks[key], gold_answer=gold)
    return tasks


def _store_users(plan: Plan, projects: dict) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from tasks.models import Membership, Role

    User = get_user_model()
    stamp = next(iter(projects.values())).pk
    users: dict[str, Any] = {}
    for key, names in plan.users.items():
        for name in sorted(names):
            if name not in users:
                users[name], _ = User.objects.get_or_create(username=f"eff{stamp}-{name}")
        Membership.objects.bulk_create(
            [Membership(user=users[n], project=projects[key], role=Role.TRAINER) for n in names],
            ignore_conflicts=True,
        )
    return users


def _submit(task, user, event: Event) -> int:
    from tasks.services import submission_submit, task_lease

    task_lease(task=task, trainer=user)
    submission, _ = submission_submit(
        task=task, author=user, answer=event.answer, telemetry=event.telemetry
    )
    return submission.pk


def _late(task, user, event: Event, hold: float, out: dict, key: int, slots) -> None:
    from django.db import connection, transaction

    try:
        with transaction.atomic():
            out[key] = _submit(task, user, event)
            time.sleep(hold)  # sequence taken; the commit comes after others'
    except Exception as exc:
        out[key] = exc
    finally:
        connection.close()
        slots.release()


def _pending(projects) -> int:
    from quality.models import CheckRun

    return CheckRun.objects.filter(
        submission__task__project__in=projects.values(), status="pending"
    ).count()


def _results(ids: dict[int, int]) -> dict[int, dict[str, list[str]]]:
    """{event index: {check: codes of its warn and fail findings}} from current results."""
    from django.db.models import F

    from quality.models import CheckResult

    by_submission = {submission: n for n, submission in ids.items()}
    flagged: dict = {n: {} for n in ids}
    rows = CheckResult.objects.filter(
        submission_id__in=list(by_submission), revision=F("submission__revision")
    ).values_list("submission_id", "check_name", "status", "findings")
    statuses = Counter()
    for submission, check, status, findings in rows.iterator(chunk_size=5000):
        statuses[status] += 1
        if status in ("warn", "fail"):
            flagged[by_submission[submission]][check] = [
                f.get("code", "") for f in findings if f.get("status") in ("warn", "fail")
            ]
    flagged["_statuses"] = statuses  # type: ignore[index]
    return flagged


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=3000, help="labelled submissions")
    parser.add_argument("--seed", type=int, default=92)
    parser.add_argument("--clean-share", type=float, default=0.6)
    parser.add_argument("--trainers", type=int, default=30)
    parser.add_argument("--late-share", type=float, default=0.01)
    parser.add_argument("--first-at", type=float, default=0.3, help="first worker starts")
    parser.add_argument("--second-at", type=float, default=0.6, help="second worker starts")
    parser.add_argument("--show-misses", type=int, default=0)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit("needs DATABASE_URL (PostgreSQL) and REDIS_URL: real workers, real database")
    setup_django()
    from checks_under_load import Worker, _purge, _queue_length
    from django.contrib.auth import get_user_model
    from django.db.models import F

    from annotation_platform.errors import DomainError
    from quality.models import CheckRun
    from quality.services import checks_sweep

    started = time.perf_counter()
    plan = build_plan(args)
    owner, _ = get_user_model().objects.get_or_create(username="efficacy-owner")
    projects = _projects(owner)
    tasks = _store_tasks(plan, projects, owner)
    users = _store_users(plan, projects)
    prepared = time.perf_counter() - started
    _purge()

    total = len(plan.events)
    starts = {int(total * args.first_at), int(total * args.second_at)}
    workers, ids, late_out, refused = [], {}, {}, {}
    slots = threading.BoundedSemaphore(4)
    threads = []
    last_sweep = time.perf_counter()
    submit_started = time.perf_counter()
    for n, event in enumerate(plan.events):
        if n in starts:
            workers.append((n, Worker(1)))
        if time.perf_counter() - last_sweep > 15:
            checks_sweep()
            last_sweep = time.perf_counter()
        task, user = tasks[event.task], users[event.user]
        if event.late:
            slots.acquire()
            thread = threading.Thread(
                target=_late,
                args=(task, user, event, random.uniform(0.3, 1.5), late_out, n, slots),
            )
            thread.start()
            threads.append(thread)
            continue
        try:
            ids[n] = _submit(task, user, event)
        except DomainError as exc:
            refused[n] = exc
    for thread in threads:
        thread.join()
    for n, outcome in late_out.items():
        if isinstance(outcome, DomainError):
            refused[n] = outcome
        elif isinstance(outcome, Exception):
            sys.exit(f"late submission {n} failed: {outcome!r}")
        else:
            ids[n] = outcome
    for n, exc in refused.items():
        # The answer form refuses some planted defects outright (a bare identifier that is
        # no URL, DOI, ISBN or arXiv id): never stored, they count as caught, on their own
        # row. Anything else refused is the generator's mistake.
        event = plan.events[n]
        if event.role != "item" or not plan.labels[event.label][1]["defect"]:
            sys.exit(f"{event.project} {event.role} {event.answer!r} refused: {exc.fields}")
    submitted = time.perf_counter() - submit_started
    while len(workers) < 2:
        workers.append((total, Worker(1)))
    quiet_since = None
    while True:
        if _queue_length() == 0 and _pending(projects) == 0:
            quiet_since = quiet_since or time.perf_counter()
            if time.perf_counter() - quiet_since > 3:
                break
        else:
            quiet_since = None
        if time.perf_counter() - last_sweep > 15:
            checks_sweep()
            last_sweep = time.perf_counter()
        time.sleep(0.5)
    checked = time.perf_counter() - submit_started
    for _, worker in workers:
        worker.stop()

    flagged = _results(ids)
    statuses = flagged.pop("_statuses")
    tally = qe.Tally()
    extra: dict[str, Counter] = defaultdict(Counter)
    for n, event in enumerate(plan.events):
        if event.role == "before_run":
            row = f"honest ratings before a straight-lined run, {event.note}"
            extra[row]["all"] += 1
            extra[row]["flagged"] += "straight_lining" in flagged[n]
            continue
        if event.role != "item":
            continue
        kind, label = plan.labels[event.label]
        intended = qe.INTENDED.get(label["defect"] or "", "")
        if n in refused:
            extra[f"{label['defect']} refused at submit (not stored)"]["all"] += 1
            extra[f"{label['defect']} refused at submit (not stored)"]["flagged"] += 1
            tally.add(kind, label, {intended: ["refused by the answer form"]})
            continue
        tally.add(kind, label, flagged[n])
        caught = intended in flagged[n]
        for key in ("order", "position"):
            if key in label:
                row = f"{label['defect']} ({key}: {label[key]})"
                extra[row]["all"] += 1
                extra[row]["flagged"] += caught
        if label["late"]:
            row = "late commits, planted" if label["defect"] else "late commits, clean"
            extra[row]["all"] += 1
            extra[row]["flagged"] += caught if label["defect"] else bool(flagged[n])
    runs = CheckRun.objects.filter(
        submission__task__project__in=projects.values(), status="done"
    ).annotate(lag=F("finished_at") - F("created_at"))
    lags = [delta.total_seconds() for delta in runs.values_list("lag", flat=True)]

    print(
        f"Quality-check efficacy, real workers: {args.n} labelled submissions "
        f"({tally.clean_total} clean, {sum(tally.planted.values())} planted) among {total} "
        f"stored (peers, runs, honest stretches), seed {args.seed}"
    )
    print(
        f"prepared in {prepared:.0f} s; submitted in {submitted:.0f} s; all checked "
        f"{checked:.0f} s after the first submit; workers started at submissions "
        f"{', '.join(str(at) for at, _ in workers)} of {total}; "
        f"{len(late_out)} committed late; check lag p50 {percentile(lags, 0.5):.1f} s, "
        f"p99 {percentile(lags, 0.99):.1f} s (the workers start late on purpose)"
    )
    print(
        "current results by status: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
    )
    tally.print()
    print(f"\n{'order-dependent cases':<66}{'flagged':>10}")
    for row in sorted(extra):
        counts = extra[row]
        print(f"  {row:<64}{counts['flagged']:>6}/{counts['all']:<6}")
    tally.print_examples(args.show_misses)


if __name__ == "__main__":
    main()
