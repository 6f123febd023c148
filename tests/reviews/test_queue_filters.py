"""The review queue's filters (check, trainer, waiting, risk, status): the service, the
page (filters in the URL, kept by "Review next" and after a decision), the API (the same
parameters, 400 naming the parameter), check names in words, and pseudonyms in the
review log under both policies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from annotation_platform.errors import DomainError
from reviews.models import ReviewEvent, ReviewItem
from reviews.workflow import (
    ReviewInput,
    author_alias,
    author_code,
    dispute_file,
    queue_filters,
    review_lease,
    review_next,
    review_policy_update,
    review_queue,
    review_submit,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def queued(cast, reviewing):
    """Three queued submissions: ``dup`` (trainer, near_duplicate and telemetry flagged,
    queued 2 days ago), ``fresh`` (trainer2, telemetry flagged, queued now) and ``clean``
    (trainer, nothing flagged, queued 8 days ago)."""
    now = timezone.now()
    dup = reviewing["submit"](cast.trainer, task=0, answer="C")
    fresh = reviewing["submit"](reviewing["trainer2"], task=1, answer="B")
    clean = reviewing["submit"](cast.trainer, task=2, answer="A")
    ReviewItem.objects.filter(submission=dup).update(
        flagged_checks=["near_duplicate", "telemetry"], queued_at=now - timedelta(days=2)
    )
    ReviewItem.objects.filter(submission=clean).update(queued_at=now - timedelta(days=8))
    return {"dup": dup, "fresh": fresh, "clean": clean}


def _ids(items):
    return [item.submission_id for item in items]


def _filtered(cast, **params):
    filters = queue_filters(project=cast.project, params=params)
    return _ids(review_queue(project=cast.project, reviewer=cast.qa_lead, filters=filters))


# --- the service ------------------------------------------------------------------------


def test_each_filter_narrows_the_queue(cast, reviewing, queued):
    dup, fresh, clean = queued["dup"].pk, queued["fresh"].pk, queued["clean"].pk
    assert _filtered(cast) == [dup, fresh, clean]
    assert _filtered(cast, check="near_duplicate") == [dup]
    assert _filtered(cast, check="telemetry") == [dup, fresh]
    assert _filtered(cast, check="gold") == []
    code = author_code(cast.project.pk, reviewing["trainer2"].pk)
    assert _filtered(cast, trainer=code) == [fresh]
    # The alias as shown ("Trainer 3FA2C1") names the trainer too, in any case.
    assert _filtered(cast, trainer=f"Trainer {code.lower()}") == [fresh]
    assert _filtered(cast, waiting="1h") == [dup, clean]
    assert _filtered(cast, waiting="7d") == [clean]
    assert _filtered(cast, waiting="190h") == [clean]
    assert _filtered(cast, risk="failed") == [dup]
    assert _filtered(cast, risk="warned") == [fresh]
    assert _filtered(cast, risk="clean") == [clean]


def test_filters_combine(cast, reviewing, queued):
    code = author_code(cast.project.pk, cast.trainer.pk)
    assert _filtered(cast, check="telemetry", trainer=code) == [queued["dup"].pk]
    assert _filtered(cast, check="telemetry", waiting="1d", risk="failed") == [queued["dup"].pk]
    assert _filtered(cast, check="telemetry", waiting="7d") == []
    assert _filtered(cast, trainer=code, waiting="7d", risk="clean") == [queued["clean"].pk]


def test_status_filter_tells_free_from_held(cast, reviewing, queued):
    review_lease(submission=queued["fresh"], reviewer=cast.admin)
    assert _filtered(cast, status="held") == [queued["fresh"].pk]
    assert _filtered(cast, status="free") == [queued["dup"].pk, queued["clean"].pk]
    # An expired lease is free again.
    ReviewItem.objects.filter(submission=queued["fresh"]).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert _filtered(cast, status="held") == []


def test_trainer_by_username_when_the_policy_shows_names(cast, reviewing, queued):
    review_policy_update(project=cast.project, by=cast.setter, show_author_names=True)
    assert _filtered(cast, trainer="trainer-two") == [queued["fresh"].pk]
    with pytest.raises(DomainError) as refused:
        _filtered(cast, trainer="nobody-here")
    assert list(refused.value.fields) == ["trainer"]


def test_a_username_never_filters_when_names_are_hidden(cast, reviewing, queued):
    """Filtering by username would tell a reviewer who wrote what: refused, naming the
    parameter; a well-formed code of nobody finds nothing."""
    with pytest.raises(DomainError) as refused:
        _filtered(cast, trainer="trainer-two")
    assert refused.value.code == "invalid_filter"
    assert list(refused.value.fields) == ["trainer"]
    codes = {
        author_code(cast.project.pk, user.pk) for user in (cast.trainer, reviewing["trainer2"])
    }
    nobody = next(code for code in ("000000", "000001") if code not in codes)
    assert _filtered(cast, trainer=nobody) == []


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("check", "near-duplicate"),
        ("check", "'; drop table"),
        ("waiting", "1w"),
        ("waiting", "0h"),
        ("waiting", "-1d"),
        ("waiting", "99999d"),
        ("waiting", "3651d"),
        ("risk", "high"),
        ("status", "queued"),
    ],
)
def test_bad_values_are_refused_naming_the_parameter(cast, reviewing, param, value):
    with pytest.raises(DomainError) as refused:
        queue_filters(project=cast.project, params={param: value})
    assert refused.value.code == "invalid_filter"
    assert list(refused.value.fields) == [param]


def test_every_bad_parameter_is_named_at_once(cast, reviewing):
    with pytest.raises(DomainError) as refused:
        queue_filters(project=cast.project, params={"check": "x", "risk": "y", "waiting": "z"})
    assert sorted(refused.value.fields) == ["check", "risk", "waiting"]


def test_next_honours_the_filters(cast, reviewing, queued):
    near = queue_filters(project=cast.project, params={"check": "near_duplicate"})
    item = review_next(project=cast.project, reviewer=cast.qa_lead, filters=near)
    assert item.submission_id == queued["dup"].pk
    # Holding it, next gives it again; decided, nothing else is near-duplicate flagged.
    assert review_next(project=cast.project, reviewer=cast.qa_lead, filters=near) == item
    review_submit(
        submission=queued["dup"],
        reviewer=cast.qa_lead,
        data=ReviewInput(decision="accept", rubric_version=reviewing["version"].pk),
    )
    assert review_next(project=cast.project, reviewer=cast.qa_lead, filters=near) is None
    # A held item that does not match is not what a filtered next gives.
    warned = queue_filters(project=cast.project, params={"risk": "warned"})
    assert review_next(
        project=cast.project, reviewer=cast.qa_lead, filters=warned
    ).submission_id == (queued["fresh"].pk)
    clean = queue_filters(project=cast.project, params={"risk": "clean"})
    assert (
        review_next(project=cast.project, reviewer=cast.qa_lead, filters=clean).submission_id
        == queued["clean"].pk
    )


# --- the page ---------------------------------------------------------------------------


def test_the_page_filters_by_url_and_names_checks_in_words(client, cast, reviewing, queued):
    client.force_login(cast.qa_lead)
    url = reverse("review-queue", args=[cast.project.pk])
    page = client.get(url, {"check": "near_duplicate"})
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-submission="{queued["dup"].pk}"' in body
    assert f'data-submission="{queued["fresh"].pk}"' not in body
    assert ">Near-duplicate</span>" in body and ">Work telemetry</span>" in body
    assert '<option value="near_duplicate" selected>Near-duplicate</option>' in body
    # "Review next" and paging keep the filters.
    assert f'action="{reverse("review-next", args=[cast.project.pk])}?check=near_duplicate"' in body
    assert 'data-testid="clear-filters"' in body
    review = reverse("submission-review", args=[queued["dup"].pk])
    assert f'href="{review}?check=near_duplicate"' in body  # a decision comes back here
    # Pseudonyms in the trainer filter when names are hidden, never usernames.
    code = author_code(cast.project.pk, reviewing["trainer2"].pk)
    assert (
        f'<option value="{code}">{author_alias(cast.project.pk, reviewing["trainer2"].pk)}' in body
    )
    assert "trainer-two" not in body


def test_the_page_names_a_bad_filter_with_a_400(client, cast, reviewing, queued):
    client.force_login(cast.qa_lead)
    page = client.get(reverse("review-queue", args=[cast.project.pk]), {"waiting": "soon"})
    assert page.status_code == 400
    body = page.content.decode()
    assert 'data-testid="filter-errors"' in body and "<code>waiting</code>" in body
    assert "data-submission=" not in body


def test_page_next_and_the_decision_keep_the_filters(client, cast, reviewing, queued):
    client.force_login(cast.qa_lead)
    pk = cast.project.pk
    opened = client.post(f"{reverse('review-next', args=[pk])}?check=near_duplicate&risk=")
    review_url = reverse("submission-review", args=[queued["dup"].pk])
    assert opened.status_code == 302
    assert opened["Location"] == f"{review_url}?check=near_duplicate"
    decided = client.post(
        f"{review_url}?check=near_duplicate",
        {
            "decision": "accept",
            "revision": queued["dup"].revision,
            "rubric_version": reviewing["version"].pk,
        },
    )
    assert decided.status_code == 302, decided.content.decode()[:2000]
    assert decided["Location"] == f"{reverse('review-queue', args=[pk])}?check=near_duplicate"
    empty = client.post(f"{reverse('review-next', args=[pk])}?check=near_duplicate")
    assert empty["Location"] == f"{reverse('review-queue', args=[pk])}?check=near_duplicate"
    shown = client.get(empty["Location"]).content.decode()
    assert "Nothing that matches these filters is waiting for your review." in shown
    # A bad filter on next goes back to the queue, which names it.
    bad = client.post(f"{reverse('review-next', args=[pk])}?risk=high")
    assert bad["Location"] == f"{reverse('review-queue', args=[pk])}?risk=high"
    assert not ReviewItem.objects.filter(leased_by=cast.qa_lead).exists()


def test_decide_and_go_to_next_stays_on_the_filtered_queue(client, cast, reviewing, queued):
    # given: a reviewer working through the telemetry flags (dup, then fresh)
    client.force_login(cast.qa_lead)
    pk = cast.project.pk
    query = "check=telemetry"
    first = client.post(f"{reverse('review-next', args=[pk])}?{query}")
    dup_url = reverse("submission-review", args=[queued["dup"].pk])
    assert first["Location"] == f"{dup_url}?{query}"

    # when: each is decided with "decide and go to next"
    decide = {"decision": "accept", "rubric_version": reviewing["version"].pk, "then": "next"}
    second = client.post(first["Location"], {**decide, "revision": queued["dup"].revision})

    # then: the next is the other telemetry flag, not the older clean item, filters kept
    fresh_url = reverse("submission-review", args=[queued["fresh"].pk])
    assert second.status_code == 302 and second["Location"] == f"{fresh_url}?{query}"
    last = client.post(second["Location"], {**decide, "revision": queued["fresh"].revision})
    # and with none left, the filtered queue says so; the clean item was never leased
    assert last["Location"] == f"{reverse('review-queue', args=[pk])}?{query}"
    shown = client.get(last["Location"]).content.decode()
    assert "Nothing that matches these filters is waiting for your review." in shown
    assert ReviewItem.objects.get(submission=queued["clean"]).leased_by is None


def test_trainers_and_outsiders_cannot_use_the_filters(client, cast, reviewing, queued):
    url = reverse("review-queue", args=[cast.project.pk])
    client.force_login(cast.trainer)
    assert client.get(url, {"trainer": "trainer-two"}).status_code == 403
    client.force_login(cast.outsider)
    assert client.get(url, {"check": "gold"}).status_code == 404


# --- the API ----------------------------------------------------------------------------


def test_the_api_takes_the_same_filters(cast, reviewing, queued, client_as):
    qa = client_as(cast.qa_lead)
    url = f"{API}/projects/{cast.project.pk}/review-queue"
    body = qa.get(url, {"check": "telemetry", "waiting": "1d"}).json()
    assert [row["submission"] for row in body["results"]] == [queued["dup"].pk]
    assert body["results"][0]["flagged_checks"] == ["near_duplicate", "telemetry"]
    code = author_code(cast.project.pk, reviewing["trainer2"].pk)
    body = qa.get(url, {"trainer": code}).json()
    assert [row["submission"] for row in body["results"]] == [queued["fresh"].pk]
    assert body["results"][0]["author"]["alias"].endswith(code)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("check", "nope"),
        ("trainer", "trainer-two"),
        ("waiting", "7"),
        ("risk", "0"),
        ("status", "x"),
    ],
)
def test_the_api_refuses_a_bad_value_naming_the_parameter(cast, reviewing, client_as, param, value):
    qa = client_as(cast.qa_lead)
    for response in (
        qa.get(f"{API}/projects/{cast.project.pk}/review-queue", {param: value}),
        qa.post(f"{API}/projects/{cast.project.pk}/review-queue/next?{param}={value}"),
    ):
        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "invalid_filter"
        assert list(body["fields"]) == [param]
    assert not ReviewItem.objects.filter(leased_by=cast.qa_lead).exists()


def test_the_api_refusal_is_in_the_readers_language(cast, reviewing, client_as):
    qa = client_as(cast.qa_lead)
    url = f"{API}/projects/{cast.project.pk}/review-queue?waiting=soon"
    english = qa.get(url).json()
    for language in ("zh-hans", "zh-hant"):
        chinese = qa.get(url, HTTP_ACCEPT_LANGUAGE=language).json()
        assert chinese["error"] == english["error"] == "invalid_filter"
        assert chinese["detail"] != english["detail"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese["detail"])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese["fields"]["waiting"][0])


def test_the_api_next_honours_the_filters(cast, reviewing, queued, client_as):
    qa = client_as(cast.qa_lead)
    url = f"{API}/projects/{cast.project.pk}/review-queue/next"
    first = qa.post(f"{url}?risk=clean")
    assert (first.status_code, first.json()["submission"]) == (200, queued["clean"].pk)
    assert qa.post(f"{url}?check=gold").status_code == 204


def test_the_api_checks_the_role_before_the_filters(cast, reviewing, client_as):
    """A trainer learns nothing from the filters (not even whether a username exists)."""
    trainer = client_as(cast.trainer)
    url = f"{API}/projects/{cast.project.pk}/review-queue"
    assert trainer.get(url, {"trainer": "nobody"}).status_code == 403
    assert trainer.post(f"{url}/next?trainer=nobody").status_code == 403


# --- pseudonyms in the review log -----------------------------------------------------------


@pytest.fixture
def disputed(cast, reviewing):
    """A rejection the trainer disputed: the log has an event whose actor is the trainer."""
    submission = reviewing["submit"](cast.trainer, task=0, answer="A")
    review_submit(
        submission=submission,
        reviewer=cast.qa_lead,
        data=ReviewInput(
            decision="reject",
            rubric_version=reviewing["version"].pk,
            reasons=[{"criterion": "correct"}],
            comment="Option B is right.",
        ),
    )
    dispute_file(submission=submission, by=cast.trainer, comment="A is right, see the source.")
    assert ReviewEvent.objects.filter(action="dispute_file", actor=cast.trainer).exists()
    return submission


def test_the_log_shows_the_trainers_pseudonym_when_names_are_hidden(
    client, cast, reviewing, disputed, client_as
):
    alias = author_alias(cast.project.pk, cast.trainer.pk)
    client.force_login(cast.qa_lead)
    page = client.get(reverse("review-log", args=[cast.project.pk])).content.decode()
    assert alias in page
    assert cast.trainer.username not in page
    assert cast.qa_lead.username in page  # reviewers are named
    # The queue shows the same pseudonym for the same trainer.
    rows = client_as(cast.admin).get(f"{API}/projects/{cast.project.pk}/review-log").json()
    filed = next(row for row in rows["results"] if row["action"] == "dispute_file")
    assert (filed["actor"], filed["actor_alias"]) == (None, alias)
    rejected = next(row for row in rows["results"] if row["action"] == "decide")
    assert (rejected["actor"], rejected["actor_alias"]) == (cast.qa_lead.username, None)
    assert cast.trainer.username not in str(rows)


def test_the_log_names_trainers_when_the_policy_shows_names(
    client, cast, reviewing, disputed, client_as
):
    review_policy_update(project=cast.project, by=cast.setter, show_author_names=True)
    client.force_login(cast.qa_lead)
    page = client.get(reverse("review-log", args=[cast.project.pk])).content.decode()
    assert cast.trainer.username in page
    assert author_alias(cast.project.pk, cast.trainer.pk) not in page
    rows = client_as(cast.qa_lead).get(f"{API}/projects/{cast.project.pk}/review-log").json()
    filed = next(row for row in rows["results"] if row["action"] == "dispute_file")
    assert (filed["actor"], filed["actor_alias"]) == (cast.trainer.username, None)


def test_the_log_hides_an_author_who_left_the_trainers(client, cast, reviewing, disputed):
    """Whoever wrote the event's submission is hidden, even once no longer a trainer."""
    from tasks.models import Membership

    Membership.objects.filter(project=cast.project, user=cast.trainer).delete()
    client.force_login(cast.qa_lead)
    page = client.get(reverse("review-log", args=[cast.project.pk])).content.decode()
    assert cast.trainer.username not in page


def test_the_log_names_flagged_checks_in_words(client, cast, reviewing):
    submission = reviewing["submit"](cast.trainer, task=0, answer="A")
    ReviewEvent.objects.create(
        project=cast.project,
        action="requeued",
        submission=submission,
        before={"flagged_checks": []},
        after={"flagged_checks": ["near_duplicate"]},
    )
    client.force_login(cast.qa_lead)
    page = client.get(reverse("review-log", args=[cast.project.pk])).content.decode()
    assert "Flagged by: Near-duplicate" in page
