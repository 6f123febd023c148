# ruff: noqa: RUF001, F811 - Chinese punctuation on purpose; `reviewing` is an imported fixture
"""The QA lead's remaining review pages, and the reviews app's refusals, in Chinese (issue 18).

Each page is rendered in English (it must show English interface words, so the check sees
something) and for browsers asking for Simplified (``zh-CN``) and Hong Kong Traditional
(``zh-HK``) Chinese, where no English interface word may be left (tests/i18n.py): second
reviews and re-grades (with a decision to audit, a review scored under an older rubric
version and the disagreement figure), a second review and a re-grade page, the disputes list
(all, open, as the QA lead who decides and as the admin who rejected), an open dispute and a
decided one, the review policy (read-only for the QA lead, editable for the setter, and its
refusal of a value the service rejects), the forms' refusals and the messages after a second
review and a decision on a dispute. The reviews API answers refusals with a Chinese
``detail`` and the same English ``code`` as in English.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.i18n import (  # noqa: F401 (an autouse fixture)
    CHINESE,
    assert_translated,
    back_to_english,
    compile_catalogs,
    untranslated,
    words_of,
)
from tests.platform.test_chinese_pages import _reviewdata_words
from tests.reviews.conftest import reviewing  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

PAGES = {
    "review-audit",
    "review-second",
    "review-regrade",
    "project-disputes",
    "dispute-resolve",
    "review-policy",
    "submission-dispute",
}

API = "/api/v1"
_HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    compile_catalogs()


def _input(reviewing, decision, **extra):
    from reviews.workflow import ReviewInput

    reasons = [{"criterion": "correct"}] if decision != "accept" else []
    return ReviewInput(
        decision=decision,
        judgments={"correct": {"met": decision == "accept"}, "clear": {"level": 1}},
        reasons=reasons,
        comment="" if decision == "accept" else "Option B is right.",
        rubric_version=reviewing["version"].pk,
        **extra,
    )


@pytest.fixture
def audited(cast, reviewing):
    """The admin accepted one submission (not audited yet) and rejected two; the author of
    one rejection disputed it (open), the other's dispute the QA lead decided; the QA lead
    audited a third accept and disagreed; then a new rubric version was pinned, so every
    review is scored under an older one."""
    from reviews.workflow import dispute_file, dispute_resolve, review_second, review_submit

    trainer2 = reviewing["trainer2"]
    accepted = reviewing["submit"](task=0, answer="A")
    first = review_submit(
        submission=accepted, reviewer=cast.admin, data=_input(reviewing, "accept", revision=1)
    )
    rejected = reviewing["submit"](author=trainer2, task=1, answer="A")
    review_submit(
        submission=rejected, reviewer=cast.admin, data=_input(reviewing, "reject", revision=1)
    )
    open_dispute = dispute_file(
        submission=rejected, by=trainer2, comment="Option A is what the guidelines ask."
    )
    settled = reviewing["submit"](author=trainer2, task=2, answer="A")
    review_submit(
        submission=settled, reviewer=cast.admin, data=_input(reviewing, "reject", revision=1)
    )
    decided = dispute_file(submission=settled, by=trainer2, comment="Please look again.")
    dispute_resolve(dispute=decided, by=cast.qa_lead, data=_input(reviewing, "reject"))
    other = reviewing["submit"](task=1, answer="A")
    audited_review = review_submit(
        submission=other, reviewer=cast.admin, data=_input(reviewing, "accept", revision=1)
    )
    review_second(review=audited_review, reviewer=cast.qa_lead, data=_input(reviewing, "reject"))
    reviewing["publish_next"]()
    return {"first": first, "open": open_dispute, "decided": decided, "rejected": rejected}


def _exempt(cast, reviewing):
    return _reviewdata_words(cast, reviewing) | words_of(
        [
            "Option B is right.",
            "Option A is what the guidelines ask.",
            "Please look again.",
            "Picks the one correct option",
            str(reviewing["trainer2"]),
            "reworded",
            "v1",
            "v2",
            "HealthBench",
            "Rubrics as Rewards",
        ]
    )


def test_qa_lead_audit_dispute_and_policy_pages_are_all_chinese(client, cast, reviewing, audited):
    # given: the QA lead, who did not write the reviews to audit, re-grade or dispute
    client.force_login(cast.qa_lead)
    exempt = _exempt(cast, reviewing)
    project = cast.project.pk

    # then: every page, with rows
    for url in (
        reverse("review-audit", args=[project]),
        reverse("review-second", args=[audited["first"].pk]),
        reverse("review-regrade", args=[audited["first"].pk]),
        reverse("project-disputes", args=[project]),
        reverse("project-disputes", args=[project]) + "?status=open",
        reverse("dispute-resolve", args=[audited["open"].pk]),
        reverse("dispute-resolve", args=[audited["decided"].pk]),
        reverse("review-policy", args=[project]),
    ):
        assert_translated(client, url, exempt)


def test_admin_and_setter_pages_are_all_chinese(client, cast, reviewing, audited):
    # given: the admin who rejected (another reviewer decides the dispute), and the setter
    # who edits the policy (after a change, so the page names who made it)
    from reviews.workflow import review_policy_update

    review_policy_update(project=cast.project, by=cast.setter, clean_sample_rate=0.5)
    exempt = _exempt(cast, reviewing) | words_of([cast.admin.username, str(cast.admin)])
    project = cast.project.pk

    client.force_login(cast.admin)
    assert_translated(client, reverse("project-disputes", args=[project]), exempt)
    assert_translated(client, reverse("review-audit", args=[project]), exempt)
    client.force_login(cast.setter)
    assert_translated(client, reverse("review-policy", args=[project]), exempt)


def _refused(client, url, data, exempt, status, *expected):
    """POST ``data`` in each Chinese; the page answers ``status`` with no English left and
    with each of ``expected`` (zh-hans, zh-hant) pairs."""
    for index, (language, header) in enumerate(CHINESE.items()):
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=header)
        assert response.status_code == status, (url, language)
        html = response.content.decode()
        left = untranslated(html, exempt=exempt)
        assert not left, f"{url} in {language}: {left}"
        for pair in expected:
            assert pair[index] in html, (url, language, pair[index])


def test_form_refusals_are_all_chinese(client, cast, reviewing, audited):
    exempt = _exempt(cast, reviewing)
    project = cast.project.pk
    version = cast.project.rubric_version_id

    # a policy value the service refuses (a share above 1), as the setter
    client.force_login(cast.setter)
    policy = {
        "clean_sample_rate": "2",
        "full_review_first_n": "20",
        "lease_seconds": "1800",
        "scoring_method": "healthbench",
        "missing_judgments": "not_met",
    }
    _refused(
        client,
        reverse("review-policy", args=[project]),
        policy,
        exempt,
        400,
        ("0 到 1 之间的比例", "0 至 1 之間的比例"),
    )

    client.force_login(cast.qa_lead)
    # a second review that rejects without a reason
    _refused(
        client,
        reverse("review-second", args=[audited["first"].pk]),
        {"decision": "reject", "rubric_version": version},
        exempt,
        400,
        ("请说明理由", "請說明理由"),
    )
    # a re-grade that judges nothing
    _refused(
        client,
        reverse("review-regrade", args=[audited["first"].pk]),
        {"rubric_version": version},
        exempt,
        400,
        ("请评判新版本的评分项", "請評判新版本的評分項"),
    )
    # a decision on the dispute that returns without saying why
    _refused(
        client,
        reverse("dispute-resolve", args=[audited["open"].pk]),
        {"decision": "return", "rubric_version": version, "comment": "Look at R1."},
        exempt | words_of(["Look at R1."]),
        400,
        ("请说明理由", "請說明理由"),
    )

    # the author's dispute of a rejection already disputed
    client.force_login(reviewing["trainer2"])
    _refused(
        client,
        reverse("submission-dispute", args=[audited["rejected"].pk]),
        {"comment": "Again."},
        exempt | {"Again"},
        409,
        ("你已经对这个结论提出过申诉", "你已經就這個結論提出過申訴"),
    )


def test_messages_after_a_second_review_and_a_dispute_are_chinese(client, cast, reviewing, audited):
    exempt = _exempt(cast, reviewing)
    version = cast.project.rubric_version_id
    client.force_login(cast.qa_lead)
    judged = {"j-correct": "met", "j-clear": "2", "rubric_version": version}

    # when: the QA lead agrees with the admin's accept, in Hong Kong Chinese
    response = client.post(
        reverse("review-second", args=[audited["first"].pk]),
        {**judged, "decision": "accept"},
        HTTP_ACCEPT_LANGUAGE=CHINESE["zh-hant"],
        follow=True,
    )
    # then: the audit page says so, in Chinese
    html = response.content.decode()
    assert "覆審已記錄：與初審結論一致（通過）。" in html
    assert not untranslated(html, exempt=exempt)

    # when: they uphold the open dispute, in Simplified Chinese
    response = client.post(
        reverse("dispute-resolve", args=[audited["open"].pk]),
        {**judged, "decision": "reject", "comment": "Option B is right."},
        HTTP_ACCEPT_LANGUAGE=CHINESE["zh-hans"],
        follow=True,
    )
    html = response.content.decode()
    assert f"提交 #{audited['rejected'].pk} 的申诉已裁定。" in html
    assert not untranslated(html, exempt=exempt)


# --- the API: Chinese ``detail``, the same English ``code`` ------------------------------------


def _refusal_in_every_language(api, method, url, body, status):
    """The refusal in English, then in each Chinese: the same status and ``code``, and a
    ``detail`` (and field messages) in the language asked for."""
    send = getattr(api, method)
    english = send(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == status, english.content
    code = english.json()["error"]
    assert not _HAN.search(english.json()["detail"])
    for header in CHINESE.values():
        answer = send(url, body, format="json", HTTP_ACCEPT_LANGUAGE=header)
        assert answer.status_code == status
        assert answer.json()["error"] == code
        assert _HAN.search(answer.json()["detail"]), answer.json()
        for messages in answer.json()["fields"].values():
            assert all(_HAN.search(message) for message in messages), messages
    return code


def test_review_api_refusals_are_chinese_with_the_same_code(cast, reviewing, audited, client_as):
    from reviews.models import Review, ReviewKind

    qa = client_as(cast.qa_lead)
    admin = client_as(cast.admin)
    project = cast.project.pk
    audited_review = Review.objects.get(kind=ReviewKind.SECOND).parent
    version = cast.project.rubric_version_id

    codes = [
        # a second review of a review already audited
        _refusal_in_every_language(
            qa,
            "post",
            f"{API}/reviews/{audited_review.pk}/second-review",
            {"decision": "accept", "rubric_version": version},
            409,
        ),
        # the admin audits their own review
        _refusal_in_every_language(
            admin,
            "post",
            f"{API}/reviews/{audited['first'].pk}/second-review",
            {"decision": "accept", "rubric_version": version},
            403,
        ),
        # a decided dispute
        _refusal_in_every_language(
            qa,
            "post",
            f"{API}/disputes/{audited['decided'].pk}/resolve",
            {"decision": "accept", "comment": "Fine.", "rubric_version": version},
            409,
        ),
        # a re-grade against the old rubric version
        _refusal_in_every_language(
            qa,
            "post",
            f"{API}/reviews/{audited['first'].pk}/regrade",
            {"judgments": {"correct": {"met": True}}, "rubric_version": reviewing["version"].pk},
            409,
        ),
        # a review policy share above 1, and bulk accept of decided work
        _refusal_in_every_language(
            client_as(cast.setter),
            "put",
            f"{API}/projects/{project}/review-policy",
            {"clean_sample_rate": 2},
            400,
        ),
        _refusal_in_every_language(
            qa,
            "post",
            f"{API}/projects/{project}/reviews/bulk-accept",
            {"submissions": [audited["rejected"].pk]},
            409,
        ),
        # a dispute status that does not exist
        _refusal_in_every_language(
            qa, "get", f"{API}/projects/{project}/disputes?status=lost", None, 400
        ),
    ]
    assert codes == [
        "already_audited",
        "permission_denied",
        "dispute_final",
        "rubric_version_not_current",
        "invalid",
        "bulk_refused",
        "invalid",
    ]
