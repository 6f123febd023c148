"""The quality-inspection pipeline's data: per-project check configuration, one run per
submission revision, one result per check per run, gold outcomes and near-duplicate
signatures.

These models were born in ``reviews`` and keep its tables (``db_table``), so moving them
here changed no data: the one-statement submit inserts into ``reviews_checkrun`` as before.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OnFail(models.TextChoices):
    NOTHING = "nothing", _("Record only")
    FLAG = "flag", _("Flag for review")
    RETURN = "return", _("Return to the trainer with the reasons")


class CheckConfig(models.Model):
    """Whether a project runs a check, its thresholds, and what a failure does."""

    project = models.ForeignKey(
        "tasks.Project", on_delete=models.CASCADE, related_name="check_configs"
    )
    check_name = models.CharField(max_length=64)
    enabled = models.BooleanField(default=True)
    config = models.JSONField(default=dict, blank=True)
    on_fail = models.CharField(max_length=16, choices=OnFail.choices, default=OnFail.FLAG)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "reviews_checkconfig"
        ordering = ["project_id", "check_name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "check_name"], name="check_config_once"),
        ]

    def __str__(self) -> str:
        return f"{self.check_name} in project {self.project_id}"


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")


class CheckRun(models.Model):
    """The checks of one submission revision. Created in the submission's own transaction,
    so a revision whose checks never ran (crashed worker, broker down) is found by the
    sweep instead of being silently skipped.

    Its id is the revision's **sequence**: its place in the one total order of submissions,
    taken by the insert in the submit's own statement. A check judges a revision only
    against revisions earlier in that order, so verdicts do not depend on when a worker
    gets to them (``quality.services``)."""

    submission = models.ForeignKey(  # indexed by check_run_once (submission, revision)
        "tasks.Submission", on_delete=models.CASCADE, related_name="check_runs", db_index=False
    )
    revision = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reviews_checkrun"
        ordering = ["submission_id", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "revision"], name="check_run_once"),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="check_run_pending_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"Checks of submission {self.submission_id} r{self.revision} ({self.status})"


class ResultStatus(models.TextChoices):
    # A check that had nothing it could judge says so, with its reason, rather than pass.
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    PASS = "pass", _("Pass")
    WARN = "warn", _("Warning")
    FAIL = "fail", _("Fail")
    ERROR = "error", _("Error")


class CheckResult(models.Model):
    """What one check found on one submission revision (written once: idempotent)."""

    run = models.ForeignKey(CheckRun, on_delete=models.CASCADE, related_name="results")
    submission = models.ForeignKey(
        "tasks.Submission", on_delete=models.CASCADE, related_name="check_results"
    )
    revision = models.PositiveIntegerField()
    check_name = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=ResultStatus.choices)
    findings = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "reviews_checkresult"
        ordering = ["submission_id", "revision", "check_name"]
        constraints = [
            models.UniqueConstraint(fields=["run", "check_name"], name="check_result_once"),
        ]
        indexes = [
            models.Index(fields=["check_name", "status"], name="check_result_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.check_name}: {self.status} (submission {self.submission_id})"


class RejudgeReason(models.TextChoices):
    EARLIER_CHECKED = "earlier_checked", _("An earlier submission was checked after this one")
    NEW_ANSWER = "new_answer", _("Another answer to the same task arrived")
    NEXT_RATINGS = "next_ratings", _("The trainer's next ratings arrived")


class FindingChange(models.Model):
    """One re-judgment that changed a check's current result: what it was, what it became,
    why and when. ``CheckResult`` holds the current verdict; these rows are its history."""

    result = models.ForeignKey(CheckResult, on_delete=models.CASCADE, related_name="changes")
    previous_status = models.CharField(max_length=16, choices=ResultStatus.choices)
    previous_findings = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=ResultStatus.choices)
    findings = models.JSONField(default=list)
    reason = models.CharField(max_length=32, choices=RejudgeReason.choices)
    # The run whose arrival made this result be judged again.
    cause = models.ForeignKey(
        CheckRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["result_id", "id"]

    def __str__(self) -> str:
        return f"{self.previous_status} -> {self.status} ({self.reason}) on result {self.result_id}"


class GoldOutcome(models.Model):
    """Whether a submission to a gold task matched the expected answer (its latest
    revision's verdict). A trainer's gold accuracy is the share of theirs that did."""

    submission = models.OneToOneField(
        "tasks.Submission", on_delete=models.CASCADE, related_name="gold_outcome"
    )
    project = models.ForeignKey("tasks.Project", on_delete=models.CASCADE, related_name="+")
    trainer = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    correct = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "reviews_goldoutcome"
        indexes = [models.Index(fields=["project", "trainer"], name="gold_outcome_trainer_idx")]

    def __str__(self) -> str:
        return f"Gold {'correct' if self.correct else 'wrong'}: submission {self.submission_id}"


class NearDuplicateSignature(models.Model):
    """The MinHash signature of one free-text answer, so every worker can rebuild and then
    incrementally extend its in-memory LSH index of a project (constant cost per new
    submission: one row written, one row read).

    ``sequence`` is the run (revision) the text belongs to: a check compares a revision
    only with texts earlier in that order. An empty ``signature`` is a tombstone: a
    revision dropped that question's text, and every worker's index must forget it. Rows
    are written under the project's check lock (``quality.services``), so ids commit in
    order and a worker reading ``id > last seen`` misses none."""

    project = models.ForeignKey("tasks.Project", on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey("tasks.Submission", on_delete=models.CASCADE, related_name="+")
    question_id = models.CharField(max_length=64)
    trainer_id = models.BigIntegerField()
    task_id = models.BigIntegerField()
    sequence = models.BigIntegerField(default=0)
    signature = models.BinaryField()

    class Meta:
        db_table = "reviews_nearduplicatesignature"
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "question_id"], name="near_duplicate_signature_once"
            ),
        ]
        indexes = [models.Index(fields=["project", "id"], name="near_duplicate_project_idx")]

    def __str__(self) -> str:
        return f"Signature of submission {self.submission_id} / {self.question_id}"
