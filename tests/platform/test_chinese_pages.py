# ruff: noqa: RUF001, F811 - Chinese punctuation on purpose; `reviewing` is an imported fixture
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
- anyone: the log-in page;
- QA lead: the review queue, a submission's review page (held, and decided with its
  reviews), the review log, the review form's refusal; the author's outcome on their
  submission page, with the return reasons stored in their language;
- question-setter: the template editor with its gallery, a template version's page, the
  guidelines editor (with pending changes) and the guidelines history; the task list
  (filtered too, and its refusal of a bad batch) and a task's page (held and skipped,
  assigned, gold with its expected answer); the project settings page's remote media part
  and the members list; the project's rubric page (none pinned, and a pinned version with
  the reviewer's view of its criteria, also as the QA lead sees it), a rubric's version
  history and its version pages (in force, superseded and retired), the rubric library
  (empty, and with clone and share forms);
- project admin: the project settings page with every section (and a refused distribution
  form) and the members page with its forms;
- site staff: the new-project form.

The other areas have their own modules (test_chinese_reviews, _rubrics, _quality, _data,
_errors, _confirm, _rspeed, _actions), and test_chinese_coverage.py checks that every page of
the site is in one of their PAGES or ACTIONS.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tasks.gallery import GALLERY_KEYS, gallery_template
from tasks.services.guidelines import (
    guideline_rule_add,
    guidelines_publish,
    guidelines_update_intro,
)
from tests.e2e.workspace_fixtures import setup_gallery
from tests.factories import ProjectFactory, submit
from tests.i18n import (  # noqa: F401 (an autouse fixture)
    CHINESE,
    assert_translated,
    back_to_english,
    compile_catalogs,
    data_words,
    untranslated,
    words_of,
)
from tests.reviews.conftest import REVIEW_RUBRIC, reviewing  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

# The URL names this module renders in Chinese (test_chinese_coverage.py adds them up).
PAGES = {
    "dashboard", "login", "password_change", "password_change_done", "project-detail",
    "work-start", "task-work", "submission-list", "submission-detail", "my-work",
    "guidelines", "guidelines-edit", "guidelines-versions", "review-queue", "review-log",
    "submission-review", "template-editor", "template-version", "project-tasks",
    "task-detail", "project-settings", "project-distribution", "project-members",
    "project-new", "project-rubric", "rubric-library", "rubric-versions", "rubric-version",
}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


@pytest.mark.parametrize("key", GALLERY_KEYS)
def test_trainer_workspace_is_all_chinese(client, cast, key):
    # given: the trainer holds a task of this gallery template
    work = setup_gallery(cast, key)
    starter = gallery_template(key)
    client.force_login(cast.trainer)
    exempt = data_words(cast, starter.definition, starter.sample_task, starter.name)

    # then
    assert_translated(client, work.work_url(), exempt)


def test_trainer_pages_are_all_chinese(client, cast):
    # given: a submitted answer, so the lists and the submission page have rows
    work = setup_gallery(cast, "multiple_choice")
    starter = gallery_template("multiple_choice")
    submission, _ = submit(task=work.task, author=cast.trainer, answer=starter.sample_answer)
    client.force_login(cast.trainer)
    exempt = data_words(cast, starter.definition, starter.sample_task, starter.sample_answer)
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
        assert_translated(client, url, exempt)


def test_no_work_page_is_all_chinese(client, cast):
    # given: a project the trainer is in whose setter has not written a template yet
    empty = ProjectFactory(name="Empty project")
    empty.memberships.create(user=cast.trainer, role="trainer")
    client.force_login(cast.trainer)

    # then
    assert_translated(client, reverse("work-start", args=[empty.pk]), data_words(cast))


def test_guidelines_and_their_notice_are_all_chinese(client, cast):
    # given: published guidelines the trainer has not read yet
    work = setup_gallery(cast, "pairwise")
    starter = gallery_template("pairwise")
    content = ["Judge the replies.", "Prefer the honest reply", "Always."]
    guidelines_update_intro(project=cast.project, intro=content[0], by=cast.setter)
    guideline_rule_add(project=cast.project, title=content[1], text=content[2], by=cast.setter)
    guidelines_publish(project=cast.project, note="First version", by=cast.setter)
    client.force_login(cast.trainer)
    exempt = data_words(cast, starter.definition, starter.sample_task, content, "First version")

    # then: the guidelines page, and the workspace the notice blocks
    assert_translated(client, reverse("guidelines", args=[cast.project.pk]), exempt)
    assert_translated(client, work.work_url(), exempt)


