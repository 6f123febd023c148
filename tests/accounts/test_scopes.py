"""API token scopes: read, annotate and manage, enforced by one permission class.

Each case runs the same request with tokens of different scopes, so a refusal cannot pass
for the wrong reason (the manage token, or the session, gets through the same door).
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken, TokenScope
from accounts.permissions import TokenScopePermission
from accounts.scopes import ANNOTATE_ENDPOINTS, scope_allows
from accounts.services import api_token_create
from tests.accounts.scoping import token_scopes_enforced  # noqa: F401 (fixture)
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("token_scopes_enforced")]

ANSWER = {"answer": "A"}


def client_with(user, scope: str) -> APIClient:
    _, raw = api_token_create(user=user, name=f"{scope} token", scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def assert_scope_refused(response) -> None:
    assert response.status_code == 403, response.content
    assert response.json()["error"] == "token_scope"


# --- the rule itself ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
@pytest.mark.parametrize("scope", TokenScope.values)
def test_every_scope_reads(scope, method):
    assert scope_allows(scope=scope, method=method, url_name="api-project-list")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_read_scope_writes_nothing_not_even_work(method):
    assert not scope_allows(scope=TokenScope.READ, method=method, url_name="api-task-submit")


@pytest.mark.parametrize("url_name, methods", sorted(ANNOTATE_ENDPOINTS.items()))
def test_annotate_scope_opens_exactly_the_listed_methods(url_name, methods):
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        allowed = scope_allows(scope=TokenScope.ANNOTATE, method=method, url_name=url_name)
        assert allowed == (method in methods), (url_name, method)


@pytest.mark.parametrize("url_name", ["api-project-list", "api-token-list", None, ""])
def test_annotate_scope_refuses_unlisted_writes(url_name):
    assert not scope_allows(scope=TokenScope.ANNOTATE, method="POST", url_name=url_name)


def test_manage_scope_allows_every_method():
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert scope_allows(scope=TokenScope.MANAGE, method=method, url_name=None)


def test_unknown_scope_writes_nothing():
    assert not scope_allows(scope="admin", method="POST", url_name="api-task-submit")


# --- read -----------------------------------------------------------------------------------


def test_read_token_reads_projects_and_tasks(cast, mcq):
    client = client_with(cast.setter, TokenScope.READ)

    assert client.get("/api/v1/projects/").status_code == 200
    assert client.get(f"/api/v1/projects/{cast.project.pk}/tasks/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("scope, expected", [(TokenScope.READ, 403), (TokenScope.MANAGE, 200)])
def test_read_token_cannot_change_a_project(cast, scope, expected):
    client = client_with(cast.admin, scope)

    response = client.patch(
        f"/api/v1/projects/{cast.project.pk}/", {"description": "New"}, format="json"
    )

    assert response.status_code == expected, response.content
    if expected == 403:
        assert_scope_refused(response)
        assert "read-only" in response.json()["detail"]


def test_read_token_cannot_take_work(cast, mcq):
    response = client_with(cast.trainer, TokenScope.READ).post(
        f"/api/v1/projects/{cast.project.pk}/next"
    )

    assert_scope_refused(response)


def test_read_token_cannot_mint_a_wider_token(cast):
    client = client_with(cast.setter, TokenScope.READ)

    response = client.post(
        "/api/v1/tokens/", {"name": "escalate", "scope": "manage"}, format="json"
    )

    assert_scope_refused(response)
    assert not ApiToken.objects.filter(name="escalate").exists()


# --- annotate -------------------------------------------------------------------------------


def test_annotate_token_does_a_trainers_whole_work_loop(cast, mcq):
    client = client_with(cast.trainer, TokenScope.ANNOTATE)
    project = cast.project.pk

    # next, renew, draft, submit, revise
    served = client.post(f"/api/v1/projects/{project}/next")
    assert served.status_code == 200, served.content
    task = served.json()["task"]["id"]
    assert client.post(f"/api/v1/tasks/{task}/renew/").status_code == 200
    draft = client.put(f"/api/v1/tasks/{task}/draft/", {"answer": ANSWER}, format="json")
    assert draft.status_code == 200, draft.content
    submitted = client.post(f"/api/v1/tasks/{task}/submit/", {"answer": ANSWER}, format="json")
    assert submitted.status_code == 201, submitted.content
    revised = client.patch(
        f"/api/v1/submissions/{submitted.json()['id']}/", {"answer": {"answer": "B"}}, format="json"
    )
    assert revised.status_code == 200, revised.content

    # release and skip on the next tasks
    second = client.post(f"/api/v1/projects/{project}/next").json()["task"]["id"]
    assert client.delete(f"/api/v1/tasks/{second}/draft/").status_code == 204
    assert client.post(f"/api/v1/tasks/{second}/release/").status_code == 204
    third = client.post(f"/api/v1/projects/{project}/next").json()["task"]["id"]
    skipped = client.post(f"/api/v1/tasks/{third}/skip/", {"reason": "unclear"}, format="json")
    assert skipped.status_code == 204, skipped.content


@pytest.mark.parametrize("scope, expected", [(TokenScope.ANNOTATE, 403), (TokenScope.MANAGE, 201)])
def test_annotate_token_cannot_add_tasks_even_for_a_setter(cast, mcq, scope, expected):
    # An unlisted unsafe endpoint: the setter's role allows it, the annotate scope does not.
    client = client_with(cast.setter, scope)

    response = client.post(
        f"/api/v1/projects/{cast.project.pk}/tasks/",
        {"tasks": [{"question": "Q?\n\n- A\n- B"}]},
        format="json",
    )

    assert response.status_code == expected, response.content
    if expected == 403:
        assert_scope_refused(response)
        assert "annotate" in response.json()["detail"]


def test_annotate_token_cannot_manage_tokens_or_memberships(cast):
    client = client_with(cast.admin, TokenScope.ANNOTATE)

    assert_scope_refused(client.post("/api/v1/tokens/", {"name": "x"}, format="json"))
    assert_scope_refused(
        client.post(
            f"/api/v1/projects/{cast.project.pk}/memberships/",
            {"user": "outsider", "role": "trainer"},
            format="json",
        )
    )


# --- manage never exceeds the role ------------------------------------------------------------


def test_manage_token_of_a_trainer_is_still_a_trainer(cast, mcq):
    client = client_with(cast.trainer, TokenScope.MANAGE)

    response = client.post(
        f"/api/v1/projects/{cast.project.pk}/tasks/",
        {"tasks": [{"question": "Q?\n\n- A\n- B"}]},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["error"] != "token_scope"  # refused by the role, not the scope


def test_manage_token_takes_work_for_a_trainer(cast, mcq):
    response = client_with(cast.trainer, TokenScope.MANAGE).post(
        f"/api/v1/projects/{cast.project.pk}/next"
    )

    assert response.status_code == 200, response.content


# --- sessions ----------------------------------------------------------------------------------


def test_session_requests_are_not_scoped(cast, mcq):
    client = APIClient(enforce_csrf_checks=False)
    assert client.login(username=cast.setter.username, password=PASSWORD)

    response = client.post(
        f"/api/v1/projects/{cast.project.pk}/tasks/",
        {"tasks": [{"question": "Q?\n\n- A\n- B"}]},
        format="json",
    )

    assert response.status_code == 201, response.content


def test_the_permission_class_is_what_refuses(cast):
    # The fixture is what applies it until settings list it: without it, nothing refuses.
    permission = TokenScopePermission()
    token, _ = api_token_create(user=cast.setter, name="r", scope=TokenScope.READ)

    class Request:
        auth = token
        method = "POST"
        resolver_match = None

    assert permission.has_permission(Request(), view=None) is False
    Request.method = "GET"
    assert permission.has_permission(Request(), view=None) is True
