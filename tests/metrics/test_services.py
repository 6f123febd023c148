"""Metrics services on fixtures: agreement, MOS, per-trainer and per-project figures,
settings, snapshots (stale marking, debounce, sweep) and a trainer's own work."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from annotation_platform.errors import DomainError
from metrics.models import MetricsSettings, MetricsSnapshot
from metrics.services import (
    agreement_table,
    metrics_refresh_request,
    metrics_refresh_stale,
    metrics_settings_save,
    metrics_snapshot_refresh,
    mos_tables,
    project_figures,
    project_metrics,
    settings_for,
    trainer_rows,
    trainer_submissions,
    trainer_work,
)
from metrics.stats import krippendorff_alpha, mean_opinion_score
from quality.models import CheckResult, CheckRun, GoldOutcome
from tasks.models import Submission
from tasks.services import submission_revise
from tasks.services.reviewing import submission_return_for_rework
from tests.metrics.conftest import ACCEPTED, PLAYED, REJECTED, answer, decide, rate

pytestmark = pytest.mark.django_db


def _by(rows, key, value):
    return next(row for row in rows if row[key] == value)


# --- agreement ----------------------------------------------------------------------------


def test_cohens_kappa_for_two_trainers_and_rejected_work_left_out(cast, tts):
    t, ann, bob = tts["tasks"], tts["ann"], tts["bob"]
    # accents: hk/hk, hk/gz, gz/gz, other/other. p_o = 3/4; trainer hk2 gz1 other1,
    # ann hk1 gz2 other1: p_e = (2 + 2 + 1)/16 = 5/16; kappa = (12/16 - 5/16)/(11/16) = 7/11
    for task, (mine, hers) in zip(
        t, [("hk", "hk"), ("hk", "gz"), ("gz", "gz"), ("other", "other")], strict=True
    ):
        rate(task, cast.trainer, 4, accent=mine)
        rate(task, ann, 4, accent=hers)
    decide(rate(t[0], bob, 1, accent="gz"), REJECTED)  # rejected: not part of the data
    row = _by(
        agreement_table(project=tts["project"], settings=settings_for(tts["project"])),
        "question_id",
        "accent",
    )
    assert row["cohens_kappa"] == pytest.approx(7 / 11, abs=1e-4)
    assert (row["level"], row["units"], row["values"], row["raters"]) == ("nominal", 4, 8, 2)
    assert row["krippendorff_alpha"] == pytest.approx(
        krippendorff_alpha([["hk", "hk"], ["hk", "gz"], ["gz", "gz"], ["other", "other"]]), abs=1e-4
    )


def test_ratings_use_the_projects_level_and_missing_answers_are_handled(cast, tts):
    t, ann, bob = tts["tasks"], tts["ann"], tts["bob"]
    scores = {0: (5, 4, 5), 1: (3, 3, None), 2: (1, 3, 1), 3: (4, None, None)}
    for index, triple in scores.items():
        for author, score in zip((cast.trainer, ann, bob), triple, strict=True):
            if score is not None:
                rate(t[index], author, score)
    units = [[v for v in triple if v is not None] for triple in scores.values()]
    project = tts["project"]
    ordinal = _by(
        agreement_table(project=project, settings=settings_for(project)),
        "question_id",
        "naturalness",
    )
    assert ordinal["level"] == "ordinal"
    assert ordinal["units"] == 3  # the clip with one rating is not pairable
    assert ordinal["krippendorff_alpha"] == pytest.approx(
        krippendorff_alpha(units, level="ordinal"), abs=1e-4
    )
    assert ordinal["cohens_kappa"] is None  # three trainers
    for level in ("interval", "ratio"):
        row = _by(
            agreement_table(
                project=project, settings=MetricsSettings(project=project, rating_level=level)
            ),
            "question_id",
            "naturalness",
        )
        assert row["level"] == level
        assert row["krippendorff_alpha"] == pytest.approx(
            krippendorff_alpha(units, level=level), abs=1e-4
        )
        if level == "interval":
            assert row["krippendorff_alpha"] != ordinal["krippendorff_alpha"]


def test_tags_agree_when_the_same_set_is_chosen(cast, tts):
    t, ann = tts["tasks"], tts["ann"]
    rate(t[0], cast.trainer, 3, issues=["nasal", "stress"])
    rate(t[0], ann, 3, issues=["stress", "nasal"])
    rate(t[1], cast.trainer, 3, issues=["nasal"])
    rate(t[1], ann, 3, issues=["swallowed"])
    row = _by(
        agreement_table(project=tts["project"], settings=settings_for(tts["project"])),
        "question_id",
        "issues",
    )
    assert row["level"] == "nominal"
    assert row["cohens_kappa"] == pytest.approx(
        # sets: {n,s}/{n,s} agree, {n}/{sw} disagree: p_o = 1/2, p_e = 1/4 -> 1/3
        1 / 3,
        abs=1e-4,
    )


# --- MOS ----------------------------------------------------------------------------------


def test_mos_per_system_and_item_with_student_t_interval(cast, tts):
    t, ann = tts["tasks"], tts["ann"]
    for task, mine, hers in [(t[0], 4, 5), (t[1], 4, 3), (t[2], 2, 3)]:
        rate(task, cast.trainer, mine)
        rate(task, ann, hers)
    decide(rate(t[3], tts["bob"], 5), REJECTED)
    project = tts["project"]
    MetricsSettings.objects.create(project=project, mos_system_field="meta.system")
    mos = mos_tables(project=project, settings=settings_for(project))
    systems = {row["system"]: row for row in mos["systems"]}
    assert set(systems) == {"tts-v1", "tts-v2"}
    expected = mean_opinion_score([4, 5, 4, 3])
    v1 = systems["tts-v1"]
    assert (v1["n"], v1["items"], v1["mean"]) == (4, 2, 4.0)
    assert v1["half_width"] == pytest.approx(expected.half_width, abs=1e-4)
    assert v1["ci_low"] == pytest.approx(expected.ci_low, abs=1e-4)
    assert systems["tts-v2"]["mean"] == 2.5
    assert [row["system"] for row in mos["systems"]] == ["tts-v1", "tts-v2"]  # best first
    item = _by(mos["items"], "task_id", t[0].pk)
    assert (item["n"], item["mean"], item["system"]) == (2, 4.5, "tts-v1")
    assert all(row["task_id"] != t[3].pk for row in mos["items"])  # only a rejected rating


def test_mos_without_a_system_field_is_one_group(cast, tts):
    rate(tts["tasks"][0], cast.trainer, 4)
    project = tts["project"]
    mos = mos_tables(project=project, settings=settings_for(project))
    assert [(row["system"], row["n"]) for row in mos["systems"]] == [("", 1)]


def test_no_mos_for_a_template_without_audio(cast, mcq):
    mos = mos_tables(project=cast.project, settings=settings_for(cast.project))
    assert mos["questions"] == [] and mos["systems"] == []


# --- per trainer --------------------------------------------------------------------------


@pytest.fixture
def history(cast, tts):
    """The cast's trainer: accepted first time (600 s), accepted after a return (1200 s),
    rejected (300 s), returned now (no telemetry time); ann: one accepted (60 s)."""
    t = tts["tasks"]
    first = rate(t[0], cast.trainer, 4, active_seconds=600)
    decide(first, ACCEPTED)
    second = rate(t[1], cast.trainer, 4, active_seconds=900)
    submission_return_for_rework(submission=second, reasons=["Listen again to the nasal."])
    second = submission_revise(
        submission=Submission.objects.get(pk=second.pk),
        answer=answer(3),
        telemetry={**PLAYED, "active_seconds": 1200},
    )
    decide(second, ACCEPTED)
    third = rate(t[2], cast.trainer, 1, active_seconds=300)
    decide(third, REJECTED)
    fourth = rate(t[3], cast.trainer, 2)
    submission_return_for_rework(submission=fourth, reasons=["Rate the whole clip."])
    decide(rate(t[0], tts["ann"], 5, active_seconds=60), ACCEPTED)
    return {"first": first, "second": second, "third": third, "fourth": fourth}


def test_trainer_rows(cast, tts, history):
    project = tts["project"]
    GoldOutcome.objects.create(
        submission=history["first"], project=project, trainer=cast.trainer, correct=True
    )
    GoldOutcome.objects.create(
        submission=history["third"], project=project, trainer=cast.trainer, correct=False
    )
    GoldOutcome.objects.create(
        submission=history["fourth"], project=project, trainer=cast.trainer, correct=True
    )
    rows = trainer_rows(project=project, settings=settings_for(project))
    assert [row["trainer"] for row in rows] == ["ann", "trainer-user"]
    mine = _by(rows, "trainer_id", cast.trainer.pk)
    assert (mine["submissions"], mine["decided"], mine["accepted"], mine["rejected"]) == (
        4,
        3,
        2,
        1,
    )
    assert mine["returned_now"] == 1
    assert mine["acceptance_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert mine["first_pass_acceptance_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert mine["rework_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert (mine["gold_correct"], mine["gold_answered"]) == (2, 3)
    assert mine["gold_accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert mine["timed_submissions"] == 3
    assert mine["median_active_seconds"] == 600
    assert mine["earned"] is None and mine["hourly_rate"] is None


def test_earnings_and_effective_hourly_rate(cast, tts, history):
    project = tts["project"]
    metrics_settings_save(
        project=project,
        by=cast.setter,
        pay_per_accepted_task="2.50",
        currency="eur",
        mos_system_field="",
        rating_level="ordinal",
    )
    mine = trainer_rows(
        project=project, settings=settings_for(project), trainer_ids=[cast.trainer.pk]
    )
    assert len(mine) == 1
    # 2 accepted x 2.50 = 5.00 over (600 + 1200 + 300) s = 0.5833 h -> 8.57 EUR/h
    assert (mine[0]["earned"], mine[0]["currency"]) == ("5.00", "EUR")
    assert mine[0]["hourly_rate"] == "8.57"
    assert mine[0]["active_hours"] == pytest.approx(2100 / 3600, abs=1e-3)


def test_a_trainer_with_no_submissions_gets_a_zero_row(cast, tts):
    rows = trainer_rows(
        project=tts["project"], settings=settings_for(tts["project"]), trainer_ids=[tts["bob"].pk]
    )
    assert (rows[0]["trainer"], rows[0]["submissions"], rows[0]["acceptance_rate"]) == (
        "bob",
        0,
        None,
    )


# --- per project --------------------------------------------------------------------------


def test_project_figures(cast, tts, history):
    project = tts["project"]
    run = CheckRun.objects.get(submission=history["fourth"], revision=1)
    CheckResult.objects.create(
        run=run,
        submission=history["fourth"],
        revision=1,
        check_name="telemetry",
        status="fail",
        findings=[],
    )
    CheckResult.objects.create(
        run=run,
        submission=history["fourth"],
        revision=1,
        check_name="gold",
        status="pass",
        findings=[],
    )
    old = CheckRun.objects.get(submission=history["second"], revision=1)
    # a finding on a superseded revision is not counted
    CheckResult.objects.create(
        run=old,
        submission=history["second"],
        revision=1,
        check_name="telemetry",
        status="warn",
        findings=[],
    )
    figures = project_figures(project=project)
    assert (figures["submissions"], figures["decided"], figures["accepted"]) == (5, 4, 3)
    assert figures["acceptance_rate"] == 0.75
    assert figures["tasks"]["total"] == 4
    assert figures["backlog"] == 4 - figures["tasks"]["complete"]
    assert len(figures["throughput"]) == 30
    today = figures["throughput"][-1]
    assert today["day"] == timezone.now().date().isoformat()
    assert (today["submissions"], today["decided"], today["accepted"]) == (5, 4, 3)
    assert figures["throughput"][0]["acceptance_rate"] is None
    assert figures["findings"] == [
        {"check": "telemetry", "warn": 0, "fail": 1, "error": 0, "total": 1}
    ]


def test_throughput_counts_each_day(cast, tts):
    t = tts["tasks"]
    rate(t[0], cast.trainer, 4)
    old = rate(t[1], cast.trainer, 4)
    Submission.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    ancient = rate(t[2], cast.trainer, 4)
    Submission.objects.filter(pk=ancient.pk).update(created_at=timezone.now() - timedelta(days=45))
    days = [d["submissions"] for d in project_figures(project=tts["project"])["throughput"]]
    assert days[-1] == 1 and days[-3] == 1 and sum(days) == 2


# --- settings -----------------------------------------------------------------------------


def test_settings_refuse_bad_values_naming_each_field(cast, tts):
    with pytest.raises(DomainError) as caught:
        metrics_settings_save(
            project=tts["project"],
            by=cast.setter,
            pay_per_accepted_task="-1",
            currency="euro",
            mos_system_field="meta system",
            rating_level="logarithmic",
        )
    assert set(caught.value.fields) == {
        "pay_per_accepted_task",
        "currency",
        "mos_system_field",
        "rating_level",
    }
    assert not MetricsSettings.objects.exists()
    with pytest.raises(DomainError) as caught:
        metrics_settings_save(
            project=tts["project"], by=cast.setter, pay_per_accepted_task="1.005",
            currency="EUR", mos_system_field="", rating_level="ordinal",
        )  # fmt: skip
    assert "pay_per_accepted_task" in caught.value.fields
    with pytest.raises(DomainError) as caught:
        metrics_settings_save(
            project=tts["project"], by=cast.setter, pay_per_accepted_task="3",
            currency="", mos_system_field="", rating_level="ordinal",
        )  # fmt: skip
    assert set(caught.value.fields) == {"currency"}


def test_saving_settings_recomputes_the_snapshot(cast, tts, django_capture_on_commit_callbacks):
    project = tts["project"]
    metrics_snapshot_refresh(project_id=project.pk)
    with django_capture_on_commit_callbacks(execute=True):
        metrics_settings_save(
            project=project, by=cast.setter, pay_per_accepted_task="1",
            currency="USD", mos_system_field="meta.system", rating_level="interval",
        )  # fmt: skip
    snapshot = MetricsSnapshot.objects.get(project=project)
    assert snapshot.data["settings"]["mos_system_field"] == "meta.system"
    assert snapshot.data["settings"]["pay_per_accepted_task"] == "1.00"
    assert settings_for(project).pay_per_accepted_task == Decimal("1.00")


# --- snapshots ----------------------------------------------------------------------------


def test_first_view_computes_a_small_project_and_stores_it(cast, tts):
    rate(tts["tasks"][0], cast.trainer, 4)
    figures = project_metrics(project=tts["project"])
    assert figures.data["project"]["submissions"] == 1
    assert figures.computed_at is not None and not figures.stale
    assert MetricsSnapshot.objects.get(project=tts["project"]).data == figures.data


def test_a_submit_marks_stale_without_recomputing(
    cast, tts, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    project = tts["project"]
    metrics_snapshot_refresh(project_id=project.pk)
    before = MetricsSnapshot.objects.get(project=project)
    with django_capture_on_commit_callbacks(execute=True):
        rate(tts["tasks"][0], cast.trainer, 4)
    after = MetricsSnapshot.objects.get(project=project)
    assert after.stale and after.stale_since is not None
    assert after.computed_at == before.computed_at  # nothing recomputed on submit
    assert after.data["project"]["submissions"] == 0


def test_a_submit_marks_stale_with_its_own_writes_and_a_failed_one_marks_nothing(cast, tts):
    """The mark joins the submit's transaction: it is there before any commit callback,
    and a submit whose transaction rolls back leaves the snapshot as it was."""
    from django.db import transaction

    project = tts["project"]
    metrics_snapshot_refresh(project_id=project.pk)
    with pytest.raises(RuntimeError), transaction.atomic():
        rate(tts["tasks"][0], cast.trainer, 4)
        assert MetricsSnapshot.objects.get(project=project).stale  # no callback ran yet
        raise RuntimeError("the request failed after the submit")
    assert not MetricsSnapshot.objects.get(project=project).stale


def test_a_stale_view_within_the_debounce_shows_the_old_figures(
    cast, tts, django_capture_on_commit_callbacks
):
    project = tts["project"]
    metrics_snapshot_refresh(project_id=project.pk)
    with django_capture_on_commit_callbacks(execute=True):
        rate(tts["tasks"][0], cast.trainer, 4)
    with django_capture_on_commit_callbacks(execute=True) as sent:
        figures = project_metrics(project=project)
    assert figures.stale and figures.data["project"]["submissions"] == 0
    assert sent == []  # computed under a minute ago: no refresh yet
    # a minute later the next view sends the refresh (in-process here: it runs at once)
    later = timezone.now() + timedelta(seconds=61)
    with django_capture_on_commit_callbacks(execute=True) as sent:
        figures = project_metrics(project=project, now=later)
    assert len(sent) == 1 and figures.refreshing
    snapshot = MetricsSnapshot.objects.get(project=project)
    assert not snapshot.stale and snapshot.data["project"]["submissions"] == 1


def test_a_submit_during_a_refresh_keeps_the_snapshot_stale(cast, tts, monkeypatch):
    project = tts["project"]
    from metrics.services import snapshots

    real = snapshots.project_metrics_compute

    def compute_while_someone_submits(*, project):
        data = real(project=project)
        MetricsSnapshot.objects.filter(project=project, stale=False).update(
            stale=True, stale_since=timezone.now()
        )  # what the hook does when a submit commits now
        return data

    monkeypatch.setattr(snapshots, "project_metrics_compute", compute_while_someone_submits)
    assert metrics_snapshot_refresh(project_id=project.pk).stale


def test_refresh_requests_are_debounced(cast, tts, django_capture_on_commit_callbacks):
    project = tts["project"]
    now = timezone.now()
    MetricsSnapshot.objects.create(
        project=project, data=None, computed_at=now - timedelta(minutes=10), stale=True
    )
    with django_capture_on_commit_callbacks(execute=False) as sent:
        assert metrics_refresh_request(project=project, now=now)
        assert not metrics_refresh_request(project=project, now=now + timedelta(seconds=30))
    assert len(sent) == 1
    # a request that never completed is sent again after the retry interval
    with django_capture_on_commit_callbacks(execute=False) as sent:
        assert metrics_refresh_request(project=project, now=now + timedelta(minutes=6))
    assert len(sent) == 1


def test_the_sweep_refreshes_stale_and_quietly_changed_projects(
    cast, tts, django_capture_on_commit_callbacks
):
    project = tts["project"]
    submission = rate(tts["tasks"][0], cast.trainer, 4)
    metrics_snapshot_refresh(project_id=project.pk)
    # a reviewer's decision does not pass through a submit: nothing marks the snapshot
    decide(submission, ACCEPTED)
    Submission.objects.filter(pk=submission.pk).update(
        updated_at=timezone.now() + timedelta(minutes=16)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert metrics_refresh_stale(now=timezone.now() + timedelta(minutes=5)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert metrics_refresh_stale(now=timezone.now() + timedelta(minutes=16)) == 1
    data = MetricsSnapshot.objects.get(project=project).data
    assert data["project"]["accepted"] == 1


# --- my work ------------------------------------------------------------------------------


def test_my_work_is_only_the_trainers_own(cast, tts, history):
    project = tts["project"]
    work = trainer_work(project=project, trainer=cast.trainer)
    assert work.figures["trainer_id"] == cast.trainer.pk
    assert work.figures["submissions"] == 4
    mine = list(trainer_submissions(project=project, trainer=cast.trainer))
    assert {s.author_id for s in mine} == {cast.trainer.pk}
    assert len(mine) == 4
    theirs = trainer_work(project=project, trainer=tts["ann"])
    assert theirs.figures["submissions"] == 1


def test_my_findings_are_those_of_the_current_revision_without_evidence(cast, tts, history):
    second = history["second"]  # revision 2
    old = CheckRun.objects.get(submission=second, revision=1)
    new = CheckRun.objects.get(submission=second, revision=2)
    finding = {
        "status": "fail",
        "message": "Too fast",
        "question_id": None,
        "evidence": {"gold": "B"},
    }
    CheckResult.objects.create(
        run=old,
        submission=second,
        revision=1,
        check_name="telemetry",
        status="fail",
        findings=[finding],
    )
    CheckResult.objects.create(
        run=new,
        submission=second,
        revision=2,
        check_name="straight_lining",
        status="fail",
        findings=[finding],
    )
    CheckResult.objects.create(
        run=new,
        submission=second,
        revision=2,
        check_name="schema_rules",
        status="pass",
        findings=[],
    )
    row = next(
        s
        for s in trainer_submissions(project=tts["project"], trainer=cast.trainer)
        if s.pk == second.pk
    )
    assert [r.check_name for r in row.my_findings] == ["straight_lining"]
    from metrics.services.work import findings_for_author

    # A finding stored before codes existed shows its stored message.
    assert findings_for_author(row.my_findings[0]) == [
        {"status": "fail", "code": None, "params": {}, "message": "Too fast", "question_id": None}
    ]


def test_my_work_includes_the_guidelines_notice(cast, tts):
    from tasks.services import guideline_rule_add, guidelines_publish

    guideline_rule_add(
        project=tts["project"], title="Play to the end", text="Always.", by=cast.setter
    )
    guidelines_publish(project=tts["project"], note="First rules", by=cast.setter)
    work = trainer_work(project=tts["project"], trainer=cast.trainer)
    assert work.guidelines_notice["version"] == 1
    assert [r["title"] for r in work.guidelines_notice["added"]] == ["Play to the end"]


# --- reviews feed the figures ---------------------------------------------------------------


def test_reviewer_disagreement_counts_second_reviews_that_differ(cast, tts):
    from reviews.workflow import ReviewInput, review_second, review_submit
    from tasks.services import guideline_rule_add, guidelines_publish

    t = tts["tasks"]
    first = rate(t[0], cast.trainer, 4)
    second = rate(t[1], cast.trainer, 2)
    assert project_figures(project=tts["project"])["reviewer_disagreement"]["rate"] is None
    accepted = review_submit(
        submission=first, reviewer=cast.qa_lead, data=ReviewInput(decision="accept")
    )
    also = review_submit(
        submission=second, reviewer=cast.qa_lead, data=ReviewInput(decision="accept")
    )
    guideline_rule_add(project=tts["project"], title="Rate the clip heard", by=cast.setter)
    guidelines_publish(project=tts["project"], note="First rules", by=cast.setter)
    review_second(review=accepted, reviewer=cast.admin, data=ReviewInput(decision="accept"))
    # The audit disagrees with the second accept: one of two audited reviews differs.
    review_second(
        review=also,
        reviewer=cast.admin,
        data=ReviewInput(decision="reject", reasons=[{"rule": "R1"}], comment="Off-scale"),
    )
    figures = project_figures(project=tts["project"])["reviewer_disagreement"]
    assert (figures["audited"], figures["disagreed"], figures["rate"]) == (2, 1, 0.5)
    assert figures["reviewers"][0]["username"] == cast.qa_lead.username


def test_a_decision_marks_the_snapshot_stale(cast, tts, django_capture_on_commit_callbacks):
    from reviews.workflow import ReviewInput, review_submit

    submission = rate(tts["tasks"][0], cast.trainer, 4)
    project_metrics(project=tts["project"])
    MetricsSnapshot.objects.filter(project=tts["project"]).update(stale=False)
    with django_capture_on_commit_callbacks(execute=True):
        review_submit(
            submission=submission, reviewer=cast.qa_lead, data=ReviewInput(decision="accept")
        )
    assert MetricsSnapshot.objects.get(project=tts["project"]).stale is True
