"""Quality checks: pure functions over plain data that return findings.

No check touches the database or the network. A caller loads what a submission's checks
need into a :class:`CheckInput`, calls :func:`run_check` for each check the project enables,
and stores the :class:`Finding` lists. ``CATALOGUE`` is the one registry of checks.
"""

from quality.checks.catalogue import CATALOGUE, CheckSpec, run_check, validate_config
from quality.checks.configuration import ConfigError
from quality.checks.findings import CheckInput, Finding, Status
from quality.checks.near_duplicate import index_submission
from quality.checks.near_duplicate_index import Match, NearDuplicateIndex

__all__ = [
    "CATALOGUE",
    "CheckInput",
    "CheckSpec",
    "ConfigError",
    "Finding",
    "Match",
    "NearDuplicateIndex",
    "Status",
    "index_submission",
    "run_check",
    "validate_config",
]
