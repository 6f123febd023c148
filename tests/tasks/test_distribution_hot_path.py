"""The hot path of the queue (``next`` then submit): its SQL, its locks and its cost."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.utils import timezone

from accounts.authentication import _authenticate
from accounts.models import ApiToken
from accounts.services import api_token_authenticate, api_token_create
from annotation_platform import rawsql
from annotation_platform.errors import ConflictError, DomainError
from annotation_platform.rawsql import Writes
from integrations import events
from integrations.models import Webhook, WebhookDelivery, WebhookEvent
from integrations.services import webhook_create
from tasks import lookups, permissions
from tasks.models import (
    Assignment,
    Lease,
    LeaseStatus,
    Project,
    Role,
    Submission,
    Task,
    TaskCounter,
    TaskState,
)
from tasks.services import (
    distribution,
    hooks,
    leases_expire_due,
    project_distribution_update,
    submission_submit,
    task_assign,
    task_counts,
    task_next,
    task_set_gold,
    template_save,
    work,
)
from tests.factories import MembershipFactory, UserFactory, row_locked_elsewhere, submit

pytestmark = pytest.mark.django_db

ANSWER = {"answer": "A"}


def _assert_counters_exact(project):
    counts = task_counts(project)
    for state in TaskState.values:
        expected = Task.objects.filter(project=project, is_gold=False, state=state).count()
        assert counts[state] == expected, state


# --- counters -----------------------------------------------------------------------------


def test_a_state_change_moves_one_count_between_two_counter_rows(cast, mcq):
    # given three new tasks counted in one NEW shard
    assert task_counts(cast.project)["new"] == 3
    # when a trainer takes one, then answers it
    served = task_next(project=cast.project, trainer=cast.trainer)
    assert (task_counts(cast.project)["new"], task_counts(cast.project)["in_progress"]) == (2, 1)
    submission_submit(task=served.task, author=cast.trainer, answer=ANSWER)
    # then every count is exact, and shard rows were created on first use
    assert task_counts(cast.project)["complete"] == 1
    _assert_counters_exact(cast.project)
    assert TaskCounter.objects.filter(project=cast.project, state=TaskState.COMPLETE).exists()


# --- next ---------------------------------------------------------------------------------


def test_the_lease_limit_counts_a_lease_that_ran_out_but_is_not_reclaimed_yet(
    cast, mcq, monkeypatch
):
    # given a trainer whose only allowed lease ran out, and nothing reclaims it yet (its
    # task is busy in another transaction)
    project_distribution_update(project=cast.project, lease_seconds=60)
    task_next(project=cast.project, trainer=cast.trainer)
    monkeypatch.setattr(distribution, "leases_expire_due", lambda **kwargs: 0)
    # when they ask for another task, the stale hold still counts
    with pytest.raises(ConflictError) as caught:
        task_next(
            project=cast.project, trainer=cast.trainer, now=timezone.now() + timedelta(hours=1)
        )
    assert caught.value.code == "lease_limit"


def test_assigned_then_gold_then_queue_come_from_the_same_untouched_rule(cast, mcq):
    first, second, third = mcq["tasks"]
    task_set_gold(task=third, gold_answer=ANSWER)
    task_assign(task=second, trainer_identifier=cast.trainer.username, by=cast.setter)
    project_distribution_update(project=cast.project, gold_rate=1.0)
    served = task_next(project=cast.project, trainer=cast.trainer)
    assert (served.task, served.assigned) == (second, True)
    submission_submit(task=served.task, author=cast.trainer, answer=ANSWER)
    assert task_next(project=cast.project, trainer=cast.trainer).task == third  # gold
    submission_submit(task=third, author=cast.trainer, answer=ANSWER)
    assert task_next(project=cast.project, trainer=cast.trainer).task == first  # queue
    submission_submit(task=first, author=cast.trainer, answer=ANSWER)
    assert task_next(project=cast.project, trainer=cast.trainer) is None  # all answered
    _assert_counters_exact(cast.project)


# --- expiry -------------------------------------------------------------------------------


def test_two_expired_leases_on_one_task_each_give_back_their_slot(cast, mcq):
    # given a task held by two trainers (overlap 2) whose leases both ran out
    project_distribution_update(project=cast.project, default_overlap=2, lease_seconds=60)
    one, two = cast.new_trainer(), cast.new_trainer()
    task = task_next(project=cast.project, trainer=one).task
    assert task_next(project=cast.project, trainer=two).task == task
    # when they are reclaimed in one call
    assert leases_expire_due(now=timezone.now() + timedelta(minutes=5)) == 2
    # then the task is new again with no holds, and the counters agree
    task.refresh_from_db()
    assert (task.leased, task.state, task.available) == (0, TaskState.NEW, True)
    _assert_counters_exact(cast.project)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_expiry_passes_over_a_task_another_transaction_holds_instead_of_waiting(cast, mcq):
    # given an expired lease whose task another transaction has locked (a submit in flight)
    project_distribution_update(project=cast.project, lease_seconds=60)
    served = task_next(project=cast.project, trainer=cast.trainer)
    later = timezone.now() + timedelta(minutes=5)
    with row_locked_elsewhere(Task, served.task.pk):
        # when expiry runs meanwhile, it does not wait and leaves that lease alone
        assert leases_expire_due(now=later) == 0
        assert Lease.objects.get(pk=served.lease.pk).status == LeaseStatus.ACTIVE
    # then a later run reclaims it
    assert leases_expire_due(now=later) == 1
    _assert_counters_exact(cast.project)


# --- what a request costs -----------------------------------------------------------------


def test_loading_a_project_or_task_also_knows_the_users_role(cast, mcq, django_assert_num_queries):
    served = task_next(project=cast.project, trainer=cast.trainer)
    with django_assert_num_queries(1):
        project = lookups.visible_project(cast.trainer, cast.project.pk)
        assert permissions.can_work_on_project(cast.trainer, project)
    with django_assert_num_queries(1):
        task = lookups.visible_task(cast.trainer, served.task.pk)
        assert permissions.can_work_on_project(cast.trainer, task.project)


@pytest.fixture
def without_submission_hooks(monkeypatch):
    """Other apps' hooks (quality checks) add their own queries to a submit."""
    monkeypatch.setattr(hooks, "_submission_saved", [])


