"""Criterion ids are never reused within a rubric's history (issue #19): judgments and the
version diff are keyed by id, so a deleted criterion's id never names a new one."""

import pytest

from annotation_platform.errors import DomainError
from rubrics.diff import rubric_diff
from rubrics.services import (
    rubric_create,
    rubric_publish,
    rubric_retired_ids,
    rubric_update_draft,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def crit(cid, title=None, points=5):
    return {
        "kind": "criterion",
        "id": cid,
        "title": title or f"Criterion {cid}",
        "points": points,
        "polarity": "positive",
    }


def section(sid, *children):
    return {"kind": "section", "id": sid, "title": f"Section {sid}", "children": list(children)}


def content(*nodes):
    return {"schema_version": 1, "criteria": list(nodes)}


@pytest.fixture
def author(db):
    return UserFactory(username="id-author")


@pytest.fixture
def rubric(author):
    return rubric_create(
        title="Ids", content=content(crit("c18"), crit("c19", "Cites a source")), by=author
    )


def test_a_deleted_criterions_id_is_refused_for_a_new_one_in_the_next_draft(rubric, author):
    # given: c19 is deleted and the draft saved
    rubric = rubric_update_draft(rubric=rubric, content=content(crit("c18")), by=author)
    assert rubric_retired_ids(rubric) == {"c19"}

    # when: a new, unrelated criterion comes back as c19
    with pytest.raises(DomainError) as refused:
        rubric_update_draft(
            rubric=rubric, content=content(crit("c18"), crit("c19", "Is polite")), by=author
        )

    # then: refused at the id's path, naming a fresh id, and nothing saved
    assert refused.value.code == "criterion_id_reused"
    message = refused.value.fields["content.criteria[1].id"][0]
    assert "c19" in message and "c20" in message
    rubric.refresh_from_db()
    assert [node["id"] for node in rubric.draft_content["criteria"]] == ["c18"]


def test_an_id_from_a_published_version_is_refused_after_deletion(rubric, author):
    # given: v1 holds c19; the draft then drops it (the deletion never reached a saved draft
    # in between on another path: the history comes from the versions themselves)
    v1 = rubric_publish(rubric=rubric, note="v1", by=author)
    rubric.used_ids = []
    rubric.save(update_fields=["used_ids"])
    rubric = rubric_update_draft(rubric=rubric, content=content(crit("c18")), by=author)

    with pytest.raises(DomainError) as refused:
        rubric_update_draft(rubric=rubric, content=content(crit("c18"), crit("c19")), by=author)

    assert refused.value.code == "criterion_id_reused"
    # a new id is accepted and the diff against v1 reads "removed c19, added c20"
    rubric = rubric_update_draft(
        rubric=rubric, content=content(crit("c18"), crit("c20", "Is polite")), by=author
    )
    changes = rubric_diff(v1.content, rubric.draft_content)
    assert sorted((change.kind, change.id) for change in changes) == [
        ("added", "c20"),
        ("removed", "c19"),
    ]


def test_keeping_or_editing_a_criterion_under_its_id_is_allowed(rubric, author):
    rubric = rubric_update_draft(
        rubric=rubric, content=content(crit("c18"), crit("c19", "Cites two sources")), by=author
    )

    assert rubric.draft_content["criteria"][1]["title"] == "Cites two sources"
    assert rubric_retired_ids(rubric) == set()


def test_ids_inside_a_deleted_section_are_retired_too(author):
    rubric = rubric_create(
        title="Sections", content=content(section("s1", crit("c1")), crit("c2")), by=author
    )
    rubric = rubric_update_draft(rubric=rubric, content=content(crit("c2")), by=author)

    assert rubric_retired_ids(rubric) == {"s1", "c1"}
    with pytest.raises(DomainError) as refused:
        rubric_update_draft(
            rubric=rubric, content=content(section("s1", crit("c3")), crit("c2")), by=author
        )
    assert set(refused.value.fields) == {"content.criteria[0].id"}


def test_the_refusal_is_translated_and_keeps_its_code(rubric, author):
    from django.utils import translation

    rubric = rubric_update_draft(rubric=rubric, content=content(crit("c18")), by=author)
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        rubric_update_draft(rubric=rubric, content=content(crit("c18"), crit("c19")), by=author)

    assert refused.value.code == "criterion_id_reused"
    assert "c19" in refused.value.detail and "criteria" not in refused.value.detail
