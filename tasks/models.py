from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery


class Role(models.TextChoices):
    TRAINER = "trainer", "Trainer"
    SETTER = "setter", "Question setter"
    QA_LEAD = "qa_lead", "QA lead"
    ADMIN = "admin", "Project admin"


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ARCHIVED = "archived", "Archived"


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProjectQuerySet:
        """Projects ``user`` may see: staff see all, everyone else their memberships."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(memberships__user=user)

    def with_role_of(self, user) -> ProjectQuerySet:
        """Annotate ``my_role`` (None for staff who are not members) without an N+1."""
        role = Membership.objects.filter(project=OuterRef("pk"), user_id=user.pk).values("role")
        return self.annotate(my_role=Subquery(role[:1]))


class Project(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_projects",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status"], name="project_status_idx")]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user) -> MembershipQuerySet:
        """Staff see every membership; setters, QA leads and admins see their projects'
        members; a trainer sees only their own membership (trainers do not learn who
        else works on a project)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        leading = Membership.objects.filter(user=user, role__in=MEMBER_LIST_ROLES).values(
            "project_id"
        )
        return self.filter(Q(user=user) | Q(project_id__in=leading))


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["project_id", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="membership_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()} in {self.project}"


# Roles that see the member list of their project (trainers see only themselves).
MEMBER_LIST_ROLES = (Role.SETTER, Role.QA_LEAD, Role.ADMIN)


class TaskTemplate(models.Model):
    """One version of a project's task template (what trainers see and answer).

    The newest version is the one in force. Editing a version that no submission has used
    changes it in place; once a submission points at it, an edit creates a new version, so
    every submission keeps the exact rules it was answered under.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="templates")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    definition = models.JSONField()
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="template_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user) -> TaskQuerySet:
        return self.filter(project__in=Project.objects.visible_to(user))


class Task(models.Model):
    """One item to annotate: the data a template's display blocks show."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    data = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["project_id", "id"]

    def __str__(self) -> str:
        return f"Task {self.pk} of {self.project_id}"


class SubmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    RETURNED = "returned", "Returned for rework"


# Until a reviewer decides, or after they return it, the author may revise.
REVISABLE_STATUSES = (SubmissionStatus.SUBMITTED, SubmissionStatus.RETURNED)


class SubmissionQuerySet(models.QuerySet):
    def visible_to(self, user) -> SubmissionQuerySet:
        """Authors see their own; setters, QA leads and admins see their projects'; staff all.

        A trainer never sees another trainer's work, even in a project they share.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        leading = Membership.objects.filter(user=user, role__in=MEMBER_LIST_ROLES).values(
            "project_id"
        )
        return self.filter(Q(author=user) | Q(task__project_id__in=leading))


class Submission(models.Model):
    """A trainer's answer to a task: one per trainer per task, revised in place.

    Every submit and revision is also kept as a ``SubmissionRevision``.
    """

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="submissions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    template = models.ForeignKey(TaskTemplate, on_delete=models.PROTECT, related_name="+")
    answer = models.JSONField()
    telemetry = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.SUBMITTED
    )
    revision = models.PositiveIntegerField(default=1)
    # The client's key for "this click": a retried or doubled submit carries the same key
    # and gets the same submission back instead of an error or a second row.
    idempotency_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "author"], name="submission_one_per_trainer"),
        ]
        indexes = [models.Index(fields=["author", "-created_at"], name="submission_author_idx")]

    def __str__(self) -> str:
        return f"Submission {self.pk} by {self.author_id} on task {self.task_id}"

    @property
    def is_revisable(self) -> bool:
        return self.status in REVISABLE_STATUSES


class SubmissionRevision(models.Model):
    """An immutable copy of each version of a submission, for history and diffs."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    template = models.ForeignKey(TaskTemplate, on_delete=models.PROTECT, related_name="+")
    answer = models.JSONField()
    telemetry = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="revision_unique"),
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} of submission {self.submission_id}"


class Draft(models.Model):
    """Work in progress, saved as the trainer types, restored on reload or another device."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="drafts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts"
    )
    answer = models.JSONField(default=dict, blank=True)
    telemetry = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "author"], name="draft_one_per_trainer"),
        ]

    def __str__(self) -> str:
        return f"Draft by {self.author_id} on task {self.task_id}"
