#!/usr/bin/env python
"""Import benchmark: 100,000 pairwise tasks through the API vs a raw PostgreSQL COPY.

Target: the API import (POST /api/v1/projects/{id}/tasks/bulk, JSON Lines batches of
10,000 rows, every row checked against the template) within 1.5x of a raw ``COPY`` of
the same rows into an equivalent table (``LIKE tasks_task INCLUDING ALL``: same columns,
constraints and indexes) that also fills an equivalent of the searchable-text side table
the same way (``LIKE tasks_tasktext INCLUDING ALL`` with its trigram index, its foreign
key and a row trigger like the one on ``tasks_task``). Both are measured in the same run;
the script prints both and the ratio. It also runs the import *job* (a file in storage,
streamed) in a child process at 100k and 1M rows and prints its peak RSS.

Run it against PostgreSQL (it starts its own gunicorn on that database, DEBUG off):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/annotation_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python benchmarks/import_speed.py                  # 100k API + COPY, RSS 100k/1M
    .venv/bin/python benchmarks/import_speed.py --rss-rows 100000  # skip the 1M-row job

``--base-url`` uses a server you started yourself instead (see benchmarks/distribution.py).
The projects it creates are deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _workload import ROOT, load_workload, pairwise_project, setup_django

BATCH = 10_000


def row_of(task: dict) -> dict:
    return {
        "data": {k: task[k] for k in ("prompt", "response_a", "response_b")},
        "external_id": task["uid"],
    }


# --- the server -------------------------------------------------------------------------------


def start_server(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "import-benchmark"),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"), "annotation_platform.wsgi",
            "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "300",
            "--log-level", "warning",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    sys.exit("gunicorn did not start within 30 s")


# --- measurements -------------------------------------------------------------------------


def api_import(base: str, project_id: int, token: str, bodies: list[bytes]) -> float:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=300)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    started = time.perf_counter()
    for body in bodies:
        conn.request(
            "POST", f"/api/v1/projects/{project_id}/tasks/bulk", body=body, headers=headers
        )
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200:
            sys.exit(f"batch refused: HTTP {response.status} {payload[:300]!r}")
    return time.perf_counter() - started


# What migration tasks/0009 adds to tasks_task, aimed at the benchmark's own tables: each
# copied row also writes its text to a side table with a trigram index, as an import does.
EQUIVALENT_TEXT_TABLE = [
    "CREATE TABLE bench_copy_tasks_text (LIKE tasks_tasktext INCLUDING ALL)",
    "ALTER TABLE bench_copy_tasks_text ADD FOREIGN KEY (task_id) "
    "REFERENCES bench_copy_tasks (id) DEFERRABLE INITIALLY DEFERRED",
    """
    CREATE FUNCTION bench_copy_tasks_text_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO bench_copy_tasks_text (task_id, text) VALUES (NEW.id, NEW.data::text)
        ON CONFLICT (task_id) DO UPDATE SET text = EXCLUDED.text;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER bench_copy_tasks_text_insert AFTER INSERT ON bench_copy_tasks "
    "FOR EACH ROW EXECUTE FUNCTION bench_copy_tasks_text_sync()",
]


def _drop_copy_tables(cursor) -> None:
    cursor.execute("DROP TABLE IF EXISTS bench_copy_tasks_text, bench_copy_tasks")
    cursor.execute("DROP FUNCTION IF EXISTS bench_copy_tasks_text_sync()")


def raw_copy(project_id: int, owner_id: int, rows: list[dict], *, indexes: bool = True) -> float:
    """COPY the same rows (prepared in COPY text format beforehand) into an equivalent table
    (with ``indexes``: the task table's indexes and constraints too, and the trigger-filled
    text side table with its trigram index, as the import pays)."""
    from django.db import connection, transaction

    from tasks.services.bulk import COPY_COLUMNS

    now = "2024-06-01T00:00:00+00:00"
    lines = []
    for row in rows:
        data = json.dumps(row["data"], ensure_ascii=False, separators=(",", ":"))
        lines.append(
            f"{project_id}\t{data.replace(chr(92), chr(92) * 2)}\t{owner_id}\t{now}\t0\t\\N\t1\t"
            f"0\t0\t0\tnew\tt\tf\t\\N\t{row['external_id']}\n"
        )
    payload = "".join(lines)
    with connection.cursor() as cursor:
        _drop_copy_tables(cursor)
        like = "INCLUDING ALL" if indexes else "INCLUDING DEFAULTS INCLUDING IDENTITY"
        cursor.execute(f"CREATE TABLE bench_copy_tasks (LIKE tasks_task {like})")
        if indexes:
            for statement in EQUIVALENT_TEXT_TABLE:
                cursor.execute(statement)
    try:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY bench_copy_tasks ({', '.join(COPY_COLUMNS)}) FROM STDIN",
                io.StringIO(payload),
            )
        seconds = time.perf_counter() - started  # the commit ran the deferred key checks
        if indexes:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM bench_copy_tasks_text")
                if cursor.fetchone()[0] != len(rows):
                    sys.exit("the equivalent table's trigger did not fill its text table")
        return seconds
    finally:
        with connection.cursor() as cursor:
            _drop_copy_tables(cursor)


