"""Create demo users (one per role, plus site staff) and the seed stories' projects.

Idempotent: running it again leaves one of everything and resets the demo passwords.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tasks.demo.projects import DEMO_PROJECTS
from tasks.models import Membership, Project, ProjectStatus, Role

DEMO_USERS = (
    # username, password, role in every demo project (None: site staff, no membership)
    ("trainer", "demo-trainer-2026", Role.TRAINER),
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

        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(DEMO_PROJECTS)} projects."))
        if not quiet_credentials:
            self.stdout.write("Log in at http://127.0.0.1:8000/ with:")
            for username, password, role in DEMO_USERS:
                label = Role(role).label if role else "Site staff (Django admin)"
                self.stdout.write(f"  {label:<26} {username:<14} {password}")
