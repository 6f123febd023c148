"""Quality checks in the browser: a setter configures a check, a QA lead reads the
findings with their evidence, the trainer reads the checks of their own work (never the
gold verdict nor evidence)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from quality.models import CheckConfig
from tasks.services import task_set_gold
from tests.e2e.conftest import login
from tests.factories import submit

pytestmark = pytest.mark.e2e


@pytest.fixture
def failed_gold(cast, mcq, django_capture_on_commit_callbacks):
    task_set_gold(task=mcq["tasks"][0], gold_answer={"answer": "B"})
    with django_capture_on_commit_callbacks(execute=True):
        submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    return submission


def test_setter_turns_a_check_off_and_back_on(page, live_server, cast, mcq):
    login(page, live_server, cast.setter)
    page.goto(live_server.url + reverse("project-checks", args=[cast.project.pk]))
    card = page.locator('section[data-check="telemetry"]')
    card.get_by_label("Run this check").uncheck()
    card.get_by_label("When it fails").select_option("return")
    card.get_by_label("Reading speed, Chinese").fill("300")
    card.get_by_role("button", name="Save").click()
    expect(page.get_by_text("saved")).to_be_visible()
    config = CheckConfig.objects.get(project=cast.project, check_name="telemetry")
    assert (config.enabled, config.on_fail) == (False, "return")
    assert config.config == {"reading_characters_per_minute": 300.0}
    card = page.locator('section[data-check="telemetry"]')
    expect(card.get_by_label("Reading speed, Chinese")).to_have_value("300.0")
    expect(card.locator('[data-setting="reading_characters_per_minute"]')).to_contain_text(
        "characters a minute"
    )
    # a bad setting is refused at its field, and nothing changes
    card = page.locator('section[data-check="near_duplicate"]')
    card.get_by_label("Similarity that warns").fill("9")
    card.get_by_role("button", name="Save").click()
    card = page.locator('section[data-check="near_duplicate"]')
    expect(card.locator(".errors")).to_contain_text("Similarity that warns")
    expect(card.locator('[data-setting="warn_similarity"] .error')).to_contain_text("at most 1")
    assert not CheckConfig.objects.filter(check_name="near_duplicate").exists()
    # the questions agreement applies to are ticked from the template
    card = page.locator('section[data-check="agreement_outlier"]')
    card.get_by_label("Your answer (answer)").check()
    card.get_by_role("button", name="Save").click()
    expect(page.get_by_text("saved")).to_be_visible()
    config = CheckConfig.objects.get(project=cast.project, check_name="agreement_outlier")
    assert config.config == {"questions": ["answer"]}


def test_qa_lead_sees_findings_with_evidence(page, live_server, cast, failed_gold):
    login(page, live_server, cast.qa_lead)
    page.goto(live_server.url + reverse("project-quality", args=[cast.project.pk]))
    findings = page.get_by_test_id("findings")
    expect(findings).to_contain_text("Gold task answered correctly")
    findings.get_by_role("link", name=f"#{failed_gold.pk}").first.click()
    gold = page.locator('section[data-check="gold"]')
    expect(gold).to_contain_text("fail")
    gold.get_by_text("Evidence").first.click()
    expect(gold.locator("pre").first).to_be_visible()


def test_trainer_reads_their_checks_but_not_the_gold_verdict_nor_evidence(
    page, live_server, cast, failed_gold
):
    login(page, live_server, cast.trainer)
    page.goto(live_server.url + reverse("submission-detail", args=[failed_gold.pk]))
    page.get_by_role("link", name="Quality checks").click()
    expect(page.locator('section[data-check="schema_rules"]')).to_contain_text("pass")
    # on a two-option gold task the verdict would be the expected answer
    expect(page.locator('section[data-check="gold"]')).to_have_count(0)
    expect(page.get_by_text("Evidence")).to_have_count(0)
    assert '"B"' not in page.content()  # the expected answer never reaches the trainer
