# ruff: noqa: F811 - imported fixtures
"""The buttons and forms that POST and then redirect to a page with a flashed message (or
show a page again with a refusal), done by a browser asking for Simplified (``zh-CN``) or
Hong Kong Chinese (``zh-HK``).

Each test does the action as the role allowed to, follows the redirect and checks that
(a) the action did what it should, (b) the page it lands on shows the action's message,
and in Chinese, and (c) the page shows no English interface words (tests/i18n.py says how);
then one refusal of the action (a bad value, a second cancel ...), in Chinese too. The
page-rendering tests (the other test_chinese_*.py, each with ``PAGES``) cover the pages
themselves; these cover the messages the actions add to them.

Actions without a refusal of their own are checked without one: webhook-toggle,
webhook-rotate and webhook-test (any webhook may be toggled, rotated or tested) and logout.
Some succeed without a message: webhook-rotate shows the new secret instead, review-hold and
review-next open the review page, submission-revise (a GET) opens the workspace,
template-preview answers with an HTML fragment; the refusals of review-hold, review-next
(nothing waiting) and submission-revise are flashed. set-language answers with a redirect
and a cookie, and its refusal is plain text.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from tests.i18n import (  # noqa: F401 (an autouse fixture)
    CHINESE,
    back_to_english,
    compile_catalogs,
    data_words,
    untranslated,
    words_of,
)
from tests.imports.conftest import TEMPLATE, media_storage, pairwise  # noqa: F401
from tests.platform.test_chinese_data import DATA_TECHNICAL
from tests.platform.test_chinese_pages import EXAMPLE_HOST, RUBRIC_FORMATS, _reviewdata_words
from tests.reviews.conftest import reviewing  # noqa: F401 (a fixture)
from tests.tasks.rubric_fixtures import World, build_world

pytestmark = pytest.mark.django_db

# The URL names of the actions these tests do in Chinese (test_chinese_coverage.py adds them
# up with the PAGES of the other modules).
ACTIONS = {
    "export-cancel", "import-cancel", "guidelines-acknowledge", "guidelines-intro",
    "guidelines-rule-edit", "guidelines-rule-retire", "member-role", "project-remote-media",
    "review-bulk-accept", "review-hold", "review-next", "review-release", "rubric-clone",
    "rubric-create", "rubric-import", "rubric-pin", "rubric-publish", "rubric-share",
    "rubric-version-retire", "submission-revise", "task-assign", "task-gold",
    "task-gold-remove", "task-settings", "template-preview", "template-use-gallery",
    "webhook-rotate", "webhook-test", "webhook-toggle", "logout", "set-language",
}  # fmt: skip

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


@pytest.fixture(params=sorted(CHINESE))
def language(request) -> str:
    """Each test runs once per Chinese (fresh data each time)."""
    return request.param


def post(client, url: str, language: str, data=None, **kwargs):
    """POST as a browser asking for ``language``, following the redirect."""
    return client.post(
        url, data or {}, HTTP_ACCEPT_LANGUAGE=CHINESE[language], follow=True, **kwargs
    )


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def shows(
    response,
    language: str,
    exempt: set[str],
    *,
    status: int = 200,
    message: bool = True,
    refusal: bool = False,
) -> str:
    """The page the action ended on: ``status``, in ``language``, with the action's message
    (when ``message``) in Chinese, and no English interface words. A ``refusal`` shown on
    the form's page again (instead of a flashed message) is marked as an error there."""
    assert response.status_code == status, response.content[:500]
    assert response.headers["Content-Language"] == language
    html = response.content.decode()
    if refusal:
        assert 'class="error' in html or 'role="alert"' in html, "no refusal on the page"
    if message and not refusal:
        found = flashed(response)
        assert found, "the action flashed no message"
        for text in found:
            assert HAN.search(text), f"{language}: an English message: {text!r}"
            assert escape(text) in html, f"the message is not on the page: {text!r}"
    left = untranslated(html, exempt=exempt)
    assert not left, f"{language}: untranslated interface text: {left}"
    return html


# --- exports and imports ---------------------------------------------------------------------


