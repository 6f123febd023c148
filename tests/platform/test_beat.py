"""Beat's heartbeat file: touched on every tick, and the healthcheck's verdict on its age."""

import os
import time

from annotation_platform import beat
from annotation_platform.celery import app


def test_every_tick_touches_the_heartbeat_file(tmp_path, monkeypatch):
    heartbeat = tmp_path / "beat-heartbeat"
    monkeypatch.setenv("BEAT_HEARTBEAT_FILE", str(heartbeat))
    scheduler = beat.HeartbeatScheduler(app, schedule_filename=str(tmp_path / "schedule"))
    try:
        # when beat ticks (nothing is due yet: the first run of each entry is scheduled)
        interval = scheduler.tick()
    finally:
        scheduler.close()
    # then
    assert heartbeat.is_file()
    assert 0 <= interval <= scheduler.max_interval
    assert beat.heartbeat_age(heartbeat) < 5


def test_the_check_fails_for_a_missing_or_old_heartbeat(tmp_path, monkeypatch, capsys):
    heartbeat = tmp_path / "beat-heartbeat"
    monkeypatch.setenv("BEAT_HEARTBEAT_FILE", str(heartbeat))
    assert beat.main(["beat", "--check", "300"]) == 1
    assert "no tick for ever" in capsys.readouterr().out
    heartbeat.touch()
    assert beat.main(["beat", "--check", "300"]) == 0
    old = time.time() - 400
    os.utime(heartbeat, (old, old))
    assert beat.main(["beat", "--check", "300"]) == 1
    assert "no tick for 400 s" in capsys.readouterr().out
