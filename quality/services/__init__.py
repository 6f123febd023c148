"""The quality-inspection pipeline: configure, schedule, run and record the checks of a
submission.

The checks themselves are pure functions in ``quality.checks``; these services gather
their plain-data input from the database, run the ones the project enabled, and store one
result per check per submission revision. Running twice writes the same rows once.

- ``configuration``: each project's check settings over the catalogue's defaults.
- ``scheduling``: a run per revision, recorded in the submit's own statement; the sweep.
- ``running``: a run's checks as of the revision's place in the order of submissions,
  and the re-judging of earlier-judged work whose verdict a new submission changes.
"""

from quality.services.configuration import EffectiveCheck, check_config_save, check_configs_for
from quality.services.running import (
    checks_run,
    checks_run_batch,
    gold_accuracy,
    project_checks_lock,
)
from quality.services.scheduling import SWEEP_AFTER, checks_schedule, checks_sweep

__all__ = [
    "SWEEP_AFTER",
    "EffectiveCheck",
    "check_config_save",
    "check_configs_for",
    "checks_run",
    "checks_run_batch",
    "checks_schedule",
    "checks_sweep",
    "gold_accuracy",
    "project_checks_lock",
]
