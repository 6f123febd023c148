# ruff: noqa: F811 - imported fixtures
"""Issue 19's queue filters and confirmation pages in Chinese (tests/i18n.py says how):
the review queue filtered (by check, trainer, age, risk and status, and refusing a bad
filter), the review log with check names in words, and the confirmation pages of
revoking an API token, deleting a webhook, removing a member, leaving a project and
deleting a project. Each renders in English (and must show English words there), then in
Simplified and Hong Kong Traditional Chinese with none left."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services import api_token_create
from reviews.models import ReviewEvent, ReviewItem
from reviews.workflow import author_code
from tasks.models import Membership
from tests.i18n import (  # noqa: F401 (an autouse fixture)
    assert_translated,
    back_to_english,
    compile_catalogs,
    data_words,
)
from tests.integrations.factories import make_webhook
from tests.integrations.receiver import fake_dns  # noqa: F401 (a fixture)
from tests.platform.test_chinese_pages import _reviewdata_words
from tests.reviews.conftest import reviewing  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

PAGES = {
    "review-queue",
    "review-log",
    "token-revoke",
    "webhook-delete",
    "member-remove",
    "project-delete",
}

# The API token scope's labels belong to the accounts app, translated by its own pass.
TOKEN_SCOPE_WORDS = {"Manage", "Read", "only", "Annotate"}
# A technical name the catalogs keep in Latin letters ("Webhooks" is "Webhook" there).
TECHNICAL_HERE = {"Webhook"}


def test_the_filtered_queue_and_the_log_are_all_chinese(client, cast, reviewing):
    failed = reviewing["submit"](task=0, answer="C")
    reviewing["submit"](author=reviewing["trainer2"], task=1, answer="B")
    ReviewItem.objects.filter(submission=failed).update(
        flagged_checks=["near_duplicate", "telemetry"]
    )
    ReviewEvent.objects.create(
        project=cast.project,
        action="requeued",
        submission=failed,
        before={"flagged_checks": []},
        after={"flagged_checks": ["near_duplicate"]},
    )
    client.force_login(cast.qa_lead)
    exempt = _reviewdata_words(cast, reviewing)
    queue = reverse("review-queue", args=[cast.project.pk])
    code = author_code(cast.project.pk, cast.trainer.pk)
    for query in (
        "check=near_duplicate",
        f"check=telemetry&trainer={code}&waiting=&risk=failed&status=free",
        "waiting=1h",  # nothing matches: the empty state
    ):
        assert_translated(client, f"{queue}?{query}", exempt)
    # The log: check names in words, the trainer's dispute under a pseudonym.
    assert_translated(client, reverse("review-log", args=[cast.project.pk]), exempt)


def test_the_queues_refusal_of_bad_filters_is_all_chinese(client, cast, reviewing):
    client.force_login(cast.qa_lead)
    url = reverse("review-queue", args=[cast.project.pk])
    bad = f"{url}?check=nope&trainer=trainer-two&waiting=soon&risk=high&status=lost"
    for language in ("zh-CN", "zh-HK"):
        response = client.get(bad, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400
    # "1h, 1d or 7d", "3FA2C1" and the codes a refusal lists are what to type: values.
    from quality.checks import CATALOGUE
    from reviews.workflow.queue import RISK_FILTERS, STATUS_FILTERS
    from tests.i18n import words_of

    codes = words_of([list(CATALOGUE), list(RISK_FILTERS), list(STATUS_FILTERS)])
    exempt = _reviewdata_words(cast, reviewing) | {"d", "FA", "C"} | codes
    english = client.get(bad, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and "Check the filters:" in english.content.decode()
    from tests.i18n import CHINESE, untranslated

    for language, header in CHINESE.items():
        body = client.get(bad, HTTP_ACCEPT_LANGUAGE=header).content.decode()
        assert not untranslated(body, exempt=exempt), language
    assert untranslated(english.content.decode(), exempt=exempt)


def test_the_confirmation_pages_are_all_chinese(client, cast, mcq, fake_dns):
    fake_dns["hooks.example.com"] = ["93.184.216.34"]
    hook = make_webhook(cast, "https://hooks.example.com/in")[0]
    token, _ = api_token_create(user=cast.admin, name="import script")
    removed = Membership.objects.get(project=cast.project, user=cast.qa_lead)
    exempt = data_words(cast, "import script", TOKEN_SCOPE_WORDS, TECHNICAL_HERE)
    client.force_login(cast.admin)
    for url in (
        reverse("token-revoke", args=[token.pk]),
        reverse("webhook-delete", args=[hook.pk]),
        reverse("member-remove", args=[cast.project.pk, removed.pk]),
        reverse("project-delete", args=[cast.project.pk]),
    ):
        assert_translated(client, url, exempt)
    # Leaving, as the trainer sees it.
    client.force_login(cast.trainer)
    leaving = Membership.objects.get(project=cast.project, user=cast.trainer)
    assert_translated(
        client, reverse("member-remove", args=[cast.project.pk, leaving.pk]), data_words(cast)
    )
