"""Workflows of the metrics app; import from here.

- figures: compute agreement, MOS, per-trainer and per-project figures (read-only)
- snapshots: store them, mark them stale on submit, refresh them (debounced)
- settings: the per-project metrics settings
- work: a trainer's own figures and submissions ("my work")
"""

from metrics.services.figures import (
    agreement_table,
    mos_tables,
    project_figures,
    project_metrics_compute,
    settings_for,
    trainer_rows,
)
from metrics.services.settings import metrics_settings_save
from metrics.services.snapshots import (
    ProjectMetrics,
    agreement_cached,
    metrics_mark_stale,
    metrics_refresh_request,
    metrics_refresh_stale,
    metrics_snapshot_refresh,
    project_metrics,
)
from metrics.services.work import TrainerWork, trainer_submissions, trainer_work

__all__ = [
    "ProjectMetrics",
    "TrainerWork",
    "agreement_cached",
    "agreement_table",
    "metrics_mark_stale",
    "metrics_refresh_request",
    "metrics_refresh_stale",
    "metrics_settings_save",
    "metrics_snapshot_refresh",
    "mos_tables",
    "project_figures",
    "project_metrics",
    "project_metrics_compute",
    "settings_for",
    "trainer_rows",
    "trainer_submissions",
    "trainer_work",
]
