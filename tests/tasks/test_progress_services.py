"""A trainer's progress figures (tasks.services.progress) and the day they are counted in
(annotation_platform.time_zones)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from annotation_platform.errors import DomainError
from annotation_platform.time_zones import day_start, zone_named
from tasks.models import Submission, SubmissionStatus
from tasks.services import lease_release, task_lease, task_set_gold, task_skip
from tasks.services.progress import (
    trainer_progress,
    trainer_projects,
    trainer_status_counts,
    trainer_work_rows,
    work_status_check,
)
from tests.factories import submit
from tests.tasks.progress_fixtures import build_world

pytestmark = pytest.mark.django_db

UTC_ZONE = ZoneInfo("UTC")
TOKYO = ZoneInfo("Asia/Tokyo")  # UTC+9, no daylight saving time


@pytest.fixture
def world(cast):
    return build_world(cast)


def _figures(trainer, project, zone=UTC_ZONE, now=None):
    return trainer_progress(trainer=trainer, projects=[project], zone=zone, now=now).projects[
        project.pk
    ]


# --- n of N ---------------------------------------------------------------------------------


def test_n_is_my_submissions_and_n_is_them_plus_the_tasks_still_open_to_me(cast, world):
    figures = _figures(cast.trainer, world.project)
    # 3 of mine; tasks 3 and 4 were completed by the colleague (overlap 1), task 5 is open
    assert (figures.submitted, figures.open_to_you, figures.of) == (3, 1, 4)
    assert figures.returned == 1
    # the colleague: 2 of theirs, and tasks 0-2 are complete by me
    theirs = _figures(world.colleague, world.project)
    assert (theirs.submitted, theirs.of, theirs.returned) == (2, 3, 1)


def test_a_held_task_is_in_n_and_submitting_it_moves_only_n(cast, world):
    task = world.tasks[5]
    task_lease(task=task, trainer=cast.trainer)
    held = _figures(cast.trainer, world.project)
    assert (held.submitted, held.of) == (3, 4)
    submit(task=task, author=cast.trainer, answer={"answer": "A"})
    after = _figures(cast.trainer, world.project)
    assert (after.submitted, after.of) == (4, 4)


def test_a_skipped_task_leaves_n_and_a_released_one_comes_back(cast, world):
    task = world.tasks[5]
    task_lease(task=task, trainer=cast.trainer)
    lease_release(task=task, trainer=cast.trainer)
    assert _figures(cast.trainer, world.project).of == 4
    task_lease(task=task, trainer=cast.trainer)
    task_skip(task=task, trainer=cast.trainer)
    assert _figures(cast.trainer, world.project).of == 3


def test_a_held_gold_task_counts_as_any_task_so_gold_cannot_be_told_apart(cast, world):
    # given: task 5 is gold (not in the queue's count) and the trainer holds it
    task_set_gold(task=world.tasks[5], gold_answer={"answer": "A"})
    unheld = _figures(cast.trainer, world.project)
    task_lease(task=world.tasks[5], trainer=cast.trainer)
    held = _figures(cast.trainer, world.project)
    # when they submit it
    submit(task=world.tasks[5], author=cast.trainer, answer={"answer": "A"})
    after = _figures(cast.trainer, world.project)
    # then: N held steady across the submit, exactly as for an ordinary task
    assert unheld.of == 3  # an unheld gold task is never counted
    assert (held.submitted, held.of) == (3, 4)
    assert (after.submitted, after.of) == (4, 4)


def test_figures_of_many_projects_are_one_query(cast, world, django_assert_num_queries):
    projects = list(trainer_projects(trainer=cast.trainer))
    with django_assert_num_queries(1):
        progress = trainer_progress(trainer=cast.trainer, projects=projects, zone=TOKYO)
    assert set(progress.projects) == {world.project.pk, world.other.pk}
    other = progress.projects[world.other.pk]
    assert (other.submitted, other.of, other.returned) == (1, 2, 0)
    assert progress.returned == 1
    with django_assert_num_queries(0):
        assert trainer_progress(trainer=cast.trainer, projects=[], zone=TOKYO).projects == {}


def test_trainer_projects_are_only_those_i_train_in(cast, world):
    assert list(trainer_projects(trainer=cast.trainer)) == [world.project, world.other]  # by name
    assert list(trainer_projects(trainer=cast.qa_lead)) == []


# --- today ----------------------------------------------------------------------------------


def test_day_start_is_midnight_in_the_zone():
    now = datetime(2024, 5, 31, 17, 0, tzinfo=UTC)  # 02:00 on 1 June in Tokyo
    assert day_start(TOKYO, now) == datetime(2024, 5, 31, 15, 0, tzinfo=UTC)
    assert day_start(UTC_ZONE, now) == datetime(2024, 5, 31, 0, 0, tzinfo=UTC)
    # a zone behind UTC: still 31 May in New York (UTC-4 in summer)
    assert day_start(ZoneInfo("America/New_York"), now) == datetime(2024, 5, 31, 4, tzinfo=UTC)


def test_today_starts_at_midnight_in_the_trainers_zone(cast, world):
    # given: two submissions either side of midnight in Tokyo, both on the same UTC day
    now = datetime(2024, 5, 31, 17, 0, tzinfo=UTC)
    before = datetime(2024, 5, 31, 14, 59, tzinfo=UTC)  # 23:59 on 31 May in Tokyo
    after = datetime(2024, 5, 31, 15, 1, tzinfo=UTC)  # 00:01 on 1 June in Tokyo
    Submission.objects.filter(author=cast.trainer).update(created_at=now - timedelta(days=3))
    Submission.objects.filter(pk=world.mine["returned"].pk).update(created_at=before)
    Submission.objects.filter(pk=world.mine["accepted"].pk).update(created_at=after)
    # a colleague's submission today never counts as mine
    Submission.objects.filter(pk=world.theirs[0].pk).update(created_at=after)
    world.project.max_submissions_per_day = 10
    world.project.save(update_fields=["max_submissions_per_day"])

    # when
    tokyo = _figures(cast.trainer, world.project, TOKYO, now)
    utc = _figures(cast.trainer, world.project, UTC_ZONE, now)

    # then: Tokyo's day began at 15:00 UTC; the daily cap still counts the UTC day
    assert tokyo.today == 1
    assert utc.today == 2
    assert (tokyo.daily_cap, tokyo.cap_used) == (10, 2)


def test_zone_names_are_checked_against_the_zone_database():
    assert zone_named("Asia/Tokyo") == TOKYO
    for bad in (None, "", "Mars/Olympus", "../../etc/passwd", "/etc/localtime", "x" * 100):
        assert zone_named(bad) is None


# --- statuses and my work -------------------------------------------------------------------


def test_status_counts_are_mine_in_the_projects_i_train_in(cast, world, django_assert_num_queries):
    with django_assert_num_queries(1):
        everywhere = trainer_status_counts(trainer=cast.trainer)
    # the project I left keeps my returned submission, which never shows; the colleague's
    # returned one is theirs
    assert everywhere == {"returned": 1, "submitted": 1, "accepted": 1, "rejected": 1, "total": 4}
    assert trainer_status_counts(trainer=cast.trainer, project=world.other) == {
        "returned": 0,
        "submitted": 0,
        "accepted": 0,
        "rejected": 1,
        "total": 1,
    }
    assert trainer_status_counts(trainer=world.colleague)["returned"] == 1


def test_my_work_rows_span_my_projects_newest_first_and_filter_by_status(cast, world):
    rows = list(trainer_work_rows(trainer=cast.trainer))
    assert [row.pk for row in rows] == [
        world.mine[s].pk for s in ("rejected", "submitted", "accepted", "returned")
    ]
    assert world.left_behind.pk not in {row.pk for row in rows}
    assert all(row.author_id == cast.trainer.pk for row in rows)
    returned = list(trainer_work_rows(trainer=cast.trainer, status=SubmissionStatus.RETURNED))
    assert [row.pk for row in returned] == [world.mine["returned"].pk]
    in_other = list(trainer_work_rows(trainer=cast.trainer, project=world.other))
    assert [row.pk for row in in_other] == [world.mine["rejected"].pk]


def test_an_unknown_status_is_refused_naming_the_field():
    assert work_status_check("") is None
    assert work_status_check("returned") == "returned"
    with pytest.raises(DomainError) as refused:
        work_status_check("lost")
    assert "status" in refused.value.fields
