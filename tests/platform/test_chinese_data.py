# ruff: noqa: RUF001, F811 - Chinese punctuation on purpose; imported fixtures
"""The project admin's data pages (imports, exports, webhooks), the API tokens page and the
error pages in Chinese (tests/i18n.py says how a page is checked), and the texts a job
stores for later (an import's row errors and outcome, an export's failure reason, a
webhook's delivery error) shown in the reader's language, not the worker's.

Each page is rendered with data, so its tables and forms have rows: imports running, done
with rejected rows, and failed on a bad file; exports done (with its dataset card), failed
and cancelled; a webhook with deliveries that succeeded, are retrying and failed, one
disabled automatically; tokens active, revoked and expired. The forms' refusals and the
API's refusals (import, export filters, webhook URL) read in Chinese with the same English
``code``.

Not rendered here: ``import-rejected`` and ``export-download`` are file downloads, not pages;
the 503 page has its own test below (it renders without a request).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.services import api_token_create, api_token_revoke
from annotation_platform.stored_text import encode, stored
from exports.models import ExportFormat, ExportJob, ExportStatus
from exports.services import _end
from imports.models import ImportFormat, ImportJob, ImportStatus
from imports.services import import_create
from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from integrations.services import webhook_create
from tests.i18n import (  # noqa: F401 (an autouse fixture)
    CHINESE,
    assert_translated,
    back_to_english,
    compile_catalogs,
    data_words,
    untranslated,
    words_of,
)
from tests.imports.conftest import TEMPLATE, data, jsonl, media_storage, pairwise  # noqa: F401

pytestmark = pytest.mark.django_db

PAGES = {
    "project-imports",
    "import-detail",
    "project-exports",
    "export-detail",
    "project-webhooks",
    "webhook-detail",
    "token-list",
}
# The 403 page is rendered for a trainer asking for "project-imports", the 404 page at an
# unknown address.

# Names that stay in Latin letters in Chinese on these pages: formats and standards the
# export and import forms name, protocols, and the file and header names people type.
DATA_TECHNICAL = {
    "CSV", "JSONL", "JSON", "Lines", "Parquet", "TRL", "DPO", "KTO", "SFT", "OpenAI", "MOS",
    "ITU", "P", "ACR", "HealthBench", "README", "md", "zip", "REST", "GET", "POST", "HTTP",
    "UTC", "Webhook", "Webhooks", "X", "Signature", "docs", "api", "B", "KB", "bytes", "ms",
    "http", "https", "json", "jsonl", "csv", "prompt", "completion", "label", "true",
    "false", "meta", "voice", "system_field", "response_a", "response_b", "field_x", "x",
    "ai_references", "rubric_items", "IPv", "DNS", "Bearer", "GB", "MB", "storage_key",
    "OSError", "example", "com", "hooks", "annotation",
}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


@pytest.fixture
def imports_made(cast, pairwise, django_capture_on_commit_callbacks):
    """Three imports: done with a rejected row (partial), failed on bad rows, and running."""

    def upload(content: bytes, *, partial: bool, name: str = "tasks.jsonl") -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = import_create(
                project=cast.project,
                by=cast.setter,
                upload=SimpleUploadedFile(name, content),
                partial=partial,
            )
        job.refresh_from_db()
        return job

    rows = [{"data": data(1)}, {"data": data(2), "overlap": 500}, {"data": data(3)}]
    done = upload(jsonl(rows), partial=True)
    failed = upload(b'{"data": {"prompt": "x"}\n{"priorty": 1, "data": {}}\n', partial=False)
    running = ImportJob.objects.create(
        project=cast.project,
        created_by=cast.setter,
        status=ImportStatus.RUNNING,
        format=ImportFormat.JSONL,
        source_key="imports/uploads/x/big.jsonl",
        source_name="big.jsonl",
        source_size=10_000,
        bytes_read=2_500,
        rows_read=40,
        created=40,
        heartbeat_at=timezone.now(),
        started_at=timezone.now(),
    )
    assert done.status == ImportStatus.DONE and done.rejected_key, done.detail
    assert failed.status == ImportStatus.FAILED and failed.row_errors.exists()
    return done, failed, running


@pytest.fixture
def exports_made(cast):
    """Three exports: done with its card, failed (a stored reason with values), cancelled."""

    def make(status: str, **extra) -> ExportJob:
        return ExportJob.objects.create(
            project=cast.project,
            created_by=cast.admin,
            format=ExportFormat.JSONL,
            filters={"status": ["accepted"]},
            status=status,
            submissions_total=10,
            submissions_done=10 if status == ExportStatus.DONE else 4,
            rows_written=10,
            started_at=timezone.now(),
            **extra,
        )

    done = make(
        ExportStatus.DONE,
        file_key="exports/1/archive.zip",
        file_size=20_480,
        card="# Dataset card\n\nSubmissions: 10",
        finished_at=timezone.now(),
    )
    failed = make(ExportStatus.RUNNING)
    _end(
        failed,
        ExportStatus.FAILED,
        stored("The export failed (%(error)s); the worker log has the details.", error="OSError"),
    )
    cancelled = make(ExportStatus.QUEUED)
    _end(cancelled, ExportStatus.CANCELLED, "Cancelled before it started.")
    for job in (failed, cancelled):
        job.refresh_from_db()
    return done, failed, cancelled


@pytest.fixture
def webhooks_made(cast, settings):
    """An active webhook with deliveries (delivered, retrying, failed), one disabled."""
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    active, _ = webhook_create(
        project=cast.project,
        url="http://127.0.0.1:9/hook",
        events=list(WebhookEvent.values),
        description="Tracker",
        by=cast.admin,
    )
    disabled, _ = webhook_create(
        project=cast.project,
        url="http://127.0.0.1:9/other",
        events=[WebhookEvent.IMPORT_FINISHED],
        by=cast.admin,
    )
    disabled.is_active = False
    disabled.consecutive_failures = 3
    disabled.disabled_reason = encode(
        stored(
            "Disabled automatically after %(count)s deliveries in a row failed every "
            "attempt. Fix the receiver, send a test event, then enable it again.",
            count=3,
        )
    )
    disabled.save()
    now = timezone.now()
    for status, error, code in (
        (DeliveryStatus.SUCCEEDED, "", 200),
        (
            DeliveryStatus.RETRYING,
            stored("The receiver answered HTTP %(status)s.", status=500),
            500,
        ),
        (DeliveryStatus.FAILED, stored("Timed out after %(seconds)s s.", seconds="10"), None),
    ):
        WebhookDelivery.objects.create(
            webhook=active,
            event=WebhookEvent.SUBMISSION_CREATED,
            status=status,
            attempts=1,
            max_attempts=5,
            status_code=code,
            duration_ms=120,
            error=encode(error),
            next_attempt_at=now + timedelta(minutes=1)
            if status == DeliveryStatus.RETRYING
            else None,
        )
    return active, disabled


def _exempt(cast, *extra):
    return data_words(cast, TEMPLATE, DATA_TECHNICAL, *extra)


# --- pages ---------------------------------------------------------------------------------


def test_imports_pages_are_all_chinese(client, cast, imports_made):
    done, failed, running = imports_made
    client.force_login(cast.admin)
    # The key the file misspelt, and Python's JSON parser's own words quoted in a reason.
    quoted = ["priorty", "priority", "Expecting", "delimiter"]
    exempt = _exempt(cast, [job.source_name for job in imports_made], quoted)

    assert_translated(client, reverse("project-imports", args=[cast.project.pk]), exempt)
    for job in (done, failed, running):
        assert_translated(client, reverse("import-detail", args=[job.pk]), exempt)


def test_the_import_form_refusal_is_chinese(client, cast, pairwise):
    client.force_login(cast.admin)
    url = reverse("project-imports", args=[cast.project.pk])
    exempt = _exempt(cast)

    for language, header in CHINESE.items():
        # when: neither a file nor a storage key
        response = client.post(
            url, {"mode": "create_or_skip", "delimiter": ","}, HTTP_ACCEPT_LANGUAGE=header
        )

        # then
        assert response.status_code == 400
        html = response.content.decode()
        assert 'class="error"' in html or 'class="errors"' in html
        assert not untranslated(html, exempt=exempt), language


def test_imports_page_without_a_template_is_chinese(client, cast):
    client.force_login(cast.admin)
    assert_translated(client, reverse("project-imports", args=[cast.project.pk]), _exempt(cast))


def test_exports_pages_are_all_chinese(client, cast, exports_made):
    client.force_login(cast.admin)
    exempt = _exempt(cast)

    assert_translated(client, reverse("project-exports", args=[cast.project.pk]), exempt)
    for job in exports_made:
        assert_translated(client, reverse("export-detail", args=[job.pk]), exempt)


def test_the_export_form_refusal_is_chinese(client, cast, exports_made):
    client.force_login(cast.admin)
    url = reverse("project-exports", args=[cast.project.pk])
    exempt = _exempt(cast, ["nobody", "{"])

    for _language, header in CHINESE.items():
        response = client.post(
            url,
            {"format": "jsonl", "status": ["accepted"], "trainer": "nobody", "options": "{"},
            HTTP_ACCEPT_LANGUAGE=header,
        )
        assert response.status_code == 400
        left = untranslated(response.content.decode(), exempt=exempt)
        # The JSON parser's own message (Python's, English) is data of the refusal.
        assert all("Expecting" in chunk for chunk in left), left


def test_webhook_pages_are_all_chinese(client, cast, webhooks_made):
    active, disabled = webhooks_made
    client.force_login(cast.admin)
    exempt = _exempt(cast, ["127.0.0.1:9/hook", "other", "Tracker", WebhookEvent.values])

    assert_translated(client, reverse("project-webhooks", args=[cast.project.pk]), exempt)
    assert_translated(client, reverse("webhook-detail", args=[active.pk]), exempt)
    assert_translated(client, reverse("webhook-detail", args=[disabled.pk]), exempt)


def test_the_webhook_form_refusal_is_chinese(client, cast):
    client.force_login(cast.admin)
    url = reverse("project-webhooks", args=[cast.project.pk])
    exempt = _exempt(cast, ["ftp", "example.com", WebhookEvent.values])

    for language, header in CHINESE.items():
        response = client.post(
            url,
            {"url": "ftp://example.com/hook", "events": ["submission.created"]},
            HTTP_ACCEPT_LANGUAGE=header,
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert "http://" in html  # the refusal is shown
        assert not untranslated(html, exempt=exempt), language


def test_token_page_is_all_chinese(client, cast):
    api_token_create(user=cast.admin, name="nightly", scope="read")
    revoked, _ = api_token_create(user=cast.admin, name="old", scope="annotate")
    api_token_revoke(token=revoked)
    api_token_create(user=cast.admin, name="ci", expires_at=timezone.now() + timedelta(days=3))
    client.force_login(cast.admin)

    assert_translated(client, reverse("token-list"), _exempt(cast, ["nightly", "old", "ci", "ap"]))


def test_token_form_refusal_is_chinese(client, cast):
    client.force_login(cast.admin)
    exempt = _exempt(cast, ["x"])
    for language, header in CHINESE.items():
        response = client.post(
            reverse("token-list"),
            {"name": "x", "scope": "read", "expires_at": "2001-01-01T00:00"},
            HTTP_ACCEPT_LANGUAGE=header,
        )
        assert response.status_code == 400
        assert not untranslated(response.content.decode(), exempt=exempt), language


def test_403_and_404_pages_are_chinese(client, cast):
    client.force_login(cast.trainer)
    exempt = _exempt(cast)
    for language, header in CHINESE.items():
        refused = client.get(
            reverse("project-imports", args=[cast.project.pk]), HTTP_ACCEPT_LANGUAGE=header
        )
        missing = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=header)
        assert (refused.status_code, missing.status_code) == (403, 404)
        for response in (refused, missing):
            assert not untranslated(response.content.decode(), exempt=exempt), language
    english = client.get(
        reverse("project-imports", args=[cast.project.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Not allowed" in english.content.decode()


def test_503_page_follows_the_language_without_a_request():
    from django.template.loader import render_to_string

    with translation.override("zh-hant"):
        html = render_to_string("503.html", {"retry_after": "5"})
    assert '<html lang="zh-Hant-HK">' in html and "暫時無法存取" in html
    assert not untranslated(html, exempt={"s"})
    with translation.override("en"):
        assert "Briefly unavailable" in render_to_string("503.html", {"retry_after": "5"})


# --- texts stored by jobs, read later ------------------------------------------------------


def test_stored_import_errors_read_in_the_readers_language(client, cast, imports_made):
    done, failed, _running = imports_made
    client.force_login(cast.admin)

    english = client.get(reverse("import-detail", args=[done.pk]), HTTP_ACCEPT_LANGUAGE="en")
    hans = client.get(reverse("import-detail", args=[done.pk]), HTTP_ACCEPT_LANGUAGE="zh-CN")
    hant = client.get(reverse("import-detail", args=[done.pk]), HTTP_ACCEPT_LANGUAGE="zh-HK")

    # then: the row 2 problem (overlap out of range) and the outcome, in each language
    assert "Must be from 1 to 100." in english.content.decode()
    assert "1 row(s) rejected" in english.content.decode()
    assert (
        "必须在 1 到 100 之间。" in hans.content.decode() and "1 行被拒绝" in hans.content.decode()
    )
    assert (
        "必須在 1 至 100 之間。" in hant.content.decode() and "1 行被拒絕" in hant.content.decode()
    )
    # and the API says the same, in the reader's language
    api = client.get(reverse("api-import-errors", args=[failed.pk]), HTTP_ACCEPT_LANGUAGE="zh-CN")
    reasons = [row["reason"] for row in api.json()["results"]]
    assert any("未知的键“priorty”" in reason for reason in reasons), reasons
    api_en = client.get(reverse("api-import-errors", args=[failed.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert any('Unknown key "priorty"' in row["reason"] for row in api_en.json()["results"])


def test_an_error_stored_before_as_english_text_still_shows(client, cast, imports_made):
    done, _failed, _running = imports_made
    done.row_errors.create(line=9, field="data", reason="Some old free-text reason.")
    done.row_errors.create(line=10, field="data", reason="Must be a JSON object.")
    client.force_login(cast.admin)

    html = client.get(reverse("import-detail", args=[done.pk]), HTTP_ACCEPT_LANGUAGE="zh-CN")

    text = html.content.decode()
    assert "Some old free-text reason." in text  # as it was stored
    assert "必须是 JSON 对象。" in text  # a known message id is translated


def test_stored_export_failure_reads_in_the_readers_language(client, cast, exports_made):
    _done, failed, cancelled = exports_made
    client.force_login(cast.admin)

    def error_of(job, header):
        response = client.get(reverse("export-detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE=header)
        return response.content.decode()

    assert "The export failed (OSError); the worker log has the details." in error_of(failed, "en")
    assert "导出失败（OSError），详情请查看后台进程日志。" in error_of(failed, "zh-CN")
    assert "匯出失敗（OSError），詳情請查看後台程序日誌。" in error_of(failed, "zh-HK")
    assert "Cancelled before it started." in error_of(cancelled, "en")
    assert "在开始前已取消。" in error_of(cancelled, "zh-CN")
    api = client.get(reverse("api-export-detail", args=[failed.pk]), HTTP_ACCEPT_LANGUAGE="zh-HK")
    assert api.json()["error"] == "匯出失敗（OSError），詳情請查看後台程序日誌。"


# --- API refusals: Chinese detail, the same English code -----------------------------------


def _refusal(client: Client, method: str, url: str, body: dict, header: str, **kwargs) -> dict:
    response = getattr(client, method)(url, body, HTTP_ACCEPT_LANGUAGE=header, **kwargs)
    assert response.status_code == 400, response.content
    return response.json()


@pytest.mark.parametrize("case", ["import", "export-filters", "webhook-url"])
def test_api_refusals_are_chinese_with_the_same_code(client, cast, pairwise, case):
    client.force_login(cast.admin)
    pk = cast.project.pk
    if case == "import":
        call = ("post", reverse("api-project-imports", args=[pk]), {"mode": "create_or_skip"}, {})
    elif case == "export-filters":
        call = (
            "post",
            reverse("api-project-exports", args=[pk]),
            {"format": "jsonl", "filters": {"trainer": "nobody", "date_from": "soon"}},
            {"content_type": "application/json"},
        )
    else:
        call = (
            "post",
            reverse("api-project-webhooks", args=[pk]),
            {"url": "ftp://example.com/hook", "events": ["submission.created"]},
            {"content_type": "application/json"},
        )
    method, url, body, kwargs = call

    english = _refusal(client, method, url, body, "en", **kwargs)
    for language, header in CHINESE.items():
        chinese = _refusal(client, method, url, body, header, **kwargs)

        assert chinese["error"] == english["error"], language
        assert chinese["detail"] != english["detail"]
        assert any("\u4e00" <= char <= "\u9fff" for char in chinese["detail"]), chinese
        messages = [m for found in chinese["fields"].values() for m in found]
        assert messages and all(
            any("\u4e00" <= char <= "\u9fff" for char in message) for message in messages
        ), chinese["fields"]


def test_data_technical_words_are_not_english_sentences():
    # The exempt list holds names, not words a sentence would need to translate.
    assert not {"the", "and", "or", "of", "to"} & {w.lower() for w in words_of(DATA_TECHNICAL)}


def test_a_refused_delivery_reads_in_the_readers_language(client, cast, webhooks_made):
    # given: a delivery the egress check refused in the worker (messages inside a message)
    active, _disabled = webhooks_made
    refusal = stored(
        "Webhooks cannot be sent to “%(host)s”: %(reason)s.",
        host="hooks.example.com",
        reason=stored("%(address)s is a private address", address="10.1.2.3"),
    )
    WebhookDelivery.objects.create(
        webhook=active,
        event=WebhookEvent.SUBMISSION_CREATED,
        status=DeliveryStatus.FAILED,
        attempts=1,
        max_attempts=5,
        error=encode(stored("Refused: %(reason)s", reason=refusal)),
    )
    client.force_login(cast.admin)
    url = reverse("webhook-detail", args=[active.pk])

    def page(header: str) -> str:
        return client.get(url, HTTP_ACCEPT_LANGUAGE=header).content.decode()

    # then
    assert "Refused: Webhooks cannot be sent to “hooks.example.com”: 10.1.2.3 is a" in page("en")
    assert "已拒绝：无法向“hooks.example.com”发送 Webhook：10.1.2.3 是私有地址。" in page("zh-CN")
    assert "已拒絕：無法向「hooks.example.com」傳送 Webhook：10.1.2.3 是私人地址。" in page("zh-HK")
