"""Every API list is paginated: growing lists in cursor pages (next/previous/results),
bounded ones in numbered pages (count/next/previous/results); following `next` lists every
row once; bad page input is a 400 naming the parameter; orderings are allow-listed."""

from __future__ import annotations

import pytest

from reviews.models import Dispute, Review
from tasks.models import Submission, SubmissionStatus
from tasks.services import (
    guideline_rule_add,
    guidelines_publish,
    project_rubric_create,
    project_rubric_publish,
    project_rubric_share,
    submission_revise,
    template_save,
)
from tests.factories import MembershipFactory, ProjectFactory, submit
from tests.tasks.rubric_fixtures import CITATIONS, content, crit

pytestmark = pytest.mark.django_db

CURSOR = {"next", "previous", "results"}
NUMBERED = {"count", "next", "previous", "results"}


@pytest.fixture
def lists(cast, mcq):
    """At least two rows in every list below, made through the services (reviews and
    disputes as rows: their workflow is tested in tests/reviews)."""
    p = cast.project
    subs = [
        submit(task=task, author=cast.trainer, answer={"answer": "A"})[0] for task in mcq["tasks"]
    ]
    first = subs[0]
    submission_revise(submission=first, answer={"answer": "B"})
    submission_revise(submission=first, answer={"answer": "C"})
    template_save(project=p, name="MCQ v2", definition=mcq["template"].definition, by=cast.setter)
    for n in range(3):
        guideline_rule_add(project=p, title=f"Rule {n}", by=cast.setter)
        guidelines_publish(project=p, note=f"v{n + 1}", by=cast.setter)
    # A rubric shared in from another project before the owned ones: listed after them.
    other = ProjectFactory(name="Elsewhere")
    MembershipFactory(project=other, user=cast.setter, role="setter")
    shared = project_rubric_create(project=other, title="Shared", content=CITATIONS, by=cast.setter)
    project_rubric_share(link=shared, into=p, by=cast.setter)
    link = project_rubric_create(project=p, title="Owned", content=CITATIONS, by=cast.setter)
    also = project_rubric_create(project=p, title="Owned too", content=CITATIONS, by=cast.setter)
    from rubrics.services import rubric_update_draft

    for n in range(3):
        edited = content(crit("cites-paper", 5 - n, f"Names the paper ({n})"))
        rubric_update_draft(rubric=link.rubric, content=edited, by=cast.setter)
        project_rubric_publish(link=link, note=f"v{n + 1}", by=cast.setter)
    revision = first.revisions.get(number=3)
    reviews = [
        Review.objects.create(
            submission=first,
            project=p,
            reviewer=cast.admin,
            revision=revision,
            template=first.template,
            decision=decision,
        )
        for decision in ("accept", "reject", "reject")
    ]
    Dispute.objects.create(
        submission=first, project=p, review=reviews[-1], filed_by=cast.trainer, comment="No"
    )
    Submission.objects.filter(pk__in=[s.pk for s in subs]).update(status=SubmissionStatus.RETURNED)
    rubrics = [shared.rubric_id, link.rubric_id, also.rubric_id]
    return {
        "project": p,
        "first": first,
        "link": link,
        "rubrics": rubrics,
        "subs": subs,
        "reviews": reviews,
    }


def _lists(cast, data):
    """(person, url, expected ids in order, the id field) of each newly paginated list."""
    p, first, link = data["project"].pk, data["first"].pk, data["link"]
    newest_first = [s.pk for s in reversed(data["subs"])]
    return [
        ("qa_lead", "/api/v1/submissions/", newest_first, "id"),
        ("trainer", f"/api/v1/submissions/{first}/revisions/", [1, 2, 3], "number"),
        ("setter", f"/api/v1/projects/{p}/template/versions/", [2, 1], "version"),
        ("trainer", f"/api/v1/projects/{p}/guidelines/versions/", [3, 2, 1], "number"),
        ("setter", f"/api/v1/projects/{p}/rubrics/{link.rubric_id}/versions/", [3, 2, 1], "number"),
        ("setter", f"/api/v1/projects/{p}/rubrics/", [data["rubrics"][i] for i in (1, 2, 0)], "id"),
        ("setter", "/api/v1/rubric-library/", data["rubrics"], "id"),
        ("trainer", f"/api/v1/me/work/submissions/?project={p}", newest_first, "id"),
        ("trainer", f"/api/v1/projects/{p}/rework", [s.pk for s in data["subs"]], "submission"),
        ("qa_lead", f"/api/v1/submissions/{first}/reviews", [r.pk for r in data["reviews"]], "id"),
    ]


def _walk(client, url, page_size):
    """Follow `next` from the first page; every page's envelope must be the cursor one."""
    joiner = "&" if "?" in url else "?"
    url, rows = f"{url}{joiner}page_size={page_size}", []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert set(body) == CURSOR
        assert len(body["results"]) <= page_size
        rows.extend(body["results"])
        url = body["next"]
    return rows


def test_every_growing_list_walks_in_cursor_pages_without_gaps_or_repeats(cast, lists, client_as):
    for person, url, expected, key in _lists(cast, lists):
        client = client_as(cast.by_role(person))
        one_by_one = [row[key] for row in _walk(client, url, 1)]
        all_at_once = [row[key] for row in _walk(client, url, 500)]
        assert len(one_by_one) >= 2, url
        assert one_by_one == all_at_once, url
        if expected is not None:
            assert one_by_one == expected, url


def test_the_project_rubric_library_lists_owned_rubrics_before_shared_ones(cast, lists, client_as):
    rows = _walk(client_as(cast.setter), f"/api/v1/projects/{cast.project.pk}/rubrics/", 1)
    assert [(row["title"], row["owner"]) for row in rows] == [
        ("Owned", True),
        ("Owned too", True),
        ("Shared", False),
    ]