def test_export_cancel_and_a_second_cancel(client, cast, language):
    from exports.models import ExportJob, ExportStatus

    job = ExportJob.objects.create(
        project=cast.project, created_by=cast.admin, format="jsonl", status=ExportStatus.QUEUED
    )
    client.force_login(cast.admin)
    url = reverse("export-cancel", args=[job.pk])
    exempt = data_words(cast, DATA_TECHNICAL)

    # when: cancelled while queued
    response = post(client, url, language)

    # then: it ended, and the export's page says so
    job.refresh_from_db()
    assert job.status == ExportStatus.CANCELLED
    shows(response, language, exempt)
    # and: a second cancel is refused (it has ended)
    shows(post(client, url, language), language, exempt)


def test_import_cancel_and_a_second_cancel(client, cast, pairwise, language):
    from imports.models import ImportStatus
    from imports.services import import_create

    job = import_create(
        project=cast.project, by=cast.setter, upload=SimpleUploadedFile("t.jsonl", b"{}\n")
    )
    client.force_login(cast.setter)
    url = reverse("import-cancel", args=[job.pk])
    exempt = data_words(cast, DATA_TECHNICAL, TEMPLATE, "t.jsonl")

    response = post(client, url, language)

    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED
    shows(response, language, exempt)
    shows(post(client, url, language), language, exempt)


# --- webhooks --------------------------------------------------------------------------------


@pytest.fixture
def hook(cast):
    from tests.integrations.factories import make_webhook

    return make_webhook(cast, "https://hooks.example.com/in")[0]


def _webhook_words(cast):
    from integrations.models import WebhookEvent

    return data_words(cast, DATA_TECHNICAL, "hooks.example.com/in", WebhookEvent.values)


def test_webhook_toggle(client, cast, hook, language):
    client.force_login(cast.admin)
    url = reverse("webhook-toggle", args=[hook.pk])
    exempt = _webhook_words(cast)

    # disabled, then enabled again: each says so on the webhooks page
    for enable in ("0", "1"):
        response = post(client, url, language, {"enable": enable})

        hook.refresh_from_db()
        assert hook.is_active is (enable == "1")
        shows(response, language, exempt)


def test_webhook_rotate_shows_the_new_secret(client, cast, hook, language):
    client.force_login(cast.admin)
    old = hook.secret

    response = post(client, reverse("webhook-rotate", args=[hook.pk]), language)

    hook.refresh_from_db()
    assert hook.secret != old
    # the page shows the secret once, instead of a message
    html = shows(response, language, _webhook_words(cast) | words_of([hook.secret]), message=False)
    assert hook.secret in html


def test_webhook_test_queues_a_delivery(client, cast, hook, language):
    client.force_login(cast.admin)

    response = post(client, reverse("webhook-test", args=[hook.pk]), language)

    assert hook.deliveries.filter(event="webhook.test").count() == 1
    shows(response, language, _webhook_words(cast))


# --- the project's settings and members ------------------------------------------------------


def test_member_role_and_a_bad_role(client, cast, language):
    membership = cast.project.memberships.get(user=cast.trainer)
    client.force_login(cast.admin)
    url = reverse("member-role", args=[cast.project.pk, membership.pk])
    exempt = data_words(cast, str(cast.admin), cast.admin.username, EXAMPLE_HOST)

    response = post(client, url, language, {"role": "qa_lead"})

    membership.refresh_from_db()
    assert membership.role == "qa_lead"
    shows(response, language, exempt)
    # refused: a role that does not exist, and the project's last admin stepping down
    shows(post(client, url, language, {"role": "boss"}), language, exempt)
    admin = cast.project.memberships.get(user=cast.admin)
    refused = post(
        client,
        reverse("member-role", args=[cast.project.pk, admin.pk]),
        language,
        {"role": "trainer"},
    )
    admin.refresh_from_db()
    assert admin.role == "admin"
    shows(refused, language, exempt)


def test_remote_media_hosts_and_a_bad_host(client, cast, language):
    client.force_login(cast.admin)
    url = reverse("project-remote-media", args=[cast.project.pk])
    exempt = data_words(cast, str(cast.admin), cast.admin.username, EXAMPLE_HOST)

    response = post(client, url, language, {"remote_media_hosts": "images.example.com"})

    cast.project.refresh_from_db()
    assert cast.project.remote_media_hosts == ["images.example.com"]
    shows(response, language, exempt)
    # refused: not a host name; the settings page shows again with the field's message
    refused = post(client, url, language, {"remote_media_hosts": "http://bad host/"})
    # the posted entry, and the scheme the message names
    exempt |= words_of(["http://bad host/", "https"])
    shows(refused, language, exempt, status=400, refusal=True)
    cast.project.refresh_from_db()
    assert cast.project.remote_media_hosts == ["images.example.com"]