def job_rss(rows: int, seed: int, keep: bool) -> None:
    """Write a JSON Lines file of ``rows`` tasks to storage, run the import job on it in a
    child process, and print the child's wall time and peak RSS."""
    from django.contrib.auth import get_user_model
    from django.core.files.storage import default_storage

    from imports.models import ImportJob

    workload = load_workload()
    owner, _ = get_user_model().objects.get_or_create(username="bench-owner")
    project = pairwise_project(owner, f"Import benchmark job {rows}")[0]
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl") as handle:
        for i in range(rows):
            handle.write(json.dumps(row_of(workload.gen_task(seed, i))).encode() + b"\n")
        handle.flush()
        size = os.path.getsize(handle.name)
        with open(handle.name, "rb") as source:
            key = default_storage.save(f"imports/uploads/bench-{rows}/tasks.jsonl", source)
    job = ImportJob.objects.create(
        project=project, created_by=owner, format="jsonl", source_key=key,
        source_name="tasks.jsonl", source_size=size, delete_source=True,
    )  # fmt: skip
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "import-benchmark"),
        "IMPORT_BENCH_MAX_BYTES": str(max(size + 1, 2_000_000_000)),
    }
    child = subprocess.run(
        [sys.executable, __file__, "_job", str(job.pk)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if child.returncode != 0:
        sys.exit(f"job child failed:\n{child.stderr[-2000:]}")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"import job, {rows:,} rows ({size / 1e6:,.0f} MB JSON Lines from storage): "
        f"{result['status']}, {result['created']:,} created in {result['seconds']:.1f} s "
        f"({rows / result['seconds']:,.0f} rows/s); peak RSS {result['peak_rss_mb']:.0f} MB"
    )
    if not keep:
        project.delete()


def _peak_rss_mb() -> float:
    """This process's peak RSS. Not ru_maxrss: Linux carries that across execve, so a
    child would report the parent's peak (the benchmark's rows in memory)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_job_child(import_id: int) -> None:
    """In the child: run one import and report its peak RSS (ru_maxrss is per process)."""
    setup_django()
    from django.conf import settings

    settings.IMPORT_MAX_BYTES = int(os.environ["IMPORT_BENCH_MAX_BYTES"])
    from imports.services import import_run

    started = time.perf_counter()
    job = import_run(import_id=import_id)
    seconds = time.perf_counter() - started
    peak = _peak_rss_mb()
    print(
        json.dumps(
            {
                "status": job.status,
                "created": job.created,
                "seconds": seconds,
                "peak_rss_mb": peak,
                "detail": job.detail,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--base-url", help="a server you started (default: start gunicorn)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--rss-rows",
        default="100000,1000000",
        help="job sizes to measure peak RSS at ('' for none)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark projects")
    args = parser.parse_args()

    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from accounts.services import api_token_create
    from tasks.models import Task

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the target compares with COPY.")
    workload = load_workload()
    rows = [row_of(workload.gen_task(args.seed, i)) for i in range(args.tasks)]
    bodies = [
        "".join(json.dumps(row) + "\n" for row in rows[start : start + BATCH]).encode()
        for start in range(0, len(rows), BATCH)
    ]
    owner, _ = get_user_model().objects.get_or_create(username="bench-owner")
    project = pairwise_project(owner, "Import benchmark api")[0]
    _, token = api_token_create(user=owner, name=f"import bench {project.pk}")

    server = None
    base = args.base_url
    if not base:
        server = start_server(args.port, args.workers)
        base = f"http://127.0.0.1:{args.port}"
    try:
        bare_seconds = raw_copy(project.pk, owner.pk, rows, indexes=False)
        copy_seconds = raw_copy(project.pk, owner.pk, rows)
        api_seconds = api_import(base, project.pk, token, bodies)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    created = Task.objects.filter(project=project).count()
    megabytes = sum(len(body) for body in bodies) / 1e6
    print(f"rows: {args.tasks:,} pairwise tasks ({megabytes:,.0f} MB as JSON Lines)")
    print(f"raw COPY into an equivalent table (same indexes): {copy_seconds:.2f} s")
    print(f"raw COPY into a bare table (no index, for scale): {bare_seconds:.2f} s")
    print(
        f"API import, {len(bodies)} batches of {BATCH:,} (validated, COPY, counters): "
        f"{api_seconds:.2f} s, {created:,} tasks created"
    )
    ratio = api_seconds / copy_seconds
    print(f"ratio API / COPY: {ratio:.2f}x (target <= 1.5x) {'OK' if ratio <= 1.5 else 'MISSED'}")
    print(f"ratio API / bare COPY: {api_seconds / bare_seconds:.2f}x")
    if created != args.tasks:
        sys.exit(f"expected {args.tasks} tasks, found {created}")
    if not args.keep:
        project.delete()
    for size in [int(s) for s in args.rss_rows.split(",") if s.strip()]:
        job_rss(size, args.seed, args.keep)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "_job":
        run_job_child(int(sys.argv[2]))
    else:
        main()