def test_login_page_is_all_chinese(client):
    assert_translated(client, reverse("login"), set())


# --- the QA lead's review pages (issue 18, part 2) -------------------------------------------


def _reviewdata_words(cast, reviewing) -> set[str]:
    from reviews.workflow.reading import author_alias
    from tasks.gallery import gallery_template as starter_of

    starter = starter_of("multiple_choice")
    # The pseudonyms' codes (the policy hides names): "Trainer 3F2A1C" shows "3F2A1C".
    codes = [
        author_alias(cast.project.pk, person.pk).split()[-1]
        for person in (cast.trainer, reviewing["trainer2"])
    ]
    return data_words(
        cast,
        codes,
        starter.definition,
        starter.name,
        REVIEW_RUBRIC,
        [task.data for task in reviewing["tasks"]],
        "MCQ quality",
        "Answer in English",
        "R1",
        "trainer-two",
        "Telemetry fail",
        "Telemetry warn",
        "Say why A is right.",
        "Checked twice.",
    )


def test_qa_lead_review_pages_are_all_chinese(client, cast, reviewing):
    # given: a failed item, a clean one answered by a second trainer on the same task, and
    # one the QA lead returned for rework with a rubric criterion and a guideline rule
    from reviews.workflow import ReviewInput, review_lease, review_submit
    from tasks.services import task_update_settings

    task_update_settings(task=reviewing["tasks"][0], overlap=2)
    failed = reviewing["submit"](task=0, answer="C")
    reviewing["submit"](author=reviewing["trainer2"], task=0, answer="B")
    returned = reviewing["submit"](author=reviewing["trainer2"], task=1, answer="A")
    review_submit(
        submission=returned,
        reviewer=cast.qa_lead,
        data=ReviewInput(
            decision="return",
            judgments={"correct": {"met": False}, "clear": {"level": 1}},
            reasons=[{"criterion": "correct"}, {"rule": "R1"}],
            comment="Say why A is right.",
            private_note="Checked twice.",
            rubric_version=reviewing["version"].pk,
            revision=returned.revision,
        ),
    )
    review_lease(submission=failed, reviewer=cast.qa_lead)
    client.force_login(cast.qa_lead)
    exempt = _reviewdata_words(cast, reviewing)
    project = cast.project.pk

    # then: the queue, the review page held and the decided one with its review, the log
    for url in (
        reverse("review-queue", args=[project]),
        reverse("submission-review", args=[failed.pk]),
        reverse("submission-review", args=[returned.pk]),
        reverse("review-log", args=[project]),
    ):
        assert_translated(client, url, exempt)


def test_review_form_errors_are_all_chinese(client, cast, reviewing):
    # given: a QA lead who returns work without saying why
    failed = reviewing["submit"](task=0, answer="C")
    client.force_login(cast.qa_lead)
    url = reverse("submission-review", args=[failed.pk])
    data = {"decision": "return", "rubric_version": reviewing["version"].pk, "revision": 1}

    for language, header in CHINESE.items():
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=header)

        # then: the refusal and the field messages are in Chinese too
        assert response.status_code == 400
        html = response.content.decode()
        left = untranslated(html, exempt=_reviewdata_words(cast, reviewing))
        assert not left, f"{language}: {left}"
        assert ("请说明理由" if language == "zh-hans" else "請說明理由") in html


def test_returned_work_reads_in_the_authors_language(client, cast, reviewing):
    # given: a trainer who chose Hong Kong Chinese, and a QA lead working in English
    from reviews.workflow import ReviewInput, review_submit

    author = reviewing["trainer2"]
    author.language = "zh-hant"
    author.save(update_fields=["language"])
    returned = reviewing["submit"](author=author, task=1, answer="A")

    # when: the QA lead returns it with a criterion and a rule
    review_submit(
        submission=returned,
        reviewer=cast.qa_lead,
        data=ReviewInput(
            decision="return",
            judgments={"correct": {"met": False}, "clear": {"level": 1}},
            reasons=[{"criterion": "correct"}, {"rule": "R1"}],
            comment="Say why A is right.",
            rubric_version=reviewing["version"].pk,
            revision=returned.revision,
        ),
    )

    # then: the reasons stored for the author are written in the author's language
    returned.refresh_from_db()
    assert returned.return_reasons == [
        "評分項「Picks the correct option」（correct）",
        "規範條目 R1：Answer in English",
        "Say why A is right.",
    ]
    # and: their submission page, with the review's outcome, is all Chinese
    client.force_login(author)
    response = client.get(reverse("submission-detail", args=[returned.pk]))
    assert response.headers["Content-Language"] == "zh-hant"
    html = response.content.decode()
    assert not untranslated(html, exempt=_reviewdata_words(cast, reviewing))
    assert "審核結果：" in html


