"""The metrics pages: project metrics with charts and tables, CSV downloads, the settings
form, and "my work"; permissions as on the API."""

import csv
import io

import pytest
from django.urls import reverse

from metrics.models import MetricsSettings
from tasks.services.reviewing import submission_return_for_rework
from tests.conftest import ALL_PEOPLE
from tests.metrics.conftest import ACCEPTED, decide, rate

pytestmark = pytest.mark.django_db

EXPECTED = {
    "trainer": 403,
    "setter": 200,
    "qa_lead": 200,
    "admin": 200,
    "outsider": 404,
    "staff": 200,
}


@pytest.fixture
def work(cast, tts):
    t = tts["tasks"]
    decide(rate(t[0], cast.trainer, 4, active_seconds=120), ACCEPTED)
    returned = rate(t[1], cast.trainer, 2)
    submission_return_for_rework(submission=returned, reasons=["Play the clip to the end."])
    hers = rate(t[0], tts["ann"], 5)
    submission_return_for_rework(submission=hers, reasons=["Ann's private feedback."])
    return {"returned": returned, "hers": hers}


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_metrics_page_by_role(client, cast, tts, work, person):
    client.force_login(cast.by_role(person))
    response = client.get(reverse("project-metrics", args=[cast.project.pk]))
    assert response.status_code == EXPECTED[person]
    csv_url = reverse("project-metrics-csv", args=[cast.project.pk, "trainers"])
    assert client.get(csv_url).status_code == EXPECTED[person]


def test_metrics_page_shows_charts_and_tables(client, cast, tts, work):
    client.force_login(cast.qa_lead)
    page = client.get(reverse("project-metrics", args=[cast.project.pk])).content.decode()
    assert 'data-testid="throughput-chart"' in page
    assert page.count('<rect class="bar"') >= 30  # one bar per day
    assert 'data-testid="acceptance-chart"' in page and "<polyline" in page
    assert 'data-testid="agreement-table"' in page and "naturalness" in page
    assert 'data-testid="mos-table"' in page
    assert 'data-testid="trainers-table"' in page and "ann" in page
    assert "Computed" in page
    assert "Metrics settings" not in page  # QA leads read, setters and admins change


def test_csv_download(client, cast, tts, work):
    client.force_login(cast.setter)
    response = client.get(reverse("project-metrics-csv", args=[cast.project.pk, "agreement"]))
    assert response["Content-Disposition"] == (
        f'attachment; filename="project-{cast.project.pk}-agreement.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["question_id", "type", "level"]
    assert [row[0] for row in rows[1:]] == ["naturalness", "accent", "issues"]
    unknown = reverse("project-metrics-csv", args=[cast.project.pk, "passwords"])
    assert client.get(unknown).status_code == 404


def test_csv_cells_cannot_run_as_formulas(client, cast, tts):
    tts["ann"].display_name = '=HYPERLINK("http://evil.test")'
    tts["ann"].save()
    rate(tts["tasks"][0], tts["ann"], 3)
    client.force_login(cast.admin)
    text = client.get(reverse("project-metrics-csv", args=[cast.project.pk, "trainers"])).content
    trainer_cells = [row[1] for row in csv.reader(io.StringIO(text.decode()))][1:]
    assert trainer_cells == ['\'=HYPERLINK("http://evil.test")']


def test_settings_form(client, cast, tts):
    url = reverse("project-metrics-settings", args=[cast.project.pk])
    client.force_login(cast.admin)
    bad = client.post(
        url, {"pay_per_accepted_task": "1.5", "currency": "", "rating_level": "ordinal"}
    )
    assert bad.status_code == 400
    assert "Name the currency" in bad.content.decode()
    assert not MetricsSettings.objects.exists()
    good = client.post(
        url,
        {
            "pay_per_accepted_task": "1.5",
            "currency": "eur",
            "mos_system_field": "meta.system",
            "rating_level": "ratio",
        },
    )
    assert good.status_code == 302
    saved = MetricsSettings.objects.get()
    assert (str(saved.pay_per_accepted_task), saved.currency, saved.rating_level) == (
        "1.50",
        "EUR",
        "ratio",
    )
    page = client.get(reverse("project-metrics", args=[cast.project.pk])).content.decode()
    assert "Earned" in page and "meta.system" in page


@pytest.mark.parametrize("person", ["trainer", "qa_lead"])
def test_settings_form_is_for_setters_and_admins(client, cast, tts, person):
    client.force_login(cast.by_role(person))
    url = reverse("project-metrics-settings", args=[cast.project.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"currency": "EUR", "rating_level": "ordinal"}).status_code == 403
    client.force_login(cast.outsider)
    assert client.get(url).status_code == 404


def test_my_work_page_shows_my_returned_submission_and_not_others(client, cast, tts, work):
    client.force_login(cast.trainer)
    page = client.get(reverse("my-work")).content.decode()
    assert "Play the clip to the end." in page
    assert f'data-submission="{work["returned"].pk}"' in page
    assert "Ann's private feedback." not in page
    assert f'data-submission="{work["hers"].pk}"' not in page


def test_my_work_page_permissions(client, cast, tts, work):
    url = reverse("my-work")
    client.force_login(cast.qa_lead)
    assert "not a trainer in any project" in client.get(url).content.decode()
    assert client.get(url, {"project": cast.project.pk}).status_code == 403
    client.force_login(cast.outsider)
    assert client.get(url, {"project": cast.project.pk}).status_code == 404
    client.force_login(cast.trainer)
    assert client.get(url, {"project": "abc"}).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
