"""Create demo users (one per role, plus site staff) and the seed stories' projects.

Each project gets its gallery template and a handful of tasks, created through the services
(so the tasks are validated against the template), and the demo audio and images are copied
into the default storage. Idempotent: running it again leaves one of everything and resets the
demo passwords; a template is set only when the project has none, tasks are added only when it
has none, and a media file is copied only when its key is missing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotation_platform.errors import DomainError
from tasks.demo.projects import DEMO_MEDIA, DEMO_PROJECTS, DemoProject
from tasks.models import Membership, Project, ProjectStatus, Role, Submission
from tasks.services import (
    submission_submit,
    task_lease,
    tasks_create,
    template_current,
    template_from_gallery,
)

DEMO_USERS = (
    # username, password, role in every demo project (None: site staff, no membership)
    ("trainer", "demo-trainer-2026", Role.TRAINER),
    ("trainer2", "demo-trainer2-2026", Role.TRAINER),  # has answered a few tasks already
    ("setter", "demo-setter-2026", Role.SETTER),
    ("qalead", "demo-qalead-2026", Role.QA_LEAD),
    ("projectadmin", "demo-projectadmin-2026", Role.ADMIN),
    ("staff", "demo-staff-2026", None),
)


class Command(BaseCommand):
    help = "Create demo users and projects (development only; idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo passwords are public: never in production).",
        )
        parser.add_argument("--quiet-credentials", action="store_true", help="Do not print them.")

    @transaction.atomic
    def handle(self, *args, force: bool = False, quiet_credentials: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to create demo users with DEBUG off; pass --force.")
        User = get_user_model()
        users = {}
        for username, password, role in DEMO_USERS:
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@demo.invalid", "display_name": username.title()},
            )
            user.set_password(password)
            user.is_active = True
            user.is_staff = user.is_superuser = role is None
            user.can_create_projects = role in (Role.ADMIN, Role.SETTER) or role is None
            user.save()
            users[username] = (user, role)

        owner = users["projectadmin"][0]
        for demo in DEMO_PROJECTS:
            project, _ = Project.objects.get_or_create(
                name=demo.name,
                defaults={
                    "description": demo.description,
                    "status": ProjectStatus.ACTIVE,
                    "created_by": owner,
                },
            )
            for user, role in users.values():
                if role is None:
                    continue
                Membership.objects.update_or_create(
                    user=user, project=project, defaults={"role": role, "added_by": owner}
                )
            self._fill(project, demo, owner)
            self._answer(project, demo, users["trainer2"][0])
        copied = _copy_media()

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(DEMO_PROJECTS)} projects; "
                f"{copied} media file(s) copied to storage."
            )
        )
        if not quiet_credentials:
            self.stdout.write("Log in at http://127.0.0.1:8000/ with:")
            for username, password, role in DEMO_USERS:
                label = Role(role).label if role else "Site staff (Django admin)"
                self.stdout.write(f"  {label:<26} {username:<14} {password}")

    def _fill(self, project: Project, demo: DemoProject, owner) -> None:
        if template_current(project) is None:
            template_from_gallery(project=project, key=demo.template_key, by=owner)
        if project.tasks.exists():
            return
        try:
            tasks_create(project=project, items=demo.task_items(), by=owner)
        except DomainError as error:
            # Someone changed the template before any task was added: keep their template.
            self.stderr.write(f"{project.name}: demo tasks not added ({error}).")

    def _answer(self, project: Project, demo: DemoProject, trainer) -> None:
        """The second trainer answers the first tasks, through the same services as the
        workspace (lease, then submit), so checks run and the review queue fills. Only once:
        a trainer with any submission in the project is left alone."""
        if Submission.objects.filter(task__project=project, author=trainer).exists():
            return
        tasks = list(project.tasks.order_by("id")[: len(demo.sample_answers)])
        for task, answer in zip(tasks, demo.sample_answers, strict=False):
            try:
                task_lease(task=task, trainer=trainer)
                submission_submit(
                    task=task, author=trainer, answer=answer, telemetry={"active_seconds": 95}
                )
            except DomainError as error:  # a changed template: the demo answer no longer fits
                self.stderr.write(f"{project.name}: demo answer not submitted ({error}).")
                return


def _copy_media() -> int:
    """Copy the committed demo media into the default storage; return how many were missing."""
    copied = 0
    for key, path in DEMO_MEDIA.items():
        if default_storage.exists(key):
            continue
        with path.open("rb") as handle:
            default_storage.save(key, File(handle, name=path.name))
        copied += 1
    return copied
