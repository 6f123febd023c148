"""Property test of the whole API from its own OpenAPI schema (schemathesis over WSGI).

Every operation gets generated requests as a project admin with a manage token; no answer
may be a 5xx, and answers of the operations listed in CONFORMING_PATHS must match the
documented status codes, content types and shapes. Path ids point at real objects half of
the time (the other half are random), so requests get past the 404 and exercise the views.
The budget is small and derandomized: the same examples on every run, the whole test well
under a minute on 2 cores.
"""

from __future__ import annotations


import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_token_create
from annotation_platform.wsgi import application
from tests.integrations.receiver import fake_dns  # noqa: F401 (no real DNS for webhook URLs)


EXAMPLES_PER_OPERATION = 4
# No operation may answer 5xx. Full conformance (documented status codes, content types and
# response shapes) is asserted for the operations whose files this test's owner keeps
# (webhooks, tokens, me); the others' mismatches are reported to their owners, and join
# this list once fixed.
CONFORMING_PATHS = (
    "/api/v1/webhooks/",
    "/api/v1/projects/{project_pk}/webhooks/",
    "/api/v1/tokens/",
    "/api/v1/me/",
)
FULL_CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)

# Ids of real objects, filled by the fixture before generation starts.
KNOWN: dict[str, int] = {}


@pytest.fixture
def api_schema(db, cast, mcq, fake_dns):  # noqa: F811
    from integrations.services import webhook_create
    from tests.factories import submit

    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    webhook, _ = webhook_create(
        project=cast.project, url="https://hooks.example.com/", events=["task.completed"],
        by=cast.admin,
    )  # fmt: skip
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    _, raw = api_token_create(user=cast.admin, name="schemathesis", scope="manage")
    KNOWN.clear()
    KNOWN.update(
        project=cast.project.pk,
        task=mcq["tasks"][1].pk,
        submission=submission.pk,
        webhook=webhook.pk,
        token=raw,
    )
    return schemathesis.from_wsgi("/api/v1/schema/", application)


schema = schemathesis.from_pytest_fixture("api_schema")


def _point_at_real_objects(case) -> None:
    """Replace generated ids by real ones for even values (deterministic, half the time)."""
    kinds = {"projects": "project", "tasks": "task", "submissions": "submission",
             "webhooks": "webhook"}  # fmt: skip
    segments = case.path.strip("/").split("/")
    for name, value in list((case.path_parameters or {}).items()):
        if not isinstance(value, int) or value % 2:
            continue
        if name == "project_pk":
            case.path_parameters[name] = KNOWN["project"]
        elif name in ("id", "pk"):
            marker = "{" + name + "}"
            collection = segments[segments.index(marker) - 1] if marker in segments else ""
            if collection in kinds:
                case.path_parameters[name] = KNOWN[kinds[collection]]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_never_answers_5xx_and_matches_its_schema(case):
    _point_at_real_objects(case)
    response = case.call_wsgi(headers={"Authorization": f"Bearer {KNOWN['token']}"})
    conforming = case.operation.path.startswith(CONFORMING_PATHS)
    case.validate_response(response, checks=FULL_CHECKS if conforming else (not_a_server_error,))