# (next, submit) without other apps' hooks; PostgreSQL sends each write batch as one statement
BUDGETS = {"postgresql": (7, 6), "sqlite": (10, 11)}
STEADY_BUDGETS = {"postgresql": (6, 6), "sqlite": (9, 12)}


def test_next_and_submit_stay_within_their_query_budget(
    client_as, cast, mcq, without_submission_hooks, django_assert_max_num_queries
):
    # token, project (with role and template key), template (the view's), live leases +
    # "has assignments" + "any expired", queue, and the lease with its task and counters:
    # on PostgreSQL one statement for all of these last (the plain case), on SQLite two
    # reads and three writes; and the test's savepoint and release
    next_budget, submit_budget = BUDGETS[connection.vendor]
    client = client_as(cast.trainer)
    client.get("/api/v1/me/")  # the token's last use is written at most once a minute
    with django_assert_max_num_queries(next_budget):
        served = client.post(f"/api/v1/projects/{cast.project.pk}/next")
    assert served.status_code == 200
    task = served.json()["task"]["id"]
    # token, task (with role and template key), lock (with "submitted?", "draft?" and
    # "held?"), template (first read in this process), and the lease, task, counters,
    # submission and revision: one statement on PostgreSQL, five on SQLite (inside the
    # test's transaction, the submit takes its transaction path)
    with django_assert_max_num_queries(submit_budget):
        submitted = client.post(f"/api/v1/tasks/{task}/submit/", {"answer": ANSWER}, format="json")
    assert submitted.status_code == 201


