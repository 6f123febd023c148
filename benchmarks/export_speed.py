#!/usr/bin/env python
"""Export benchmark: 100,000 pairwise tasks with one accepted submission each, exported as
full JSONL (target: under 10 s, peak RSS under 300 MB), CSV and Parquet.

Run against a PostgreSQL database of its own, e.g.:

    createdb -h 127.0.0.1 -U postgres annotation_bench_exports
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/annotation_bench_exports
    .venv/bin/python manage.py migrate
    .venv/bin/python benchmarks/export_speed.py setup --tasks 100000
    .venv/bin/python benchmarks/export_speed.py run

`setup` writes benchmarks/out/export_speed.json (the project id). `run` exports each format in
a fresh process (so each peak RSS is that export's alone) by calling the same service the
Celery job calls, and prints wall time and the process's peak RSS. It also times the JSON
encoding of the rows on its own, to tell whether a faster encoder (orjson) would matter.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _workload import answer_from, load_workload, pairwise_project, setup_django

OUT = Path(__file__).resolve().parent / "out" / "export_speed.json"
FORMATS = ("jsonl", "csv", "parquet")


def setup(args: argparse.Namespace) -> None:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from tasks.models import Membership, Role, Submission, SubmissionRevision, Task
    from tasks.services import tasks_create

    workload = load_workload()
    User = get_user_model()
    owner, _ = User.objects.get_or_create(username="bench-owner")
    project, template = pairwise_project(owner, "Export benchmark")
    trainers = []
    for n in range(args.trainers):
        user, _ = User.objects.get_or_create(username=f"bench-trainer-{n:03d}")
        Membership.objects.get_or_create(user=user, project=project, role=Role.TRAINER)
        trainers.append(user)

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
    print(f"tasks: {args.tasks} in {time.perf_counter() - started:.1f} s")

    # Accepted work, written in bulk: the benchmark measures the export, not the submit path
    # (benchmarks/distribution.py measures that).
    started = time.perf_counter()
    rng = random.Random(args.seed)
    ids = Task.objects.filter(project=project).order_by("id").values_list("id", flat=True)
    chunk: list[int] = []

    def flush(task_ids: list[int]) -> None:
        with transaction.atomic():
            made = Submission.objects.bulk_create(
                [
                    Submission(
                        task_id=task_id,
                        author=trainers[task_id % len(trainers)],
                        template=template,
                        answer=answer_from(workload.gen_annotation(rng)),
                        status="accepted",
                    )
                    for task_id in task_ids
                ]
            )
            SubmissionRevision.objects.bulk_create(
                [
                    SubmissionRevision(submission=s, number=1, template=template, answer=s.answer)
                    for s in made
                ]
            )

    for task_id in ids.iterator(chunk_size=5000):
        chunk.append(task_id)
        if len(chunk) == 5000:
            flush(chunk)
            chunk = []
    if chunk:
        flush(chunk)
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE tasks_task; ANALYZE tasks_submission; ANALYZE tasks_submissionrevision"
        )
    print(f"submissions: {args.tasks} in {time.perf_counter() - started:.1f} s")
    args.state.parent.mkdir(parents=True, exist_ok=True)
    args.state.write_text(json.dumps({"project": project.pk, "tasks": args.tasks}))
    print(f"project {project.pk}; wrote {args.state}")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one(args: argparse.Namespace) -> None:
    """Export one format in this process and print a JSON line of figures."""
    setup_django()
    from django.contrib.auth import get_user_model

    from exports.models import ExportJob
    from exports.services import export_run
    from tasks.models import Project

    state = json.loads(args.state.read_text())
    project = Project.objects.get(pk=state["project"])
    owner = get_user_model().objects.get(username="bench-owner")
    job = ExportJob.objects.create(
        project=project, created_by=owner, format=args.format, filters={"status": ["accepted"]}
    )
    started, cpu_started = time.perf_counter(), _cpu_seconds()
    job = export_run(export_id=job.pk)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        json.dumps(
            {
                "format": args.format,
                "status": job.status,
                "error": job.error,
                "rows": job.rows_written,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "peak_rss_mb": round(peak_mb, 1),
                "archive_mb": round((job.file_size or 0) / 1e6, 1),
            }
        )
    )
    if not args.keep:
        from django.core.files.storage import default_storage

        default_storage.delete(job.file_key)


def encoding(args: argparse.Namespace) -> None:
    """Time building and JSON-encoding the JSONL rows alone (no file, no zip)."""
    setup_django()
    from exports.filters import export_filters_parse, submissions_matching
    from exports.rows import export_context, export_rows
    from exports.writers import _line
    from tasks.models import Project

    project = Project.objects.get(pk=json.loads(args.state.read_text())["project"])
    queryset = submissions_matching(
        project=project, filters=export_filters_parse(project=project, data={})
    )
    build = encode = 0.0
    rows = 0
    started = time.perf_counter()
    for _, chunk in export_rows(export_context(project), queryset, raw_json=True):
        build_end = time.perf_counter()
        build += build_end - started
        for row in chunk:
            _line(row)
        started = time.perf_counter()
        encode += started - build_end
        rows += len(chunk)
    print(
        json.dumps(
            {"rows": rows, "read_and_build_s": round(build, 2), "json_encode_s": round(encode, 2)}
        )
    )


def run(args: argparse.Namespace) -> None:
    base = [sys.executable, __file__]
    state = ["--state", str(args.state)]
    results = []
    for fmt in args.formats:
        output = subprocess.run(
            [*base, "one", "--format", fmt, *state], capture_output=True, text=True, check=True
        )
        results.append(json.loads(output.stdout.strip().splitlines()[-1]))
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for r in results:
        verdict = ""
        if r["format"] == "jsonl":
            ok = r["seconds"] < 10 and r["peak_rss_mb"] < 300
            verdict = "  (target < 10 s, < 300 MB: " + ("met)" if ok else "MISSED)")
        print(
            f"{r['format']:8} {r['status']:6} {r['rows']:>7} rows  {r['seconds']:6.2f} s "
            f"(CPU {r['cpu_seconds']:5.2f} s)  "
            f"peak RSS {r['peak_rss_mb']:6.1f} MB  archive {r['archive_mb']:6.1f} MB{verdict}"
        )
    output = subprocess.run([*base, "encoding", *state], capture_output=True, text=True, check=True)
    split = json.loads(output.stdout.strip().splitlines()[-1])
    print(
        f"rows alone: read and build {split['read_and_build_s']} s, stdlib JSON encode "
        f"{split['json_encode_s']} s for {split['rows']} rows"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_setup = sub.add_parser("setup", help="create the project, tasks and accepted submissions")
    p_setup.add_argument("--tasks", type=int, default=100_000)
    p_setup.add_argument("--trainers", type=int, default=32)
    p_setup.add_argument("--seed", type=int, default=20240601)
    p_run = sub.add_parser("run", help="export each format in a fresh process")
    p_run.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS)
    p_one = sub.add_parser("one", help="export one format in this process")
    p_one.add_argument("--format", required=True)
    p_one.add_argument("--keep", action="store_true", help="keep the archive in storage")
    p_encoding = sub.add_parser("encoding", help="time row building and JSON encoding alone")
    for command in (p_setup, p_run, p_one, p_encoding):
        command.add_argument("--state", type=Path, default=OUT, help="project id file")
    args = parser.parse_args()
    {"setup": setup, "run": run, "one": one, "encoding": encoding}[args.command](args)


if __name__ == "__main__":
    main()
