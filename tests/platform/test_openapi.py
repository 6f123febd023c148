import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_generates_without_warnings(tmp_path):
    # --fail-on-warn turns any undocumented shape or unresolved view into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    schema = (tmp_path / "s.yml").read_text()
    for path in (
        "/api/v1/projects/",
        "/api/v1/projects/{project_pk}/memberships/",
        "/api/v1/tokens/",
    ):
        assert path in schema


def test_schema_and_docs_are_public_and_self_hosted(client):
    # The schema describes shapes, never data, so tool builders may read it before signing in.
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr.net" not in html  # self-hosted assets: docs work offline