# --- guidelines and rubrics ------------------------------------------------------------------


@pytest.fixture
def world(cast) -> World:
    return build_world(cast)


def _world_words(cast, world: World, *extra) -> set[str]:
    world.rubric.refresh_from_db()
    return data_words(
        cast,
        world.rubric.title,
        world.rubric.draft_content,
        world.v1.content,
        "First version",
        "First guidelines",
        "Listen **twice**.",
        "The answer must not exceed the option range",
        "Mark swallowed syllables",
        "Note nasal finals",
        "Product images",
        RUBRIC_FORMATS,
        "v1",
        # the JSON the editors' text areas hold is data too
        "true",
        "false",
        "null",
        "JavaScript",
        *extra,
    )


def test_guidelines_acknowledge_and_an_unknown_version(client, cast, world, language):
    from tasks.models import GuidelineAcknowledgement

    client.force_login(cast.trainer)
    url = reverse("guidelines-acknowledge", args=[cast.project.pk])
    back = reverse("guidelines", args=[cast.project.pk])
    exempt = _world_words(cast, world)

    response = post(client, url, language, {"version": 1, "next": back})

    assert GuidelineAcknowledgement.objects.filter(trainer=cast.trainer, version=1).exists()
    shows(response, language, exempt)
    shows(post(client, url, language, {"version": 9, "next": back}), language, exempt)


def _revision(project) -> int:
    from tasks.services import guidelines_draft

    return guidelines_draft(project).revision


def test_guidelines_intro_and_a_stale_draft(client, cast, world, language):
    from tasks.services import guidelines_draft

    client.force_login(cast.setter)
    url = reverse("guidelines-intro", args=[cast.project.pk])
    stale = _revision(cast.project)
    exempt = _world_words(cast, world, "Listen three times.")

    response = post(
        client, url, language, {"intro": "Listen three times.", "expected_revision": stale}
    )

    assert guidelines_draft(cast.project).intro == "Listen three times."
    shows(response, language, exempt)
    # refused: saved over a draft someone changed since (the editor shows again)
    refused = post(client, url, language, {"intro": "Listen once.", "expected_revision": stale})
    shows(refused, language, exempt | {"once"}, status=409, refusal=True)
    assert guidelines_draft(cast.project).intro == "Listen three times."


def test_guidelines_rule_edit_and_an_empty_title(client, cast, world, language):
    from tasks.services import guidelines_draft

    client.force_login(cast.setter)
    url = reverse("guidelines-rule-edit", args=[cast.project.pk, "R2"])
    exempt = _world_words(cast, world, "Mark swallowed and merged syllables")

    response = post(client, url, language, {"title": "Mark swallowed and merged syllables"})

    rules = {rule["id"]: rule for rule in guidelines_draft(cast.project).rules}
    assert rules["R2"]["title"] == "Mark swallowed and merged syllables"
    shows(response, language, exempt)
    refused = post(client, url, language, {"title": "  "})
    shows(refused, language, exempt, status=400, refusal=True)


def test_guidelines_rule_retire_and_a_second_retire(client, cast, world, language):
    from tasks.services import guidelines_draft

    client.force_login(cast.setter)
    exempt = _world_words(cast, world, "Models no longer do this")

    def retire(rule_id: str):
        url = reverse("guidelines-rule-retire", args=[cast.project.pk, rule_id])
        return post(client, url, language, {"reason": "Models no longer do this"})

    # a published rule is retired; a rule never published (R3) is removed
    for rule_id in ("R1", "R3"):
        shows(retire(rule_id), language, exempt)
    rules = {rule["id"]: rule for rule in guidelines_draft(cast.project).rules}
    assert rules["R1"]["status"] == "retired" and "R3" not in rules
    # refused: R1 is retired already
    shows(retire("R1"), language, exempt, status=409, refusal=True)


