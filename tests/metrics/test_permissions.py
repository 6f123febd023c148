"""Who may see which figures: the permission functions, one role at a time."""

import pytest

from metrics import permissions
from tests.conftest import ALL_PEOPLE

pytestmark = pytest.mark.django_db

PROJECT_METRICS = {"setter", "qa_lead", "admin", "staff"}
SETTINGS = {"setter", "admin", "staff"}
OWN_WORK = {"trainer"}


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_each_role(cast, person):
    user = cast.by_role(person)
    project = cast.project
    assert permissions.can_view_project_metrics(user, project) is (person in PROJECT_METRICS)
    assert permissions.can_change_metrics_settings(user, project) is (person in SETTINGS)
    assert permissions.can_view_own_work(user, project) is (person in OWN_WORK)


@pytest.mark.parametrize("person", ["trainer", "qa_lead", "admin", "staff"])
def test_an_inactive_account_may_do_nothing(cast, person):
    user = cast.by_role(person)
    user.is_active = False
    user.save()
    assert not permissions.can_view_project_metrics(user, cast.project)
    assert not permissions.can_change_metrics_settings(user, cast.project)
    assert not permissions.can_view_own_work(user, cast.project)


def test_anonymous_may_do_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not permissions.can_view_project_metrics(anonymous, cast.project)
    assert not permissions.can_view_own_work(anonymous, cast.project)
