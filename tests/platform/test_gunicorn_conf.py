"""gunicorn.conf.py: workers from the container's CPU quota (cgroup v2 and v1, fake files),
WEB_CONCURRENCY first, and the hooks that make the start path safe."""

import runpy
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings

from annotation_platform import downloads

CONF = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
cgroup_cpu_limit = CONF["cgroup_cpu_limit"]
available_cpus = CONF["available_cpus"]
worker_count = CONF["worker_count"]


def _files(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


@pytest.fixture
def fake(tmp_path):
    """``fake(proc_self_cgroup, {path: content})`` -> (cgroup root, /proc/self/cgroup)."""

    def make(proc: str, files: dict[str, str]) -> tuple[Path, Path]:
        root = tmp_path / "cgroup"
        root.mkdir()
        _files(root, files)
        proc_file = tmp_path / "proc-self-cgroup"
        proc_file.write_text(proc)
        return root, proc_file

    return make


# --- cgroup v2 ------------------------------------------------------------------------------


def test_v2_container_quota(fake):
    # Docker with cgroup namespaces: the container's cgroup is the mount itself
    root, proc = fake("0::/\n", {"cgroup.controllers": "cpu io", "cpu.max": "150000 100000\n"})
    assert cgroup_cpu_limit(root, proc) == 1.5


def test_v2_without_a_quota(fake):
    root, proc = fake("0::/\n", {"cgroup.controllers": "cpu", "cpu.max": "max 100000\n"})
    assert cgroup_cpu_limit(root, proc) is None


def test_v2_nested_cgroup_takes_the_tightest_limit_along_the_way(fake):
    # a systemd service with CPUQuota=200% inside a slice limited to 4 CPUs
    root, proc = fake(
        "0::/system.slice/annotation.service\n",
        {
            "cgroup.controllers": "cpu",
            "system.slice/cpu.max": "400000 100000",
            "system.slice/annotation.service/cpu.max": "200000 100000",
        },
    )
    assert cgroup_cpu_limit(root, proc) == 2.0


def test_v2_root_cgroup_has_no_cpu_max(fake):
    root, proc = fake("0::/user.slice/session-1.scope\n", {"cgroup.controllers": "cpu"})
    assert cgroup_cpu_limit(root, proc) is None


# --- cgroup v1 ------------------------------------------------------------------------------


def test_v1_quota_over_period(fake):
    root, proc = fake(
        "4:cpu,cpuacct:/docker/abc\n",
        {"cpu,cpuacct/cpu.cfs_quota_us": "300000", "cpu,cpuacct/cpu.cfs_period_us": "100000"},
    )
    # the path in /proc/self/cgroup is the host's; the mount is the container's own
    assert cgroup_cpu_limit(root, proc) == 3.0


def test_v1_separate_cpu_mount_without_a_quota(fake):
    root, proc = fake(
        "1:cpu:/\n2:cpuacct:/\n",
        {"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"},
    )
    assert cgroup_cpu_limit(root, proc) is None


def test_no_cgroup_files_at_all(fake):
    root, proc = fake("", {})
    assert cgroup_cpu_limit(root, proc) is None


# --- worker count ---------------------------------------------------------------------------


def test_quota_rounds_up_and_never_exceeds_the_cpus_we_may_run_on(fake, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(64)))
    root, proc = fake("0::/\n", {"cgroup.controllers": "cpu", "cpu.max": "150000 100000"})
    assert available_cpus(root, proc) == 2  # 64 cores on the host, 1.5 CPUs of quota
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0})
    assert available_cpus(root, proc) == 1
    (root / "cpu.max").write_text("10000 100000")  # a tenth of a CPU still gets one
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(8)))
    assert available_cpus(root, proc) == 1


def test_without_a_quota_the_affinity_decides(fake, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2})
    root, proc = fake("0::/\n", {"cgroup.controllers": "cpu", "cpu.max": "max 100000"})
    assert available_cpus(root, proc) == 3


def test_two_workers_per_cpu_unless_web_concurrency_says(monkeypatch):
    assert worker_count({}, cpus=2) == 4
    assert worker_count({"WEB_CONCURRENCY": "7"}, cpus=2) == 7
    assert worker_count({"WEB_CONCURRENCY": ""}, cpus=3) == 6


def test_sync_workers_with_a_configurable_timeout():
    assert CONF["worker_class"] == "sync"
    assert CONF["timeout"] == 30


# --- hooks ----------------------------------------------------------------------------------


def test_starting_collects_static_files_first_and_refuses_to_start_if_that_fails(
    monkeypatch, tmp_path
):
    calls = []

    def run(command, check, cwd):
        calls.append((command, check, Path(cwd)))

    monkeypatch.setattr(CONF["subprocess"], "run", run)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    CONF["on_starting"](SimpleNamespace())
    CONF["on_reload"](SimpleNamespace())
    expected = (
        [sys.executable, "-m", "annotation_platform.static_manifest", "--ensure"],
        True,  # check=True: a failure raises, and gunicorn exits
        Path(settings.BASE_DIR),
    )
    assert calls == [expected, expected]


def test_starting_clears_the_prometheus_directory(monkeypatch, tmp_path):
    monkeypatch.setattr(CONF["subprocess"], "run", lambda *a, **k: None)
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "histogram_123.db").write_bytes(b"old")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    CONF["on_starting"](SimpleNamespace())
    assert list(directory.iterdir()) == []


def test_each_worker_hands_its_heartbeat_to_the_downloads():
    worker = SimpleNamespace(notify=lambda: None)
    try:
        CONF["post_worker_init"](worker)
        assert downloads._worker_heartbeat is worker.notify
    finally:
        downloads.set_worker_heartbeat(None)


def test_json_logs_cover_gunicorns_own_lines(monkeypatch, capsys):
    import json
    import logging
    from logging.config import dictConfig

    from gunicorn.glogging import CONFIG_DEFAULTS

    monkeypatch.setenv("LOG_FORMAT", "json")
    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    # what gunicorn does with logconfig_dict (glogging.Logger.setup)
    config = {**CONFIG_DEFAULTS, **conf["logconfig_dict"]}
    loggers = [logging.getLogger(name) for name in ("", "gunicorn.error", "gunicorn.access")]
    saved = [(lg.handlers[:], lg.level, lg.propagate) for lg in loggers]
    try:
        dictConfig(config)
        logging.getLogger("gunicorn.error").critical("WORKER TIMEOUT (pid:%s)", 42)
    finally:  # leave logging as the rest of the test session expects it
        for lg, (handlers, level, propagate) in zip(loggers, saved, strict=True):
            lg.handlers, lg.level, lg.propagate = handlers, level, propagate
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == (
        "CRITICAL",
        "gunicorn.error",
        "WORKER TIMEOUT (pid:42)",
    )
    monkeypatch.delenv("LOG_FORMAT")
    assert "logconfig_dict" not in runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
