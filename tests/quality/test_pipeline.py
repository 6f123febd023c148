"""The quality pipeline: scheduling on submit, idempotent runs, errors recorded, failure
actions, the sweep, configuration, and who sees what."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotation_platform.errors import DomainError
from quality.checks import messages
from quality.models import CheckResult, CheckRun, GoldOutcome, RunStatus
from quality.services import check_config_save, checks_run, checks_sweep, gold_accuracy
from tasks.models import Submission, SubmissionStatus, Task
from tasks.services import submission_revise, task_set_gold
from tests.conftest import ALL_PEOPLE
from tests.factories import MembershipFactory, submit

pytestmark = pytest.mark.django_db

CHECKS = {
    "schema_rules",
    "citation_policy",
    "near_duplicate",
    "ai_similarity",
    "telemetry",
    "gold",
    "straight_lining",
    "agreement_outlier",
}


def _submit(cast, mcq, django_capture_on_commit_callbacks, answer="A", task=0):
    with django_capture_on_commit_callbacks(execute=True):
        submission, _ = submit(
            task=mcq["tasks"][task], author=cast.trainer, answer={"answer": answer}
        )
    return submission


def test_a_submit_schedules_and_runs_every_enabled_check(
    cast, mcq, django_capture_on_commit_callbacks
):
    submission = _submit(cast, mcq, django_capture_on_commit_callbacks)
    run = CheckRun.objects.get(submission=submission)
    assert (run.revision, run.status, run.attempts) == (1, RunStatus.DONE, 1)
    assert set(run.results.values_list("check_name", flat=True)) == CHECKS
    assert run.results.get(check_name="schema_rules").status == "pass"


def test_the_run_is_recorded_in_the_submissions_own_transaction(cast, mcq):
    # given on_commit callbacks that never run (a broker down, a crash after commit)
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    # then the revision is still known to need checking
    assert CheckRun.objects.get(submission=submission).status == RunStatus.PENDING


def test_a_batch_job_runs_each_of_its_runs_and_skips_those_done(cast, mcq):
    from quality.jobs import submission_checks_run_batch

    first, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    second, _ = submit(task=mcq["tasks"][1], author=cast.trainer, answer={"answer": "B"})
    runs = [CheckRun.objects.get(submission=s).pk for s in (first, second)]
    outcome = submission_checks_run_batch.apply(args=([*runs, 10**9],)).get()
    assert outcome == {runs[0]: RunStatus.DONE, runs[1]: RunStatus.DONE, 10**9: "missing"}
    again = submission_checks_run_batch.apply(args=(runs,)).get()  # delivered twice
    assert again == {runs[0]: RunStatus.DONE, runs[1]: RunStatus.DONE}
    assert CheckRun.objects.get(pk=runs[0]).attempts == 1
    assert CheckResult.objects.filter(submission=first).count() == len(CHECKS)


def test_running_twice_writes_one_result_per_check(cast, mcq, django_capture_on_commit_callbacks):
    submission = _submit(cast, mcq, django_capture_on_commit_callbacks)
    run = CheckRun.objects.get(submission=submission)
    CheckRun.objects.filter(pk=run.pk).update(status=RunStatus.PENDING)
    checks_run(run_id=run.pk)
    assert CheckResult.objects.filter(submission=submission).count() == len(CHECKS)
    assert CheckRun.objects.get(pk=run.pk).attempts == 2


def test_a_check_that_raises_is_an_error_not_a_pass(
    cast, mcq, django_capture_on_commit_callbacks, monkeypatch
):
    import quality.checks as checks

    real = checks.run_check

    def flaky(name, data, config=None):
        if name == "telemetry":
            raise RuntimeError("boom")
        return real(name, data, config)

    monkeypatch.setattr(checks, "run_check", flaky)
    submission = _submit(cast, mcq, django_capture_on_commit_callbacks)
    broken = CheckResult.objects.get(submission=submission, check_name="telemetry")
    assert broken.status == "error"
    assert "boom" in broken.findings[0]["evidence"]["error"]
    assert broken.findings[0]["code"] == "check_error"
    assert CheckResult.objects.filter(submission=submission).count() == len(CHECKS)


def test_a_revision_gets_its_own_run(cast, mcq, django_capture_on_commit_callbacks):
    submission = _submit(cast, mcq, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        submission_revise(submission=submission, answer={"answer": "B"})
    assert list(
        CheckRun.objects.filter(submission=submission).values_list("revision", "status")
    ) == [(1, "done"), (2, "done")]


def test_gold_answers_are_scored_and_can_return_work(cast, mcq, django_capture_on_commit_callbacks):
    gold = mcq["tasks"][0]
    task_set_gold(task=gold, gold_answer={"answer": "B"})
    check_config_save(
        project=cast.project, check_name="gold", enabled=True, config={}, on_fail="return"
    )
    submission = _submit(cast, mcq, django_capture_on_commit_callbacks, answer="A")
    assert CheckResult.objects.get(submission=submission, check_name="gold").status == "fail"
    assert GoldOutcome.objects.get(submission=submission).correct is False
    assert gold_accuracy(project=cast.project, trainer=cast.trainer) == (0, 1)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RETURNED
    assert submission.return_reasons


def test_the_sweep_resends_runs_that_never_ran(cast, mcq):
    submission, _ = submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    run = CheckRun.objects.get(submission=submission)
    assert checks_sweep(now=timezone.now()) == 0  # too recent: its job may still be coming
    assert checks_sweep(now=timezone.now() + timedelta(minutes=5)) == 1
    assert CheckRun.objects.get(pk=run.pk).status == RunStatus.DONE


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"check_name": "spelling"}, "check"),
        ({"on_fail": "explode"}, "on_fail"),
        ({"config": {"warn_similarity": 7}}, "config.warn_similarity"),
        ({"config": {"colour": 1}}, "config.colour"),
    ],
)
def test_misconfigured_checks_are_refused_naming_the_field(cast, kwargs, field):
    args = {"check_name": "near_duplicate", "enabled": True, "config": {}, "on_fail": "flag"}
    with pytest.raises(DomainError) as caught:
        check_config_save(project=cast.project, **{**args, **kwargs})
    assert field in caught.value.fields


def test_a_malformed_domain_in_the_source_policy_is_refused(cast):
    with pytest.raises(DomainError) as caught:
        check_config_save(
            project=cast.project,
            check_name="citation_policy",
            enabled=True,
            config={"allow_domains": ["not a domain!"]},
            on_fail="flag",
        )
    assert any(key.startswith("config.allow_domains") for key in caught.value.fields)


def test_disabled_checks_do_not_run(cast, mcq, django_capture_on_commit_callbacks):
    check_config_save(
        project=cast.project, check_name="telemetry", enabled=False, config={}, on_fail="flag"
    )
    submission = _submit(cast, mcq, django_capture_on_commit_callbacks)
    assert not CheckResult.objects.filter(submission=submission, check_name="telemetry").exists()


# --- API and pages ----------------------------------------------------------------------


def test_check_settings_api_by_role(client_as, cast):
    url = f"/api/v1/projects/{cast.project.pk}/checks/"
    statuses = [client_as(cast.by_role(p)).get(url).status_code for p in ALL_PEOPLE]
    assert statuses == [403, 200, 200, 200, 404, 200]
    body = {"check": "telemetry", "enabled": False, "config": {}, "on_fail": "nothing"}
    puts = [
        client_as(cast.by_role(p)).put(url, body, format="json").status_code for p in ALL_PEOPLE
    ]
    assert puts == [403, 200, 403, 200, 404, 200]
    bad = client_as(cast.setter).put(url, {**body, "config": {"min_time_share": 5}}, format="json")
    assert bad.status_code == 400 and "config.min_time_share" in bad.json()["fields"]


def test_trainers_see_their_own_findings_without_evidence(
    client_as, cast, mcq, django_capture_on_commit_callbacks
):
    submission = _submit(cast, mcq, django_capture_on_commit_callbacks)
    url = f"/api/v1/submissions/{submission.pk}/checks/"
    mine = client_as(cast.trainer).get(url).json()
    assert mine["status"] == "done"
    # every check that judged something, but gold, which the author never sees (on any
    # task); "not applicable" notes are for QA
    judged = set(
        CheckResult.objects.filter(submission=submission)
        .exclude(status="not_applicable")
        .values_list("check_name", flat=True)
    )
    assert "schema_rules" in judged
    assert {r["check"] for r in mine["results"]} == judged - {"gold"}
    assert all(f["status"] != "not_applicable" for r in mine["results"] for f in r["findings"])
    assert all("evidence" not in f for r in mine["results"] for f in r["findings"])
    # each finding is its stored code and params, with the message rendered when read
    stored = {r.check_name: r.findings for r in CheckResult.objects.filter(submission=submission)}
    for result in mine["results"]:
        for shown, kept in zip(result["findings"], stored[result["check"]], strict=True):
            assert "message" not in kept
            assert shown["code"] == kept["code"] and shown["params"] == kept["params"]
            assert shown["message"] == messages.render(kept["code"], kept["params"])
    schema = next(r for r in mine["results"] if r["check"] == "schema_rules")
    assert schema["findings"][0]["message"] == "The answer fits its template."
    other = MembershipFactory(project=cast.project, role="trainer").user
    assert client_as(other).get(url).status_code == 404
    assert client_as(cast.outsider).get(url).status_code == 404
    qa = client_as(cast.qa_lead).get(url).json()
    assert any("evidence" in f for r in qa["results"] for f in r["findings"])
    # QA sees every check, those that did not apply with their reasons
    assert {r["check"] for r in qa["results"]} == CHECKS
    skipped = {r["check"]: r for r in qa["results"] if r["status"] == "not_applicable"}
    assert skipped, "an MCQ answer without telemetry leaves checks with nothing to judge"
    for result in skipped.values():
        assert all(f["status"] == "not_applicable" and f["message"] for f in result["findings"])


def test_a_trainer_never_sees_the_gold_verdict_of_their_own_work(
    client, client_as, cast, mcq, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from metrics.services.work import trainer_submissions

    # given a gold task with two plausible answers, answered wrongly
    task_set_gold(task=mcq["tasks"][0], gold_answer={"answer": "B"})
    submission = _submit(cast, mcq, django_capture_on_commit_callbacks, answer="A")
    assert CheckResult.objects.get(submission=submission, check_name="gold").status == "fail"
    url = f"/api/v1/submissions/{submission.pk}/checks/"
    # then the author's API, check page and "my work" say nothing of it
    assert "gold" not in {r["check"] for r in client_as(cast.trainer).get(url).json()["results"]}
    client.force_login(cast.trainer)
    page = client.get(reverse("submission-checks", args=[submission.pk])).content.decode()
    assert "differs from the expected answer" not in page
    mine = trainer_submissions(project=cast.project, trainer=cast.trainer).get(pk=submission.pk)
    assert "gold" not in {result.check_name for result in mine.my_findings}
    # while a QA lead sees the verdict
    assert "gold" in {r["check"] for r in client_as(cast.qa_lead).get(url).json()["results"]}


def test_project_findings_list_and_filters(
    client_as, cast, mcq, django_capture_on_commit_callbacks
):
    task_set_gold(task=mcq["tasks"][0], gold_answer={"answer": "B"})
    _submit(cast, mcq, django_capture_on_commit_callbacks, answer="A")
    url = f"/api/v1/projects/{cast.project.pk}/findings/"
    assert client_as(cast.trainer).get(url).status_code == 403
    body = client_as(cast.qa_lead).get(f"{url}?check=gold").json()
    assert [r["check"] for r in body["results"]] == ["gold"]
    bad = client_as(cast.qa_lead).get(f"{url}?check=nope")
    assert bad.status_code == 400 and "check" in bad.json()["fields"]


def test_quality_pages(client, cast, mcq, django_capture_on_commit_callbacks):
    from django.urls import reverse

    submission = _submit(cast, mcq, django_capture_on_commit_callbacks)
    client.force_login(cast.qa_lead)
    assert client.get(reverse("project-quality", args=[cast.project.pk])).status_code == 200
    assert client.get(reverse("project-checks", args=[cast.project.pk])).status_code == 200
    assert client.get(reverse("submission-checks", args=[submission.pk])).status_code == 200
    client.force_login(cast.trainer)
    assert client.get(reverse("project-quality", args=[cast.project.pk])).status_code == 403
    page = client.get(reverse("submission-checks", args=[submission.pk])).content.decode()
    assert "Evidence" not in page
    client.force_login(cast.setter)
    response = client.post(
        reverse("project-checks", args=[cast.project.pk]),
        {"check": "telemetry", "telemetry-min_time_share": "lots", "telemetry-on_fail": "flag"},
    )
    assert response.status_code == 400
    assert "Enter a number." in response.content.decode()
    assert Submission.objects.count() == 1


def test_a_near_copy_of_another_trainers_text_is_flagged_through_the_stored_index(
    cast, django_capture_on_commit_callbacks
):
    from quality.near_duplicates import forget_cached_indexes
    from tasks.services import tasks_create, template_save

    definition = {
        "schema_version": 1,
        "display": [{"type": "text", "field": "prompt"}],
        "questions": [{"id": "essay", "type": "text", "prompt": "Answer", "min_words": 5}],
    }
    template_save(project=cast.project, name="Essay", definition=definition, by=cast.setter)
    first_task, second_task = tasks_create(
        project=cast.project, items=[{"prompt": "One"}, {"prompt": "Two"}], by=cast.setter
    )
    check_config_save(
        project=cast.project,
        check_name="near_duplicate",
        enabled=True,
        config={"min_words": 5},
        on_fail="flag",
    )
    text = (
        "The Grand Canal linked Hangzhou with the north under the Sui dynasty, joining "
        "older regional canals into one waterway that carried grain tribute for centuries."
    )
    other = MembershipFactory(project=cast.project, role="trainer").user
    with django_capture_on_commit_callbacks(execute=True):
        original, _ = submit(task=first_task, author=cast.trainer, answer={"essay": text})
    forget_cached_indexes()  # another worker: it must rebuild the index from the database
    with django_capture_on_commit_callbacks(execute=True):
        copy, _ = submit(task=second_task, author=other, answer={"essay": text + " Indeed."})
    result = CheckResult.objects.get(submission=copy, check_name="near_duplicate")
    assert result.status == "fail"
    matches = [m for f in result.findings for m in f["evidence"].get("matches", [])]
    assert str(original.pk) in {m["submission_id"] for m in matches}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_is_checked_while_another_transaction_holds_its_task(cast, mcq, monkeypatch):
    """Only the run's row is locked by a worker: a task row that a submit or ``next`` holds
    for a moment does not make the run look taken (it would wait for the sweep)."""
    import quality.services.scheduling
    from quality.services import checks_run
    from tasks.services import submission_submit, task_next
    from tests.factories import row_locked_elsewhere

    monkeypatch.setattr(
        quality.services.scheduling, "enqueue_batched_on_commit", lambda job, item: None
    )
    served = task_next(project=cast.project, trainer=cast.trainer)
    submission, _ = submission_submit(task=served.task, author=cast.trainer, answer={"answer": "A"})
    run = CheckRun.objects.get(submission=submission)
    with row_locked_elsewhere(Task, served.task.pk):
        checked = checks_run(run_id=run.pk)
    assert checked is not None and checked.status == RunStatus.DONE


def test_the_sweep_leaves_runs_alone_while_the_queue_still_holds_work(cast, mcq, monkeypatch):
    import quality.services.scheduling as scheduling

    submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    later = timezone.now() + timedelta(minutes=5)
    # given messages still waiting in the qa queue: the pending run is merely queued
    monkeypatch.setattr(scheduling, "_qa_backlog", lambda: 12)
    assert checks_sweep(now=later) == 0
    # and a broker that cannot say sends nothing either
    monkeypatch.setattr(scheduling, "_qa_backlog", lambda: None)
    assert checks_sweep(now=later) == 0
    # when the queue is empty, the run is lost and sent again
    monkeypatch.setattr(scheduling, "_qa_backlog", lambda: 0)
    assert checks_sweep(now=later) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_sweep_runs_at_a_time(cast, mcq, monkeypatch):
    from django.db import connections

    import quality.services.scheduling as scheduling
    from quality.services.scheduling import SWEEP_LOCK

    monkeypatch.setattr(scheduling, "enqueue_batched_on_commit", lambda job, item: None)
    submit(task=mcq["tasks"][0], author=cast.trainer, answer={"answer": "A"})
    later = timezone.now() + timedelta(minutes=5)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(SWEEP_LOCK))
            # while another sweep holds the lock, this one sends nothing
            assert checks_sweep(now=later) == 0
            cursor.execute("COMMIT")
        assert checks_sweep(now=later) == 1
    finally:
        other.close()


def test_a_worker_batch_also_takes_other_pending_runs_oldest_first(cast, mcq):
    from quality.services import checks_run_batch

    runs = []
    for task in mcq["tasks"]:
        submission, _ = submit(task=task, author=cast.trainer, answer={"answer": "A"})
        runs.append(CheckRun.objects.get(submission=submission))
    # a batch that may take one more takes the oldest pending run besides its own
    checks_run_batch(run_ids=[runs[2].pk], take_more=1)
    states = dict(CheckRun.objects.values_list("pk", "status"))
    assert [states[run.pk] for run in runs] == ["done", "pending", "done"]
    # without take_more, only its own
    checks_run_batch(run_ids=[runs[1].pk])
    assert CheckRun.objects.filter(status=RunStatus.PENDING).count() == 0


def test_a_message_whose_runs_are_done_takes_nothing_more(cast, mcq):
    from quality.services import checks_run_batch

    runs = []
    for task in mcq["tasks"]:
        submission, _ = submit(task=task, author=cast.trainer, answer={"answer": "A"})
        runs.append(CheckRun.objects.get(submission=submission))
    checks_run_batch(run_ids=[runs[2].pk])
    # while a backlog drains, a message finds its run done by an earlier job: it reads it,
    # locks nothing and leaves the pending runs to their own messages
    with CaptureQueriesContext(connection) as queries:
        found = checks_run_batch(run_ids=[runs[2].pk], take_more=5)
    assert found[runs[2].pk].status == RunStatus.DONE
    assert len(queries) == 1 and "FOR UPDATE" not in queries[0]["sql"]
    states = dict(CheckRun.objects.values_list("pk", "status"))
    assert [states[run.pk] for run in runs] == ["pending", "pending", "done"]


def test_a_worker_batch_waits_until_its_oldest_run_is_old_enough_then_takes_the_rest(
    cast, mcq, monkeypatch
):
    import quality.services.running as running
    from quality.services import checks_run_batch

    slept = []
    monkeypatch.setattr(running.time, "sleep", slept.append)
    runs = []
    for task in mcq["tasks"]:
        submission, _ = submit(task=task, author=cast.trainer, answer={"answer": "A"})
        runs.append(CheckRun.objects.get(submission=submission))
    # a run submitted just now waits out the rest of the gathering time ...
    checks_run_batch(run_ids=[runs[0].pk], take_more=5, gather_seconds=1.0)
    assert len(slept) == 1 and 0.5 < slept[0] <= 1.0
    # ... and then takes what was submitted meanwhile
    assert not CheckRun.objects.filter(status=RunStatus.PENDING).exists()
    # a run that is old enough is judged at once
    submission = runs[0].submission
    submission_revise(submission=submission, answer={"answer": "B"})
    newer = CheckRun.objects.get(submission=submission, status=RunStatus.PENDING)
    CheckRun.objects.filter(pk=newer.pk).update(created_at=timezone.now() - timedelta(seconds=2))
    checks_run_batch(run_ids=[newer.pk], take_more=5, gather_seconds=1.0)
    assert len(slept) == 1
    assert CheckRun.objects.get(pk=newer.pk).status == RunStatus.DONE


def test_results_are_written_as_the_orm_writes_them(cast, mcq):
    from quality.services.running import _results_write

    runs = []
    for task in mcq["tasks"][:2]:
        submission, _ = submit(task=task, author=cast.trainer, answer={"answer": "A"})
        runs.append(CheckRun.objects.get(submission=submission))
    findings = [
        {"status": "warn", "code": "x.y", "params": {"n": 1.5}, "evidence": {"t": "中文 \\u0000"}},
        {"status": "pass", "code": "x.ok", "params": {}, "evidence": {"none": None}},
    ]
    rows = [("gold", "not_applicable", []), ("telemetry", "warn", findings)]
    # the reference: the ORM's bulk_create for the first run, the statement for the second
    CheckResult.objects.bulk_create(
        [
            CheckResult(
                run=runs[0], submission=runs[0].submission, revision=runs[0].revision,
                check_name=name, status=status, findings=found,
            )
            for name, status, found in rows
        ]
    )  # fmt: skip
    _results_write([(runs[1], name, status, found) for name, status, found in rows])

    def stored(run):
        return [
            (r.submission_id == run.submission_id, r.revision, r.check_name, r.status, r.findings)
            for r in CheckResult.objects.filter(run=run).order_by("check_name")
        ]

    assert stored(runs[1]) == stored(runs[0]) and len(stored(runs[1])) == 2
    # written again, a result is replaced, not doubled
    _results_write([(runs[1], "gold", "fail", findings[:1])])
    again = CheckResult.objects.get(run=runs[1], check_name="gold")
    assert (again.status, again.findings) == ("fail", findings[:1])
    assert CheckResult.objects.filter(run=runs[1]).count() == 2
