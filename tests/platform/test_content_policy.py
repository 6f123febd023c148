"""The Content-Security-Policy: on every kind of response, report-only on request, and
settings that follow the environment (media bucket origins, the report URI)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path

from annotation_platform.urls import urlpatterns as site_urlpatterns

HEADER = "Content-Security-Policy"
REPORT_ONLY = "Content-Security-Policy-Report-Only"


def _boom(request):
    raise RuntimeError("a bug")


# This module is also the URLconf of the 500 test: the site's URLs plus a view that fails.
urlpatterns = [path("boom/", _boom), *site_urlpatterns]


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_strict(response) -> dict[str, list[str]]:
    assert HEADER in response, f"no CSP on {response.status_code} {response.get('Content-Type')}"
    found = directives(response[HEADER])
    assert found["default-src"] == ["'self'"]
    assert found["script-src"] == ["'self'"]
    assert found["style-src"] == ["'self'"]
    assert found["img-src"] == ["'self'", "data:", "blob:"]
    assert found["media-src"] == ["'self'", "blob:"]
    assert found["connect-src"] == ["'self'"]
    assert found["object-src"] == ["'none'"]
    assert found["base-uri"] == ["'self'"]
    assert found["form-action"] == ["'self'"]
    assert found["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in response[HEADER]
    assert "unsafe-eval" not in response[HEADER]
    return found


def test_a_page_has_the_policy(client):
    assert_strict(client.get("/account/login/"))


def test_an_api_response_has_the_policy(cast, client_as):
    response = client_as(cast.trainer).get("/api/v1/projects/")
    assert response.status_code == 200
    assert_strict(response)


def test_an_admin_page_has_the_policy(cast, client):
    client.force_login(cast.staff)
    cast.staff.is_superuser = True
    cast.staff.save()
    response = client.get("/admin/")
    assert response.status_code == 200
    assert_strict(response)


def test_the_api_docs_have_the_policy_and_no_inline_script_or_style(cast, client):
    client.force_login(cast.trainer)
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert_strict(response)
    html = response.content.decode()
    # Every script is a file; its start-up script comes from the same view (?script).
    assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []
    assert "<style" not in html and " style=" not in html
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_a_404_page_has_the_policy(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert_strict(response)


def test_an_api_404_has_the_policy(client):
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert_strict(response)


@pytest.mark.urls(__name__)
def test_a_500_page_has_the_policy(db):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert_strict(response)


def test_report_only_mode_sends_the_report_only_header(client, settings):
    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = policy
    response = client.get("/account/login/")
    assert HEADER not in response
    assert directives(response[REPORT_ONLY])["script-src"] == ["'self'"]


PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'enforced': settings.CONTENT_SECURITY_POLICY, "
    "'report_only': settings.CONTENT_SECURITY_POLICY_REPORT_ONLY}))"
)


def _policy_settings(env: dict[str, str]) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL"} and not k.startswith(("CSP_", "AWS_", "MEDIA_"))
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="annotation_platform.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=clean,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_environment_switches_to_report_only_with_a_report_uri():
    found = _policy_settings(
        {"CSP_REPORT_ONLY": "true", "CSP_REPORT_URI": "https://reports.example.com/csp"}
    )
    assert found["enforced"] is None
    directives_ = found["report_only"]["DIRECTIVES"]
    assert directives_["report-uri"] == ["https://reports.example.com/csp"]
    assert directives_["script-src"] == ["'self'"]


def test_by_default_the_policy_is_enforced_without_reports():
    found = _policy_settings({})
    assert found["report_only"] is None
    assert "report-uri" not in found["enforced"]["DIRECTIVES"]


def test_media_on_an_s3_compatible_store_is_allowed_from_its_endpoint():
    found = _policy_settings(
        {
            "MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "media",
            "AWS_S3_ENDPOINT_URL": "http://minio.internal:9000",
        }
    )["enforced"]["DIRECTIVES"]
    origins = ["http://minio.internal:9000", "http://media.minio.internal:9000"]
    assert found["img-src"] == ["'self'", "data:", "blob:", *origins]
    assert found["media-src"] == ["'self'", "blob:", *origins]
    assert found["script-src"] == ["'self'"]


def test_media_on_aws_is_allowed_from_the_bucket_hosts():
    found = _policy_settings(
        {
            "MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "media",
            "AWS_S3_REGION_NAME": "eu-west-1",
        }
    )["enforced"]["DIRECTIVES"]
    assert found["media-src"] == [
        "'self'",
        "blob:",
        "https://media.s3.amazonaws.com",
        "https://media.s3.eu-west-1.amazonaws.com",
    ]


@pytest.mark.parametrize("report_only", [False, True])
def test_the_prebuilt_policy_equals_django_csps_own(rf, settings, report_only):
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    from annotation_platform.content_policy import ContentPolicyMiddleware

    if report_only:
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
        settings.CONTENT_SECURITY_POLICY = None
    headers = []
    for middleware in (ContentPolicyMiddleware, CSPMiddleware):
        request = rf.get("/")
        response = middleware(lambda request: HttpResponse("ok"))(request)
        headers.append({name: response.get(name) for name in (HEADER, REPORT_ONLY)})
    assert headers[0] == headers[1]
    assert headers[0][REPORT_ONLY if report_only else HEADER]
    assert headers[0][HEADER if report_only else REPORT_ONLY] is None


def test_a_nonce_asked_for_after_the_header_is_written_is_refused(rf):
    from csp.exceptions import CSPNonceError
    from django.http import HttpResponse

    from annotation_platform.content_policy import ContentPolicyMiddleware

    request = rf.get("/")
    ContentPolicyMiddleware(lambda request: HttpResponse("ok"))(request)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_the_waveform_may_fetch_media_from_the_bucket():
    # /media/ redirects to the bucket: the waveform's fetch follows it (static/js/waveform.js)
    found = _policy_settings(
        {
            "MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "media",
            "AWS_S3_ENDPOINT_URL": "http://minio.internal:9000",
        }
    )["enforced"]["DIRECTIVES"]
    origins = ["http://minio.internal:9000", "http://media.minio.internal:9000"]
    assert found["connect-src"] == ["'self'", *origins]
    assert found["media-src"] == ["'self'", "blob:", *origins]


def test_remote_media_hosts_may_be_fetched_for_that_response_only(rf):
    from django.http import HttpResponse

    from annotation_platform.content_policy import ContentPolicyMiddleware, allow_remote_media

    def view(request):
        if request.path == "/clip/":
            allow_remote_media(request, ["audio.example.com"])
        return HttpResponse("ok")

    middleware = ContentPolicyMiddleware(view)
    with_clip = directives(middleware(rf.get("/clip/"))[HEADER])
    assert with_clip["connect-src"] == ["'self'", "audio.example.com"]
    assert with_clip["media-src"] == ["'self'", "blob:", "audio.example.com"]
    assert directives(middleware(rf.get("/other/"))[HEADER])["connect-src"] == ["'self'"]