def test_rubric_create_and_an_empty_title(client, cast, world, language):
    from rubrics.models import Rubric

    client.force_login(cast.setter)
    url = reverse("rubric-create", args=[cast.project.pk])
    exempt = _world_words(cast, world, "Tone of voice")

    response = post(client, url, language, {"title": "Tone of voice"})

    assert Rubric.objects.filter(title="Tone of voice").exists()
    shows(response, language, exempt)
    shows(post(client, url, language, {"title": "  "}), language, exempt)


# The JSON keys of the rubric formats the import refusal names: keys stay in Latin letters.
RUBRIC_KEYS = words_of(
    ["criteria", "criterion", "points", "tags", "rubrics", "title", "description", "weight",
     "score1_description", "score5_description"]
)  # fmt: skip


def test_rubric_import_and_a_bad_file(client, cast, world, language):
    from rubrics.models import Rubric

    client.force_login(cast.setter)
    url = reverse("rubric-import", args=[cast.project.pk])
    rows = [{"title": "Kind to the reader", "description": "", "weight": 3}]
    exempt = _world_words(cast, world, "RaR", rows)

    upload = io.BytesIO(json.dumps(rows).encode())
    upload.name = "rar.json"
    response = post(client, url, language, {"title": "RaR", "shape": "rar", "file": upload})

    # the editor of the new draft, whose JSON text area holds the imported criteria
    imported = Rubric.objects.get(title="RaR")
    exempt |= words_of([imported.draft_content])
    shows(response, language, exempt)
    # refused: a file of no known shape; the rubric page shows again with the reason
    odd = io.BytesIO(b'{"questions": []}')
    odd.name = "odd.json"
    refused = post(client, url, language, {"title": "Odd", "file": odd})
    shows(refused, language, exempt | {"Odd"} | RUBRIC_KEYS, status=400, refusal=True)


def test_rubric_publish_and_an_empty_note(client, cast, world, language):
    client.force_login(cast.setter)
    url = reverse("rubric-publish", args=[cast.project.pk, world.rubric.pk])
    exempt = _world_words(cast, world, "Second version")

    response = post(client, url, language, {"note": "Second version", "pin": "on"})

    cast.project.refresh_from_db()
    assert world.rubric.versions.count() == 2
    assert cast.project.rubric_version.number == 2
    shows(response, language, exempt)
    shows(post(client, url, language, {"note": ""}), language, exempt)
    assert world.rubric.versions.count() == 2


def test_rubric_pin_and_an_unknown_version(client, cast, world, language):
    from tasks.models import Project

    Project.objects.filter(pk=cast.project.pk).update(rubric_version=None)
    client.force_login(cast.setter)
    url = reverse("rubric-pin", args=[cast.project.pk])
    exempt = _world_words(cast, world)

    response = post(client, url, language, {"rubric": world.rubric.pk, "version": 1})

    cast.project.refresh_from_db()
    assert cast.project.rubric_version == world.v1
    shows(response, language, exempt)
    refused = post(client, url, language, {"rubric": world.rubric.pk, "version": 9})
    shows(refused, language, exempt)


def test_rubric_version_retire_and_an_empty_reason(client, cast, world, language):
    from rubrics.models import VersionStatus
    from tasks.services import project_rubric_publish

    project_rubric_publish(link=world.link, note="Second version", pin=True, by=cast.setter)
    client.force_login(cast.setter)
    url = reverse("rubric-version-retire", args=[cast.project.pk, world.rubric.pk, 1])
    exempt = _world_words(cast, world, "Second version", "Wrong weights")

    # refused first: a retirement needs its reason
    shows(post(client, url, language, {"reason": ""}), language, exempt)
    world.v1.refresh_from_db()
    assert world.v1.status != VersionStatus.RETIRED

    response = post(client, url, language, {"reason": "Wrong weights"})

    world.v1.refresh_from_db()
    assert world.v1.status == VersionStatus.RETIRED
    shows(response, language, exempt)


def test_rubric_clone_and_an_unknown_project(client, cast, world, language):
    from tasks.models import ProjectRubric

    client.force_login(cast.setter)
    url = reverse("rubric-clone", args=[cast.project.pk, world.rubric.pk])
    exempt = _world_words(cast, world, "Citations for images")

    response = post(
        client, url, language, {"project": world.second.pk, "title": "Citations for images"}
    )

    assert ProjectRubric.objects.filter(
        project=world.second, rubric__title="Citations for images"
    ).exists()
    shows(response, language, exempt)
    refused = post(client, url, language, {"project": 999_999, "back": "library"})
    shows(refused, language, exempt)


