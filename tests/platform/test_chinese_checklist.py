"""Issue 19's project checklist and grouped project links in Chinese (tests/i18n.py says
how): the project page of a new Draft project (every step to do), half set up (a setter
told that an admin does the rest), paused, and set up (the checklist folded), for each role
that sees it, and the settings page with its review policy and check settings links. Each
renders in English (and must show English words there), then in Simplified and Hong Kong
Traditional Chinese with none left."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tasks.models import ProjectStatus, Role
from tasks.services import guideline_rule_add, guidelines_publish
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.i18n import (  # noqa: F401 (an autouse fixture)
    assert_translated,
    back_to_english,
    compile_catalogs,
    data_words,
)

pytestmark = pytest.mark.django_db

PAGES = {"project-detail", "project-settings"}
# A technical name the catalogs keep in Latin letters ("Webhooks" is "Webhook" there).
# and the remote media help's example host, which stays Latin.
TECHNICAL_HERE = {"Webhook", "images", "example", "com"}


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


def test_a_new_draft_project_s_checklist_is_all_chinese(client, cast):
    creator = UserFactory(username="creator")
    project = ProjectFactory(name="Fresh", description="Nothing yet.", status=ProjectStatus.DRAFT)
    MembershipFactory(project=project, user=creator, role=Role.ADMIN)
    client.force_login(creator)
    exempt = data_words(cast, "creator") | TECHNICAL_HERE
    assert_translated(client, reverse("project-detail", args=[project.pk]), exempt)
    assert_translated(client, reverse("project-settings", args=[project.pk]), exempt)
    # a trainer alone: the members step names what is missing
    MembershipFactory(project=project, role=Role.TRAINER)
    assert_translated(client, reverse("project-detail", args=[project.pk]), exempt)


@pytest.mark.parametrize("person", ["setter", "admin", "staff", "trainer", "qa_lead"])
def test_the_half_set_up_project_page_is_all_chinese_for_each_role(client, cast, mcq, person):
    cast.project.status = ProjectStatus.DRAFT
    cast.project.save()
    guideline_rule_add(project=cast.project, title="Be kind", by=cast.setter)
    guidelines_publish(project=cast.project, note="First", by=cast.setter)
    client.force_login(cast.by_role(person))
    exempt = data_words(cast, mcq["template"].name, cast.staff.username) | TECHNICAL_HERE
    assert_translated(client, reverse("project-detail", args=[cast.project.pk]), exempt)


@pytest.mark.parametrize("status", [ProjectStatus.PAUSED, ProjectStatus.ACTIVE])
def test_a_paused_and_a_set_up_project_page_are_all_chinese(client, cast, mcq, status):
    guideline_rule_add(project=cast.project, title="Be kind", by=cast.setter)
    guidelines_publish(project=cast.project, note="First", by=cast.setter)
    cast.project.status = status
    cast.project.save()
    client.force_login(cast.admin)
    exempt = data_words(cast, mcq["template"].name) | TECHNICAL_HERE
    assert_translated(client, reverse("project-detail", args=[cast.project.pk]), exempt)


def test_the_settings_page_s_review_links_are_all_chinese_for_a_setter(client, cast):
    client.force_login(cast.setter)
    url = reverse("project-settings", args=[cast.project.pk])
    assert_translated(client, url, data_words(cast) | TECHNICAL_HERE)
