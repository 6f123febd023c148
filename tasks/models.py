from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from annotation_platform.stored_text import shown


class Role(models.TextChoices):
    TRAINER = "trainer", _("Trainer")
    SETTER = "setter", _("Question setter")
    QA_LEAD = "qa_lead", _("QA lead")
    ADMIN = "admin", _("Project admin")


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("project status", "Draft")
    ACTIVE = "active", pgettext_lazy("project status", "Active")
    PAUSED = "paused", pgettext_lazy("project status", "Paused")
    ARCHIVED = "archived", pgettext_lazy("project status", "Archived")


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

    # Distribution settings (tasks.services.distribution).
    default_overlap = models.PositiveSmallIntegerField(
        default=1, help_text="How many distinct trainers answer each task (a task may override)."
    )
    lease_seconds = models.PositiveIntegerField(
        default=1800, help_text="How long a trainer holds a task before it returns to the pool."
    )
    max_leases_per_trainer = models.PositiveSmallIntegerField(
        default=1, help_text="Tasks one trainer may hold at once."
    )
    max_submissions_per_day = models.PositiveIntegerField(
        null=True, blank=True, help_text="Per trainer and UTC day; empty for no cap."
    )
    gold_rate = models.FloatField(
        default=0.0, help_text="Share of served tasks drawn from gold tasks (0 to 1)."
    )
    skip_flag_threshold = models.PositiveSmallIntegerField(
        default=3, help_text="A task skipped by this many trainers is flagged for the setters."
    )
    # The rubric version reviews of this project apply (tasks.services.rubrics); pinned
    # explicitly, never moved by publishing. PROTECT: a pinned version cannot disappear.
    rubric_version = models.ForeignKey(
        "rubrics.RubricVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Hosts whose images and audio may load in this project's pages (tasks.remote_media;
    # cleaned by services.project_remote_media_update). Empty: nothing remote loads, and
    # remote media are shown as links.
    remote_media_hosts = models.JSONField(
        default=list,
        blank=True,
        help_text="Host names (or *.domain) whose images and audio load in this project.",
    )

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

    @property
    def shown_note(self) -> str:
        """The note in the reader's language: the setter's own words as written, or the
        note the platform stored in English (annotation_platform.stored_text), translated."""
        return shown(self.note)


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user) -> TaskQuerySet:
        """Setters, QA leads and admins see their projects' tasks; a trainer sees only the
        tasks served or assigned to them (the queue decides what they work on next)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        leading = Membership.objects.filter(user=user, role__in=MEMBER_LIST_ROLES).values(
            "project_id"
        )
        training = Membership.objects.filter(user=user, role=Role.TRAINER).values("project_id")
        # EXISTS per row (indexed on task, trainer) rather than joins: looking up one task
        # stays a few index probes however many tasks the project has.
        served = (
            models.Exists(Lease.objects.filter(task=models.OuterRef("pk"), trainer=user))
            | models.Exists(Submission.objects.filter(task=models.OuterRef("pk"), author=user))
            | models.Exists(Assignment.objects.filter(task=models.OuterRef("pk"), trainer=user))
        )
        return self.filter(
            models.Q(project_id__in=leading) | (models.Q(project_id__in=training) & served)
        )


class TaskState(models.TextChoices):
    NEW = "new", pgettext_lazy("task state", "New")
    IN_PROGRESS = "in_progress", pgettext_lazy("task state", "In progress")
    COMPLETE = "complete", pgettext_lazy("task state", "Complete")
    FLAGGED = "flagged", pgettext_lazy("task state", "Flagged")


class Task(models.Model):
    """One item to annotate: the data a template's display blocks show.

    ``filled`` (pending or accepted submissions), ``leased`` (live leases) and ``skips`` are
    kept by the distribution service in the same transaction as the rows they count, under
    the task's row lock; ``state`` and ``available`` follow from them. The check constraint
    makes the database itself refuse a task answered or held beyond its overlap.
    """

    # No index of its own on each foreign key that a composite index below (or a unique
    # constraint) already leads with: every lease and submit writes these rows, and each
    # index is one more entry to write (the queue's tables, below, do the same).
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="tasks", db_index=False
    )
    data = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    priority = models.IntegerField(default=0, help_text="Higher is served first.")
    overlap = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Overrides the project's overlap for this task."
    )
    needed = models.PositiveSmallIntegerField(default=1, editable=False)
    filled = models.PositiveSmallIntegerField(default=0, editable=False)
    leased = models.PositiveSmallIntegerField(default=0, editable=False)
    skips = models.PositiveIntegerField(default=0, editable=False)
    state = models.CharField(
        max_length=16, choices=TaskState.choices, default=TaskState.NEW, editable=False
    )
    available = models.BooleanField(default=True, editable=False)
    is_gold = models.BooleanField(default=False)
    gold_answer = models.JSONField(null=True, blank=True)
    # The importer's own id for the task (a row id in their data set), so a file imported
    # twice updates or skips its tasks instead of adding them again (imports app).
    external_id = models.CharField(max_length=200, blank=True, default="")

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["project_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(filled__lte=models.F("needed") - models.F("leased")),
                name="task_never_over_overlap",
            ),
            # Also the index the importer looks external ids up by.
            models.UniqueConstraint(
                fields=["project", "external_id"],
                condition=~models.Q(external_id=""),
                name="task_external_id_unique",
            ),
        ]
        indexes = [
            # The queue: what `next` reads, only over tasks that can still take a trainer.
            # Its order (priority, then oldest, then id) is one no other index gives, so the
            # planner cannot serve `next` from task_priority_idx instead: that index starts
            # with every answered task of the project (they lead the queue's order), which
            # a scan for the first available task reads and drops one by one, while the
            # statistics, taken when most tasks were new, cost the two indexes the same.
            models.Index(
                "project",
                models.F("priority").desc(),
                "created_at",
                "id",
                name="task_queue_idx",
                condition=models.Q(available=True, is_gold=False),
            ),
            models.Index("project", "id", name="task_gold_idx", condition=models.Q(is_gold=True)),
            models.Index(fields=["project", "state", "id"], name="task_state_idx"),
            # The task list's orderings, so deep cursor pages read from an index.
            models.Index("project", models.F("priority").desc(), "id", name="task_priority_idx"),
            models.Index(fields=["project", "created_at", "id"], name="task_created_idx"),
        ]

    def __str__(self) -> str:
        return f"Task {self.pk} of {self.project_id}"


class TaskText(models.Model):
    """A task's data as text, for the task list's "contains" filter (trigram-indexed on
    PostgreSQL).

    It lives apart from ``Task`` because the queue rewrites a task row on every lease and
    submit, and with ``state`` and ``available`` indexed those updates are never HOT: an
    index on the task row's data would get all its trigrams inserted again each time. Here
    only a change of the data touches them. Database triggers (migration 0009) keep it in
    step with ``Task.data`` on every write path (ORM, bulk_create, the importer's COPY), so
    no code writes it; the row goes with its task.
    """

    task = models.OneToOneField(
        Task, primary_key=True, on_delete=models.CASCADE, related_name="search_text"
    )
    # ``data::text`` on PostgreSQL; on SQLite the stored JSON itself (non-ASCII \u-escaped).
    text = models.TextField()

    def __str__(self) -> str:
        return f"Text of task {self.task_id}"


class SubmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("submission status", "Submitted")
    ACCEPTED = "accepted", pgettext_lazy("submission status", "Accepted")
    REJECTED = "rejected", pgettext_lazy("submission status", "Rejected")
    RETURNED = "returned", pgettext_lazy("submission status", "Returned for rework")


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

    task = models.ForeignKey(  # indexed by submission_one_per_trainer (task, author)
        Task, on_delete=models.CASCADE, related_name="submissions", db_index=False
    )
    author = models.ForeignKey(  # indexed by submission_author_idx (author, -created_at)
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="submissions",
        db_index=False,
    )
    template = models.ForeignKey(TaskTemplate, on_delete=models.PROTECT, related_name="+")
    answer = models.JSONField()
    telemetry = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=SubmissionStatus.choices, default=SubmissionStatus.SUBMITTED
    )
    revision = models.PositiveIntegerField(default=1)
    # Why it came back to its author (automated checks or a reviewer), shown to them.
    return_reasons = models.JSONField(default=list, blank=True)
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

    submission = models.ForeignKey(  # indexed by revision_unique (submission, number)
        Submission, on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
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
    # Counts the saves: a page or device names the revision its copy is based on, and a
    # save based on an older one is refused (a server counter, not the client's clock).
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "author"], name="draft_one_per_trainer"),
        ]

    def __str__(self) -> str:
        return f"Draft by {self.author_id} on task {self.task_id}"


class LeaseStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("lease status", "Active")
    SUBMITTED = "submitted", pgettext_lazy("lease status", "Submitted")
    RELEASED = "released", pgettext_lazy("lease status", "Released")
    SKIPPED = "skipped", pgettext_lazy("lease status", "Skipped")
    EXPIRED = "expired", pgettext_lazy("lease status", "Expired")


class Lease(models.Model):
    """A trainer's hold on a task. Kept after it ends, so a late submission can be told
    apart from one on a task that was never served."""

    # task: indexed by lease_task_trainer_idx (task, trainer)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="leases", db_index=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leases"
    )
    status = models.CharField(
        max_length=16, choices=LeaseStatus.choices, default=LeaseStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task", "trainer"],
                condition=models.Q(status="active"),
                name="lease_one_live_per_trainer",
            ),
        ]
        indexes = [
            models.Index(
                fields=["expires_at"], name="lease_expiry_idx", condition=models.Q(status="active")
            ),
            models.Index(
                fields=["trainer", "project"],
                name="lease_trainer_live_idx",
                condition=models.Q(status="active"),
            ),
            models.Index(fields=["task", "trainer"], name="lease_task_trainer_idx"),
        ]

    def __str__(self) -> str:
        return f"Lease of task {self.task_id} by {self.trainer_id} ({self.status})"


class Skip(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="skipped_by")
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skips"
    )
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "trainer"], name="skip_once_per_trainer"),
        ]

    def __str__(self) -> str:
        return f"Skip of task {self.task_id} by {self.trainer_id}"


class Assignment(models.Model):
    """A setter's choice of a task for a trainer: served to them before the queue."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "trainer"], name="assignment_once"),
        ]

    def __str__(self) -> str:
        return f"Task {self.task_id} assigned to {self.trainer_id}"