def test_a_previous_link_goes_back_to_the_same_rows(cast, lists, client_as):
    client = client_as(cast.trainer)
    url = f"/api/v1/projects/{cast.project.pk}/guidelines/versions/?page_size=1"
    first = client.get(url).json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [r["number"] for r in (first["results"] + second["results"])] == [3, 2]
    assert back["results"] == first["results"]


def test_a_submissions_disputes_are_a_numbered_page_of_at_most_one(cast, lists, client_as):
    body = client_as(cast.trainer).get(f"/api/v1/submissions/{lists['first'].pk}/disputes")
    assert set(body.json()) == NUMBERED
    assert body.json()["count"] == 1
    assert body.json()["results"][0]["comment"] == "No"


def test_the_audit_sample_is_one_page_of_at_most_size(cast, lists, client_as):
    url = f"/api/v1/projects/{cast.project.pk}/audit-sample"
    body = client_as(cast.qa_lead).get(f"{url}?size=2").json()
    assert set(body) == NUMBERED
    assert (body["count"], body["next"], len(body["results"])) == (2, None, 2)
    everything = client_as(cast.qa_lead).get(url).json()  # 20 by default: all three
    assert {r["id"] for r in everything["results"]} == {r.pk for r in lists["reviews"]}
    for size in ("0", "201", "x"):
        refused = client_as(cast.qa_lead).get(f"{url}?size={size}")
        assert (refused.status_code, list(refused.json()["fields"])) == (400, ["size"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page_size=0", "page_size"),
        ("page_size=501", "page_size"),
        ("page_size=ten", "page_size"),
        ("page_size=²", "page_size"),
        ("cursor=bz0tMQ%3D%3D", "cursor"),  # base64 of "o=-1"
        ("cursor=cD1ub3QtYW4taWQ%3D", "cursor"),  # decodes, but "p=not-an-id"
        ("cursor=%F2%8A%96%82", "cursor"),
    ],
)
def test_bad_cursor_page_input_is_a_400_naming_the_parameter(cast, mcq, client_as, query, field):
    submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    for url in ("/api/v1/submissions/", f"/api/v1/projects/{cast.project.pk}/tasks/"):
        response = client_as(cast.setter).get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        assert list(response.json()["fields"]) == [field]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("page=0", 400, "page"),
        ("page=two", 400, "page"),
        ("page_size=501", 400, "page_size"),
        ("page=9", 404, None),  # past the last page: that page does not exist
    ],
)
def test_bad_numbered_page_input(cast, client_as, query, status, field):
    response = client_as(cast.admin).get(f"/api/v1/projects/?{query}")
    assert response.status_code == status
    if field:
        assert list(response.json()["fields"]) == [field]


def test_a_numbered_list_pages_with_count_and_links(cast, client_as):
    for n in range(3):
        MembershipFactory(project__name=f"Project {n}", user=cast.admin, role="admin")
    client = client_as(cast.admin)
    first = client.get("/api/v1/projects/?page_size=2&ordering=name").json()
    assert set(first) == NUMBERED
    assert first["count"] == 4 and first["previous"] is None
    second = client.get(first["next"]).json()
    names = [p["name"] for p in first["results"] + second["results"]]
    assert names == sorted(names) and len(set(names)) == 4
    assert second["next"] is None


# --- ordering: allow-listed fields only ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "ordering"),
    [
        ("/api/v1/projects/", "created_by__password"),
        ("/api/v1/projects/", "-description"),
        ("/api/v1/projects/", "name,secret"),
        ("/api/v1/projects/{project}/memberships/", "user__password"),
        ("/api/v1/projects/{project}/memberships/", "-user__email"),
    ],
)
def test_an_unknown_ordering_is_a_400_naming_the_field(cast, client_as, path, ordering):
    url = path.format(project=cast.project.pk)
    response = client_as(cast.admin).get(url, {"ordering": ordering})
    assert response.status_code == 400
    (message,) = response.json()["fields"]["ordering"]
    unknown = [f for f in ordering.split(",") if f.lstrip("-") not in ("name",)]
    assert all(field in message for field in unknown)


@pytest.mark.parametrize(
    ("path", "ordering", "key"),
    [
        ("/api/v1/projects/", "-name", "name"),
        ("/api/v1/projects/", "name", "name"),
        ("/api/v1/projects/{project}/memberships/", "role", "role"),
        ("/api/v1/projects/{project}/memberships/", "-role", "role"),
    ],
)
def test_an_allowed_ordering_orders(cast, client_as, path, ordering, key):
    MembershipFactory(project__name="Zebra project", user=cast.admin, role="admin")
    MembershipFactory(project__name="Aardvark project", user=cast.admin, role="admin")
    url = path.format(project=cast.project.pk)
    rows = client_as(cast.admin).get(url, {"ordering": ordering}).json()["results"]
    values = [row[key] for row in rows]
    assert len(set(values)) >= 2
    assert values == sorted(values, reverse=ordering.startswith("-"))


# --- JSON-only endpoints ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["template/", "template/from-gallery/"])
def test_a_form_body_to_a_json_only_endpoint_is_a_documented_415(cast, client_as, path):
    url = f"/api/v1/projects/{cast.project.pk}/{path}"
    method = "put" if path == "template/" else "post"
    response = getattr(client_as(cast.setter), method)(url, {"name": "x"}, format="multipart")
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    schema = client_as(cast.setter).get("/api/v1/schema/?format=json").json()
    operation = schema["paths"][f"/api/v1/projects/{{project_pk}}/{path}"][method]
    assert "415" in operation["responses"]
    assert list(operation["requestBody"]["content"]) == ["application/json"]
