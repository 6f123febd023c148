"""Celery beat's scheduler, with a heartbeat file for the container healthcheck.

Beat has no remote-control channel to ping, and its schedule file is written only every
few minutes (and under a name that depends on the dbm module), so the scheduler touches
``BEAT_HEARTBEAT_FILE`` on every tick. Beat ticks at least every ``max_interval`` and, with
this project's schedule, every minute; a file older than a few minutes means beat is stuck
or gone:

    celery -A annotation_platform beat --scheduler annotation_platform.beat:HeartbeatScheduler
    python -m annotation_platform.beat --check 300   # exit 1 when older than 300 s
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from celery.beat import PersistentScheduler

DEFAULT_HEARTBEAT_FILE = "/tmp/celerybeat-heartbeat"  # noqa: S108 (per-container /tmp)


def heartbeat_file() -> Path:
    return Path(os.environ.get("BEAT_HEARTBEAT_FILE", DEFAULT_HEARTBEAT_FILE))


class HeartbeatScheduler(PersistentScheduler):
    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        heartbeat_file().touch()
        return interval


def heartbeat_age(path: Path) -> float | None:
    """Seconds since the last tick, or None when beat never ticked."""
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] != "--check":
        print("usage: python -m annotation_platform.beat --check MAX_AGE_SECONDS")
        return 2
    age = heartbeat_age(heartbeat_file())
    if age is None or age > float(argv[2]):
        print(f"beat: no tick for {'ever' if age is None else f'{age:.0f} s'}")
        return 1
    print(f"beat: last tick {age:.0f} s ago")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
