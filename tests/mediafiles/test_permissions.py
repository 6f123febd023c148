import pytest
from django.contrib.auth.models import AnonymousUser

from mediafiles.permissions import can_view_media
from mediafiles.services import media_record
from tests.conftest import ALL_PEOPLE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MAY_VIEW = {"trainer", "setter", "qa_lead", "admin", "staff"}


@pytest.fixture
def key(cast):
    media_record(project_id=cast.project.pk, keys=["tts/clip.wav"])
    return "tts/clip.wav"


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_members_of_a_referencing_project_and_staff_may_view_a_key(cast, key, person):
    assert can_view_media(cast.by_role(person), key) is (person in MAY_VIEW)


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_a_key_no_project_references_is_viewable_by_no_one(cast, key, person):
    assert can_view_media(cast.by_role(person), "tts/other.wav") is False


def test_a_superuser_who_is_not_staff_may_view(key):
    assert can_view_media(UserFactory(is_superuser=True), key)


def test_an_inactive_member_or_anonymous_may_not(cast, key):
    cast.trainer.is_active = False
    assert not can_view_media(cast.trainer, key)
    assert not can_view_media(AnonymousUser(), key)


def test_the_outsider_may_view_once_their_project_references_the_key(cast, key):
    (membership,) = cast.outsider.memberships.all()
    media_record(project_id=membership.project_id, keys=[key])
    assert can_view_media(cast.outsider, key)


@pytest.mark.parametrize("person", ["trainer", "outsider", "staff"])
def test_the_check_is_one_query(cast, key, person, django_assert_num_queries):
    user = cast.by_role(person)
    with django_assert_num_queries(1):
        can_view_media(user, key)


@pytest.mark.postgres
def test_the_check_uses_the_key_index(cast, key):
    from django.db import connection

    from mediafiles.models import MediaReference
    from tasks.models import Membership

    memberships = Membership.objects.filter(user=cast.trainer).values("project_id")
    query = MediaReference.objects.filter(key=key, project_id__in=memberships)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables: force the planner's hand
        plan = query.explain()
    assert "media_reference_unique" in plan
