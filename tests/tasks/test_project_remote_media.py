"""The project's remote media hosts: set on the settings page and through the API (setters
and admins only, every bad entry named), and honoured by the project's pages, whose
Content-Security-Policy then allows exactly those hosts."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tasks.services import (
    guidelines_publish,
    guidelines_update_intro,
    project_remote_media_update,
    task_lease,
    tasks_create,
    template_save,
)
from tests.conftest import ALL_PEOPLE
from tests.factories import submit

pytestmark = pytest.mark.django_db

MAY_CHANGE = {"setter", "admin", "staff"}
DEFINITION = {
    "schema_version": 1,
    "title": "Pictures",
    "display": [
        {"type": "image", "field": "photo", "label": "Photo"},
        {"type": "markdown", "field": "prompt", "label": "Prompt"},
    ],
    "questions": [
        {
            "id": "ok",
            "type": "single_choice",
            "prompt": "Fine?",
            "options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}],
        }
    ],
}
PHOTO = "https://images.example.com/photo.png"
BEACON = "https://tracker.example.net/pixel.png"


def _img_src(response) -> list[str]:
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        if name == "img-src":
            return values
    raise AssertionError("no img-src")


def _media_src(response) -> list[str]:
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        if name == "media-src":
            return values
    raise AssertionError("no media-src")


@pytest.fixture
def pictures(cast):
    template_save(project=cast.project, name="Pictures", definition=DEFINITION, by=cast.setter)
    (task,) = tasks_create(
        project=cast.project,
        items=[{"photo": PHOTO, "prompt": f"Look ![beacon]({BEACON})"}],
        by=cast.setter,
    )
    task_lease(task=task, trainer=cast.trainer)  # served to the trainer, as by `next`
    return task


# --- the settings page ---------------------------------------------------------------------


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_only_setters_and_admins_change_the_hosts_on_the_page(client, cast, person):
    # given
    project_remote_media_update(project=cast.project, hosts=["old.example.com"])
    client.force_login(cast.by_role(person))
    url = reverse("project-remote-media", args=[cast.project.pk])
    # when
    response = client.post(url, {"remote_media_hosts": "images.example.com\n*.cdn.example.org"})
    # then
    cast.project.refresh_from_db()
    if person in MAY_CHANGE:
        assert response.status_code == 302
        assert cast.project.remote_media_hosts == ["images.example.com", "*.cdn.example.org"]
    else:
        assert response.status_code == (404 if person == "outsider" else 403)
        assert cast.project.remote_media_hosts == ["old.example.com"]


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_the_settings_page_shows_the_field_to_setters_and_admins(client, cast, person):
    project_remote_media_update(project=cast.project, hosts=["images.example.com"])
    client.force_login(cast.by_role(person))
    response = client.get(reverse("project-settings", args=[cast.project.pk]))
    if person not in MAY_CHANGE:
        assert response.status_code == (404 if person == "outsider" else 403)
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="remote-media-form"' in html
    assert "images.example.com</textarea>" in html
    # A setter sees the remote media only: the rest of the page is the admins'.
    assert ('data-testid="distribution-form"' in html) is (person != "setter")


def test_a_setter_cannot_post_the_general_settings(client, cast):
    client.force_login(cast.setter)
    response = client.post(
        reverse("project-settings", args=[cast.project.pk]),
        {"name": "Renamed", "description": "", "status": "active"},
    )
    assert response.status_code == 403
    cast.project.refresh_from_db()
    assert cast.project.name != "Renamed"


def test_the_page_names_each_bad_entry_and_saves_nothing(client, cast):
    client.force_login(cast.setter)
    response = client.post(
        reverse("project-remote-media", args=[cast.project.pk]),
        {"remote_media_hosts": "good.example.com\nhttps://bad.example.com\nx.com/a.png"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Entry 2 (&#x27;https://bad.example.com&#x27;): give the host name only" in html
    assert "Entry 3 (&#x27;x.com/a.png&#x27;): give the host name only, without a path" in html
    assert "https://bad.example.com\nx.com/a.png</textarea>" in html  # kept as typed
    cast.project.refresh_from_db()
    assert cast.project.remote_media_hosts == []


def test_an_empty_field_clears_the_hosts(client, cast):
    project_remote_media_update(project=cast.project, hosts=["images.example.com"])
    client.force_login(cast.admin)
    client.post(reverse("project-remote-media", args=[cast.project.pk]), {"remote_media_hosts": ""})
    cast.project.refresh_from_db()
    assert cast.project.remote_media_hosts == []


# --- the API -----------------------------------------------------------------------------


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_only_setters_and_admins_change_the_hosts_through_the_api(client_as, cast, person):
    project_remote_media_update(project=cast.project, hosts=["old.example.com"])
    url = reverse("api-project-detail", args=[cast.project.pk])
    response = client_as(cast.by_role(person)).patch(
        url, {"remote_media_hosts": ["images.example.com"]}, format="json"
    )
    cast.project.refresh_from_db()
    if person in MAY_CHANGE:
        assert response.status_code == 200, response.json()
        assert response.json()["remote_media_hosts"] == ["images.example.com"]
        assert cast.project.remote_media_hosts == ["images.example.com"]
    else:
        assert response.status_code == (404 if person == "outsider" else 403)
        assert cast.project.remote_media_hosts == ["old.example.com"]


def test_a_setter_cannot_change_other_project_fields_along_with_the_hosts(client_as, cast):
    response = client_as(cast.setter).patch(
        reverse("api-project-detail", args=[cast.project.pk]),
        {"remote_media_hosts": ["images.example.com"], "name": "Renamed"},
        format="json",
    )
    assert response.status_code == 403
    cast.project.refresh_from_db()
    assert (cast.project.name, cast.project.remote_media_hosts) != ("Renamed", [])
    assert cast.project.remote_media_hosts == []


def test_the_api_names_each_bad_entry_and_saves_nothing(client_as, cast):
    response = client_as(cast.admin).patch(
        reverse("api-project-detail", args=[cast.project.pk]),
        {"name": "Renamed", "remote_media_hosts": ["ok.example.com", "*", "a.com:81"]},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    messages = body["fields"]["remote_media_hosts"]
    assert messages[0].startswith("Entry 2 ('*'): the only wildcard")
    assert messages[1].startswith("Entry 3 ('a.com:81'): ports")
    cast.project.refresh_from_db()
    assert cast.project.name != "Renamed"  # the whole request, or nothing
    assert cast.project.remote_media_hosts == []


@pytest.mark.parametrize("value", ["images.example.com", {"host": "a.com"}, [1], [["a.com"]], None])
def test_the_api_refuses_hosts_that_are_not_a_list_of_text(client_as, cast, value):
    response = client_as(cast.admin).patch(
        reverse("api-project-detail", args=[cast.project.pk]),
        {"remote_media_hosts": value},
        format="json",
    )
    assert response.status_code == 400
    assert "remote_media_hosts" in response.json()["fields"]


def test_members_read_the_hosts_with_the_project(client_as, cast):
    project_remote_media_update(project=cast.project, hosts=["images.example.com"])
    response = client_as(cast.trainer).get(reverse("api-project-detail", args=[cast.project.pk]))
    assert response.json()["remote_media_hosts"] == ["images.example.com"]


# --- pages of the project ------------------------------------------------------------------


def test_the_workspace_links_remote_images_and_allows_none_by_default(client, cast, pictures):
    client.force_login(cast.trainer)
    response = client.get(reverse("task-work", args=[pictures.pk]))
    html = response.content.decode()
    assert f'<img src="{PHOTO}"' not in html
    assert 'data-testid="remote-image-link"' in html
    assert f'<a href="{BEACON}"' in html
    assert _img_src(response) == ["'self'", "data:", "blob:"]


def test_the_workspace_loads_images_of_allowed_hosts_and_its_policy_allows_them(
    client, cast, pictures
):
    project_remote_media_update(project=cast.project, hosts=["images.example.com"])
    client.force_login(cast.trainer)
    response = client.get(reverse("task-work", args=[pictures.pk]))
    html = response.content.decode()
    assert f'<img src="{PHOTO}"' in html
    assert f'<a href="{BEACON}"' in html  # another host: still a link
    assert _img_src(response) == ["'self'", "data:", "blob:", "images.example.com"]
    assert _media_src(response) == ["'self'", "blob:", "images.example.com"]


def test_another_projects_hosts_never_reach_this_projects_pages(client, cast, pictures):
    other = cast.outsider.memberships.get().project
    project_remote_media_update(project=other, hosts=["images.example.com"])
    client.force_login(cast.trainer)
    response = client.get(reverse("task-work", args=[pictures.pk]))
    assert "images.example.com" not in _img_src(response)


def test_pages_outside_a_project_allow_no_remote_host(client, cast):
    project_remote_media_update(project=cast.project, hosts=["images.example.com"])
    client.force_login(cast.admin)
    response = client.get(reverse("dashboard"))
    assert _img_src(response) == ["'self'", "data:", "blob:"]


def test_review_submission_and_task_pages_follow_the_project_hosts(client, cast, pictures):
    project_remote_media_update(project=cast.project, hosts=["*.example.com"])
    submission, _ = submit(task=pictures, author=cast.trainer, answer={"ok": "yes"})
    client.force_login(cast.qa_lead)
    for url in (
        reverse("submission-review", args=[submission.pk]),
        reverse("submission-detail", args=[submission.pk]),
        reverse("task-detail", args=[pictures.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert f'<img src="{PHOTO}"' in response.content.decode(), url
        assert "*.example.com" in _img_src(response), url


def test_the_template_editor_and_its_preview_follow_the_project_hosts(client, cast, pictures):
    project_remote_media_update(project=cast.project, hosts=["images.example.com"])
    client.force_login(cast.setter)
    editor = client.get(reverse("template-editor", args=[cast.project.pk]))
    # The preview is fetched into the editor page: the page's policy is the one in force.
    assert "images.example.com" in _img_src(editor)
    preview = client.post(
        reverse("template-preview", args=[cast.project.pk]),
        {
            "definition": json.dumps(DEFINITION),
            "sample_task": json.dumps({"photo": PHOTO, "prompt": "Hi"}),
        },
    )
    assert preview.status_code == 200, preview.content.decode()[:500]
    assert f'<img src="{PHOTO}"' in preview.content.decode()


def test_guidelines_render_remote_images_by_the_project_hosts(client, cast):
    guidelines_update_intro(project=cast.project, intro=f"![logo]({PHOTO})", by=cast.setter)
    guidelines_publish(project=cast.project, note="First", by=cast.setter)
    client.force_login(cast.trainer)
    url = reverse("guidelines", args=[cast.project.pk])
    before = client.get(url)
    assert f'<img src="{PHOTO}"' not in before.content.decode()
    assert f'<a href="{PHOTO}"' in before.content.decode()
    project_remote_media_update(project=cast.project, hosts=["images.example.com"])
    after = client.get(url)
    assert f'<img src="{PHOTO}"' in after.content.decode()
    assert "images.example.com" in _img_src(after)


def test_hosts_edited_outside_the_service_cannot_inject_into_the_policy(client, cast, pictures):
    # given: a list written straight to the row (the admin, SQL), bypassing the service
    type(cast.project).objects.filter(pk=cast.project.pk).update(
        remote_media_hosts=["images.example.com; script-src *", "'unsafe-inline'", "ok.example.com"]
    )
    client.force_login(cast.trainer)
    # when
    response = client.get(reverse("task-work", args=[pictures.pk]))
    # then: only the real host name reaches the header
    assert _img_src(response) == ["'self'", "data:", "blob:", "ok.example.com"]
    assert response["Content-Security-Policy"].count("script-src") == 1
