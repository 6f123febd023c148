import threading

import pytest
from django.db import connection

from annotation_platform.errors import ConflictError
from tasks.models import Membership, Role
from tasks.services import membership_change_role
from tests.factories import MembershipFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_stepping_down_at_once_leave_one_admin():
    # given a project with exactly two admins
    first = MembershipFactory(role=Role.ADMIN)
    second = MembershipFactory(project=first.project, role=Role.ADMIN)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def step_down(membership_pk: int) -> None:
        try:
            barrier.wait()
            membership = Membership.objects.get(pk=membership_pk)
            membership_change_role(membership=membership, role=Role.TRAINER)
            outcomes.append("demoted")
        except ConflictError:
            outcomes.append("refused")
        finally:
            connection.close()

    # when both demote themselves concurrently
    threads = [threading.Thread(target=step_down, args=(m.pk,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly one succeeds and the project keeps an admin
    assert sorted(outcomes) == ["demoted", "refused"]
    assert Membership.objects.filter(project=first.project, role=Role.ADMIN).count() == 1
