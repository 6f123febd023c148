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
        if not user.is_authenticated:
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
        if not user.is_authenticated:
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
