"""Pages rendered in Chinese show no English interface words (tests/i18n.py says how).

Each page is rendered for a browser asking for Simplified Chinese (``zh-CN``) and for Hong
Kong Traditional Chinese (``zh-HK``); a chunk of visible text, a title or an aria-label that
still holds an English word fails, unless the word is data the users wrote (the fixtures'
project names, template prompts and options, task data, answers, usernames) or a technical
name that Chinese text keeps in Latin letters. Each page is also rendered in English and
must be flagged there, so the check cannot pass by seeing nothing.

Pages covered so far (issue 18), by role:

- trainer: the dashboard, a project's page, the workspace with every gallery template (text,
  choices, rating, pairwise, ranking, spans, boxes, citations, rubric items; audio, images,
  conversations, responses), the "no work" page, the submission list, a submission's page,
  the guidelines page (none published, and a published version with its notice), My work
  (all projects and one project), the password pages;
- anyone: the log-in page.

Not yet covered: the pages of question-setters (template editor, tasks, rubrics, guidelines
editor), QA leads (review queue, reviews, quality, metrics), project admins (settings,
members, imports, exports, webhooks) and the API tokens page.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tasks.gallery import GALLERY_KEYS, gallery_template
from tasks.models import Project
from tasks.services.guidelines import (
    guideline_rule_add,
    guidelines_publish,
    guidelines_update_intro,
)
from tests.e2e.workspace_fixtures import setup_gallery
from tests.factories import ProjectFactory, submit
from tests.i18n import back_to_english, compile_catalogs, untranslated, words_of  # noqa: F401 (an autouse fixture)

pytestmark = pytest.mark.django_db

CHINESE = {"zh-hans": "zh-CN,zh;q=0.9", "zh-hant": "zh-HK,zh;q=0.9"}


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


def _data_words(cast, *extra) -> set[str]:
    projects = Project.objects.all()
    return words_of(
        [
            *(p.name for p in projects),
            *(p.description for p in projects),
            *(str(person) for person in (cast.trainer, cast.setter, cast.qa_lead, cast.admin)),
            *(person.username for person in (cast.trainer, cast.setter, cast.qa_lead)),
            *extra,
        ]
    )


def _assert_translated(client, url: str, exempt: set[str]) -> None:
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200, url
    assert untranslated(english.content.decode(), exempt=exempt), (
        f"{url}: the English page shows no English interface words: the check sees nothing"
    )
    for language, header in CHINESE.items():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=header)
        assert response.status_code == 200, url
        assert response.headers["Content-Language"] == language
        left = untranslated(response.content.decode(), exempt=exempt)
        assert not left, f"{url} in {language}: untranslated interface text: {left}"


@pytest.mark.parametrize("key", GALLERY_KEYS)
def test_trainer_workspace_is_all_chinese(client, cast, key):
    # given: the trainer holds a task of this gallery template
    work = setup_gallery(cast, key)
    starter = gallery_template(key)
    client.force_login(cast.trainer)
    exempt = _data_words(cast, starter.definition, starter.sample_task, starter.name)

    # then
    _assert_translated(client, work.work_url(), exempt)


def test_trainer_pages_are_all_chinese(client, cast):
    # given: a submitted answer, so the lists and the submission page have rows
    work = setup_gallery(cast, "multiple_choice")
    starter = gallery_template("multiple_choice")
    submission, _ = submit(task=work.task, author=cast.trainer, answer=starter.sample_answer)
    client.force_login(cast.trainer)
    exempt = _data_words(cast, starter.definition, starter.sample_task, starter.sample_answer)
    project = cast.project.pk

    for url in (
        reverse("dashboard"),
        reverse("project-detail", args=[project]),
        reverse("submission-list", args=[project]),
        reverse("submission-detail", args=[submission.pk]),
        reverse("guidelines", args=[project]),
        reverse("my-work"),
        reverse("my-work") + f"?project={project}",
        reverse("my-work") + f"?project={project}&status=returned",
        reverse("password_change"),
        reverse("password_change_done"),
    ):
        _assert_translated(client, url, exempt)


def test_no_work_page_is_all_chinese(client, cast):
    # given: a project the trainer is in whose setter has not written a template yet
    empty = ProjectFactory(name="Empty project")
    empty.memberships.create(user=cast.trainer, role="trainer")
    client.force_login(cast.trainer)

    # then
    _assert_translated(client, reverse("work-start", args=[empty.pk]), _data_words(cast))


def test_guidelines_and_their_notice_are_all_chinese(client, cast):
    # given: published guidelines the trainer has not read yet
    work = setup_gallery(cast, "pairwise")
    starter = gallery_template("pairwise")
    content = ["Judge the replies.", "Prefer the honest reply", "Always."]
    guidelines_update_intro(project=cast.project, intro=content[0], by=cast.setter)
    guideline_rule_add(project=cast.project, title=content[1], text=content[2], by=cast.setter)
    guidelines_publish(project=cast.project, note="First version", by=cast.setter)
    client.force_login(cast.trainer)
    exempt = _data_words(cast, starter.definition, starter.sample_task, content, "First version")

    # then: the guidelines page, and the workspace the notice blocks
    _assert_translated(client, reverse("guidelines", args=[cast.project.pk]), exempt)
    _assert_translated(client, work.work_url(), exempt)


def test_login_page_is_all_chinese(client):
    _assert_translated(client, reverse("login"), set())
