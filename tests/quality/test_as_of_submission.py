"""Verdicts as of submission: a revision is judged against the work before it in the order
of submissions (a run's id), and work already checked is judged again when a revision it
depends on is checked later. The same submissions give the same current findings in any
processing order."""

import random

import pytest

from quality.models import CheckResult, CheckRun, FindingChange, NearDuplicateSignature
from quality.services import checks_run, checks_run_batch
from tasks.services import submission_revise
from tests.factories import submit
from tests.quality import replay

pytestmark = pytest.mark.django_db


def _replay(setter, *, order=None, capture=None, batch=1):
    """Submit the replay into a fresh project. With ``capture``, each submission's checks
    run as it arrives; otherwise they run afterwards, runs taken in ``order`` (a function
    of the list of run ids), ``batch`` at a time as a worker's batch job takes them."""
    project, tasks, trainers = replay.build_project(setter)
    keys = {}
    for task, trainer, answer in replay.plan():
        if capture is not None:
            with capture(execute=True):
                submission, _ = submit(task=tasks[task], author=trainers[trainer], answer=answer)
        else:
            submission, _ = submit(task=tasks[task], author=trainers[trainer], answer=answer)
        keys[submission.pk] = (task, trainer)
    if capture is None:
        runs = list(
            CheckRun.objects.filter(submission__task__project=project)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ordered = order(runs)
        for start in range(0, len(ordered), batch):
            checks_run_batch(run_ids=ordered[start : start + batch])
    return project, keys


@pytest.fixture
def serial(cast, django_capture_on_commit_callbacks):
    project, keys = _replay(cast.setter, capture=django_capture_on_commit_callbacks)
    return project, keys, replay.current_findings(project, keys)


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(lambda runs: list(reversed(runs)), id="newest-first"),
        pytest.param(lambda runs: random.Random(7).sample(runs, len(runs)), id="shuffled"),
        pytest.param(lambda runs: runs[1::2] + runs[0::2], id="two-workers-interleaved"),
    ],
)
def test_any_processing_order_gives_the_findings_of_checking_as_they_arrive(cast, serial, order):
    # given the same submissions checked as they arrived
    _, _, expected = serial
    # when they are checked after all are in, in another order
    project, keys = _replay(cast.setter, order=order)
    # then every submission's current findings are the same
    assert replay.current_findings(project, keys) == expected


def _result(project, keys, key, check):
    submission_id = next(pk for pk, k in keys.items() if k == key)
    return CheckResult.objects.get(
        submission_id=submission_id, check_name=check, run__submission__task__project=project
    )


def test_honest_early_ratings_are_not_judged_by_later_straight_lining(cast):
    # given trainer 0 rates honestly on tasks 0-3 and gives every later task a 5
    project, keys = _replay(cast.setter, order=lambda runs: list(reversed(runs)))
    # then the early ratings are judged on what came before them only: too few to judge
    # (min_items 5), although their checks ran after the later ratings existed
    for task in range(4):
        early = _result(project, keys, (task, 0), "straight_lining")
        assert early.status == "not_applicable", early.findings
        assert [f["code"] for f in early.findings] == ["straight_lining.too_few"]
    # and the last one, whose six latest ratings are all 5, fails
    assert _result(project, keys, (9, 0), "straight_lining").status == "fail"


def test_an_outlier_who_answers_first_is_judged_again_as_the_peers_answer(
    cast, django_capture_on_commit_callbacks
):
    project, keys = _replay(cast.setter, capture=django_capture_on_commit_callbacks)
    # the outlier answered task 2 before anyone: nothing to compare with then
    outlier = _result(project, keys, (2, 4), "agreement_outlier")
    assert outlier.status == "warn"
    history = list(FindingChange.objects.filter(result=outlier).order_by("id"))
    assert history, "the first verdict (no peers yet) must be kept as history"
    assert history[0].previous_status == "not_applicable"
    assert [f["code"] for f in history[0].previous_findings] == ["agreement_outlier.too_few"]
    assert {change.reason for change in history} == {"new_answer"}
    assert history[-1].status == "warn"
    assert history[-1].cause.submission.task_id == outlier.submission.task_id


def test_a_copy_checked_before_its_original_fails_once_the_original_is_checked(cast):
    project, keys = _replay(cast.setter, order=lambda runs: list(reversed(runs)))
    copy = _result(project, keys, (7, 1), "near_duplicate")
    original = _result(project, keys, (6, 3), "near_duplicate")
    # the original came first: it is never a copy of what came after it
    assert original.status == "pass"
    assert copy.status == "fail"
    matched = copy.findings[0]["evidence"]["matches"][0]["submission_id"]
    assert keys[int(matched)] == (6, 3)
    change = FindingChange.objects.get(result=copy)
    assert (change.previous_status, change.status, change.reason) == (
        "pass",
        "fail",
        "earlier_checked",
    )