def test_a_steady_submit_reads_no_template_no_webhooks_and_deletes_no_draft(
    client_as, cast, mcq, django_assert_max_num_queries
):
    # given the template already read once and the project known to have no webhooks
    client = client_as(cast.trainer)
    client.get("/api/v1/me/")
    first = client.post(f"/api/v1/projects/{cast.project.pk}/next").json()["task"]["id"]
    client.post(f"/api/v1/tasks/{first}/submit/", {"answer": ANSWER}, format="json")
    next_budget, submit_budget = STEADY_BUDGETS[connection.vendor]
    with django_assert_max_num_queries(next_budget) as served:
        task = client.post(f"/api/v1/projects/{cast.project.pk}/next").json()["task"]["id"]
    assert not any(q["sql"].startswith('SELECT "tasks_tasktemplate"') for q in served)
    # when the next answer is submitted with every app's hooks in place
    with django_assert_max_num_queries(submit_budget) as captured:
        submitted = client.post(f"/api/v1/tasks/{task}/submit/", {"answer": ANSWER}, format="json")
    assert submitted.status_code == 201
    # then neither the template nor webhooks are read, and no draft deleted: the quality
    # checks' run and the metrics' stale mark join the submit's own write statement
    sql = [query["sql"] for query in captured.captured_queries]
    assert not any(query.startswith('SELECT "tasks_tasktemplate"') for query in sql)
    assert not any("integrations_" in query for query in sql)
    assert not any("tasks_draft" in query.split("FROM")[0] for query in sql)  # no DELETE


# --- the hand-written lookups agree with the querysets --------------------------------------


@pytest.fixture
def served_and_not(cast, mcq):
    """Task 0 served to the trainer, task 1 assigned to them, task 2 untouched."""
    first, second, third = mcq["tasks"]
    assert task_next(project=cast.project, trainer=cast.trainer).task == first
    Assignment.objects.create(task=second, trainer=cast.trainer, assigned_by=cast.setter)
    return first, second, third


def _outcome(lookup, user, pk):
    try:
        found = lookup(user, pk)
    except Http404:
        return 404
    except PermissionDenied:
        return 403
    return found.pk


@pytest.mark.parametrize("who", ["trainer", "setter", "qa_lead", "admin", "outsider", "staff"])
def test_visible_task_finds_exactly_what_the_queryset_lets_each_role_see(cast, served_and_not, who):
    user = cast.by_role(who)
    for task in served_and_not:
        expected = task.pk if Task.objects.visible_to(user).filter(pk=task.pk).exists() else 404
        assert _outcome(lookups.visible_task, user, task.pk) == expected, (who, task.pk)
    # and whatever they open comes with the project, their role and the task's data
    opened = [t for t in served_and_not if _outcome(lookups.visible_task, user, t.pk) != 404]
    for task in opened:
        loaded = lookups.visible_task(user, task.pk)
        assert (loaded.data, loaded.project.name) == (task.data, cast.project.name)
        assert loaded.created_at == Task.objects.get(pk=task.pk).created_at
        assert isinstance(loaded.available, bool)


def test_visible_task_refuses_inactive_users_missing_and_malformed_ids(cast, served_and_not):
    first = served_and_not[0]
    cast.setter.is_active = False
    for pk in (first.pk, 10**12, "abc", -1, 2**70):
        user = cast.setter if pk == first.pk else cast.trainer
        assert _outcome(lookups.visible_task, user, pk) == 404, pk


@pytest.mark.parametrize("who", ["trainer", "setter", "qa_lead", "admin", "outsider", "staff"])
def test_visible_project_finds_exactly_what_the_queryset_lets_each_role_see(cast, who):
    user = cast.by_role(who)
    for project in Project.objects.all():
        mine = Project.objects.visible_to(user).with_role_of(user).filter(pk=project.pk).first()
        outcome = _outcome(lookups.visible_project, user, project.pk)
        assert outcome == (project.pk if mine else 404), (who, project.name)
        if mine:
            loaded = lookups.visible_project(user, project.pk)
            assert loaded.my_role == mine.my_role
            assert (loaded.status, loaded.updated_at) == (mine.status, mine.updated_at)
            assert permissions.role_in(user, loaded) == mine.my_role