class TaskCounter(models.Model):
    """Exact task counts per project and state, split into shards.

    Every state change adds -1/+1 here in the transaction that makes it, so the counts
    never drift; shards spread the writes of many concurrent trainers over several rows
    (one hot row would serialise them), and reading sums a handful of rows instead of
    counting a million tasks.
    """

    SHARDS = 8

    # project: indexed by task_counter_unique (project, state, shard)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    state = models.CharField(max_length=16, choices=TaskState.choices)
    shard = models.PositiveSmallIntegerField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "state", "shard"], name="task_counter_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}/{self.state}/{self.shard}: {self.count}"


# --- rubrics in projects, and project guidelines ------------------------------------------


# Who designs a project's rubrics and guidelines: permissions.DESIGN_ROLES, repeated here
# because permissions imports this module.
RUBRIC_EDITOR_ROLES = (Role.SETTER, Role.ADMIN)


class ProjectRubricQuerySet(models.QuerySet):
    def visible_to(self, user) -> ProjectRubricQuerySet:
        """Library entries ``user`` may browse: those of the projects they design (setters and
        admins); staff see every project's. Trainers and QA leads read only the version their
        project pins (``Project.rubric_version``), never drafts or other versions."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        designing = Membership.objects.filter(user=user, role__in=RUBRIC_EDITOR_ROLES).values(
            "project_id"
        )
        return self.filter(project_id__in=designing)


class ProjectRubric(models.Model):
    """A rubric in a project's library.

    Exactly one row per rubric has ``owner=True``: the project whose setters and admins edit,
    publish and retire it. Other rows share it into more projects, which may pin its
    versions and clone it but not change it. The rubrics app knows nothing of this.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="rubric_links")
    rubric = models.ForeignKey(
        "rubrics.Rubric", on_delete=models.CASCADE, related_name="project_links"
    )
    owner = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectRubricQuerySet.as_manager()

    class Meta:
        ordering = ["project_id", "-owner", "rubric__title", "rubric_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "rubric"], name="project_rubric_once"),
            models.UniqueConstraint(
                fields=["rubric"], condition=Q(owner=True), name="project_rubric_one_owner"
            ),
        ]

    def __str__(self) -> str:
        how = "owned by" if self.owner else "shared into"
        return f"Rubric {self.rubric_id} {how} project {self.project_id}"


