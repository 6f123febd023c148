"""Prometheus metrics at ``/metrics`` (served by annotation_platform.operations).

Families (all prefixed ``annotation_``):

- ``http_request_duration_seconds{view,method,status}``: a histogram per URL name, HTTP
  method and status class (``2xx``...), timed from the first middleware to the response;
- ``queue_length{queue}``: messages waiting in the ``default`` and ``qa`` Redis queues;
- ``quality_check_runs_pending`` and ``quality_check_lag_seconds``: pending check runs and
  the age of the oldest (one query on the partial index of pending runs);
- ``import_jobs{status}`` and ``export_jobs{status}``: jobs per state (one query each);
- ``metrics_source_up{source}``: 0 when the database or the broker could not be read for
  this scrape (the families from it are then left out).

The latency histogram lives in each gunicorn worker. With ``PROMETHEUS_MULTIPROC_DIR`` set
(an empty directory, cleared by gunicorn.conf.py at start), prometheus-client writes each
worker's values to files there and a scrape adds them up; without it, a scrape shows only
the worker that answered it. The other families are read at scrape time, so any worker
gives the whole picture.

Access: only with ``Authorization: Bearer <METRICS_TOKEN>`` or from an address in
``METRICS_ALLOWED_IPS``; anyone else gets the site's ordinary 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator
from functools import lru_cache

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

PREFIX = "annotation_"
QUEUES = ("default", "qa")
# kombu's Redis transport keeps one list per priority step: the queue's own name for
# priority 0, "<queue>\x06\x16<step>" for the others.
_KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)
_KOMBU_SEP = "\x06\x16"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Requests' own registry: the scrape adds the state collectors to a fresh one each time.
_requests_registry = CollectorRegistry(auto_describe=False)
REQUEST_DURATION = Histogram(
    f"{PREFIX}http_request_duration_seconds",
    "Time from the first middleware to the response, by URL name, method and status class.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=_requests_registry,
)


def observe_request(request: HttpRequest, status_code: int, seconds: float) -> None:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        view = match.view_name
    elif request.path.startswith(settings.STATIC_URL) or request.path[1:].startswith(
        settings.STATIC_URL
    ):
        view = "static"  # answered by whitenoise, before URL resolution
    else:
        view = "unmatched"
    method = request.method if request.method in _METHODS else "other"
    REQUEST_DURATION.labels(view, method, f"{status_code // 100}xx").observe(seconds)


# --- Access --------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def can_read_metrics(request: HttpRequest) -> bool:
    """The metrics token as a bearer token, or a direct connection from a listed address.

    A request that came through a proxy (``X-Forwarded-For``/``X-Real-IP``) is never let in
    by address: behind a proxy every request comes from the proxy's own address."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, sent = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            sent.strip().encode(), token.encode()
        ):
            return True
    if not settings.METRICS_ALLOWED_IPS:
        return False
    if "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in net for net in _networks(tuple(settings.METRICS_ALLOWED_IPS)))


# --- Scrape-time families ------------------------------------------------------------------


def queue_lengths(client) -> dict[str, int]:
    """Messages waiting per queue, all priority lists summed (one round trip)."""
    pipe = client.pipeline(transaction=False)
    for queue in QUEUES:
        for step in _KOMBU_PRIORITY_STEPS:
            pipe.llen(f"{queue}{_KOMBU_SEP}{step}" if step else queue)
    sizes = pipe.execute()
    steps = len(_KOMBU_PRIORITY_STEPS)
    return {queue: sum(sizes[i * steps : (i + 1) * steps]) for i, queue in enumerate(QUEUES)}


def _redis_client():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def _jobs_by_status(model, statuses) -> dict[str, int]:
    counts = dict.fromkeys(statuses, 0)
    for status, count in model.objects.order_by().values_list("status").annotate(n=Count("pk")):
        counts[status] = count
    return counts


class StateCollector(Collector):
    """Reads the queues and the database at scrape time."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            f"{PREFIX}metrics_source_up",
            "1 when this scrape could read the source, 0 when it failed.",
            labels=["source"],
        )
        yield from self._broker(up)
        yield from self._database(up)
        yield up

    def _broker(self, up: GaugeMetricFamily) -> Iterator[Metric]:
        if not settings.REDIS_URL:
            return  # jobs run in-process: there is no queue
        import redis

        client = _redis_client()
        try:
            lengths = queue_lengths(client)
        except redis.RedisError:
            logger.warning("metrics: could not read the queue lengths", exc_info=True)
            up.add_metric(["broker"], 0)
            return
        finally:
            client.close()
        up.add_metric(["broker"], 1)
        family = GaugeMetricFamily(
            f"{PREFIX}queue_length", "Messages waiting in a Celery queue.", labels=["queue"]
        )
        for queue, length in lengths.items():
            family.add_metric([queue], length)
        yield family

    def _database(self, up: GaugeMetricFamily) -> Iterator[Metric]:
        from exports.models import ExportJob, ExportStatus
        from imports.models import ImportJob, ImportStatus
        from quality.models import CheckRun, RunStatus

        try:
            pending = CheckRun.objects.filter(status=RunStatus.PENDING).aggregate(
                count=Count("pk"), oldest=Min("created_at")
            )
            imports = _jobs_by_status(ImportJob, ImportStatus.values)
            exports = _jobs_by_status(ExportJob, ExportStatus.values)
        except DatabaseError:
            logger.warning("metrics: could not read the database", exc_info=True)
            up.add_metric(["database"], 0)
            return
        up.add_metric(["database"], 1)
        lag = (timezone.now() - pending["oldest"]).total_seconds() if pending["oldest"] else 0.0
        yield GaugeMetricFamily(
            f"{PREFIX}quality_check_runs_pending",
            "Quality-check runs waiting to be judged.",
            value=pending["count"],
        )
        yield GaugeMetricFamily(
            f"{PREFIX}quality_check_lag_seconds",
            "Age of the oldest pending quality-check run (0 when none is pending).",
            value=max(lag, 0.0),
        )
        for name, counts in (("import_jobs", imports), ("export_jobs", exports)):
            family = GaugeMetricFamily(
                f"{PREFIX}{name}", f"{name.replace('_', ' ')} per status.", labels=["status"]
            )
            for status, count in counts.items():
                family.add_metric([status], count)
            yield family


class _RequestsCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from _requests_registry.collect()


def metrics_view(request: HttpRequest) -> HttpResponse:
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_RequestsCollector())
    registry.register(StateCollector())
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