# --- the question-setter's template pages (issue 18, part 2) ---------------------------------


def test_setter_template_pages_are_all_chinese(client, cast, mcq):
    # given: a project with the multiple-choice template and tasks, seen by its setter
    starter = gallery_template("multiple_choice")
    client.force_login(cast.setter)
    exempt = data_words(
        cast,
        starter.definition,
        starter.name,
        [task.data for task in mcq["tasks"]],
        # the JSON the editor's text areas hold is data too ("\\n" escapes included)
        "true",
        "false",
        "null",
        "n",
        # a standard named in a gallery description
        "ITU-T P.800 ACR",
    )
    project = cast.project.pk

    # then: the editor (with its gallery) and a saved version with its preview
    for url in (
        reverse("template-editor", args=[project]),
        reverse("template-version", args=[project, mcq["template"].version]),
    ):
        assert_translated(client, url, exempt)


def test_setter_guidelines_editor_and_history_are_all_chinese(client, cast):
    # given: published guidelines, then a draft with a new, a reworded and a retired rule
    from tasks.services.guidelines import guideline_rule_edit, guideline_rule_retire

    content = ["Judge the replies.", "Prefer the honest reply", "Always.", "Cite the source"]
    guidelines_update_intro(project=cast.project, intro=content[0], by=cast.setter)
    _, first = guideline_rule_add(
        project=cast.project, title=content[1], text=content[2], by=cast.setter
    )
    _, second = guideline_rule_add(project=cast.project, title=content[3], by=cast.setter)
    guidelines_publish(project=cast.project, note="First version", by=cast.setter)
    guideline_rule_edit(
        project=cast.project, rule_id=first["id"], title=content[1], text="Most of the time.",
        by=cast.setter,
    )  # fmt: skip
    guideline_rule_retire(
        project=cast.project, rule_id=second["id"], reason="Duplicated", by=cast.setter
    )
    guideline_rule_add(project=cast.project, title="Name the tool", by=cast.setter)
    client.force_login(cast.setter)
    exempt = data_words(
        cast, content, "First version", "Most of the time.", "Duplicated", "Name the tool"
    )

    # then
    for url in (
        reverse("guidelines-edit", args=[cast.project.pk]),
        reverse("guidelines-versions", args=[cast.project.pk]),
    ):
        assert_translated(client, url, exempt)


def test_new_project_page_is_all_chinese(client, cast):
    client.force_login(cast.staff)

    assert_translated(client, reverse("project-new"), data_words(cast, str(cast.staff)))


# --- the question-setter's task pages (issue 18, part 3) -------------------------------------


def test_setter_task_pages_are_all_chinese(client, cast, mcq):
    # given: a task held and skipped, one assigned, one gold with its expected answer
    from tasks.services import task_assign, task_lease, task_set_gold, task_skip

    first, second, third = mcq["tasks"]
    task_lease(task=first, trainer=cast.trainer)
    task_skip(task=first, trainer=cast.trainer, reason="Too vague")
    task_assign(task=second, trainer_identifier=cast.trainer.username, by=cast.setter)
    task_set_gold(task=third, gold_answer={"answer": "B"})
    starter = gallery_template("multiple_choice")
    client.force_login(cast.setter)
    exempt = data_words(
        cast,
        starter.definition,
        [task.data for task in mcq["tasks"]],
        "Too vague",
        # the gold answer's JSON keys, shown as an example in the form's help
        "score",
        "value",
        "tolerance",
    )
    project = cast.project.pk

    # then: the list (filtered too), a held and skipped task, an assigned one, a gold one
    for url in (
        reverse("project-tasks", args=[project]),
        reverse("project-tasks", args=[project]) + "?is_gold=true&ordering=-priority",
        reverse("task-detail", args=[first.pk]),
        reverse("task-detail", args=[second.pk]),
        reverse("task-detail", args=[third.pk]),
    ):
        assert_translated(client, url, exempt)


