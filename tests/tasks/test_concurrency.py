from functools import partial

import pytest

from annotation_platform.errors import ConflictError
from tasks.models import Membership, Role
from tasks.services import membership_change_role
from tests.factories import MembershipFactory, at_once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_stepping_down_at_once_leave_one_admin():
    # given a project with exactly two admins
    first = MembershipFactory(role=Role.ADMIN)
    second = MembershipFactory(project=first.project, role=Role.ADMIN)

    def step_down(membership_pk: int) -> str:
        try:
            membership = Membership.objects.get(pk=membership_pk)
            membership_change_role(membership=membership, role=Role.TRAINER)
            return "demoted"
        except ConflictError:
            return "refused"

    # when both demote themselves concurrently
    outcomes = at_once(*(partial(step_down, m.pk) for m in (first, second)))

    # then exactly one succeeds and the project keeps an admin
    assert sorted(outcomes) == ["demoted", "refused"]
    assert Membership.objects.filter(project=first.project, role=Role.ADMIN).count() == 1