def test_the_template_in_force_follows_edits_and_new_versions(cast, mcq, django_assert_num_queries):
    template = mcq["template"]
    project = lookups.visible_project(cast.trainer, cast.project.pk)
    assert lookups.template_in_force(project) == template
    with django_assert_num_queries(0):  # read before: served from the cache
        assert lookups.template_in_force(lookups_project := project) == template
    assert lookups_project is project
    # an edit in place (nobody answered this version yet) is seen at once
    edited = {**template.definition, "title": "Edited title"}
    template_save(project=cast.project, name=template.name, definition=edited, by=cast.setter)
    project = lookups.visible_project(cast.trainer, cast.project.pk)
    assert lookups.template_in_force(project).definition["title"] == "Edited title"
    # once answered, an edit is a new version, and that is the one in force
    served = task_next(project=cast.project, trainer=cast.trainer)
    submission_submit(task=served.task, author=cast.trainer, answer=ANSWER)
    second, created = template_save(
        project=cast.project, name=template.name, definition=template.definition, by=cast.setter
    )
    assert created
    task = lookups.visible_task(cast.setter, served.task.pk)
    assert lookups.template_in_force(task.project) == second


# --- token authentication: the fast path agrees with the service ------------------------------


def _auth_outcome(function, raw):
    try:
        token = function(raw)
    except DomainError as error:
        return ("refused", str(error))
    return ("ok", token.pk, token.user.username, token.scope)


def test_token_authentication_refuses_and_accepts_exactly_like_the_service(cast):
    _, raw = api_token_create(user=cast.trainer, name="good")
    revoked, revoked_raw = api_token_create(user=cast.trainer, name="revoked")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    expired, expired_raw = api_token_create(user=cast.trainer, name="expired")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    disabled = UserFactory(username="disabled", is_active=False)
    _, disabled_raw = api_token_create(user=disabled, name="disabled")
    cases = [
        raw,
        raw[:-1] + ("A" if raw[-1] != "A" else "B"),  # wrong secret
        revoked_raw,
        expired_raw,
        disabled_raw,
        "ap_unknown_secret",
        "nonsense",
        "ap_only",
    ]
    for case in cases:
        assert _auth_outcome(_authenticate, case) == _auth_outcome(api_token_authenticate, case)
    assert _auth_outcome(_authenticate, raw)[0] == "ok"


def test_token_authentication_writes_the_last_use_at_most_once_a_minute(
    cast, django_assert_num_queries
):
    token, raw = api_token_create(user=cast.trainer, name="good")
    with django_assert_num_queries(2):  # read, then the first use written
        _authenticate(raw)
    with django_assert_num_queries(1):
        assert _authenticate(raw).last_used_at is not None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    with django_assert_num_queries(2):
        _authenticate(raw)


# --- webhooks: nothing to do costs nothing -------------------------------------------------


def test_a_project_without_webhooks_is_asked_once_then_a_new_webhook_is_seen_at_once(
    cast, mcq, django_capture_on_commit_callbacks, django_assert_num_queries
):
    project_distribution_update(project=cast.project, default_overlap=2)
    events._without_webhooks.pop(cast.project.pk, None)
    assert not events.project_has_webhooks(cast.project.pk)
    with django_assert_num_queries(0):
        assert not events.project_has_webhooks(cast.project.pk)
    with django_capture_on_commit_callbacks(execute=True):
        served = task_next(project=cast.project, trainer=cast.trainer)
        submission_submit(task=served.task, author=cast.trainer, answer=ANSWER)
    assert not WebhookDelivery.objects.exists()
    # when an admin adds a webhook, the very next submit is delivered
    webhook_create(
        project=cast.project,
        url="https://hooks.example.org/in",
        events=[WebhookEvent.SUBMISSION_CREATED],
        by=cast.admin,
    )
    other = MembershipFactory(project=cast.project, role=Role.TRAINER).user
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        served = task_next(project=cast.project, trainer=other)
        submission_submit(task=served.task, author=other, answer=ANSWER)
    emitted = [c for c in callbacks if c.__name__ == "emit_webhook_event"]
    assert len(emitted) == 2  # submission.created, task.completed (its second answer)
    for emit in emitted:  # creates the deliveries; sending waits for a commit (none here)
        emit()
    assert WebhookDelivery.objects.filter(event=WebhookEvent.SUBMISSION_CREATED).count() == 1


