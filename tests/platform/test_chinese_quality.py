# ruff: noqa: F811 - `tts` is an imported fixture
"""The quality-check and metrics pages in Chinese (tests/i18n.py says how the check works),
the findings the workers store read in each reader's language, and the API's refusals.

Pages covered, by role:

- setter and admin: the check settings (editable, and a refused save showing its errors),
  the metrics settings (and its refused form);
- QA lead: the check settings read-only, the open findings, a submission's checks with
  evidence, the project metrics with charts and tables;
- trainer (the author): their submission's checks, and "My work" with its findings;
- site staff: the project metrics and the findings.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from metrics.models import MetricsSettings
from quality.checks import messages
from quality.checks.catalogue import CATALOGUE
from quality.models import CheckResult, CheckRun
from quality.services.running import _act_on, checks_run
from tasks.services.reviewing import submission_return_for_rework
from tests.i18n import (  # noqa: F401 (an autouse fixture)
    CHINESE,
    assert_translated,
    back_to_english,
    compile_catalogs,
    data_words,
    untranslated,
)
from tests.metrics.conftest import ACCEPTED, TTS_TEMPLATE, decide, rate, tts  # noqa: F401

pytestmark = pytest.mark.django_db

PAGES = {
    "project-checks",
    "project-quality",
    "submission-checks",
    "project-metrics",
    "project-metrics-settings",
    "my-work",
}

# Latin names kept in Chinese text: statistics and standards named after people or bodies,
# and the check's machine values shown in <code>.
NAMES = {"Cohen's", "Fleiss'", "Krippendorff's", "Krippendorff", "Cohen", "Fleiss", "MOS",
         "CSV", "ITU", "ACR", "Student",
         "TF", "IDF", "Jaccard", "CI", "EUR", "USD", "ISO", "warn_similarity", "window",
         "meta", "system", "spearman", "kendall", "nature", "com", "gov", "edu", "cn",
         "n", "gram", "t", "CJK", "shingle", "true", "false", "j"}  # fmt: skip
# What the trainers wrote and the legacy finding stored in English before codes existed.
LEGACY = "Too fast for this clip"


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


def _result(submission, check: str, status: str, findings: list[dict]) -> CheckResult:
    run = CheckRun.objects.get(submission=submission, revision=submission.revision)
    result, _ = CheckResult.objects.update_or_create(
        run=run,
        check_name=check,
        defaults={
            "submission": submission,
            "revision": submission.revision,
            "status": status,
            "findings": findings,
        },
    )
    return result


@pytest.fixture
def checked(cast, tts):
    """Decided and returned ratings (so the metrics have bars and rows) and, on the
    trainer's submission, findings of several checks: failed, warned, passed, not applicable,
    a nested citation message, and one stored as English text before codes existed."""
    t = tts["tasks"]
    mine = rate(t[0], cast.trainer, 4, active_seconds=120)
    decide(mine, ACCEPTED)
    decide(rate(t[0], tts["ann"], 5, active_seconds=90), ACCEPTED)
    decide(rate(t[0], tts["bob"], 1, accent="gz", active_seconds=30), ACCEPTED)
    returned = rate(t[1], tts["ann"], 2)
    submission_return_for_rework(submission=returned, reasons=["Play the clip to the end."])
    rate(t[2], tts["bob"], 3)
    fail = {"status": "fail", "question_id": "naturalness"}
    _result(mine, "telemetry", "fail", [
        {**fail, "code": "telemetry.pasted", "params": {"percent": 80}, "evidence": {"a": 1}},
        {**fail, "code": "telemetry.partly_played", "params": {"percent": 40}},
    ])  # fmt: skip
    _result(mine, "agreement_outlier", "warn", [
        {"status": "warn", "code": "agreement_outlier.rating", "question_id": "naturalness",
         "params": {"distance": 2.5, "median": 4.0}},
    ])  # fmt: skip
    _result(mine, "straight_lining", "pass", [
        {"status": "pass", "code": "straight_lining.ok", "params": {}},
    ])  # fmt: skip
    _result(mine, "citation_policy", "fail", [
        {"status": "fail", "code": "citation_policy.source", "params": {
            "item": 2, "identifier": "https://x.example",
            "problem": {"code": "citation_policy.denied", "params": {"domain": "x.example"}}}},
    ])  # fmt: skip
    _result(mine, "near_duplicate", "not_applicable", [
        {"status": "not_applicable", "code": "near_duplicate.no_text", "params": {}},
    ])  # fmt: skip
    _result(mine, "schema_rules", "warn", [{"status": "warn", "message": LEGACY}])
    return {"mine": mine, "returned": returned}


def _exempt(cast, tts):
    people = [cast.admin.username, cast.staff.username, str(cast.staff)]
    return data_words(cast, TTS_TEMPLATE, [task.data for task in tts["tasks"]], "ann bob", people,
                      LEGACY, "Play the clip to the end.", "x.example", NAMES)  # fmt: skip


def test_quality_pages_are_all_chinese(client, cast, tts, checked):
    exempt = _exempt(cast, tts)
    project = cast.project.pk
    mine = checked["mine"].pk
    by_role = {
        "setter": [reverse("project-checks", args=[project]),
                   reverse("project-metrics-settings", args=[project])],
        "admin": [reverse("project-checks", args=[project]),
                  reverse("project-metrics", args=[project])],
        "qa_lead": [reverse("project-checks", args=[project]),
                    reverse("project-quality", args=[project]),
                    reverse("project-quality", args=[project]) + "?check=telemetry",
                    reverse("submission-checks", args=[mine]),
                    reverse("project-metrics", args=[project])],
        "trainer": [reverse("submission-checks", args=[mine]),
                    reverse("my-work") + f"?project={project}"],
        "staff": [reverse("project-metrics", args=[project]),
                  reverse("project-quality", args=[project])],
    }  # fmt: skip
    for role, urls in by_role.items():
        client.force_login(cast.by_role(role))
        for url in urls:
            assert_translated(client, url, exempt)


def test_the_metrics_page_has_charts_and_pay_in_chinese(client, cast, tts, checked):
    # given: a pay rate, so the earnings columns show too
    MetricsSettings.objects.create(
        project=cast.project, pay_per_accepted_task="2.50", currency="EUR",
        mos_system_field="meta.system", rating_level="interval",
    )  # fmt: skip
    client.force_login(cast.qa_lead)
    url = reverse("project-metrics", args=[cast.project.pk])

    # then
    assert_translated(client, url, _exempt(cast, tts))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=CHINESE["zh-hant"]).content.decode()
    assert page.count('<rect class="bar"') >= 30
    assert re.search(r">\d{1,2}月\d{1,2}日</text>", page)  # the chart's days, in Chinese
    assert "質檢" in page and "定距" in page


def test_refused_settings_forms_are_all_chinese(client, cast, tts, checked):
    exempt = _exempt(cast, tts)
    client.force_login(cast.admin)
    checks_url = reverse("project-checks", args=[cast.project.pk])
    metrics_url = reverse("project-metrics-settings", args=[cast.project.pk])
    bad_checks = {**_telemetry_form_defaults(), "telemetry-min_time_share": "7"}
    bad_metrics = {"pay_per_accepted_task": "1.555", "currency": "", "rating_level": "ordinal"}
    for url, data, english in (
        (checks_url, bad_checks, "Must be more than 0 and at most 1."),
        (metrics_url, bad_metrics, "At most two decimal places."),
    ):  # fmt: skip
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert english in response.content.decode(), re.findall(
            r"class=\"error\">[^<]*", response.content.decode()
        )
        assert untranslated(response.content.decode(), exempt=exempt)
        for language, header in CHINESE.items():
            response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=header)
            assert response.status_code == 400
            left = untranslated(response.content.decode(), exempt=exempt)
            assert not left, f"{url} in {language}: {left}"


def test_a_finding_stored_with_no_language_reads_in_each_readers_language(client, cast, tts):
    # given: a rating judged by the checks with no language active (as on a worker)
    submission = rate(tts["tasks"][3], cast.trainer, 3, active_seconds=60)
    translation.deactivate_all()
    checks_run(run_id=CheckRun.objects.get(submission=submission).pk)
    translation.deactivate()
    stored = [
        finding
        for result in CheckResult.objects.filter(submission=submission)
        if result.check_name != "gold"
        for finding in result.findings
        if finding["status"] != "not_applicable"
    ]
    assert stored and all("message" not in finding for finding in stored)
    code, params = stored[0]["code"], stored[0]["params"]
    english = messages.render(code, params)
    with translation.override("zh-hant"):
        hant = messages.render(code, params)
    with translation.override("zh-hans"):
        hans = messages.render(code, params)
    assert english == messages.MESSAGES[code] % params
    assert _has_chinese(hant) and _has_chinese(hans)
    client.force_login(cast.trainer)
    url = reverse("submission-checks", args=[submission.pk])

    # then: each reader sees it in their language
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=CHINESE["zh-hant"]).content.decode()
    assert hant in page and english not in page
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english in page and hant not in page
    # and so does the API, whose machine fields stay
    for header, expected in (("en", english), (CHINESE["zh-hans"], hans)):
        body = client.get(
            reverse("api-submission-checks", args=[submission.pk]), HTTP_ACCEPT_LANGUAGE=header
        ).json()
        found = [f for r in body["results"] for f in r["findings"] if f["code"] == code]
        assert found and found[0]["message"] == expected
        assert (found[0]["status"], found[0]["params"]) == (stored[0]["status"], params)


@pytest.mark.parametrize("language", ["", "zh-hant", "zh-hans"])
def test_reasons_a_failed_check_returns_work_with_are_in_the_authors_language(cast, tts, language):
    # given: an author with this saved language (blank: the default, English), and a
    # check whose failure returns the work, judged on a worker (no language active)
    cast.trainer.language = language
    cast.trainer.save(update_fields=["language"])
    submission = rate(tts["tasks"][0], cast.trainer, 4)
    failure = {"status": "fail", "code": "telemetry.pasted", "params": {"percent": 80}}
    translation.deactivate_all()
    _act_on(submission, [("telemetry", "return", [failure])])
    translation.deactivate()

    # then
    submission.refresh_from_db()
    with translation.override(language or "en"):
        expected = messages.render("telemetry.pasted", {"percent": 80})
    assert submission.status == "returned"
    assert submission.return_reasons == [expected]
    assert _has_chinese(expected) == bool(language)


def test_api_refusals_are_chinese_with_the_same_code(client, cast, tts):
    project = cast.project.pk
    cases = [
        ("trainer", "get", reverse("api-project-metrics", args=[project]), None),
        ("qa_lead", "put", reverse("api-project-checks", args=[project]),
         {"check": "telemetry", "enabled": True, "config": {}, "on_fail": "flag"}),
        ("admin", "put", reverse("api-project-checks", args=[project]),
         {"check": "telemetry", "enabled": True, "config": {"min_time_share": 7},
          "on_fail": "flag"}),
        ("admin", "put", reverse("api-project-metrics-settings", args=[project]),
         {"pay_per_accepted_task": "1.555", "currency": "", "rating_level": "ordinal"}),
    ]  # fmt: skip
    for role, method, url, data in cases:
        client.force_login(cast.by_role(role))
        call = getattr(client, method)
        english = call(url, data, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
        assert 400 <= english.status_code < 500, url
        body = english.json()
        assert not _has_chinese(body), body
        for header in CHINESE.values():
            response = call(url, data, content_type="application/json",
                            HTTP_ACCEPT_LANGUAGE=header)  # fmt: skip
            assert response.status_code == english.status_code
            translated = response.json()
            assert translated.get("error") == body.get("error"), (url, translated)
            assert _has_chinese(translated), (url, translated)
            assert set(translated) == set(body)


def test_check_titles_and_settings_words_are_translated():
    with translation.override("zh-hans"):
        from quality.forms import CheckSettingsForm

        for spec in CATALOGUE.values():
            form = CheckSettingsForm(spec, enabled=True, on_fail="flag", config={})
            for _field, setting, _current in form.setting_fields():
                for words in (setting.label, setting.help, setting.unit):
                    assert not words or _has_chinese(words), (spec.name, setting.name, words)


def _telemetry_form_defaults() -> dict:
    """The telemetry check's settings form as it stands, ready to post."""
    from quality.forms import CheckSettingsForm

    form = CheckSettingsForm(CATALOGUE["telemetry"], enabled=True, on_fail="flag", config={})
    data = {"check": "telemetry", "telemetry-enabled": "on", "telemetry-on_fail": "flag"}
    for _field, setting, current in form.setting_fields():
        if setting.kind == "bool":
            if current:
                data[f"telemetry-{setting.name}"] = "on"
        elif setting.kind in ("list", "questions"):
            data[f"telemetry-{setting.name}"] = "\n".join(current)
        else:
            data[f"telemetry-{setting.name}"] = str(current)
    return data


def _has_chinese(value) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", str(value)))
