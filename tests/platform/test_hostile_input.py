"""Every operation of the OpenAPI schema, fed a fixed list of hostile values: no 5xx.

Deterministic (no random search): the same bodies, path and query values on every run, so
CI stays fast and a failure names the operation and the input. Requests are made as the
project's admin (as a trainer where only trainers may act), with path ids pointing at real
objects, so they get past the permission checks and reach parsing and validation.

The bodies are JSON documents nested 100,000 levels deep, NUL and unpaired surrogates in
strings and keys, ``1e400``, ``NaN``, a 100,000-digit integer, integers just past 32 and
64 bits, strings past the string cap, a body past DATA_UPLOAD_MAX_MEMORY_SIZE, raw bytes
that are not UTF-8, and wrong top-level types; each documented property gets each value.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from urllib.parse import quote

import pytest

from accounts.services import api_token_create
from tests.integrations.receiver import fake_dns  # noqa: F401 (no real DNS for webhook URLs)

DEEP = 100_000
STRING_CAP = 1_000  # JSON_MAX_STRING_CHARS for the sweep, so a string past it stays small

# (label, JSON text): the whole body.
DOCUMENTS: list[tuple[str, bytes]] = [
    ("deep array", b"[" * DEEP + b"]" * DEEP),
    ("deep object", b'{"a":' * DEEP + b"1" + b"}" * DEEP),
    ("NUL string", b'"\\u0000"'),
    ("lone surrogate", b'"\\ud800"'),
    ("1e400", b"1e400"),
    ("NaN", b"NaN"),
    ("10^5 digits", b"9" * 100_000),
    ("huge string", b'"' + b"x" * (STRING_CAP + 1) + b'"'),
    ("raw surrogate bytes", b'{"a": "\xed\xa0\x80"}'),
    ("not JSON", b"{"),
    ("empty", b""),
    ("array", b"[]"),
    ("string", b'"x"'),
    ("number", b"42"),
    ("null", b"null"),
    ("true", b"true"),
]
# (label, JSON text): the value of each property.
VALUES: list[tuple[str, str]] = [
    ("deep", "[" * DEEP + "]" * DEEP),
    ("NUL", '"a\\u0000b"'),
    ("NUL key", '{"\\u0000": 1}'),
    ("lone surrogate", '"\\ud800"'),
    ("surrogate key", '{"\\udfff": 1}'),
    ("1e400", "1e400"),
    ("-Infinity", "-Infinity"),
    ("10^5 digits", "9" * 100_000),
    ("2^63", str(2**63)),
    ("huge string", '"' + "x" * (STRING_CAP + 1) + '"'),
]
# Values the guard lets by, sent to one property at a time (so a write can happen): a
# field must bound them itself.
ALLOWED_EXTREMES: list[tuple[str, str]] = [
    ("2^31", str(2**31)),
    ("-2^31-1", str(-(2**31) - 1)),
    ("2^63-1", str(2**63 - 1)),
    ("-2^63", str(-(2**63))),
    ("1e308", "1e308"),
    ("string at the cap", '"' + "x" * STRING_CAP + '"'),
    ("array", "[]"),
    ("object", "{}"),
    ("null", "null"),
    ("true", "true"),
]
QUERY_VALUES: list[tuple[str, str]] = [
    ("NUL", "a%00b"),
    ("raw surrogate bytes", "%ED%A0%80"),
    ("escaped surrogate", "%5Cud800"),
    ("2^63", str(2**63)),
    ("5,000 digits", "9" * 5000),
    ("1e400", "1e400"),
    ("deep JSON", quote("[" * 10_000)),
    ("-1", "-1"),
    ("empty", ""),
    ("long", "x" * 5000),
]
PATH_VALUES: list[tuple[str, str]] = [
    ("2^63", str(2**63)),
    ("2^31", str(2**31)),
    ("0", "0"),
    ("NUL", "a%00b"),
    ("raw surrogate bytes", "%ED%A0%80"),
    ("long", "x" * 2000),
]
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def world(cast, mcq, fake_dns, settings):  # noqa: F811
    """Real objects for every kind of path id, and a token for the admin and the trainer."""
    from integrations.services import webhook_create
    from tasks.models import Membership
    from tests.factories import submit
    from tests.tasks.rubric_fixtures import build_world

    settings.JSON_MAX_STRING_CHARS = STRING_CAP
    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    rubrics = build_world(cast)
    webhook, _ = webhook_create(
        project=cast.project, url="https://hooks.example.com/", events=["task.completed"],
        by=cast.admin,
    )  # fmt: skip
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    token, admin_raw = api_token_create(user=cast.admin, name="hostile", scope="manage")
    _, trainer_raw = api_token_create(user=cast.trainer, name="hostile")
    membership = Membership.objects.get(project=cast.project, user=cast.trainer)
    ids = {
        "projects": cast.project.pk,
        "tasks": mcq["tasks"][1].pk,
        "submissions": submission.pk,
        "webhooks": webhook.pk,
        "tokens": token.pk,
        "memberships": membership.pk,
        "rubrics": rubrics.rubric.pk,
        "rules": "R1",
        "versions": 1,
        "tables": "agreement",
    }
    return {"ids": ids, "tokens": (admin_raw, trainer_raw)}


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema
        for part in node_ref(node):
            node = node[part]
    return node


def node_ref(node: dict) -> list[str]:
    return node["$ref"].lstrip("#/").split("/")


def _properties(schema: dict, operation: dict) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    if not body:
        return []
    if "$ref" in body:
        name = body["$ref"].rsplit("/", 1)[1]
        body = schema["components"]["schemas"][name]
    return sorted(body.get("properties", {}))


def _path_for(path: str, ids: dict) -> str:
    """The path with each parameter replaced by the id of a real object of its kind."""
    segments = path.strip("/").split("/")
    filled = []
    for index, segment in enumerate(segments):
        match = re.fullmatch(r"\{(\w+)\}", segment)
        if not match:
            filled.append(segment)
            continue
        name = match.group(1)
        collection = {"project_pk": "projects", "rubric_pk": "rubrics", "rule_id": "rules",
                      "table": "tables"}.get(name, segments[index - 1])  # fmt: skip
        filled.append(str(ids.get(collection, 1)))
    return "/" + "/".join(filled) + ("/" if path.endswith("/") else "")


def _parameter_positions(path: str) -> list[int]:
    return [i for i, s in enumerate(path.strip("/").split("/")) if s.startswith("{")]


def _with_segment(url: str, position: int, value: str) -> str:
    segments = url.strip("/").split("/")
    segments[position] = value
    return "/" + "/".join(segments) + ("/" if url.endswith("/") else "")


class Sweep:
    def __init__(self, client, tokens: tuple[str, str]) -> None:
        self.client = client
        self.tokens = tokens
        self.failures: list[str] = []
        self.statuses: Counter[tuple[str, str, int]] = Counter()
        self.sent = 0

    def send(self, token, method, url, label, body=None, content_type="application/json"):
        self.sent += 1
        extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        try:
            if body is None:
                response = self.client.generic(method.upper(), url, **extra)
            else:
                response = self.client.generic(
                    method.upper(), url, body, content_type=content_type, **extra
                )
            status = response.status_code
        except Exception as exc:  # the test client re-raises what the view did not catch
            self.failures.append(f"{method.upper()} {url[:120]} [{label}]: {exc!r}"[:400])
            return 599
        if status >= 500:
            self.failures.append(f"{method.upper()} {url[:120]} [{label}]: {status}")
        self.statuses[(label, method, status)] += 1
        return status

    def token_for(self, method: str, url: str) -> str:
        """The admin's token, or the trainer's where only a trainer may act (a 403)."""
        admin, trainer = self.tokens
        status = self.send(admin, method, url, "probe", b"{}")
        return trainer if status == 403 else admin


def test_no_operation_answers_5xx_to_hostile_input(world, client):
    schema_response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = json.loads(schema_response.content)
    sweep = Sweep(client, world["tokens"])
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]
    assert len(operations) >= 100
    for path, method, operation in operations:
        url = _path_for(path, world["ids"])
        if method == "delete":
            # A delete takes no body: only hostile path values, never the real objects
            # (deleting the admin's own token or the project would end the sweep).
            for position in _parameter_positions(path):
                for label, value in PATH_VALUES:
                    sweep.send(world["tokens"][0], method, _with_segment(url, position, value),
                               f"path {label}")  # fmt: skip
            continue
        token = sweep.token_for(method, url)
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content or "application/x-ndjson" in content:
            for label, body in DOCUMENTS:
                sweep.send(token, method, url, label, body)
            sweep.send(token, method, url, "over DATA_UPLOAD_MAX_MEMORY_SIZE",
                       b'"' + b"x" * (2_621_440 + 1) + b'"')  # fmt: skip
            properties = _properties(schema, operation)
            for label, value in VALUES:
                if properties:
                    text = "{" + ",".join(f'"{name}": {value}' for name in properties) + "}"
                    sweep.send(token, method, url, label, text.encode())
            for name in properties:
                for label, value in ALLOWED_EXTREMES:
                    sweep.send(token, method, url, label, f'{{"{name}": {value}}}'.encode())
        if "application/x-www-form-urlencoded" in content:
            for label, cell in (("form NUL", "a%00b"), ("form 2^63", str(2**63))):
                fields = _properties(schema, operation) or ["x"]
                body = "&".join(f"{name}={cell}" for name in fields)
                sweep.send(token, method, url, label, body.encode(),
                           "application/x-www-form-urlencoded")  # fmt: skip
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            for label, value in QUERY_VALUES:
                sweep.send(token, method, f"{url}?{parameter['name']}={value}", f"query {label}")
        for position in _parameter_positions(path):
            for label, value in PATH_VALUES:
                sweep.send(token, method, _with_segment(url, position, value), f"path {label}")
    assert not sweep.failures, "\n".join(sweep.failures[:60])
    assert sweep.sent > 2_000


# --- focused: the entry points the probes found -----------------------------------------------

NUL_ANSWER = b'{"answer": {"answer": "A\\u0000"}}'
SURROGATE_ANSWER = b'{"answer": {"answer": "\\ud800"}}'


@pytest.fixture
def trainer_api(cast, mcq, client_as):
    from tasks.services import task_lease

    task = mcq["tasks"][0]
    task_lease(task=task, trainer=cast.trainer)
    return client_as(cast.trainer), task


@pytest.mark.parametrize(("body", "reason"), [(NUL_ANSWER, "NUL"), (SURROGATE_ANSWER, "surrogate")])
def test_submit_with_nul_or_lone_surrogate_is_a_400_naming_the_field(trainer_api, body, reason):
    from tasks.models import Submission

    client, task = trainer_api
    response = client.generic(
        "POST", f"/api/v1/tasks/{task.pk}/submit/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"
    ((field, (message,)),) = response.json()["fields"].items()
    assert field == "answer.answer" and reason in message
    assert not Submission.objects.exists()


@pytest.mark.parametrize(("body", "reason"), [(NUL_ANSWER, "NUL"), (SURROGATE_ANSWER, "surrogate")])
def test_draft_with_nul_or_lone_surrogate_is_a_400_naming_the_field(trainer_api, body, reason):
    from tasks.models import Draft

    client, task = trainer_api
    response = client.generic(
        "PUT", f"/api/v1/tasks/{task.pk}/draft/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["answer.answer"]
    assert not Draft.objects.exists()


def test_a_deep_body_is_a_400_naming_where_it_gets_too_deep(trainer_api):
    client, task = trainer_api
    body = b'{"answer": {"answer": ' + b"[" * DEEP + b"]" * DEEP + b"}}"
    response = client.generic(
        "POST", f"/api/v1/tasks/{task.pk}/submit/", body, content_type="application/json"
    )
    assert response.status_code == 400
    (field,) = response.json()["fields"]
    assert field.startswith("answer.answer[0][0]")


def test_a_body_over_the_upload_limit_is_a_413_before_it_is_read(trainer_api, settings):
    client, task = trainer_api
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = b'{"answer": {"answer": "' + b"x" * 2_000 + b'"}}'
    response = client.generic(
        "POST", f"/api/v1/tasks/{task.pk}/submit/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["fields"] == {"body": ["At most 1,000 bytes."]}


def test_a_valid_submit_still_goes_through(trainer_api):
    client, task = trainer_api
    response = client.post(
        f"/api/v1/tasks/{task.pk}/submit/", {"answer": {"answer": "A"}}, format="json"
    )
    assert response.status_code == 201


def _cursor(text: str) -> str:
    import base64

    return quote(base64.b64encode(text.encode()).decode())


@pytest.fixture
def webhook(cast, fake_dns):  # noqa: F811
    from integrations.services import webhook_create

    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    found, _ = webhook_create(
        project=cast.project, url="https://hooks.example.com/", events=["task.completed"],
        by=cast.admin,
    )  # fmt: skip
    return found


@pytest.mark.parametrize(
    ("cursor", "status"),
    [
        ("garbage", 400),
        ("%00", 400),
        (_cursor("p=%00"), 400),
        (_cursor("p=abc"), 400),
        (_cursor("p=" + "x" * 600), 400),
        (_cursor("p=" + "9" * 40), 200),  # a place before every id: a page, if empty
        (_cursor("o=" + "9" * 40), 200),  # DRF caps the offset
        (_cursor("r=1&p=-1"), 200),
    ],
)
def test_a_forged_webhook_deliveries_cursor_is_a_400_naming_cursor(
    cast, client_as, webhook, cursor, status
):
    url = f"/api/v1/webhooks/{webhook.pk}/deliveries/?cursor={cursor}"
    response = client_as(cast.admin).get(url)
    assert response.status_code == status
    if status == 400:
        assert list(response.json()["fields"]) == ["cursor"]


def test_a_query_number_of_thousands_of_digits_is_a_400_naming_it(cast, client_as, client):
    response = client_as(cast.admin).get(f"/api/v1/projects/?page={'9' * 5000}")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["page"]
    client.force_login(cast.admin)
    page = client.get(f"/projects/{cast.project.pk}/tasks/?page_size={'9' * 5000}")
    assert page.status_code == 400


def test_a_query_nul_is_a_400_naming_it(cast, client_as):
    response = client_as(cast.admin).get("/api/v1/projects/?search=a%00b")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["search"]


# --- focused: pages that take JSON outside the API ----------------------------------------------


def _forged_task_cursor(payload: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * DEEP + b"]" * DEEP,
        b'["id", ' + b"9" * 30 + b"]",
        b'["id", 1e400]',
        b'["id", "\\u0000"]',
        b"\xff\xfe",
    ],
)
def test_a_forged_task_list_cursor_is_a_message_not_a_500(cast, mcq, client, payload):
    client.force_login(cast.admin)
    url = f"/projects/{cast.project.pk}/tasks/?ordering=id&after={_forged_task_cursor(payload)}"
    response = client.get(url)
    assert response.status_code in (200, 400)
    assert b"This page link is damaged" in response.content


def test_the_template_editor_refuses_a_deep_definition_naming_where(cast, mcq, client):
    client.force_login(cast.admin)
    response = client.post(
        f"/projects/{cast.project.pk}/template/",
        {"name": "T", "definition": "[" * DEEP + "]" * DEEP, "sample_task": "{}"},
    )
    assert response.status_code == 400
    assert b"deeper than 64" in response.content


def test_the_rubric_editor_refuses_nul_in_the_content_naming_where(cast, client):
    from tests.tasks.rubric_fixtures import build_world

    world = build_world(cast)
    client.force_login(cast.setter)
    response = client.post(
        f"/projects/{cast.project.pk}/rubrics/{world.rubric.pk}/",
        {"content": '{"items": [{"title": "a\\u0000"}]}', "title": "T"},
    )
    assert response.status_code == 400
    assert b"content.items[0].title" in response.content


def test_the_gold_form_refuses_a_lone_surrogate(cast, mcq, client):
    client.force_login(cast.setter)
    response = client.post(
        f"/tasks/{mcq['tasks'][0].pk}/gold/", {"gold_answer": '{"answer": "\\ud800"}'}
    )
    assert response.status_code in (200, 400)
    assert b"surrogate" in response.content


@pytest.mark.postgres
def test_a_guideline_rule_with_nul_is_refused_before_postgresql(cast, client):
    # On PostgreSQL the write itself fails on NUL (a DataError, a 500): refused first.
    client.force_login(cast.setter)
    response = client.post(
        f"/projects/{cast.project.pk}/guidelines/rules/add/",
        {"title": "Rule\x00", "text": "x"},
    )
    assert response.status_code == 400
    assert b"NUL" in response.content