def test_a_webhook_added_by_another_process_is_seen_once_the_memo_expires(cast, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(events.time, "monotonic", lambda: clock[0])
    events._without_webhooks.pop(cast.project.pk, None)
    assert not events.project_has_webhooks(cast.project.pk)
    # bulk_create sends no signal, as a webhook saved by another process
    Webhook.objects.bulk_create(
        [Webhook(project=cast.project, url="https://hooks.example.org/in", secret="s")]
    )
    clock[0] += events.NO_WEBHOOKS_TTL - 0.5
    assert not events.project_has_webhooks(cast.project.pk)
    clock[0] += 1
    assert events.project_has_webhooks(cast.project.pk)


# --- prepared statements -------------------------------------------------------------------


def _prepared_count(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hot_statements_are_prepared_once_per_connection_and_again_on_a_new_one(cast, mcq):
    sql = "SELECT count(*) FROM tasks_task WHERE project_id = %s AND priority >= %s"
    name = rawsql._statement(sql)[0]
    for _ in range(2):
        with connection.cursor() as cursor:
            rawsql.sql_execute(cursor, sql, [cast.project.pk, 0])
            assert cursor.fetchone()[0] == 3
    assert _prepared_count(name) == 1
    # a new connection (Django closed the old one) prepares it again
    connection.close()
    with connection.cursor() as cursor:
        rawsql.sql_execute(cursor, sql, [cast.project.pk, 1])
        assert cursor.fetchone()[0] == 0
    assert _prepared_count(name) == 1


@pytest.mark.postgres
def test_a_statement_that_does_not_prepare_raises_a_database_error(cast):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        rawsql.sql_execute(cursor, "SELECT no_such_column FROM tasks_task WHERE id = %s", [1])


# --- inserts ---------------------------------------------------------------------------------


def test_a_duplicate_the_lock_did_not_report_is_replayed_and_its_claim_undone(
    cast, mcq, monkeypatch
):
    # given a submitted task that still takes answers (overlap 2)
    project_distribution_update(project=cast.project, default_overlap=2)
    served = task_next(project=cast.project, trainer=cast.trainer)
    first, _ = submission_submit(
        task=served.task, author=cast.trainer, answer=ANSWER, idempotency_key="k1"
    )
    counts = Task.objects.filter(pk=served.task.pk).values("filled", "leased", "state")
    before = counts.get()
    # when a submit does not learn of it from the lock (the unique constraint is the last net)
    real = work.task_lock_for_submission

    def unaware(task, *, author):
        real(task, author=author)
        return distribution.SubmitterState(submission_id=None, has_draft=False)

    monkeypatch.setattr(work, "task_lock_for_submission", unaware)
    again, created = submission_submit(
        task=served.task, author=cast.trainer, answer={"answer": "B"}, idempotency_key="k1"
    )
    # then the first submission comes back, unchanged, and the task's counts are as before
    assert (again.pk, created, again.answer) == (first.pk, False, ANSWER)
    assert counts.get() == before
    assert Submission.objects.filter(task=served.task).count() == 1
    with pytest.raises(ConflictError):
        submission_submit(task=served.task, author=cast.trainer, answer=ANSWER)


def _insert(instance, unique=()) -> bool:
    writes = Writes()
    writes.insert(instance, unique=unique)
    writes.flush()
    return instance.pk is not None


def test_an_insert_sets_the_key_and_leaves_an_existing_unique_row_alone(cast, mcq):
    task = mcq["tasks"][0]
    submission, _ = submit(task=task, author=cast.trainer, answer=ANSWER)
    again = Submission(
        task=task, author=cast.trainer, template=mcq["template"], answer={"answer": "B"}
    )
    assert not _insert(again, unique=("task_id", "author_id"))
    assert again.pk is None
    assert Submission.objects.get(pk=submission.pk).answer == ANSWER
    lease = Lease(task=task, project=cast.project, trainer=cast.setter, expires_at=timezone.now())
    assert _insert(lease)
    stored = Lease.objects.get(pk=lease.pk)
    assert (stored.status, stored.created_at) == (LeaseStatus.ACTIVE, lease.created_at)


@pytest.mark.postgres
def test_the_queue_tables_are_vacuumed_every_few_thousand_changes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class "
            "WHERE relname IN ('tasks_task', 'tasks_lease')"
        )
        options = {name: set(values or []) for name, values in cursor.fetchall()}
    assert "autovacuum_vacuum_scale_factor=0.0" in options["tasks_task"]
    assert "autovacuum_vacuum_threshold=5000" in options["tasks_task"]
    assert "autovacuum_vacuum_threshold=2000" in options["tasks_lease"]