def test_setter_task_list_refusal_is_all_chinese(client, cast, mcq):
    client.force_login(cast.setter)
    url = reverse("project-tasks", args=[cast.project.pk])

    for language, header in CHINESE.items():
        response = client.post(url, {"tasks": "  "}, HTTP_ACCEPT_LANGUAGE=header)

        # then: the refusal of an empty batch is in Chinese
        assert response.status_code == 400
        left = untranslated(response.content.decode(), exempt=data_words(cast))
        assert not left, f"{language}: {left}"
        assert ("请粘贴" if language == "zh-hans" else "請貼上") in response.content.decode()


# --- the project admin's settings and members pages (issue 18, part 3) -----------------------

EXAMPLE_HOST = "images.example.com"  # the remote media help's example: a host name stays Latin


def test_project_settings_and_members_are_all_chinese(client, cast):
    # given: the project's admin, who sees every section, and its setter, who sees one
    project = cast.project.pk
    exempt = data_words(cast, str(cast.admin), cast.admin.username, EXAMPLE_HOST)

    for person in (cast.admin, cast.setter):
        client.force_login(person)

        # then
        for url in (
            reverse("project-settings", args=[project]),
            reverse("project-members", args=[project]),
        ):
            assert_translated(client, url, exempt)


def test_project_settings_refusal_is_all_chinese(client, cast):
    # given: an admin who asks for a lease longer than the form allows
    client.force_login(cast.admin)
    url = reverse("project-distribution", args=[cast.project.pk])
    data = {
        "default_overlap": 1,
        "lease_minutes": 100000,
        "max_leases_per_trainer": 1,
        "gold_rate": 0,
        "skip_flag_threshold": 3,
    }

    for language, header in CHINESE.items():
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=header)

        # then: the page and Django's own field message read in Chinese
        assert response.status_code == 400
        left = untranslated(response.content.decode(), exempt=data_words(cast, EXAMPLE_HOST))
        assert not left, f"{language}: {left}"


# --- the question-setter's rubric page (issue 18, part 3) ------------------------------------

# Names of rubric formats the import accepts: names, kept in Latin letters.
RUBRIC_FORMATS = "HealthBench, Rubrics-as-Rewards, Rubrics as Rewards, Prometheus"


def test_setter_project_rubric_page_is_all_chinese(client, cast, reviewing):
    # given: a pinned rubric version, seen by the setter (who may edit) and the QA lead
    exempt = _reviewdata_words(cast, reviewing) | words_of(["v1", RUBRIC_FORMATS])
    url = reverse("project-rubric", args=[cast.project.pk])

    for person in (cast.setter, cast.qa_lead):
        client.force_login(person)

        # then
        assert_translated(client, url, exempt)


def test_setter_project_rubric_page_without_a_rubric_is_all_chinese(client, cast):
    client.force_login(cast.setter)

    assert_translated(
        client,
        reverse("project-rubric", args=[cast.project.pk]),
        data_words(cast, RUBRIC_FORMATS),
    )


def test_setter_rubric_versions_and_version_pages_are_all_chinese(client, cast, reviewing):
    # given: version 1 superseded by a reworded version 2, then version 1 retired
    from rubrics.services import rubric_version_retire

    second = reviewing["publish_next"]()
    rubric_version_retire(version=reviewing["version"], reason="Too strict", by=cast.setter)
    client.force_login(cast.setter)
    rubric = reviewing["link"].rubric_id
    project = cast.project.pk
    exempt = _reviewdata_words(cast, reviewing) | words_of(
        ["v1", "reworded", "Too strict", "Picks the one correct option", RUBRIC_FORMATS]
    )

    # then: the history, and each version with its reviewer's view and export
    for url in (
        reverse("rubric-versions", args=[project, rubric]),
        reverse("rubric-version", args=[project, rubric, 1]),
        reverse("rubric-version", args=[project, rubric, second.number]),
    ):
        assert_translated(client, url, exempt)


def test_setter_rubric_library_is_all_chinese(client, cast, reviewing):
    # given: the setter designs a second project, so the rubric can be cloned and shared
    other = ProjectFactory(name="Second project")
    other.memberships.create(user=cast.setter, role="setter")
    client.force_login(cast.setter)
    exempt = _reviewdata_words(cast, reviewing) | words_of(["Second project"])

    # then
    assert_translated(client, reverse("rubric-library"), exempt)


def test_rubric_library_without_rubrics_is_all_chinese(client, cast):
    client.force_login(cast.setter)

    assert_translated(client, reverse("rubric-library"), data_words(cast))
