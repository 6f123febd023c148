"""/metrics: who may read it (token or listed address, else the site's 404), and each
family it exposes: request latency, queue lengths, quality-check lag, job states."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from annotation_platform.monitoring import StateCollector, queue_lengths
from exports.models import ExportJob, ExportStatus
from imports.models import ImportJob, ImportStatus
from quality.models import CheckRun
from tests.factories import submit

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789"


@pytest.fixture
def metrics_open(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    settings.REDIS_URL = ""


def _scrape(client) -> dict[str, dict[tuple, float]]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[key] = sample.value
    return samples


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (f"Bearer {TOKEN}", 200),
        (f"bearer {TOKEN}", 200),
        ("Bearer wrong-token", 404),
        (f"Basic {TOKEN}", 404),
        ("", 404),
    ],
)
def test_the_metrics_token_opens_metrics_and_nothing_else_does(
    client, metrics_open, header, status
):
    response = client.get("/metrics", HTTP_AUTHORIZATION=header)
    assert response.status_code == status
    if status == 404:  # the site's own 404, as for any unknown path
        assert b"annotation_" not in response.content


def test_without_a_token_or_addresses_metrics_do_not_exist(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


@pytest.mark.parametrize(
    ("remote", "extra", "status"),
    [
        ("10.0.3.7", {}, 200),  # inside the listed network
        ("192.0.2.10", {}, 200),  # the listed address
        ("192.0.2.11", {}, 404),
        ("10.0.3.7", {"HTTP_X_FORWARDED_FOR": "198.51.100.1"}, 404),  # came through a proxy
        ("10.0.3.7", {"HTTP_X_REAL_IP": "198.51.100.1"}, 404),
    ],
)
def test_listed_addresses_may_scrape_directly(client, settings, remote, extra, status):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.3.0/24", "192.0.2.10"]
    settings.REDIS_URL = ""
    assert client.get("/metrics", REMOTE_ADDR=remote, **extra).status_code == status


def test_metrics_answer_whatever_the_host_header(client, metrics_open, settings):
    settings.ALLOWED_HOSTS = ["annotate.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(
        "/metrics", HTTP_HOST="10.0.0.5:8000", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )
    assert response.status_code == 200


# --- families -------------------------------------------------------------------------------


def test_request_latency_histogram_by_view_method_and_status_class(client, metrics_open):
    client.get("/account/login/")
    samples = _scrape(client)
    counts = samples["annotation_http_request_duration_seconds_count"]
    assert counts[(("method", "GET"), ("status", "2xx"), ("view", "login"))] >= 1
    buckets = samples["annotation_http_request_duration_seconds_bucket"]
    assert any(dict(key).get("le") == "+Inf" for key in buckets)


def test_quality_check_lag_and_pending_runs(client, metrics_open, cast, mcq):
    # given no pending run
    samples = _scrape(client)
    assert samples["annotation_quality_check_runs_pending"][()] == 0
    assert samples["annotation_quality_check_lag_seconds"][()] == 0
    # when two submissions wait for their checks, the older for 90 s
    first, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    submit(task=mcq["tasks"][1], author=cast.trainer, answer={"answer": "B"})
    CheckRun.objects.filter(submission=first).update(
        created_at=timezone.now() - timedelta(seconds=90)
    )
    samples = _scrape(client)
    # then
    assert samples["annotation_quality_check_runs_pending"][()] == 2
    assert 90 <= samples["annotation_quality_check_lag_seconds"][()] < 120
    assert samples["annotation_metrics_source_up"][(("source", "database"),)] == 1


def test_import_and_export_jobs_by_state(client, metrics_open, cast):
    for status in (ImportStatus.RUNNING, ImportStatus.RUNNING, ImportStatus.FAILED):
        ImportJob.objects.create(
            project=cast.project, status=status, format="jsonl", source_key="k", source_name="k"
        )
    ExportJob.objects.create(project=cast.project, status=ExportStatus.QUEUED, format="jsonl")
    samples = _scrape(client)
    imports = samples["annotation_import_jobs"]
    assert imports[(("status", "running"),)] == 2
    assert imports[(("status", "failed"),)] == 1
    assert imports[(("status", "done"),)] == 0  # every state is listed, so alerts see a 0
    assert samples["annotation_export_jobs"][(("status", "queued"),)] == 1


class FakeRedis:
    """kombu's Redis layout: one list per queue and priority step."""

    def __init__(self, lists: dict[str, int]):
        self.lists = lists
        self.round_trips = 0

    def pipeline(self, transaction=True):
        client = self

        class Pipe:
            keys: list[str] = []

            def llen(self, key):
                self.keys = [*self.keys, key]
                return self

            def execute(self):
                client.round_trips += 1
                return [client.lists.get(key, 0) for key in self.keys]

        return Pipe()


def test_queue_lengths_add_up_the_priority_lists_in_one_round_trip():
    fake = FakeRedis({"default": 4, "default\x06\x163": 1, "qa": 7, "qa\x06\x169": 2})
    assert queue_lengths(fake) == {"default": 5, "qa": 9}
    assert fake.round_trips == 1


def test_queue_lengths_are_exposed_with_a_broker(client, metrics_open, settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    fake = FakeRedis({"default": 3, "qa": 12})
    fake.close = lambda: None
    monkeypatch.setattr("annotation_platform.monitoring._redis_client", lambda: fake)
    samples = _scrape(client)
    assert samples["annotation_queue_length"] == {
        (("queue", "default"),): 3,
        (("queue", "qa"),): 12,
    }
    assert samples["annotation_metrics_source_up"][(("source", "broker"),)] == 1


def test_an_unreachable_broker_is_reported_not_a_failed_scrape(client, metrics_open, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    samples = _scrape(client)
    assert samples["annotation_metrics_source_up"][(("source", "broker"),)] == 0
    assert "annotation_queue_length" not in samples
    assert "annotation_import_jobs" in samples  # the database families are still there


def test_the_state_families_cost_one_query_each(metrics_open, django_assert_num_queries):
    with django_assert_num_queries(3):  # check runs, imports, exports
        list(StateCollector().collect())
