"""The rubric and guidelines API: who may do what, bad input with paths, and nothing written
on refusal.

Each endpoint's permission test is one parametrized function over everyone, so the allowed
case and its denials share setup: a denial cannot pass because the request was broken.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from rubrics.models import Rubric, VersionStatus
from rubrics.services import rubric_version_retire
from tasks.models import GuidelineAcknowledgement, Project, ProjectRubric
from tasks.services import guidelines_acknowledge, project_rubric_publish, project_rubric_share
from tests.tasks.rubric_fixtures import CITATIONS, World, content, crit, rows
from tests.tasks.test_api import assert_error

pytestmark = pytest.mark.django_db

PEOPLE = ("trainer", "setter", "qa_lead", "admin", "outsider", "staff", "anonymous")


@pytest.fixture
def as_person(cast, client_as, api_client):
    def make(person: str) -> APIClient:
        if person == "anonymous":
            return api_client
        return client_as(cast.by_role(person))

    return make


@dataclass(frozen=True)
class Call:
    method: str
    url: str  # formatted with p (project), r (rubric), s (second project)
    body: Any = None
    ok: int = 200


DESIGNERS = {"setter", "admin", "staff"}
MEMBERS = {"trainer", "setter", "qa_lead", "admin", "staff"}
P = "/api/v1/projects/{p}"
R = P + "/rubrics/{r}"
G = P + "/guidelines"

# who may call each endpoint; everyone else in the project gets 403, outsiders 404, anonymous 401
ENDPOINTS: dict[str, tuple[Call, set[str]]] = {
    "rubrics-list": (Call("get", P + "/rubrics/"), DESIGNERS),
    "rubrics-create": (
        Call("post", P + "/rubrics/", {"title": "New", "content": CITATIONS}, 201),
        DESIGNERS,
    ),
    "rubrics-import": (
        Call(
            "post",
            P + "/rubrics/import/",
            {"title": "Imported", "data": [{"criterion": "Is kind", "points": 3}]},
            201,
        ),
        DESIGNERS,
    ),
    "rubric-detail": (Call("get", R + "/"), DESIGNERS),
    "rubric-update": (
        Call("patch", R + "/", {"title": "Renamed", "content": CITATIONS}),
        DESIGNERS,
    ),
    "rubric-publish": (Call("post", R + "/publish/", {"note": "v2"}, 201), DESIGNERS),
    "rubric-versions": (Call("get", R + "/versions/"), DESIGNERS),
    "rubric-version": (Call("get", R + "/versions/1/"), DESIGNERS),
    "rubric-version-retire": (
        Call("post", R + "/versions/1/retire/", {"reason": "Wrong weights"}),
        DESIGNERS,
    ),
    "rubric-diff": (Call("get", R + "/diff/?from=1&to=draft"), DESIGNERS),
    "rubric-export": (Call("get", R + "/export/?shape=healthbench&version=1"), DESIGNERS),
    "rubric-clone": (Call("post", R + "/clone/", {"project": "{p}"}, 201), DESIGNERS),
    "rubric-share": (Call("post", R + "/share/", {"project": "{s}"}, 201), DESIGNERS),
    "pinned-read": (Call("get", P + "/rubric/"), MEMBERS),
    "pinned-set": (Call("put", P + "/rubric/", {"rubric": "{r}", "version": 1}), DESIGNERS),
    "guidelines-read": (Call("get", G + "/"), MEMBERS),
    "guidelines-draft": (Call("get", G + "/draft/"), DESIGNERS),
    "guidelines-intro": (Call("patch", G + "/draft/", {"intro": "Listen once."}), DESIGNERS),
    "guidelines-rule-add": (
        Call("post", G + "/draft/rules/", {"title": "Flag robotic tone"}, 201),
        DESIGNERS,
    ),
    "guidelines-rule-edit": (
        Call("patch", G + "/draft/rules/R2/", {"text": "Even *one*."}),
        DESIGNERS,
    ),
    "guidelines-rule-retire": (
        Call("post", G + "/draft/rules/R1/retire/", {"reason": "Models stay in range now"}),
        DESIGNERS,
    ),
    "guidelines-publish": (Call("post", G + "/publish/", {"note": "v2"}, 201), DESIGNERS),
    "guidelines-versions": (Call("get", G + "/versions/"), MEMBERS),
    "guidelines-version": (Call("get", G + "/versions/1/"), MEMBERS),
    "guidelines-diff": (Call("get", G + "/diff/?from=0&to=1"), MEMBERS),
    "guidelines-notice": (Call("get", G + "/notice/"), {"trainer"}),
    "guidelines-acknowledge": (Call("post", G + "/acknowledge/", {"version": 1}), {"trainer"}),
}


def expected(allowed: set[str], ok: int, person: str) -> int:
    if person == "anonymous":
        return 401
    if person == "outsider":
        return 404
    return ok if person in allowed else 403


def fill(value: Any, world: World) -> Any:
    ids = {"p": world.project.pk, "r": world.rubric.pk, "s": world.second.pk}
    if isinstance(value, str):
        text = value.format(**ids)
        return int(text) if text != value and text.isdigit() else text
    if isinstance(value, dict):
        return {key: fill(item, world) for key, item in value.items()}
    return value


def call(client: APIClient, world, spec: Call):
    url = spec.url.format(p=world.project.pk, r=world.rubric.pk, s=world.second.pk)
    if spec.body is None:
        return getattr(client, spec.method)(url)
    return getattr(client, spec.method)(url, fill(spec.body, world), format="json")


@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_permission_matrix(world, as_person, endpoint, person):
    spec, allowed = ENDPOINTS[endpoint]
    if endpoint == "rubric-version-retire":  # a pinned version needs a replacement (#19)
        Project.objects.filter(pk=world.project.pk).update(rubric_version=None)
    before = rows()

    response = call(as_person(person), world, spec)

    status = expected(allowed, spec.ok, person)
    if status >= 400:
        assert_error(response, status)
        assert rows() == before, "a refused request wrote nothing"
        if status == 401:
            assert response["WWW-Authenticate"].startswith("Bearer")
    else:
        assert response.status_code == status, response.content


@pytest.mark.parametrize("person", ["trainer", "setter", "qa_lead", "admin", "outsider", "staff"])
def test_the_library_and_the_live_check_answer_everyone_signed_in(world, as_person, person):
    library = as_person(person).get("/api/v1/rubric-library/")
    check = as_person(person).post(
        "/api/v1/rubrics/validate/", {"content": CITATIONS}, format="json"
    )

    assert library.status_code == check.status_code == 200
    titles = [rubric["title"] for rubric in library.json()["results"]]
    assert titles == (["Citation logic"] if person in DESIGNERS else [])
    assert check.json() == {"ok": True, "errors": {}}


def test_the_library_and_the_live_check_refuse_anonymous_visitors(world, api_client):
    assert_error(api_client.get("/api/v1/rubric-library/"), 401)
    assert_error(api_client.post("/api/v1/rubrics/validate/", {"content": {}}, format="json"), 401)


def test_a_project_shared_into_may_read_and_clone_but_not_change_the_rubric(world, cast, client_as):
    # given: shared into the second project, where the trainer of the first is a trainer and
    # a new setter designs
    from tests.factories import MembershipFactory

    project_rubric_share(link=world.link, into=world.second, by=cast.setter)
    guest = MembershipFactory(project=world.second, role="setter", user__username="guest").user
    client = client_as(guest)
    base = f"/api/v1/projects/{world.second.pk}/rubrics/{world.rubric.pk}"

    read = client.get(f"{base}/")
    change = client.patch(f"{base}/", {"title": "Mine now"}, format="json")
    clone = client.post(f"{base}/clone/", {"project": world.second.pk}, format="json")
    pin = client.put(
        f"/api/v1/projects/{world.second.pk}/rubric/",
        {"rubric": world.rubric.pk, "version": 1},
        format="json",
    )

    assert read.status_code == 200 and read.json()["owner"] is False
    assert read.json()["can_edit"] is False
    assert_error(change, 403)
    assert clone.status_code == 201 and clone.json()["owner"] is True
    assert pin.status_code == 200 and pin.json()["version"]["number"] == 1


# --- reading ----------------------------------------------------------------------------


def test_trainers_read_the_pinned_version_and_nothing_else(world, client_as, cast):
    response = client_as(cast.trainer).get(f"/api/v1/projects/{world.project.pk}/rubric/")

    version = response.json()["version"]
    assert (version["rubric_title"], version["number"], version["status"]) == (
        "Citation logic",
        1,
        "published",
    )
    assert [c["id"] for c in version["content"]["criteria"]] == [
        "cites-paper",
        "explains-why",
        "invents-source",
    ]
    assert "draft_content" not in json.dumps(response.json())


def test_no_pinned_version_reads_as_null(cast, client_as):
    response = client_as(cast.trainer).get(f"/api/v1/projects/{cast.project.pk}/rubric/")

    assert response.json() == {"version": None}


def test_the_diff_is_criterion_by_criterion(world, client_as, cast):
    response = client_as(cast.setter).get(
        f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/diff/"
    )

    body = response.json()
    assert (body["from"], body["to"]) == ("1", "draft")
    changed = [c for c in body["changes"] if c["kind"] == "changed"]
    assert changed[0]["id"] == "cites-paper"
    assert changed[0]["fields"] == [
        {
            "field": "title",
            "before": "Names the paper each claim rests on",
            "after": "Names the paper or official document each claim rests on",
        }
    ]
    assert [c["id"] for c in body["changes"] if c["kind"] == "added"] == ["enough-citations"]


@pytest.mark.parametrize("fmt", ["rubric", "healthbench", "rar"])
def test_export_answers_the_shape_as_a_download(world, client_as, cast, fmt):
    response = client_as(cast.setter).get(
        f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/export/",
        {"shape": fmt, "version": "1"},
    )

    assert response.status_code == 200
    assert f'filename="rubric-{world.rubric.pk}-v1-{fmt}.json"' in response["Content-Disposition"]


def test_export_refuses_a_shape_that_cannot_hold_the_rubric(world, client_as, cast):
    response = client_as(cast.setter).get(
        f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/export/",
        {"shape": "prometheus"},
    )

    assert_error(response, 400, "export_unsupported")


# --- bad input: refused with the path of each error -------------------------------------


BAD_CONTENT = [
    pytest.param(
        content(crit("a"), crit("b", title="")), "content.criteria[1].title", id="no-title"
    ),
    pytest.param(
        content(crit("a", scale={"type": "ordinal"})),
        "content.criteria[0].scale.levels",
        id="ordinal-without-levels",
    ),
    pytest.param(
        content(
            crit(
                "a",
                scale={"type": "ordinal", "levels": [{"value": 1, "descriptor": "Poor"}]},
            )
        ),
        "content.criteria[0].scale.levels",
        id="ordinal-with-one-level",
    ),
    pytest.param(
        content(crit("a", points="five")), "content.criteria[0].points", id="points-not-number"
    ),
    pytest.param(
        content(crit("a", points=True)), "content.criteria[0].points", id="points-boolean"
    ),
]


@pytest.mark.parametrize(("bad", "path"), BAD_CONTENT)
def test_saving_bad_content_is_refused_with_the_path(world, client_as, cast, bad, path):
    before = rows()

    response = client_as(cast.setter).patch(
        f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/",
        {"content": bad},
        format="json",
    )

    body = assert_error(response, 400, "invalid_rubric")
    assert path in body["fields"]
    assert rows() == before


@pytest.mark.parametrize(("bad", "path"), BAD_CONTENT)
def test_creating_with_bad_content_is_refused_with_the_path(world, client_as, cast, bad, path):
    before = rows()

    response = client_as(cast.setter).post(
        f"/api/v1/projects/{world.project.pk}/rubrics/",
        {"title": "Bad", "content": bad},
        format="json",
    )

    assert path in assert_error(response, 400, "invalid_rubric")["fields"]
    assert rows() == before


@pytest.mark.parametrize(("bad", "path"), BAD_CONTENT)
def test_the_live_check_reports_the_same_paths_without_saving(world, client_as, cast, bad, path):
    before = rows()

    response = client_as(cast.setter).post(
        "/api/v1/rubrics/validate/", {"content": bad}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["ok"] is False
    assert path in response.json()["errors"]
    assert rows() == before


def test_importing_a_file_in_no_known_shape_is_refused(world, client_as, cast):
    before = rows()

    response = client_as(cast.setter).post(
        f"/api/v1/projects/{world.project.pk}/rubrics/import/",
        {"title": "Odd", "data": {"questions": [1, 2]}},
        format="json",
    )

    body = assert_error(response, 400, "unknown_format")
    assert "Prometheus" in body["detail"]
    assert rows() == before


def test_importing_names_the_path_of_each_bad_item(world, client_as, cast):
    items = [
        {"criterion": "Fine", "points": 5},
        {"criterion": "", "points": 5},
        {"criterion": "Bad", "points": "x"},
    ]

    response = client_as(cast.setter).post(
        f"/api/v1/projects/{world.project.pk}/rubrics/import/",
        {"title": "Bad", "data": items, "shape": "healthbench"},
        format="json",
    )

    fields = assert_error(response, 400, "invalid_import")["fields"]
    assert {"[1].criterion", "[2].points"} <= set(fields)


def test_importing_a_prometheus_file_upload(world, client_as, cast):
    rubric = {
        "criteria": "Does the voice sound like a native Cantonese speaker?",
        **{f"score{n}_description": f"Level {n}" for n in range(1, 6)},
    }
    upload = io.BytesIO(json.dumps(rubric).encode())
    upload.name = "prometheus.json"

    response = client_as(cast.setter).post(
        f"/api/v1/projects/{world.project.pk}/rubrics/import/",
        {"title": "Native?", "file": upload},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    rubric = Rubric.objects.get(pk=response.json()["id"])
    assert rubric.draft_content["criteria"][0]["scale"]["type"] == "ordinal"


def test_importing_a_file_that_is_not_json_is_refused(world, client_as, cast):
    upload = io.BytesIO(b"criterion,points\nKind,3\n")
    upload.name = "rubric.csv"

    response = client_as(cast.setter).post(
        f"/api/v1/projects/{world.project.pk}/rubrics/import/",
        {"title": "CSV", "file": upload},
        format="multipart",
    )

    assert_error(response, 400, "invalid_import")


def test_import_needs_data_or_a_file(world, client_as, cast):
    response = client_as(cast.setter).post(
        f"/api/v1/projects/{world.project.pk}/rubrics/import/", {"title": "X"}, format="json"
    )

    assert "data" in assert_error(response, 400, "invalid")["fields"]


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_published_version_is_never_edited(world, client_as, cast, method):
    before = rows()

    response = getattr(client_as(cast.setter), method)(
        f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/versions/1/",
        {"content": CITATIONS, "note": "Fix"},
        format="json",
    )

    body = assert_error(response, 409, "version_immutable")
    assert "draft" in body["detail"] and "new version" in body["detail"]
    assert rows() == before


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_published_guidelines_version_is_never_edited(world, client_as, cast, method):
    response = getattr(client_as(cast.admin), method)(
        f"/api/v1/projects/{world.project.pk}/guidelines/versions/1/",
        {"intro": "Changed"},
        format="json",
    )

    body = assert_error(response, 409, "version_immutable")
    assert "draft" in body["detail"]


def test_a_stale_draft_revision_is_not_overwritten(world, client_as, cast):
    url = f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/"
    loaded = client_as(cast.setter).get(url).json()["draft_revision"]
    client_as(cast.admin).patch(url, {"title": "Admin's title"}, format="json")

    response = client_as(cast.setter).patch(
        url, {"title": "Setter's title", "expected_revision": loaded}, format="json"
    )

    assert_error(response, 409, "draft_changed")
    assert Rubric.objects.get(pk=world.rubric.pk).title == "Admin's title"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"titel": "Typo"}, "titel"),
        ({"title": 5}, "title"),
        ({"expected_revision": "3"}, "expected_revision"),
        ({"tags": "one,two"}, "tags"),
    ],
)
def test_strict_input_is_refused_by_name(world, client_as, cast, body, field):
    response = client_as(cast.setter).patch(
        f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/", body, format="json"
    )

    assert field in assert_error(response, 400, "invalid")["fields"]


def test_publishing_an_unchanged_draft_is_a_conflict(world, client_as, cast):
    url = f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/publish/"
    client_as(cast.setter).post(url, {"note": "v2"}, format="json")

    assert_error(client_as(cast.setter).post(url, {"note": "v3"}, format="json"), 409)


def test_publish_with_pin_moves_the_projects_rubric(world, client_as, cast):
    url = f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/publish/"

    response = client_as(cast.setter).post(url, {"note": "v2", "pin": True}, format="json")

    assert response.json()["number"] == 2
    world.project.refresh_from_db()
    assert world.project.rubric_version.number == 2


def test_pinning_a_retired_version_is_a_conflict(world, client_as, cast):
    project_rubric_publish(link=world.link, note="v2", pin=True, by=cast.setter)
    rubric_version_retire(version=world.v1, reason="Wrong weights", by=cast.setter)

    response = client_as(cast.setter).put(
        f"/api/v1/projects/{world.project.pk}/rubric/",
        {"rubric": world.rubric.pk, "version": 1},
        format="json",
    )

    assert_error(response, 409, "version_retired")


@pytest.mark.parametrize("body", [{"rubric": 999, "version": 1}, {"rubric": "{r}", "version": 9}])
def test_pinning_something_outside_the_library_is_refused(world, client_as, cast, body):
    response = client_as(cast.setter).put(
        f"/api/v1/projects/{world.project.pk}/rubric/", fill(body, world), format="json"
    )

    assert "version" in assert_error(response, 400, "not_in_library")["fields"]


def test_retiring_twice_is_a_conflict_and_needs_a_reason(world, client_as, cast):
    url = f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/versions/1/retire/"
    client = client_as(cast.setter)
    Project.objects.filter(pk=world.project.pk).update(rubric_version=None)  # see #19

    assert "reason" in assert_error(client.post(url, {"reason": ""}, format="json"), 400)["fields"]
    assert client.post(url, {"reason": "Stale"}, format="json").json()["status"] == "retired"
    assert_error(client.post(url, {"reason": "Again"}, format="json"), 409, "version_retired")


def test_cloning_into_a_project_you_do_not_design_is_refused(world, client_as, cast):
    from tests.factories import MembershipFactory, ProjectFactory

    elsewhere = ProjectFactory(name="Trainer elsewhere")
    MembershipFactory(project=elsewhere, user=cast.setter, role="trainer")
    url = f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/clone/"

    denied = client_as(cast.setter).post(url, {"project": elsewhere.pk}, format="json")
    unknown = client_as(cast.setter).post(url, {"project": 987654}, format="json")

    assert_error(denied, 403)
    assert "project" in assert_error(unknown, 400, "unknown_project")["fields"]
    assert ProjectRubric.objects.count() == 1


def test_sharing_twice_is_a_conflict(world, client_as, cast):
    url = f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/share/"
    client_as(cast.setter).post(url, {"project": world.second.pk}, format="json")

    response = client_as(cast.setter).post(url, {"project": world.second.pk}, format="json")

    assert_error(response, 409, "already_in_library")


def test_the_project_library_list_takes_a_fixed_number_of_queries(
    world, client_as, cast, django_assert_max_num_queries
):
    client = client_as(cast.setter)
    for n in range(5):
        client.post(f"/api/v1/projects/{world.project.pk}/rubrics/", {"title": f"R{n}"}, "json")

    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/projects/{world.project.pk}/rubrics/")

    assert len(response.json()["results"]) == 6


# --- guidelines: bad input, notice ------------------------------------------------------


def test_a_rule_without_a_title_is_refused_by_name(world, client_as, cast):
    before = rows()

    response = client_as(cast.setter).post(
        f"/api/v1/projects/{world.project.pk}/guidelines/draft/rules/",
        {"title": "  ", "text": "Why"},
        format="json",
    )

    assert "title" in assert_error(response, 400)["fields"]
    assert rows() == before


def test_an_unknown_rule_is_not_found(world, client_as, cast):
    response = client_as(cast.setter).patch(
        f"/api/v1/projects/{world.project.pk}/guidelines/draft/rules/R42/",
        {"title": "x"},
        format="json",
    )

    assert_error(response, 404)


def test_the_notice_tells_a_trainer_what_changed_and_acknowledging_clears_it(
    world, client_as, cast
):
    setter, trainer = client_as(cast.setter), client_as(cast.trainer)
    base = f"/api/v1/projects/{world.project.pk}/guidelines"
    guidelines_acknowledge(user=cast.trainer, project=world.project, version=1)
    setter.post(f"{base}/draft/rules/R1/retire/", {"reason": "Models stay in range"}, "json")
    setter.post(f"{base}/publish/", {"note": "Retire R1, add R3"}, "json")

    notice = trainer.get(f"{base}/notice/").json()["notice"]
    ack = trainer.post(f"{base}/acknowledge/", {"version": notice["version"]}, "json")
    after = trainer.get(f"{base}/notice/").json()["notice"]

    assert (notice["version"], notice["since"]) == (2, 1)
    assert [r["id"] for r in notice["added"]] == ["R3"]
    assert [(r["id"], r["retired_reason"]) for r in notice["retired"]] == [
        ("R1", "Models stay in range")
    ]
    assert ack.json()["version"] == 2
    assert after is None
    assert GuidelineAcknowledgement.objects.filter(trainer=cast.trainer).count() == 2


@pytest.mark.parametrize("version", [0, 7, "1", True, None])
def test_acknowledging_a_version_not_published_is_refused(world, client_as, cast, version):
    response = client_as(cast.trainer).post(
        f"/api/v1/projects/{world.project.pk}/guidelines/acknowledge/",
        {"version": version},
        format="json",
    )

    assert "version" in assert_error(response, 400)["fields"]
    assert not GuidelineAcknowledgement.objects.exists()


def test_trainers_never_read_the_guidelines_draft_through_the_diff(world, client_as, cast):
    response = client_as(cast.trainer).get(
        f"/api/v1/projects/{world.project.pk}/guidelines/diff/", {"to": "draft"}
    )

    assert_error(response, 403)


def test_the_guidelines_diff_lists_rules_by_kind(world, client_as, cast):
    response = client_as(cast.setter).get(
        f"/api/v1/projects/{world.project.pk}/guidelines/diff/", {"from": "1", "to": "draft"}
    )

    body = response.json()
    assert (body["from"], body["to"]) == ("1", "draft")
    assert [r["id"] for r in body["added"]] == ["R3"]
    assert body["retired"] == body["changed"] == []


def test_statuses_in_output_are_the_documented_ones(world, client_as, cast):
    response = client_as(cast.setter).get(
        f"/api/v1/projects/{world.project.pk}/rubrics/{world.rubric.pk}/versions/"
    )

    assert [v["status"] for v in response.json()["results"]] == [VersionStatus.PUBLISHED]


@pytest.mark.parametrize("action", ["clone/", "share/", "versions/", ""])
def test_a_rubric_id_larger_than_any_column_is_a_404_not_a_crash(world, client_as, cast, action):
    url = f"/api/v1/projects/{world.project.pk}/rubrics/{2**70}/{action}"
    client = client_as(cast.setter)
    call = client.post if action in ("clone/", "share/") else client.get
    assert call(url, {"project": world.second.pk}, format="json").status_code == 404
