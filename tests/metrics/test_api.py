"""The metrics API: project figures, tables as JSON and CSV, settings, "my work"; with
permissions on each (trainers never see project figures or another trainer's work,
outsiders get 404)."""

import csv
import io

import pytest
from django.urls import reverse

from metrics.models import MetricsSettings
from metrics.tables import TABLES
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
    mine = rate(t[0], cast.trainer, 4, active_seconds=120)
    decide(mine, ACCEPTED)
    returned = rate(t[1], cast.trainer, 2, active_seconds=60)
    submission_return_for_rework(submission=returned, reasons=["Play the clip to the end."])
    hers = rate(t[0], tts["ann"], 5, active_seconds=30)
    submission_return_for_rework(submission=hers, reasons=["Ann's private feedback."])
    return {"mine": mine, "returned": returned, "hers": hers}


@pytest.mark.parametrize("person", ALL_PEOPLE)
def test_project_metrics_by_role(cast, tts, work, client_as, person):
    url = reverse("api-project-metrics", args=[cast.project.pk])
    response = client_as(cast.by_role(person)).get(url)
    assert response.status_code == EXPECTED[person]
    if response.status_code == 200:
        body = response.json()
        assert body["ready"] is True and body["computed_at"]
        assert {row["trainer"] for row in body["trainers"]} == {"trainer-user", "ann"}
        assert body["figures"]["submissions"] == 3
        assert [row["question_id"] for row in body["agreement"]] == [
            "naturalness",
            "accent",
            "issues",
        ]
        assert body["mos"]["systems"][0]["n"] == 3
    else:
        assert set(response.json()) == {"error", "detail", "fields"}


def test_unauthenticated_is_401(cast, api_client):
    response = api_client.get(reverse("api-project-metrics", args=[cast.project.pk]))
    assert response.status_code == 401