RULE_ACTIVE = "active"
RULE_RETIRED = "retired"


class GuidelineDraft(models.Model):
    """The one editable copy of a project's guidelines, published as ``GuidelineVersion``s.

    ``rules`` is a list of ``{"id", "title", "text", "status", "retired_reason"}``; ids
    ("R1", "R2" …) come from ``next_rule_number`` and are never reused, so a rule keeps its
    id across versions and a retired rule is never confused with a new one.
    """

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="guideline_draft"
    )
    intro = models.TextField(blank=True)
    rules = models.JSONField(default=list)
    next_rule_number = models.PositiveIntegerField(default=1)
    # Bumped on every save, so an editor can refuse to overwrite someone else's edit.
    revision = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Guidelines draft of project {self.project_id}"


class GuidelineVersionQuerySet(models.QuerySet):
    def visible_to(self, user) -> GuidelineVersionQuerySet:
        """Every member reads their projects' guidelines, trainers included."""
        return self.filter(project__in=Project.objects.visible_to(user))

    def update(self, **kwargs) -> int:
        raise guideline_version_immutable_error()

    def bulk_update(self, objs, fields, *args, **kwargs) -> int:
        raise guideline_version_immutable_error()


def guideline_version_immutable_error(number: int | None = None):
    from annotation_platform.errors import ConflictError

    which = f"Version {number} of these guidelines" if number else "A published guidelines version"
    return ConflictError(
        f"{which} is published and can never be changed. Edit the guidelines draft and "
        "publish it as a new version instead.",
        code="version_immutable",
    )


