import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client, settings):
    # given no broker configured, jobs run in-process
    settings.REDIS_URL = ""
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "vendor": connection.vendor}
    assert body["broker"]["kind"] == "in-process"


def test_healthz_is_503_when_the_broker_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://user:secret@127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] is False
    assert "secret" not in response.content.decode()  # credentials never leak


@pytest.mark.redis
def test_healthz_with_a_live_redis(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"] == {
        "ok": True,
        "kind": "redis",
        "url": response.json()["broker"]["url"],
    }