@pytest.mark.parametrize("table", list(TABLES))
def test_each_table_as_json_and_csv_has_the_same_columns(cast, tts, work, client_as, table):
    client = client_as(cast.qa_lead)
    url = reverse("api-project-metrics-table", args=[cast.project.pk, table])
    body = client.get(url).json()
    assert body["columns"] == list(TABLES[table])
    assert all(list(row) == body["columns"] for row in body["rows"])
    response = client.get(url, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == list(TABLES[table])
    assert len(rows) == len(body["rows"]) + 1


def test_trainers_table_csv_values(cast, tts, work, client_as):
    url = reverse("api-project-metrics-table", args=[cast.project.pk, "trainers"])
    text = client_as(cast.admin).get(url, {"format": "csv"}).content.decode()
    rows = {row["trainer"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["trainer-user"]["submissions"] == "2"
    assert rows["trainer-user"]["acceptance_rate"] == "1.0"
    assert rows["ann"]["decided"] == "0" and rows["ann"]["acceptance_rate"] == ""


def test_table_permissions_and_unknown_table(cast, tts, work, client_as):
    url = reverse("api-project-metrics-table", args=[cast.project.pk, "trainers"])
    assert client_as(cast.trainer).get(url).status_code == 403
    assert client_as(cast.trainer).get(url, {"format": "csv"}).status_code == 403
    assert client_as(cast.outsider).get(url).status_code == 404
    unknown = reverse("api-project-metrics-table", args=[cast.project.pk, "salaries"])
    assert client_as(cast.qa_lead).get(unknown).status_code == 404


def test_settings_read_and_write(cast, tts, client_as):
    url = reverse("api-project-metrics-settings", args=[cast.project.pk])
    body = {"pay_per_accepted_task": "0.80", "currency": "gbp", "mos_system_field": "meta.system"}
    response = client_as(cast.setter).put(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "pay_per_accepted_task": "0.80",
        "currency": "GBP",
        "mos_system_field": "meta.system",
        "rating_level": "ordinal",
    }
    assert client_as(cast.qa_lead).get(url).json()["currency"] == "GBP"
    figures = client_as(cast.qa_lead).get(reverse("api-project-metrics", args=[cast.project.pk]))
    assert figures.json()["settings"]["mos_system_field"] == "meta.system"
    ratio = client_as(cast.setter).put(url, {**body, "rating_level": "ratio"}, format="json")
    assert (ratio.status_code, ratio.json()["rating_level"]) == (200, "ratio")


def test_settings_errors_name_the_field_and_change_nothing(cast, tts, client_as):
    url = reverse("api-project-metrics-settings", args=[cast.project.pk])
    client = client_as(cast.admin)
    response = client.put(url, {"pay_per_accepted_task": "lots", "currency": "EUR"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"pay_per_accepted_task"}
    response = client.put(url, {"pay": "1"}, format="json")
    assert response.status_code == 400 and response.json()["fields"] == {"pay": ["Unknown field."]}
    assert not MetricsSettings.objects.exists()


@pytest.mark.parametrize("person", ["trainer", "qa_lead"])
def test_only_setters_and_admins_change_settings(cast, tts, client_as, person):
    url = reverse("api-project-metrics-settings", args=[cast.project.pk])
    response = client_as(cast.by_role(person)).put(url, {"currency": "EUR"}, format="json")
    assert response.status_code == 403
    assert client_as(cast.outsider).put(url, {}, format="json").status_code == 404
    assert not MetricsSettings.objects.exists()


# --- my work --------------------------------------------------------------------------------


def test_my_work_shows_only_my_figures(cast, tts, work, client_as):
    MetricsSettings.objects.create(
        project=cast.project, pay_per_accepted_task="2.00", currency="EUR"
    )
    response = client_as(cast.trainer).get(reverse("api-my-work"), {"project": cast.project.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["figures"]["trainer"] == "trainer-user"
    assert body["figures"]["submissions"] == 2
    assert body["figures"]["earned"] == "2.00"
    # 2.00 for 180 s of active time = 40.00 per hour
    assert body["figures"]["hourly_rate"] == "40.00"
    assert body["pays"] is True and body["currency"] == "EUR"
    assert "ann" not in response.content.decode()


def test_my_submissions_hold_only_mine_with_reasons(
    cast, tts, work, client_as, django_assert_max_num_queries
):
    client = client_as(cast.trainer)
    url = reverse("api-my-submissions")
    with django_assert_max_num_queries(12):
        response = client.get(url, {"project": cast.project.pk})
    assert response.status_code == 200
    results = response.json()["results"]
    assert {row["id"] for row in results} == {work["mine"].pk, work["returned"].pk}
    returned = next(row for row in results if row["id"] == work["returned"].pk)
    assert (returned["status"], returned["return_reasons"]) == (
        "returned",
        ["Play the clip to the end."],
    )
    assert "Ann's private feedback." not in response.content.decode()
    # the other trainer sees hers, not mine
    theirs = client_as(tts["ann"]).get(url, {"project": cast.project.pk}).json()["results"]
    assert [row["id"] for row in theirs] == [work["hers"].pk]


def test_my_work_needs_a_project_i_train_in(cast, tts, client_as):
    client = client_as(cast.trainer)
    missing = client.get(reverse("api-my-work"))  # the figures are per project
    assert missing.status_code == 400 and "project" in missing.json()["fields"]
    # (my submissions without a project: every project I train in, tests/metrics/test_my_work.py)
    for url in (reverse("api-my-work"), reverse("api-my-submissions")):
        assert client.get(url, {"project": "x"}).status_code == 400
        other = cast.outsider.memberships.get().project_id
        assert client.get(url, {"project": other}).status_code == 404
        assert client_as(cast.outsider).get(url, {"project": cast.project.pk}).status_code == 404
        assert client_as(cast.qa_lead).get(url, {"project": cast.project.pk}).status_code == 403


def test_inactive_trainer_gets_nothing(cast, tts, client_as):
    client = client_as(cast.trainer)
    cast.trainer.is_active = False
    cast.trainer.save()
    response = client.get(reverse("api-my-work"), {"project": cast.project.pk})
    assert response.status_code in (401, 404)
