"""The review workflow API: who may call what (404 outside your projects), error shapes
that name the field, nothing written on a refusal, and the documented responses."""

from __future__ import annotations

import pytest

from reviews.models import Dispute, Review, ReviewEvent, ReviewItem
from tasks.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _accept(reviewing):
    return {"decision": "accept", "rubric_version": reviewing["version"].pk}


def _reject(reviewing, **extra):
    return {
        "decision": "reject",
        "rubric_version": reviewing["version"].pk,
        "reasons": [{"criterion": "correct"}],
        "comment": "Option B is right.",
        **extra,
    }


def _counts():
    return (
        Review.objects.count(),
        ReviewEvent.objects.count(),
        Dispute.objects.count(),
        ReviewItem.objects.count(),
    )


@pytest.fixture
def elsewhere_qa(db):
    """A QA lead of another project."""
    return MembershipFactory(role=Role.QA_LEAD, user__username="qa-elsewhere").user


def test_a_reviewer_reviews_through_the_api(cast, reviewing, client_as):
    submission = reviewing["submit"]()
    qa = client_as(cast.qa_lead)
    queue = qa.get(f"{API}/projects/{cast.project.pk}/review-queue")
    assert queue.status_code == 200
    assert [row["submission"] for row in queue.json()["results"]] == [submission.pk]
    assert queue.json()["results"][0]["author"]["username"] is None  # names hidden by default
    leased = qa.post(f"{API}/projects/{cast.project.pk}/review-queue/next")
    assert (leased.status_code, leased.json()["leased_by"]) == (200, "qa_lead-user")
    context = qa.get(f"{API}/submissions/{submission.pk}/review")
    assert context.status_code == 200
    body = context.json()
    assert body["submission"]["answer"] == {"answer": "A"}
    assert body["task_data"] == {"question": "Question 0?\n\n- A\n- B\n- C"}
    assert body["rubric"]["id"] == reviewing["version"].pk
    assert body["guideline_rules"] == [{"id": "R1", "title": "Answer in English"}]
    assert {r["check"] for r in body["checks"]["results"]} >= {"schema_rules", "telemetry"}
    assert body["author_history"]["submitted"] == 1
    assert body["queue"]["leased_by"] == "qa_lead-user"
    created = qa.post(
        f"{API}/submissions/{submission.pk}/reviews",
        {
            **_reject(reviewing, private_note="Second time this week"),
            "judgments": {"correct": {"met": False}},
            "revision": 1,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["decision"] == "reject"
    assert created.json()["score"]["score"] == 0.0
    assert created.json()["private_note"] == "Second time this week"
    assert qa.post(f"{API}/projects/{cast.project.pk}/review-queue/next").status_code == 204


def test_the_author_reads_decisions_but_never_private_notes(cast, reviewing, client_as):
    submission = reviewing["submit"]()
    client_as(cast.qa_lead).post(
        f"{API}/submissions/{submission.pk}/reviews",
        _reject(reviewing, private_note="Suspect copy-paste"),
        format="json",
    )
    trainer = client_as(cast.trainer)
    reviews = trainer.get(f"{API}/submissions/{submission.pk}/reviews")
    assert reviews.status_code == 200
    (review,) = reviews.json()["results"]
    assert review["comment"] == "Option B is right."
    assert review["reasons"] == [{"criterion": "correct", "label": "Picks the correct option"}]
    assert "private_note" not in review
    assert "reviewer" not in review
    assert "Suspect" not in reviews.content.decode()
    assert trainer.get(f"{API}/submissions/{submission.pk}/review").status_code == 403
    # another trainer does not even learn the submission exists
    other = client_as(reviewing["trainer2"])
    assert other.get(f"{API}/submissions/{submission.pk}/reviews").status_code == 404


def test_a_qa_lead_of_another_project_sees_nothing(cast, reviewing, client_as, elsewhere_qa):
    submission = reviewing["submit"]()
    review = client_as(cast.qa_lead).post(
        f"{API}/submissions/{submission.pk}/reviews", _reject(reviewing), format="json"
    )
    dispute = client_as(cast.trainer).post(
        f"{API}/submissions/{submission.pk}/disputes", {"comment": "Unfair"}, format="json"
    )
    assert (review.status_code, dispute.status_code) == (201, 201)
    client = client_as(elsewhere_qa)
    before = _counts()
    project, sub = cast.project.pk, submission.pk
    review_id, dispute_id = review.json()["id"], dispute.json()["id"]
    calls = [
        ("get", f"/projects/{project}/review-queue", None),
        ("post", f"/projects/{project}/review-queue/next", None),
        ("post", f"/projects/{project}/reviews/bulk-accept", {"submissions": [sub]}),
        ("get", f"/projects/{project}/audit-sample", None),
        ("get", f"/projects/{project}/reviewer-disagreement", None),
        ("get", f"/projects/{project}/disputes", None),
        ("get", f"/projects/{project}/review-log", None),
        ("get", f"/projects/{project}/review-policy", None),
        ("put", f"/projects/{project}/review-policy", {"clean_sample_rate": 1.0}),
        ("get", f"/projects/{project}/rework", None),
        ("post", f"/submissions/{sub}/review/lease", None),
        ("post", f"/submissions/{sub}/review/release", None),
        ("get", f"/submissions/{sub}/review", None),
        ("get", f"/submissions/{sub}/reviews", None),
        ("post", f"/submissions/{sub}/reviews", _accept(reviewing)),
        ("get", f"/submissions/{sub}/disputes", None),
        ("get", f"/submissions/{sub}/revisions/diff?from=1&to=1", None),
        ("post", f"/reviews/{review_id}/second-review", _accept(reviewing)),
        ("post", f"/reviews/{review_id}/regrade", {"judgments": {}, "rubric_version": 1}),
        ("post", f"/disputes/{dispute_id}/resolve", {"decision": "accept", "comment": "ok"}),
    ]
    for method, path, body in calls:
        response = getattr(client, method)(f"{API}{path}", body, format="json")
        assert response.status_code == 404, (method, path, response.status_code)
        assert response.json()["error"] == "not_found"
    assert _counts() == before


@pytest.mark.parametrize(
    ("role", "expected"),
    [("trainer", 403), ("setter", 403), ("outsider", 404), ("qa_lead", 201), ("admin", 201)],
)
def test_who_may_review_over_the_api(cast, reviewing, client_as, role, expected):
    submission = reviewing["submit"]()
    response = client_as(cast.by_role(role)).post(
        f"{API}/submissions/{submission.pk}/reviews", _accept(reviewing), format="json"
    )
    assert response.status_code == expected


def test_accepting_what_someone_else_reviewed_is_a_409(cast, reviewing, client_as):
    submission = reviewing["submit"]()
    url = f"{API}/submissions/{submission.pk}/reviews"
    assert client_as(cast.qa_lead).post(url, _reject(reviewing), format="json").status_code == 201
    before = _counts()
    response = client_as(cast.admin).post(url, _accept(reviewing), format="json")
    assert response.status_code == 409
    assert response.json()["error"] == "already_reviewed"
    assert _counts() == before


def test_a_reject_without_a_reason_is_a_400_naming_the_field(cast, reviewing, client_as):
    submission = reviewing["submit"]()
    before = _counts()
    response = client_as(cast.qa_lead).post(
        f"{API}/submissions/{submission.pk}/reviews",
        {"decision": "reject", "rubric_version": reviewing["version"].pk, "comment": "No."},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "reason_required"
    assert list(response.json()["fields"]) == ["reasons"]
    assert _counts() == before


def test_unknown_fields_are_refused(cast, reviewing, client_as):
    submission = reviewing["submit"]()
    response = client_as(cast.qa_lead).post(
        f"{API}/submissions/{submission.pk}/reviews",
        {**_accept(reviewing), "decison": "accept"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"decison": ["Unknown field."]}


def test_a_review_against_a_retired_version_is_refused_naming_it(cast, reviewing, client_as):
    submission = reviewing["submit"]()
    old = reviewing["version"]
    reviewing["publish_next"]()
    before = _counts()
    response = client_as(cast.qa_lead).post(
        f"{API}/submissions/{submission.pk}/reviews",
        {"decision": "accept", "rubric_version": old.pk},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"] == "rubric_version_not_current"
    assert "rubric_version" in response.json()["fields"]
    assert _counts() == before


def test_a_dispute_after_the_final_decision_is_refused_and_writes_nothing(
    cast, reviewing, client_as
):
    submission = reviewing["submit"]()
    client_as(cast.qa_lead).post(
        f"{API}/submissions/{submission.pk}/reviews", _reject(reviewing), format="json"
    )
    trainer = client_as(cast.trainer)
    filed = trainer.post(
        f"{API}/submissions/{submission.pk}/disputes", {"comment": "Unfair"}, format="json"
    )
    assert filed.status_code == 201
    dispute_url = f"{API}/disputes/{filed.json()['id']}/resolve"
    # the reviewer who rejected may not decide it
    denied = client_as(cast.qa_lead).post(
        dispute_url, {"decision": "accept", "comment": "I was wrong"}, format="json"
    )
    assert denied.status_code == 403
    resolved = client_as(cast.admin).post(
        dispute_url, {"decision": "reject", "comment": "The rejection stands."}, format="json"
    )
    assert (resolved.status_code, resolved.json()["status"]) == (200, "resolved")
    before = _counts()
    again = trainer.post(
        f"{API}/submissions/{submission.pk}/disputes", {"comment": "Still unfair"}, format="json"
    )
    assert (again.status_code, again.json()["error"]) == (409, "dispute_final")
    twice = client_as(cast.staff).post(
        dispute_url, {"decision": "accept", "comment": "Overrule"}, format="json"
    )
    assert (twice.status_code, twice.json()["error"]) == (409, "dispute_final")
    assert _counts() == before
    listed = client_as(cast.qa_lead).get(
        f"{API}/projects/{cast.project.pk}/disputes?status=resolved"
    )
    assert [d["id"] for d in listed.json()["results"]] == [filed.json()["id"]]


def test_disputing_an_accept_is_a_409(cast, reviewing, client_as):
    submission = reviewing["submit"]()
    client_as(cast.qa_lead).post(
        f"{API}/submissions/{submission.pk}/reviews", _accept(reviewing), format="json"
    )
    before = _counts()
    response = client_as(cast.trainer).post(
        f"{API}/submissions/{submission.pk}/disputes", {"comment": "Why?"}, format="json"
    )
    assert (response.status_code, response.json()["error"]) == (409, "not_disputable")
    assert _counts() == before


def test_second_review_regrade_and_disagreement(cast, reviewing, client_as):
    submission = reviewing["submit"]()
    first = client_as(cast.qa_lead).post(
        f"{API}/submissions/{submission.pk}/reviews", _accept(reviewing), format="json"
    )
    review_id = first.json()["id"]
    admin = client_as(cast.admin)
    assert (
        client_as(cast.qa_lead)
        .post(f"{API}/reviews/{review_id}/second-review", _accept(reviewing), format="json")
        .status_code
        == 403
    )
    second = admin.post(
        f"{API}/reviews/{review_id}/second-review", _reject(reviewing), format="json"
    )
    assert (second.status_code, second.json()["kind"]) == (201, "second")
    metric = admin.get(f"{API}/projects/{cast.project.pk}/reviewer-disagreement").json()
    assert (metric["audited"], metric["disagreed"], metric["rate"]) == (1, 1, 1.0)
    assert metric["reviewers"][0]["username"] == "qa_lead-user"
    new = reviewing["publish_next"]()
    regrade = admin.post(
        f"{API}/reviews/{review_id}/regrade",
        {"judgments": {"correct": {"met": True}}, "rubric_version": new.pk},
        format="json",
    )
    assert (regrade.status_code, regrade.json()["rubric_version"]) == (201, new.pk)
    # the author sees neither the audit nor the re-grade
    mine = client_as(cast.trainer).get(f"{API}/submissions/{submission.pk}/reviews").json()
    mine = mine["results"]
    assert [r["kind"] for r in mine] == ["review"]
    assert (
        client_as(cast.trainer)
        .post(f"{API}/reviews/{review_id}/second-review", _accept(reviewing), format="json")
        .status_code
        == 403
    )


def test_bulk_accept_over_the_api(cast, reviewing, client_as):
    a = reviewing["submit"](cast.trainer, task=0)
    b = reviewing["submit"](cast.trainer, task=1, answer="C")
    qa = client_as(cast.qa_lead)
    url = f"{API}/projects/{cast.project.pk}/reviews/bulk-accept"
    refused = qa.post(url, {"submissions": [a.pk, b.pk]}, format="json")
    assert (refused.status_code, refused.json()["error"]) == (400, "bulk_refused")
    assert list(refused.json()["fields"]) == ["submissions[1]"]
    assert Review.objects.count() == 0
    done = qa.post(url, {"submissions": [a.pk]}, format="json")
    assert done.status_code == 200
    assert done.json()["accepted"] == [a.pk]


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("trainer", 403, 403),
        ("qa_lead", 200, 403),
        ("setter", 200, 200),
        ("admin", 200, 200),
        ("outsider", 404, 404),
    ],
)
def test_the_review_policy_api(cast, client_as, role, read, write):
    client = client_as(cast.by_role(role))
    url = f"{API}/projects/{cast.project.pk}/review-policy"
    got = client.get(url)
    assert got.status_code == read
    if read == 200:
        assert got.json()["clean_sample_rate"] == 0.2
    put = client.put(url, {"clean_sample_rate": 0.5, "show_author_names": True}, format="json")
    assert put.status_code == write
    if write == 200:
        assert put.json()["clean_sample_rate"] == 0.5
        bad = client.put(url, {"clean_sample_rate": 2}, format="json")
        assert (bad.status_code, list(bad.json()["fields"])) == (400, ["clean_sample_rate"])


def test_the_review_log_is_cursor_paginated_newest_first(cast, reviewing, client_as):
    for n in range(3):
        submission = reviewing["submit"](cast.trainer, task=n)
        client_as(cast.qa_lead).post(
            f"{API}/submissions/{submission.pk}/reviews", _accept(reviewing), format="json"
        )
    client = client_as(cast.admin)
    page = client.get(f"{API}/projects/{cast.project.pk}/review-log?page_size=2").json()
    assert [e["action"] for e in page["results"]] == ["decide", "decide"]
    assert page["results"][0]["before"] == {"status": "submitted", "revision": 1}
    rest = client.get(page["next"]).json()
    assert len(rest["results"]) == 1 and rest["next"] is None
    ids = [e["id"] for e in page["results"] + rest["results"]]
    assert ids == sorted(ids, reverse=True)
    assert (
        client_as(cast.trainer).get(f"{API}/projects/{cast.project.pk}/review-log").status_code
        == 403
    )


def test_the_queue_list_costs_a_fixed_number_of_queries(
    cast, reviewing, client_as, django_assert_max_num_queries
):
    for n in range(3):
        reviewing["submit"](cast.trainer, task=n)
    client = client_as(cast.qa_lead)
    with django_assert_max_num_queries(10):
        response = client.get(f"{API}/projects/{cast.project.pk}/review-queue")
    assert len(response.json()["results"]) == 3


def test_rework_and_diff_for_the_author(cast, reviewing, client_as):
    submission = reviewing["submit"]()
    client_as(cast.qa_lead).post(
        f"{API}/submissions/{submission.pk}/reviews",
        {**_reject(reviewing), "decision": "return"},
        format="json",
    )
    trainer = client_as(cast.trainer)
    rework = trainer.get(f"{API}/projects/{cast.project.pk}/rework")
    assert rework.status_code == 200
    assert [r["submission"] for r in rework.json()["results"]] == [submission.pk]
    assert rework.json()["results"][0]["return_reasons"][-1] == "Option B is right."
    assert (
        client_as(cast.qa_lead).get(f"{API}/projects/{cast.project.pk}/rework").status_code == 403
    )
    revised = trainer.patch(
        f"{API}/submissions/{submission.pk}/", {"answer": {"answer": "B"}}, format="json"
    )
    assert revised.status_code == 200
    diff = trainer.get(f"{API}/submissions/{submission.pk}/revisions/diff?from=1&to=2")
    assert diff.status_code == 200
    assert diff.json()["from"] == 1
    assert [c["question"] for c in diff.json()["changes"]] == ["answer"]
    bad = trainer.get(f"{API}/submissions/{submission.pk}/revisions/diff?from=1&to=x")
    assert (bad.status_code, list(bad.json()["fields"])) == (400, ["to"])


def test_lease_and_release_over_the_api(cast, reviewing, client_as):
    submission = reviewing["submit"]()
    qa, admin = client_as(cast.qa_lead), client_as(cast.admin)
    url = f"{API}/submissions/{submission.pk}/review"
    assert qa.post(f"{url}/lease").status_code == 200
    taken = admin.post(f"{url}/lease")
    assert (taken.status_code, taken.json()["error"]) == (409, "leased_by_other")
    assert admin.post(f"{url}/release").status_code == 409
    assert qa.post(f"{url}/release").status_code == 204
    assert admin.post(f"{url}/lease").status_code == 200
    assert client_as(cast.trainer).post(f"{url}/lease").status_code == 403


def test_the_schema_documents_the_review_endpoints(client_as, cast):
    schema = client_as(cast.admin).get(f"{API}/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/projects/{project_pk}/review-queue",
        "/api/v1/projects/{project_pk}/review-queue/next",
        "/api/v1/submissions/{id}/reviews",
        "/api/v1/reviews/{id}/second-review",
        "/api/v1/disputes/{id}/resolve",
        "/api/v1/projects/{project_pk}/review-policy",
    ):
        assert path in paths, path
    post = paths["/api/v1/submissions/{id}/reviews"]["post"]
    assert {"201", "400", "403", "404", "409"} <= set(post["responses"])
