"""Rubric and guidelines pages: the same boundary as the API (404 outside the project, 403
inside it for a role that may not), the same services, and what each page shows."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse

from rubrics.models import Rubric, VersionStatus
from tasks.models import GuidelineAcknowledgement, GuidelineVersion, Project, ProjectRubric
from tasks.services import guideline_rule_retire, guidelines_acknowledge, guidelines_publish
from tests.conftest import ALL_PEOPLE
from tests.tasks.rubric_fixtures import CITATIONS, content, crit, rows

pytestmark = pytest.mark.django_db

DESIGNERS = dict(trainer=403, setter=200, qa_lead=403, admin=200, outsider=404, staff=200)
MEMBERS = dict(trainer=200, setter=200, qa_lead=200, admin=200, outsider=404, staff=200)

PAGES = {
    # name: (args beyond the project, query, expected status per person)
    "project-rubric": ((), "", MEMBERS),
    "rubric-editor": (("r",), "", DESIGNERS),
    "rubric-versions": (("r",), "", DESIGNERS),
    "rubric-version": (("r", 1), "", DESIGNERS),
    "rubric-diff": (("r",), "?from=1&to=draft", DESIGNERS),
    "rubric-export": (("r",), "?shape=rar&version=1", DESIGNERS),
    "guidelines": ((), "", MEMBERS),
    "guidelines-edit": ((), "", DESIGNERS),
    "guidelines-versions": ((), "", MEMBERS),
    "guidelines-version": ((1,), "", MEMBERS),
    "guidelines-diff": ((), "?from=0&to=1", MEMBERS),
}


def url(name: str, world, *args) -> str:
    resolved = [world.rubric.pk if arg == "r" else arg for arg in args]
    return reverse(name, args=[world.project.pk, *resolved])


@pytest.mark.parametrize("person", ALL_PEOPLE)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_answer_by_role(client, cast, world, page, person):
    args, query, statuses = PAGES[page]
    client.force_login(cast.by_role(person))

    response = client.get(url(page, world, *args) + query)

    assert response.status_code == statuses[person]


@pytest.mark.parametrize("page", ["project-rubric", "guidelines", "rubric-library"])
def test_anonymous_visitors_are_sent_to_login(client, world, page):
    target = reverse(page) if page == "rubric-library" else url(page, world)

    response = client.get(target)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


POSTS = {
    # name: (args, form data); allowed: setter, admin and staff; trainers and QA leads 403
    "rubric-create": ((), {"title": "New"}),
    "rubric-publish": (("r",), {"note": "v2"}),
    "rubric-version-retire": (("r", 1), {"reason": "Stale"}),
    "rubric-pin": ((), {"rubric": "r", "version": 1}),
    "rubric-clone": (("r",), {"project": "p"}),
    "guidelines-intro": ((), {"intro": "Hello"}),
    "guidelines-rule-add": ((), {"title": "New rule"}),
    "guidelines-rule-edit": (("R1",), {"title": "Renamed"}),
    "guidelines-rule-retire": (("R1",), {"reason": "Stale"}),
    "guidelines-publish": ((), {"note": "v2"}),
}


@pytest.mark.parametrize("person", ["trainer", "qa_lead", "outsider"])
@pytest.mark.parametrize("action", sorted(POSTS))
def test_actions_are_refused_to_those_who_may_not_and_write_nothing(
    client, cast, world, action, person
):
    args, data = POSTS[action]
    form = {k: {"r": world.rubric.pk, "p": world.project.pk}.get(v, v) for k, v in data.items()}
    client.force_login(cast.by_role(person))
    before = rows()

    response = client.post(url(action, world, *args), form)

    assert response.status_code == (404 if person == "outsider" else 403)
    assert rows() == before


@pytest.mark.parametrize("person", ["setter", "admin", "staff"])
@pytest.mark.parametrize("action", sorted(POSTS))
def test_actions_succeed_for_setters_admins_and_staff(client, cast, world, action, person):
    args, data = POSTS[action]
    form = {k: {"r": world.rubric.pk, "p": world.project.pk}.get(v, v) for k, v in data.items()}
    client.force_login(cast.by_role(person))
    if action == "rubric-pin":  # the world pins v1 already
        Project.objects.filter(pk=world.project.pk).update(rubric_version=None)
    if action == "rubric-version-retire":  # a pinned version needs a replacement (issue #19)
        Project.objects.filter(pk=world.project.pk).update(rubric_version=None)
    before = rows()

    response = client.post(url(action, world, *args), form)

    assert response.status_code == 302, response.content[:500]
    messages = [str(m) for m in response.wsgi_request._messages]
    assert not any("not" in m and "refused" in m for m in messages)
    assert rows() != before


# --- the rubric pages -------------------------------------------------------------------


def test_trainers_see_the_pinned_version_read_only(client, cast, world):
    client.force_login(cast.trainer)

    page = client.get(url("project-rubric", world)).content.decode()

    assert "Names the paper each claim rests on" in page  # v1, not the edited draft
    assert "official document" not in page
    assert "Create rubric" not in page and "Import" not in page


def test_the_editor_saves_the_draft_through_the_service(client, cast, world):
    client.force_login(cast.setter)
    edited = content(crit("only", 4, "Cites a primary source"))

    response = client.post(
        url("rubric-editor", world, "r"),
        {
            "title": "Citations",
            "tags": "humanities, citations",
            "description": "",
            "content": json.dumps(edited),
            "expected_revision": world.rubric.draft_revision,
        },
    )

    assert response.status_code == 302
    rubric = Rubric.objects.get(pk=world.rubric.pk)
    assert rubric.title == "Citations"
    assert rubric.tags == ["humanities", "citations"]
    assert rubric.draft_content["criteria"][0]["title"] == "Cites a primary source"


def test_the_editor_shows_each_error_with_its_path_and_saves_nothing(client, cast, world):
    client.force_login(cast.setter)
    bad = content(crit("a", title=""), crit("b", points="lots"))
    before = rows()

    response = client.post(
        url("rubric-editor", world, "r"),
        {"title": "Citation logic", "content": json.dumps(bad)},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "content.criteria[0].title" in page
    assert "content.criteria[1].points" in page
    assert rows() == before


def test_the_editor_refuses_content_that_is_not_json(client, cast, world):
    client.force_login(cast.setter)

    response = client.post(url("rubric-editor", world, "r"), {"title": "X", "content": "{"})

    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()


def test_a_stale_editor_does_not_overwrite_a_newer_draft(client, cast, world):
    client.force_login(cast.setter)

    response = client.post(
        url("rubric-editor", world, "r"),
        {"title": "Old", "content": json.dumps(CITATIONS), "expected_revision": 1},
    )

    assert response.status_code == 409
    assert "Someone else saved" in response.content.decode()


def test_the_preview_renders_a_reviewers_view_with_sanitised_markdown(client, cast, world):
    client.force_login(cast.setter)
    shown = content(
        crit("a", 3, "Sounds native", description="**Listen** <script>alert(1)</script>"),
        crit(
            "b",
            2,
            "Tone",
            scale={
                "type": "ordinal",
                "levels": [
                    {"value": 1, "descriptor": "Robotic"},
                    {"value": 2, "descriptor": "Human"},
                ],
            },
        ),
    )

    response = client.post(url("rubric-preview", world, "r"), {"content": json.dumps(shown)})

    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Listen</strong>" in page
    assert "<script>" not in page
    assert "Robotic" in page and "Met" in page


def test_the_preview_of_invalid_content_says_how_many_problems(client, cast, world):
    client.force_login(cast.setter)

    response = client.post(
        url("rubric-preview", world, "r"), {"content": json.dumps(content(crit("a", title="")))}
    )

    assert response.status_code == 400
    assert "1 problem" in response.content.decode()


def test_the_diff_page_lists_changes_criterion_by_criterion(client, cast, world):
    client.force_login(cast.setter)

    page = client.get(url("rubric-diff", world, "r")).content.decode()

    assert 'data-node-id="cites-paper"' in page
    assert "<del>Names the paper each claim rests on</del>" in page
    assert 'data-kind="added" data-node-id="enough-citations"' in page


def test_export_downloads_a_file(client, cast, world):
    client.force_login(cast.setter)

    response = client.get(url("rubric-export", world, "r") + "?shape=healthbench&version=1")

    assert response["Content-Disposition"] == (
        f'attachment; filename="rubric-{world.rubric.pk}-v1-healthbench.json"'
    )
    assert [item["points"] for item in json.loads(response.content)] == [5, 3, -5]


def test_import_shows_the_path_of_each_bad_item(client, cast, world):
    client.force_login(cast.setter)
    upload = io.BytesIO(json.dumps([{"criterion": "Fine", "points": "x"}]).encode())
    upload.name = "bad.json"
    before = rows()

    response = client.post(url("rubric-import", world), {"title": "Bad", "file": upload})

    assert response.status_code == 400
    assert "[0].points" in response.content.decode()
    assert rows() == before


def test_import_of_an_unknown_shape_names_the_known_ones(client, cast, world):
    client.force_login(cast.setter)
    upload = io.BytesIO(b'{"questions": []}')
    upload.name = "odd.json"

    response = client.post(url("rubric-import", world), {"title": "Odd", "file": upload})

    assert response.status_code == 400
    assert "Rubrics-as-Rewards" in response.content.decode()


def test_import_opens_the_new_draft(client, cast, world):
    client.force_login(cast.setter)
    upload = io.BytesIO(json.dumps([{"title": "Kind", "description": "", "weight": 3}]).encode())
    upload.name = "rar.json"

    response = client.post(
        url("rubric-import", world), {"title": "RaR", "shape": "rar", "file": upload}
    )

    imported = ProjectRubric.objects.get(rubric__title="RaR")
    assert response["Location"] == url("rubric-editor", world, imported.rubric_id)


def test_publish_refusal_is_shown_and_publishes_nothing(client, cast, world):
    client.force_login(cast.setter)

    response = client.post(url("rubric-publish", world, "r"), {"note": ""}, follow=True)

    assert "note" in response.content.decode()
    assert world.rubric.versions.count() == 1


def test_retiring_from_the_history_page(client, cast, world):
    client.force_login(cast.setter)
    client.post(url("rubric-publish", world, "r"), {"note": "v2", "pin": "on"})

    client.post(url("rubric-version-retire", world, "r", 1), {"reason": "Wrong weights"})

    world.v1.refresh_from_db()
    assert (world.v1.status, world.v1.retired_reason) == (VersionStatus.RETIRED, "Wrong weights")


def test_library_page_lists_rubrics_to_clone_and_share(client, cast, world):
    client.force_login(cast.setter)

    page = client.get(reverse("rubric-library")).content.decode()

    assert "Citation logic" in page
    assert "Share into" in page and "Product images" in page


def test_sharing_from_the_library_page(client, cast, world):
    client.force_login(cast.setter)

    client.post(url("rubric-share", world, "r"), {"project": world.second.pk})

    assert ProjectRubric.objects.filter(project=world.second, owner=False).exists()


def test_a_shared_in_project_sees_the_rubric_read_only(client, cast, world):
    from tasks.services import project_rubric_share

    project_rubric_share(link=world.link, into=world.second, by=cast.setter)
    client.force_login(cast.setter)

    page = client.get(reverse("rubric-editor", args=[world.second.pk, world.rubric.pk]))
    save = client.post(
        reverse("rubric-editor", args=[world.second.pk, world.rubric.pk]),
        {"title": "Mine", "content": json.dumps(CITATIONS)},
    )

    assert 'data-testid="read-only"' in page.content.decode()
    assert save.status_code == 403


# --- the guidelines pages -----------------------------------------------------------------


def test_guidelines_render_sanitised_markdown(client, cast, world):
    from tasks.services import guidelines_update_intro

    guidelines_update_intro(
        project=cast.project, intro="**Bold** <img src=x onerror=alert(1)>", by=cast.setter
    )
    guidelines_publish(project=cast.project, note="v2", by=cast.setter)
    client.force_login(cast.qa_lead)

    page = client.get(url("guidelines", world)).content.decode()

    assert "<strong>Bold</strong>" in page
    assert "<img" not in page  # raw HTML is shown as text, never as markup


def test_a_trainer_sees_the_notice_and_acknowledges_it_once(client, cast, world):
    guidelines_acknowledge(user=cast.trainer, project=cast.project, version=1)
    guideline_rule_retire(
        project=cast.project, rule_id="R1", reason="Models stay in range", by=cast.setter
    )
    guidelines_publish(project=cast.project, note="Retire R1", by=cast.setter)
    client.force_login(cast.trainer)

    page = client.get(url("guidelines", world)).content.decode()
    ack = client.post(
        reverse("guidelines-acknowledge", args=[cast.project.pk]),
        {"version": 2, "next": url("guidelines", world)},
    )
    again = client.get(url("guidelines", world)).content.decode()

    assert 'data-testid="guidelines-notice"' in page
    assert "Models stay in range" in page and "Note nasal finals" in page
    assert ack["Location"] == url("guidelines", world)
    assert 'data-testid="guidelines-notice"' not in again
    assert GuidelineAcknowledgement.objects.filter(trainer=cast.trainer, version=2).count() == 1


@pytest.mark.parametrize("person", ["setter", "qa_lead", "admin", "staff"])
def test_only_trainers_get_the_notice(client, cast, world, person):
    client.force_login(cast.by_role(person))

    page = client.get(url("guidelines", world)).content.decode()
    ack = client.post(reverse("guidelines-acknowledge", args=[cast.project.pk]), {"version": 1})

    assert 'data-testid="guidelines-notice"' not in page
    assert ack.status_code == 403


def test_acknowledging_never_redirects_off_site(client, cast, world):
    client.force_login(cast.trainer)

    response = client.post(
        reverse("guidelines-acknowledge", args=[cast.project.pk]),
        {"version": 1, "next": "https://evil.example/"},
    )

    assert response["Location"] == url("guidelines", world)


def test_the_guidelines_editor_shows_refusals_next_to_the_form(client, cast, world):
    client.force_login(cast.setter)

    response = client.post(url("guidelines-rule-add", world), {"title": "", "text": "Why"})

    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="guideline-errors"' in page
    assert ">Why</textarea>" in page  # what was typed is kept
    assert GuidelineVersion.objects.count() == 1


def test_the_guidelines_editor_lists_what_publishing_will_tell_trainers(client, cast, world):
    client.force_login(cast.setter)

    page = client.get(url("guidelines-edit", world)).content.decode()

    assert 'data-testid="pending-changes"' in page
    assert "Note nasal finals" in page


def test_trainers_cannot_diff_against_the_draft(client, cast, world):
    client.force_login(cast.trainer)

    response = client.get(url("guidelines-diff", world) + "?from=1&to=draft")

    assert response.status_code == 403


def test_project_page_links_to_rubric_and_guidelines(client, cast, world):
    client.force_login(cast.trainer)

    page = client.get(reverse("project-detail", args=[cast.project.pk])).content.decode()

    assert url("project-rubric", world) in page
    assert url("guidelines", world) in page