def test_rubric_share_and_a_second_share(client, cast, world, language):
    from tasks.models import ProjectRubric

    client.force_login(cast.setter)
    url = reverse("rubric-share", args=[cast.project.pk, world.rubric.pk])
    exempt = _world_words(cast, world)

    response = post(client, url, language, {"project": world.second.pk})

    assert ProjectRubric.objects.filter(project=world.second, owner=False).exists()
    shows(response, language, exempt)
    # refused: it is in that library already
    shows(post(client, url, language, {"project": world.second.pk}), language, exempt)


# --- templates -------------------------------------------------------------------------------


def _template_words(cast, *extra) -> set[str]:
    from tasks.gallery import gallery_template
    from tasks.template_definition import QUESTION_TYPES

    starter = gallery_template("multiple_choice")
    return data_words(
        cast,
        starter.definition,
        starter.name,
        starter.sample_task,
        "true",
        "false",
        "null",
        "n",
        "ITU-T P.800 ACR",
        *QUESTION_TYPES,  # machine names, listed as the allowed values
        *extra,
    )


def test_template_use_gallery_and_an_unknown_key(client, cast, language):
    client.force_login(cast.setter)
    url = reverse("template-use-gallery", args=[cast.project.pk])
    exempt = _template_words(cast)

    response = post(client, url, language, {"key": "multiple_choice"})

    assert cast.project.templates.count() == 1
    # the editor's version list shows the note the platform wrote, in the reader's language
    # (stored in English: annotation_platform.stored_text), as the API does
    shows(response, language, exempt)
    api = client.get(
        reverse("api-project-template", args=[cast.project.pk]),
        HTTP_ACCEPT_LANGUAGE=CHINESE[language],
    )
    note = api.json()["note"]
    assert HAN.search(note) and "Multiple-choice items" in note, note
    english = client.get(
        reverse("api-project-template", args=[cast.project.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["note"] == "Started from the gallery template “Multiple-choice items”."
    refused = post(client, url, language, {"key": "xyzzy"})
    shows(refused, language, exempt | words_of([repr("xyzzy")]))
    assert cast.project.templates.count() == 1


def test_template_preview_and_a_broken_definition(client, cast, language):
    from tasks.gallery import GALLERY_KEYS, gallery_template

    client.force_login(cast.setter)
    url = reverse("template-preview", args=[cast.project.pk])

    # the live preview: an HTML fragment of the trainer's view of each gallery template's
    # sample task (players, zoom, citations and counters have interface words)
    for key in GALLERY_KEYS:
        starter = gallery_template(key)
        form = {
            "definition": json.dumps(starter.definition),
            "sample_task": json.dumps(starter.sample_task),
        }
        exempt = data_words(cast, starter.definition, starter.sample_task, starter.name)
        shows(post(client, url, language, form), language, exempt, message=False)
    # refused: a definition that is not JSON, and one that breaks the template's rules
    exempt = _template_words(cast)
    for definition in ("{not json", json.dumps({"schema_version": 1, "questions": [{}]})):
        refused = post(client, url, language, {"definition": definition})
        html = shows(refused, language, exempt, status=400, refusal=True)
        assert HAN.search(html)


# --- tasks -----------------------------------------------------------------------------------


def _task_words(cast, mcq, *extra) -> set[str]:
    from tasks.gallery import gallery_template

    return data_words(
        cast,
        gallery_template("multiple_choice").definition,
        [task.data for task in mcq["tasks"]],
        "score",
        "value",
        "tolerance",
        *extra,
    )


def test_task_settings_and_a_bad_overlap(client, cast, mcq, language):
    task = mcq["tasks"][0]
    client.force_login(cast.setter)
    url = reverse("task-settings", args=[task.pk])
    exempt = _task_words(cast, mcq)

    response = post(client, url, language, {"priority": 5, "overlap": 2})

    task.refresh_from_db()
    assert (task.priority, task.overlap) == (5, 2)
    shows(response, language, exempt)
    refused = post(client, url, language, {"priority": 5, "overlap": 1000})
    shows(refused, language, exempt, status=400, refusal=True)
    task.refresh_from_db()
    assert task.overlap == 2


def test_task_assign_and_an_unknown_trainer(client, cast, mcq, language):
    task = mcq["tasks"][0]
    client.force_login(cast.setter)
    url = reverse("task-assign", args=[task.pk])
    exempt = _task_words(cast, mcq, "nobody")

    response = post(client, url, language, {"trainer": cast.trainer.username})

    assert task.assignments.filter(trainer=cast.trainer).exists()
    shows(response, language, exempt)
    refused = post(client, url, language, {"trainer": "nobody"})
    shows(refused, language, exempt, status=400, refusal=True)


def test_task_gold_and_an_answer_that_does_not_fit(client, cast, mcq, language):
    task = mcq["tasks"][0]
    client.force_login(cast.setter)
    url = reverse("task-gold", args=[task.pk])
    exempt = _task_words(cast, mcq, "Z")

    response = post(client, url, language, {"gold_answer": '{"answer": "B"}'})

    task.refresh_from_db()
    assert task.is_gold and task.gold_answer == {"answer": "B"}
    shows(response, language, exempt)
    # refused: an option the question does not have, and text that is not JSON
    for answer in ('{"answer": "Z"}', "{"):
        refused = post(client, url, language, {"gold_answer": answer})
        shows(refused, language, exempt, status=400, refusal=True)


def test_task_gold_remove_and_a_task_in_use(client, cast, mcq, language):
    from tasks.services import task_set_gold
    from tests.factories import submit

    gold, answered = mcq["tasks"][0], mcq["tasks"][1]
    task_set_gold(task=gold, gold_answer={"answer": "B"})
    submit(task=answered, author=cast.trainer, answer={"answer": "A"})
    client.force_login(cast.setter)
    exempt = _task_words(cast, mcq)

    response = post(client, reverse("task-gold-remove", args=[gold.pk]), language)

    gold.refresh_from_db()
    assert not gold.is_gold
    shows(response, language, exempt)
    # refused: a task someone answered keeps its gold status
    shows(post(client, reverse("task-gold-remove", args=[answered.pk]), language), language, exempt)


def test_submission_revise_and_a_reviewed_submission(client, cast, reviewing, language):
    from reviews.workflow import ReviewInput, review_submit

    open_one = reviewing["submit"](task=0, answer="A")
    decided = reviewing["submit"](task=1, answer="A")
    review_submit(
        submission=decided,
        reviewer=cast.qa_lead,
        data=ReviewInput(decision="accept", rubric_version=reviewing["version"].pk),
    )
    client.force_login(cast.trainer)
    exempt = _reviewdata_words(cast, reviewing)

    # the workspace opens on the submission to revise (a page, not a redirect)
    response = client.get(
        reverse("submission-revise", args=[open_one.pk]), HTTP_ACCEPT_LANGUAGE=CHINESE[language]
    )
    shows(response, language, exempt, message=False)
    assert response.context["submission"] == open_one
    # refused: a reviewed submission can no longer be revised
    refused = client.get(
        reverse("submission-revise", args=[decided.pk]),
        HTTP_ACCEPT_LANGUAGE=CHINESE[language],
        follow=True,
    )
    assert refused.redirect_chain[-1][0] == reverse("submission-detail", args=[decided.pk])
    shows(refused, language, exempt)


# --- reviews ---------------------------------------------------------------------------------


def test_review_bulk_accept_and_a_flagged_item(client, cast, reviewing, language):
    clean = reviewing["submit"](task=0, answer="A")
    failed = reviewing["submit"](task=1, answer="C")
    client.force_login(cast.qa_lead)
    url = reverse("review-bulk-accept", args=[cast.project.pk])
    exempt = _reviewdata_words(cast, reviewing)

    # refused: a flagged item in the selection (all or nothing), and an empty selection
    refused = post(client, url, language, {"submissions": [clean.pk, failed.pk]})
    shows(refused, language, exempt, status=400, refusal=True)
    shows(post(client, url, language, {}), language, exempt, status=400, refusal=True)
    clean.refresh_from_db()
    assert clean.status == "submitted"

    response = post(client, url, language, {"submissions": [clean.pk]})

    clean.refresh_from_db()
    assert clean.status == "accepted"
    shows(response, language, exempt)


def test_review_hold_and_work_someone_else_holds(client, cast, reviewing, language):
    from reviews.models import ReviewItem
    from reviews.workflow import review_lease

    mine = reviewing["submit"](task=0, answer="A")
    theirs = reviewing["submit"](task=1, answer="A")
    review_lease(submission=theirs, reviewer=cast.admin)
    client.force_login(cast.qa_lead)
    exempt = _reviewdata_words(cast, reviewing)

    # held: the review page opens (no message)
    response = post(client, reverse("review-hold", args=[mine.pk]), language)

    assert ReviewItem.objects.get(submission=mine).leased_by == cast.qa_lead
    shows(response, language, exempt, message=False)
    # refused: another reviewer holds it
    refused = post(client, reverse("review-hold", args=[theirs.pk]), language)
    shows(refused, language, exempt)
    assert ReviewItem.objects.get(submission=theirs).leased_by == cast.admin


def test_review_release_and_a_release_of_nothing_held(client, cast, reviewing, language):
    from reviews.models import ReviewItem
    from reviews.workflow import review_lease

    submission = reviewing["submit"](task=0, answer="A")
    review_lease(submission=submission, reviewer=cast.qa_lead)
    client.force_login(cast.qa_lead)
    url = reverse("review-release", args=[submission.pk])
    exempt = _reviewdata_words(cast, reviewing)

    response = post(client, url, language)

    assert ReviewItem.objects.get(submission=submission).leased_by is None
    shows(response, language, exempt)
    # refused: it is not held any more
    shows(post(client, url, language), language, exempt)


def test_review_next_and_an_empty_queue(client, cast, reviewing, language):
    from reviews.models import ReviewItem

    client.force_login(cast.qa_lead)
    url = reverse("review-next", args=[cast.project.pk])
    exempt = _reviewdata_words(cast, reviewing)

    # nothing waits, with and without filters: the queue says so
    shows(post(client, url, language), language, exempt)
    shows(post(client, url + "?risk=failed", language), language, exempt)
    # refused: a filter the queue does not understand, named with the values it takes (the
    # address's codes, which stay in Latin letters)
    refused = post(client, url + "?risk=purple", language)
    codes = {"purple", "failed", "warned", "clean"}
    shows(refused, language, exempt | codes, status=400, refusal=True)

    # when: a submission waits
    submission = reviewing["submit"](task=0, answer="C")
    response = post(client, url, language)

    # then: it is held and its review page opens (no message)
    assert ReviewItem.objects.get(submission=submission).leased_by == cast.qa_lead
    assert response.redirect_chain[-1][0].startswith(
        reverse("submission-review", args=[submission.pk])
    )
    shows(response, language, exempt, message=False)


# --- the account ------------------------------------------------------------------------------


def test_logout_lands_on_the_login_page_in_chinese(client, cast, language):
    client.force_login(cast.trainer)

    response = post(client, reverse("logout"), language)

    assert "_auth_user_id" not in client.session
    assert response.redirect_chain[-1][0] == reverse("login")
    shows(response, language, set(), message=False)


def test_set_language_switches_and_redirects_safely(client, cast, language):
    client.force_login(cast.trainer)
    url = reverse("set-language")
    back = reverse("my-work")

    response = client.post(url, {"language": language, "next": back}, HTTP_ACCEPT_LANGUAGE="en")

    assert (response.status_code, response["Location"]) == (302, back)
    assert response.cookies["django_language"].value == language
    cast.trainer.refresh_from_db()
    assert cast.trainer.language == language
    # the next page is in the chosen language, whatever the browser asks for
    page = client.get(back, HTTP_ACCEPT_LANGUAGE="en")
    assert page.headers["Content-Language"] == language
    # another site is never a place to go back to
    away = client.post(url, {"language": language, "next": "https://evil.example.com/"})
    assert away["Location"] == reverse("dashboard")
    # refused: a language the site does not offer, said in the language asked for
    refused = client.post(url, {"language": "xx"}, HTTP_ACCEPT_LANGUAGE=CHINESE[language])
    assert refused.status_code == 400
    text = refused.content.decode()
    assert HAN.search(text) and not untranslated(f"<p>{text}</p>", exempt={"xx"}), text