def test_a_revision_that_drops_its_text_reaches_another_workers_index(
    cast, django_capture_on_commit_callbacks
):
    from quality import near_duplicates
    from quality.checks import NearDuplicateIndex

    project, tasks, trainers = replay.build_project(cast.setter)
    answer = {"score": 3, "why": replay.ORIGINAL}
    with django_capture_on_commit_callbacks(execute=True):
        submission, _ = submit(task=tasks[0], author=trainers[0], answer=answer)
    # given another worker that indexed the text (a copy of this process's index)
    index = near_duplicates.project_index(project.pk)
    assert index.query(replay.ORIGINAL, min_similarity=0.9)
    other = NearDuplicateIndex.from_bytes(index.to_bytes())
    seen = near_duplicates._indexes[project.pk][1]
    # when a revision drops the text (here, in this process)
    with django_capture_on_commit_callbacks(execute=True):
        submission_revise(submission=submission, answer={"score": 3})
    assert NearDuplicateSignature.objects.get(submission=submission).signature == b""
    # then the other worker forgets it at its next look
    near_duplicates._indexes[project.pk] = (other, seen)
    assert near_duplicates.project_index(project.pk).query(replay.ORIGINAL) == []


def test_a_run_that_rolls_back_leaves_nothing_in_this_workers_index(
    cast, django_capture_on_commit_callbacks, monkeypatch
):
    import quality.services.running as running
    from quality import near_duplicates

    project, tasks, trainers = replay.build_project(cast.setter)
    submission, _ = submit(
        task=tasks[0], author=trainers[0], answer={"score": 3, "why": replay.ORIGINAL}
    )
    run = CheckRun.objects.get(submission=submission)

    def crash(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(running, "checks_done", crash)
    with pytest.raises(RuntimeError):
        checks_run(run_id=run.pk)
    assert not NearDuplicateSignature.objects.filter(submission=submission).exists()
    assert near_duplicates.project_index(project.pk).query(replay.ORIGINAL) == []


def test_a_batch_is_checked_in_the_same_number_of_queries_however_large(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(size: int) -> int:
        project, tasks, trainers = replay.build_project(cast.setter)
        for task, trainer, answer in replay.plan()[:size]:
            submit(task=tasks[task], author=trainers[trainer], answer=answer)
        runs = list(
            CheckRun.objects.filter(submission__task__project=project).values_list("pk", flat=True)
        )
        with CaptureQueriesContext(connection) as queries:
            checks_run_batch(run_ids=runs)
        assert CheckRun.objects.filter(pk__in=runs, status="done").count() == size
        return len(queries)

    # (ten submissions answer two tasks, fourteen three; both re-judge near-copies; on
    # SQLite more would split the results' insert at its 999 parameters)
    assert queries_for(14) == queries_for(10)


def test_a_run_of_identical_ratings_fails_from_its_first_rating_once_it_shows(
    cast, django_capture_on_commit_callbacks
):
    # given trainer 0 rates tasks 0-3 honestly, then gives tasks 4-9 a 5, each checked as
    # it arrives: when task 9 is checked its window (tasks 4-9) is all 5s
    project, keys = _replay(cast.setter, capture=django_capture_on_commit_callbacks)
    assert _result(project, keys, (9, 0), "straight_lining").status == "fail"
    # then the ratings that began the run, which passed when they were checked, fail too,
    # with the history of why
    for task in range(4, 9):
        started = _result(project, keys, (task, 0), "straight_lining")
        assert (started.status, started.findings[0]["code"]) == ("fail", "straight_lining.run")
        change = FindingChange.objects.filter(result=started).latest("id")
        assert change.reason == "next_ratings"
        assert change.previous_status in ("pass", "not_applicable")
        assert change.cause.submission_id == next(pk for pk, key in keys.items() if key == (9, 0))
    # and the honest ratings before it are untouched: their values are not the run's
    for task in range(4):
        assert _result(project, keys, (task, 0), "straight_lining").status == "not_applicable"
    # nobody else straight-lined
    failed = CheckResult.objects.filter(
        check_name="straight_lining", status="fail", run__submission__task__project=project
    ).values_list("submission_id", flat=True)
    assert {keys[pk][1] for pk in failed} == {0}
