import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from tasks.demo.projects import DEMO_PROJECTS
from tasks.models import Membership, Project, Role

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_a_user_per_role_and_the_seed_projects(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert Project.objects.count() == len(DEMO_PROJECTS) == 5
    for username, role in [
        ("trainer", Role.TRAINER),
        ("setter", Role.SETTER),
        ("qalead", Role.QA_LEAD),
        ("projectadmin", Role.ADMIN),
    ]:
        user = User.objects.get(username=username)
        assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {role}
        assert Membership.objects.filter(user=user).count() == 5
        assert username in out  # credentials printed
    staff = User.objects.get(username="staff")
    assert staff.is_staff and staff.is_superuser
    assert not Membership.objects.filter(user=staff).exists()


def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet_credentials=True)
    call_command("seed_demo", quiet_credentials=True)
    assert Project.objects.count() == 5
    assert User.objects.count() == 5
    assert Membership.objects.count() == 20


def test_seed_demo_passwords_work(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", quiet_credentials=True)
    assert client.login(username="trainer", password="demo-trainer-2026")


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo")
    assert not User.objects.exists()