class GuidelineVersion(models.Model):
    """One published, immutable version of a project's guidelines, numbered 1..n.

    The newest version is the one in force; each trainer acknowledges the changes once
    (``GuidelineAcknowledgement``).
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="guideline_versions"
    )
    number = models.PositiveIntegerField()
    intro = models.TextField(blank=True)
    rules = models.JSONField()
    note = models.CharField(max_length=500)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    objects = GuidelineVersionQuerySet.as_manager()

    class Meta:
        ordering = ["project_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="guideline_version_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="guideline_version_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Guidelines v{self.number} of project {self.project_id}"

    def save(self, *args, **kwargs) -> None:
        # An integrity guard: whatever path tries to rewrite a published version gets a 409.
        if not self._state.adding:
            raise guideline_version_immutable_error(self.number)
        super().save(*args, **kwargs)

    @property
    def active_rules(self) -> list[dict]:
        return [rule for rule in self.rules if rule.get("status") == RULE_ACTIVE]


class GuidelineAcknowledgement(models.Model):
    """A trainer read the guidelines up to ``version`` (a GuidelineVersion number) of a
    project. One row per version acknowledged; the highest is what they last saw."""

    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guideline_acks"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    acknowledged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project_id", "trainer_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainer", "project", "version"], name="guideline_ack_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainer_id} acknowledged v{self.version} of project {self.project_id}"
