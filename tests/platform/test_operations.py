"""The first middleware: /healthz whatever the Host header and scheme, request ids, and
every other request still checked against ALLOWED_HOSTS."""

import pytest

from annotation_platform.monitoring import REQUEST_DURATION

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_host(settings):
    settings.ALLOWED_HOSTS = ["annotate.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    settings.REDIS_URL = ""


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "some.real.name", "web", "[::1]"])
def test_healthz_answers_whatever_the_host_header_over_plain_http(client, production_host, host):
    response = client.get("/healthz", HTTP_HOST=host)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_other_paths_still_refuse_an_unknown_host(client, production_host):
    # the same request shape as above, one path further: Django's host check still applies
    assert client.get("/account/login/", HTTP_HOST="some.real.name").status_code == 400
    # and the known host over plain HTTP is still sent to HTTPS
    response = client.get("/account/login/", HTTP_HOST="annotate.example.org")
    assert response.status_code == 301
    assert response["Location"].startswith("https://annotate.example.org/")


def test_a_request_id_is_sent_back_and_a_clean_one_from_the_proxy_is_kept(client):
    generated = client.get("/account/login/")
    assert len(generated["X-Request-ID"]) == 32
    kept = client.get("/account/login/", HTTP_X_REQUEST_ID="edge-4f2a.91")
    assert kept["X-Request-ID"] == "edge-4f2a.91"
    # a header that could forge log fields or lines is replaced, not echoed
    forged = client.get("/account/login/", HTTP_X_REQUEST_ID='x" ,"level":"ERROR')
    assert forged["X-Request-ID"] != 'x" ,"level":"ERROR'
    assert len(forged["X-Request-ID"]) == 32


def _count(view: str, method: str, status: str) -> float:
    for metric in REQUEST_DURATION.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count") and sample.labels == {
                "view": view,
                "method": method,
                "status": status,
            }:
                return sample.value
    return 0.0


def test_each_request_is_timed_by_url_name_method_and_status_class(client):
    before_ok = _count("login", "GET", "2xx")
    before_missing = _count("unmatched", "GET", "4xx")
    assert client.get("/account/login/").status_code == 200
    assert client.get("/no/such/page/").status_code == 404
    assert _count("login", "GET", "2xx") == before_ok + 1
    assert _count("unmatched", "GET", "4xx") == before_missing + 1


def test_healthz_is_not_timed(client, settings):
    settings.REDIS_URL = ""
    before = _count("healthz", "GET", "2xx")
    client.get("/healthz")
    assert _count("healthz", "GET", "2xx") == before


def test_static_files_answered_by_whitenoise_are_labelled_static(client, settings):
    before = _count("static", "GET", "4xx")
    # whitenoise (in tests: no index) or Django answers; either way no URL name exists
    client.get(f"/{settings.STATIC_URL.strip('/')}/css/none.css")
    assert _count("static", "GET", "4xx") == before + 1
