"""gunicorn's settings for this app (gunicorn reads ./gunicorn.conf.py by default; flags on
the command line win).

Sync workers, two per CPU: ``next`` and submit are CPU-bound in the worker, and a sync
worker takes the next connection only when it is free, so the load spreads evenly. Threaded
workers with keep-alive (``gthread``) were measured too, alternating with sync under W2 on
2 cores (benchmarks/README.md): about the same throughput (149-161 against 135-160
submissions/s) but a client stays with whichever worker accepted it, so busy workers queue
requests while others idle: ``next`` p99 209-397 ms against 130-178 ms.

CPUs are the container's: its cgroup CPU quota (a container limited to 2 CPUs on a 64-core
host gets 4 workers, not 128), else the CPUs this process may run on. ``WEB_CONCURRENCY``
wins over both.

Before any worker starts (and on every reload), the static files are collected when their
manifest is missing or outdated; gunicorn refuses to start if that fails
(annotation_platform/static_manifest.py).

Downloads: export archives and rejected rows go to S3 (presigned redirect) or nginx
(X-Accel-Redirect) when configured; otherwise a worker streams them and reports to the
master after each chunk, so ``timeout`` (a worker silent that long is killed) stays short
for stuck requests without killing a long download (annotation_platform/downloads.py).
"""

import math
import os
import subprocess
import sys
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_SELF_CGROUP = Path("/proc/self/cgroup")


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _candidate_dirs(mount: Path, cgroup_path: str) -> list[Path]:
    """The process's own cgroup and its ancestors, then the mount itself (inside a container
    the mount is the container's cgroup while /proc/self/cgroup may show the host's path)."""
    dirs = []
    current = mount / cgroup_path.strip("/") if cgroup_path.strip("/") else mount
    while True:
        dirs.append(current)
        if current == mount or mount not in current.parents:
            break
        current = current.parent
    if mount not in dirs:
        dirs.append(mount)
    return dirs


def _own_cgroup_path(proc_self_cgroup: Path, controller: str | None) -> str:
    """The path of this process's cgroup: v2 (``0::/path``) when ``controller`` is None,
    else the v1 hierarchy listing ``controller``."""
    for line in (_read(proc_self_cgroup) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controller is None and controllers == "":
            return path
        if controller is not None and controller in controllers.split(","):
            return path
    return "/"


def cgroup_cpu_limit(
    root: Path = CGROUP_ROOT, proc_self_cgroup: Path = PROC_SELF_CGROUP
) -> float | None:
    """CPUs allowed by the cgroup CPU quota (the tightest along the hierarchy), or None when
    there is no quota. cgroup v2: ``cpu.max`` = "<quota> <period>" or "max <period>";
    v1: ``cpu.cfs_quota_us`` (-1: none) over ``cpu.cfs_period_us``."""
    limits: list[float] = []
    if (root / "cgroup.controllers").exists():  # v2, unified hierarchy
        for directory in _candidate_dirs(root, _own_cgroup_path(proc_self_cgroup, None)):
            fields = (_read(directory / "cpu.max") or "").split()
            if len(fields) == 2 and fields[0] != "max" and int(fields[1]) > 0:
                limits.append(int(fields[0]) / int(fields[1]))
    else:
        for mount_name in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
            mount = root / mount_name
            if not mount.is_dir():
                continue
            for directory in _candidate_dirs(mount, _own_cgroup_path(proc_self_cgroup, "cpu")):
                quota = _read(directory / "cpu.cfs_quota_us")
                period = _read(directory / "cpu.cfs_period_us")
                if quota and period and int(quota) > 0 and int(period) > 0:
                    limits.append(int(quota) / int(period))
            break
    return min(limits) if limits else None


def available_cpus(root: Path = CGROUP_ROOT, proc_self_cgroup: Path = PROC_SELF_CGROUP) -> int:
    """Whole CPUs this process may use: the cgroup quota rounded up (1.5 CPUs of quota can
    keep 2 workers busy half the time each), never more than the CPUs it may run on."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    limit = cgroup_cpu_limit(root, proc_self_cgroup)
    if limit is not None:
        cpus = min(cpus, max(1, math.ceil(limit)))
    return max(1, cpus)


def worker_count(environ=os.environ, cpus: int | None = None) -> int:
    if environ.get("WEB_CONCURRENCY"):
        return int(environ["WEB_CONCURRENCY"])
    return 2 * (cpus if cpus is not None else available_cpus())


workers = worker_count()
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))

if os.environ.get("LOG_FORMAT", "").lower() == "json":
    # gunicorn's own lines (start, worker timeouts, access log) as JSON too, with the app's
    # formatter; these keys replace gunicorn's defaults of the same name (which would also
    # pass each line on to the root logger: printed twice).
    logconfig_dict = {
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
        "formatters": {"json": {"()": "annotation_platform.logs.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
    }


def _ensure_static_files(server) -> None:
    # A separate process: the master must not load a storage its workers would inherit.
    subprocess.run(
        [sys.executable, "-m", "annotation_platform.static_manifest", "--ensure"],
        check=True,
        cwd=Path(__file__).resolve().parent,
    )


def _reset_prometheus_dir() -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    # prometheus-client's multiprocess mode: values of an earlier run must not be added in.
    for stale in path.glob("*.db"):
        stale.unlink()


def on_starting(server) -> None:
    _ensure_static_files(server)
    _reset_prometheus_dir()


def on_reload(server) -> None:
    _ensure_static_files(server)


def post_worker_init(worker) -> None:
    from annotation_platform.downloads import set_worker_heartbeat

    set_worker_heartbeat(worker.notify)


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
