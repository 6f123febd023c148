"""``Writes``: several writes in one round trip on PostgreSQL, one by one elsewhere, with the
same rows written either way."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from annotation_platform.rawsql import Writes
from tasks.models import Submission, SubmissionRevision, TaskCounter, TaskTemplate
from tasks.services import task_lease

pytestmark = pytest.mark.django_db

STATEMENTS = {"postgresql": 1}  # elsewhere: one per write


def _submission(cast, mcq, task) -> tuple[Submission, TaskTemplate]:
    template = mcq["template"]
    submission = Submission(task=task, author=cast.trainer, template=template, answer={"a": 1})
    return submission, template


def test_an_insert_with_its_child_and_an_upsert_write_every_row(cast, mcq):
    task = mcq["tasks"][0]
    submission, template = _submission(cast, mcq, task)
    revision = SubmissionRevision(number=1, template=template, answer={"a": 1})
    writes = Writes()
    parent = writes.insert(submission, unique=("task_id", "author_id"))
    writes.insert(revision, parent=("submission_id", parent))
    writes.add(
        "INSERT INTO tasks_taskcounter (project_id, state, shard, count) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (project_id, state, shard) "
        "DO UPDATE SET count = tasks_taskcounter.count + EXCLUDED.count",
        [cast.project.pk, "flagged", 0, 5],
    )
    with CaptureQueriesContext(connection) as captured:
        writes.flush()
    assert len(captured) == STATEMENTS.get(connection.vendor, 3)
    stored = Submission.objects.get(task=task, author=cast.trainer)
    assert submission.pk == stored.pk and stored.answer == {"a": 1}
    assert revision.submission_id == stored.pk
    assert SubmissionRevision.objects.get(submission=stored).number == 1
    assert TaskCounter.objects.get(project=cast.project, state="flagged", shard=0).count == 5
    assert len(writes) == 0  # flushed writes are gone: a second flush sends nothing
    with CaptureQueriesContext(connection) as captured:
        writes.flush()
    assert len(captured) == 0


def test_a_conflicting_insert_writes_no_child_and_reports_no_key(cast, mcq):
    task = mcq["tasks"][1]
    first, template = _submission(cast, mcq, task)
    first.save()
    second, _ = _submission(cast, mcq, task)
    revision = SubmissionRevision(number=1, template=template, answer={"a": 2})
    writes = Writes()
    parent = writes.insert(second, unique=("task_id", "author_id"))
    writes.insert(revision, parent=("submission_id", parent))
    writes.flush()
    assert second.pk is None and revision.pk is None
    assert Submission.objects.filter(task=task).count() == 1
    assert not SubmissionRevision.objects.filter(submission=first).exists()


def test_a_failing_write_fails_them_all_and_says_so(cast, mcq):
    """On PostgreSQL the batch is one statement: a broken write leaves none of the others."""
    task = mcq["tasks"][2]
    lease = task_lease(task=task, trainer=cast.trainer)
    writes = Writes()
    writes.add("UPDATE tasks_lease SET status = %s WHERE id = %s", ["released", lease.pk])
    writes.add("UPDATE tasks_task SET leased = %s WHERE id = %s", [-1, task.pk])  # a check fails
    with pytest.raises(IntegrityError), transaction.atomic():
        writes.flush()
    lease.refresh_from_db()
    assert lease.status == "active"


PRIORITY = "UPDATE tasks_task SET priority = %s WHERE id = %s RETURNING id"


def test_returned_values_reach_their_callbacks_in_order(cast, mcq):
    task = mcq["tasks"][0]
    seen = []
    writes = Writes()
    writes.add(PRIORITY, [7, task.pk], seen.append)
    writes.add(PRIORITY, [7, -1], seen.append)
    writes.flush()
    assert seen == [task.pk, None]
    task.refresh_from_db()
    assert task.priority == 7


@pytest.mark.parametrize("found", [True, False])
def test_writes_after_a_step_happen_exactly_when_it_returned_a_row(cast, mcq, found):
    # given a batch whose first write may match no row, and writes that depend on it
    first, second = mcq["tasks"][:2]
    submission, template = _submission(cast, mcq, second)
    revision = SubmissionRevision(number=1, template=template, answer={"a": 1})
    seen: list = []
    writes = Writes()
    gate = writes.add(PRIORITY, [5, first.pk if found else -1], seen.append)
    inserted = writes.insert(submission, after=gate)
    writes.insert(revision, parent=("submission_id", inserted))
    writes.add("UPDATE tasks_task SET priority = %s WHERE id = %s", [9, second.pk], after=gate)
    writes.on_written(lambda: seen.append("written"), inserted)
    writes.on_written(lambda: seen.append("flushed"))
    # when it is flushed
    with CaptureQueriesContext(connection) as captured:
        writes.flush()
    # then the dependent writes, and the callback on the insert, follow the first write
    assert len(captured) == STATEMENTS.get(connection.vendor, 4 if found else 1)
    second.refresh_from_db()
    if found:
        assert seen == [first.pk, "written", "flushed"]
        assert Submission.objects.get(pk=submission.pk).task_id == second.pk
        assert SubmissionRevision.objects.get(submission_id=submission.pk).number == 1
        assert second.priority == 9
    else:
        assert seen == [None, "flushed"]
        assert submission.pk is None and revision.pk is None
        assert not Submission.objects.exists() and second.priority == 0


def test_a_write_can_only_depend_on_a_step_that_returns(cast, mcq):
    writes = Writes()
    silent = writes.add("UPDATE tasks_task SET priority = 1 WHERE id = %s", [1])
    with pytest.raises(ValueError, match="returns no value"):
        writes.add("UPDATE tasks_task SET priority = 2 WHERE id = %s", [1], after=silent)
    with pytest.raises(ValueError, match="returns no value"):
        writes.on_written(lambda: None, silent)


def test_callbacks_run_after_a_flush_that_sent_nothing(cast):
    seen: list = []
    writes = Writes()
    writes.on_written(lambda: seen.append("flushed"))
    writes.flush()
    assert seen == ["flushed"]


# --- model_from_row -------------------------------------------------------------------------


def _same(built, loaded) -> None:
    assert type(built) is type(loaded) and built == loaded
    for field in type(loaded)._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(loaded, field.attname), field.name
    assert (built._state.adding, built._state.db) == (False, loaded._state.db)


@pytest.mark.parametrize("model_name", ["Task", "Project", "User", "Lease"])
def test_an_instance_from_a_row_is_the_one_the_orm_loads(cast, mcq, model_name):
    from accounts.models import User
    from annotation_platform.rawsql import model_columns, model_from_row
    from tasks.models import Lease, Project, Task

    task_lease(task=mcq["tasks"][0], trainer=cast.trainer)
    model = {"Task": Task, "Project": Project, "User": User, "Lease": Lease}[model_name]
    loaded = model.objects.order_by("pk").first()
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {model_columns(model, 'x')} FROM {table} x WHERE x.id = %s",  # noqa: S608
            [loaded.pk],
        )
        built = model_from_row(model, cursor.fetchone())
    _same(built, loaded)
    rows = model.objects.count()
    built.save()  # an instance the ORM can use like its own: saved as an update
    assert model.objects.count() == rows


def test_a_model_with_an_init_listener_is_built_by_the_orm(cast, mcq):
    from django.db.models.signals import post_init

    from annotation_platform.rawsql import model_columns, model_from_row
    from tasks.models import Task

    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(listener, sender=Task)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {model_columns(Task, 'x')} FROM tasks_task x LIMIT 1")  # noqa: S608
            built = model_from_row(Task, cursor.fetchone())
    finally:
        post_init.disconnect(listener, sender=Task)
    assert seen == [built]


@pytest.mark.parametrize("model_name", ["User", "ApiToken"])
def test_an_instance_from_remembered_values_is_a_fresh_copy(cast, model_name):
    from accounts.models import ApiToken, User
    from accounts.services import api_token_create
    from annotation_platform.rawsql import model_from_values, model_values

    api_token_create(user=cast.trainer, name="copy")
    model = {"User": User, "ApiToken": ApiToken}[model_name]
    loaded = model.objects.filter(**({"pk": cast.trainer.pk} if model is User else {})).first()
    values = model_values(loaded)
    first, second = model_from_values(model, values), model_from_values(model, values)
    _same(first, loaded)
    _same(second, loaded)
    first.memo = "set in one request"
    first.pk = -1
    assert not hasattr(second, "memo") and second.pk == loaded.pk
