"""Keys are recorded wherever task data is written: created, imported (bulk_create on
SQLite, COPY on PostgreSQL), updated by an import, shown as media by a new template, and
by the data migration for the tasks that existed before."""

from __future__ import annotations

import importlib
import io
import json

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotation_platform.errors import DomainError
from imports.models import ImportMode
from imports.services import tasks_bulk_import
from mediafiles import services
from mediafiles.models import MediaReference
from mediafiles.services import media_backfill, media_record
from tasks.models import Task, TaskTemplate
from tasks.services import tasks_create, template_save
from tests.factories import ProjectFactory, submit
from tests.mediafiles.conftest import MEDIA_TEMPLATE, TEXT_TEMPLATE, item

pytestmark = pytest.mark.django_db

TABLE = MediaReference._meta.db_table


def recorded(project) -> set[str]:
    return set(MediaReference.objects.filter(project=project).values_list("key", flat=True))


def jsonl(rows: list[dict]) -> io.BytesIO:
    return io.BytesIO("".join(json.dumps(row) + "\n" for row in rows).encode())


def inserts(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("INSERT") and TABLE in q["sql"]
    ]


def test_creating_tasks_records_their_media_keys(cast, media_template):
    tasks_create(
        project=cast.project,
        items=[item("pics/1.png", clip="clips/1.wav"), item("pics/2.png", clip="clips/1.wav")],
        by=cast.setter,
    )
    assert recorded(cast.project) == {"pics/1.png", "pics/2.png", "clips/1.wav"}


def test_only_keys_in_media_fields_are_recorded(cast, media_template):
    tasks_create(
        project=cast.project,
        items=[item("https://cdn.example.com/1.png", caption="captions/looks-like-a-key.png")],
        by=cast.setter,
    )
    assert recorded(cast.project) == {"clips/default.wav"}


def test_a_key_two_projects_use_is_recorded_for_each(cast, media_template):
    other = ProjectFactory()
    template_save(project=other, name="Media", definition=MEDIA_TEMPLATE, by=cast.setter)
    tasks_create(project=cast.project, items=[item("shared.png")], by=cast.setter)
    tasks_create(project=other, items=[item("shared.png")], by=cast.setter)
    assert "shared.png" in recorded(cast.project)
    assert "shared.png" in recorded(other)
    assert MediaReference.objects.filter(key="shared.png").count() == 2


def test_recording_a_known_key_again_changes_nothing(cast, media_template):
    tasks_create(project=cast.project, items=[item("a.png")], by=cast.setter)
    tasks_create(project=cast.project, items=[item("a.png"), item("b.png")], by=cast.setter)
    assert recorded(cast.project) == {"a.png", "b.png", "clips/default.wav"}
    assert media_record(project_id=cast.project.pk, keys=["a.png", "a.png"]) == 1
    assert MediaReference.objects.filter(key="a.png").count() == 1


def test_a_refused_batch_records_nothing(cast, media_template):
    with pytest.raises(DomainError):
        tasks_create(
            project=cast.project, items=[item("ok.png"), {"caption": "no media"}], by=cast.setter
        )
    assert recorded(cast.project) == set()


def test_a_bulk_import_records_the_keys_of_its_rows(cast, media_template):
    rows = [{"data": item(f"pics/{n}.png")} for n in range(5)]
    outcome = tasks_bulk_import(
        project=cast.project, stream=jsonl(rows), by=cast.setter, check_media=False
    )
    assert outcome.created == 5
    assert recorded(cast.project) == {f"pics/{n}.png" for n in range(5)} | {"clips/default.wav"}


def test_an_import_that_updates_a_task_records_its_new_keys(cast, media_template):
    first = [{"external_id": "t1", "data": item("old.png")}]
    tasks_bulk_import(project=cast.project, stream=jsonl(first), by=cast.setter, check_media=False)
    again = [{"external_id": "t1", "data": item("new.png", clip="clips/new.wav")}]
    outcome = tasks_bulk_import(
        project=cast.project,
        stream=jsonl(again),
        by=cast.setter,
        mode=ImportMode.CREATE_OR_UPDATE,
        check_media=False,
    )
    assert outcome.updated == 1
    assert Task.objects.get(external_id="t1").data["picture"] == "new.png"
    # the old key stays: exports and earlier pages may still show it
    assert recorded(cast.project) == {"old.png", "new.png", "clips/default.wav", "clips/new.wav"}


def test_an_import_records_its_keys_in_one_statement_per_batch(cast, media_template):
    rows = [{"data": item(f"pics/{n}.png", clip=f"clips/{n}.wav")} for n in range(200)]
    with CaptureQueriesContext(connection) as queries:
        tasks_bulk_import(
            project=cast.project, stream=jsonl(rows), by=cast.setter, check_media=False
        )
    assert len(inserts(queries)) == 1
    assert len(recorded(cast.project)) == 400


@pytest.mark.postgres
def test_the_copy_path_records_a_whole_batch_in_one_statement(cast, media_template):
    assert connection.vendor == "postgresql"  # tasks_insert_bulk writes with COPY here
    rows = [{"data": item(f"pics/{n}.png")} for n in range(5000)]
    with CaptureQueriesContext(connection) as queries:
        outcome = tasks_bulk_import(
            project=cast.project, stream=jsonl(rows), by=cast.setter, check_media=False
        )
    assert outcome.created == 5000
    statements = inserts(queries)
    assert len(statements) == 1 and "ON CONFLICT DO NOTHING" in statements[0]
    assert len(recorded(cast.project)) == 5001


@pytest.mark.postgres
def test_the_array_insert_and_the_orm_reference_leave_the_same_rows(cast):
    other = ProjectFactory()
    known = ["b.png", "clips/1.wav"]
    keys = ["a.png", "b.png", "clips/1.wav", "图片/猫.png", "it's \\ odd {x,y}.png"]
    services._insert_orm(MediaReference, cast.project.pk, known)
    services._insert_orm(MediaReference, other.pk, known)
    services._insert_orm(MediaReference, cast.project.pk, keys)  # the known ones conflict
    services._insert_array(MediaReference, other.pk, keys)
    assert recorded(cast.project) == recorded(other) == set(keys)
    assert MediaReference.objects.count() == 2 * len(keys)


def test_a_template_showing_a_field_as_media_records_the_existing_tasks_keys(cast, monkeypatch):
    # given: tasks with a "picture" field the template does not show yet
    template_save(project=cast.project, name="Text", definition=TEXT_TEMPLATE, by=cast.setter)
    tasks_create(project=cast.project, items=[item(f"p/{n}.png") for n in range(5)], by=cast.setter)
    assert recorded(cast.project) == set()
    monkeypatch.setattr(services, "SCAN_CHUNK", 2)  # several chunks, and a partial last one

    # when: the template shows it as an image
    template_save(project=cast.project, name="Media", definition=MEDIA_TEMPLATE, by=cast.setter)

    # then: the keys are recorded, without waiting for the tasks to be written again
    assert recorded(cast.project) == {f"p/{n}.png" for n in range(5)} | {"clips/default.wav"}


def test_a_template_with_the_same_media_fields_scans_nothing(cast, media_template):
    tasks_create(project=cast.project, items=[item("a.png")], by=cast.setter)
    MediaReference.objects.all().delete()
    edited = {**MEDIA_TEMPLATE, "title": "Renamed"}
    template_save(project=cast.project, name="Media", definition=edited, by=cast.setter)
    assert recorded(cast.project) == set()


def _backfill_from_the_migration() -> None:
    migration = importlib.import_module("mediafiles.migrations.0002_backfill_media_references")
    migration.backfill(apps, None)


def test_the_backfill_records_keys_under_every_template_version(cast, media_template):
    # given: a v1 that showed media, answered, then a v2 that shows text only
    tasks = tasks_create(project=cast.project, items=[item("v1.png")], by=cast.setter)
    submit(task=tasks[0], author=cast.trainer, answer={"ok": "yes"})
    template, created = template_save(
        project=cast.project, name="Text", definition=TEXT_TEMPLATE, by=cast.setter
    )
    assert created and template.version == 2
    tasks_create(project=cast.project, items=[item("v2.png")], by=cast.setter)
    other = ProjectFactory()
    TaskTemplate.objects.create(project=other, version=1, name="M", definition=MEDIA_TEMPLATE)
    Task.objects.create(project=other, data=item("other.png", clip="c.wav"))  # no hook: raw
    MediaReference.objects.all().delete()  # as before the migration

    _backfill_from_the_migration()

    assert recorded(cast.project) == {"v1.png", "v2.png", "clips/default.wav"}
    assert recorded(other) == {"other.png", "c.wav"}
    _backfill_from_the_migration()  # idempotent
    assert MediaReference.objects.count() == 5


def test_the_backfill_skips_projects_whose_templates_show_no_media(cast):
    template_save(project=cast.project, name="Text", definition=TEXT_TEMPLATE, by=cast.setter)
    tasks_create(project=cast.project, items=[item("a.png")], by=cast.setter)
    with CaptureQueriesContext(connection) as queries:
        assert media_backfill() == 0
    assert len(queries) == 1  # the templates, and no task read


def test_the_demo_projects_media_are_recorded(settings):
    from django.core.management import call_command

    from tasks.demo.projects import DEMO_MEDIA

    settings.DEBUG = True
    call_command("seed_demo", quiet_credentials=True)
    keys = set(MediaReference.objects.values_list("key", flat=True))
    assert keys and keys <= set(DEMO_MEDIA)
    assert all(
        Task.objects.filter(project=r.project).exists() for r in MediaReference.objects.all()
    )


# --- naming a key never grants what the writer could not see ------------------------------


@pytest.fixture
def other_project(cast):
    """A project the cast's setter is not in, whose tasks reference ``secret/clip.wav``."""
    from tests.factories import MembershipFactory

    other = ProjectFactory(name="Someone else's clips")
    owner = MembershipFactory(project=other, role="admin").user
    template_save(project=other, name="Media", definition=MEDIA_TEMPLATE, by=owner)
    tasks_create(project=other, items=[item("secret/pic.png", clip="secret/clip.wav")], by=owner)
    return other


def test_a_key_another_project_holds_is_refused_to_a_non_member(
    cast, media_template, other_project
):
    # when the setter of one project names another project's key in a task of their own
    with pytest.raises(DomainError) as caught:
        tasks_create(
            project=cast.project, items=[item("mine.png", clip="secret/clip.wav")], by=cast.setter
        )
    # then the write is refused, naming the key, and nothing is created or recorded
    assert caught.value.code == "media_not_yours"
    assert "secret/clip.wav" in caught.value.detail
    assert not Task.objects.filter(project=cast.project).exists()
    assert recorded(cast.project) == set()


def test_a_member_of_the_other_project_and_staff_may_share_its_keys(
    cast, media_template, other_project
):
    from tests.factories import MembershipFactory, UserFactory

    MembershipFactory(project=other_project, user=cast.setter, role="trainer")
    tasks_create(project=cast.project, items=[item("secret/pic.png")], by=cast.setter)
    staff = UserFactory(is_staff=True)
    tasks_create(project=cast.project, items=[item("a.png", clip="secret/clip.wav")], by=staff)
    assert {"secret/pic.png", "secret/clip.wav"} <= recorded(cast.project)


def test_an_import_naming_another_projects_key_writes_nothing(cast, media_template, other_project):
    rows = [{"data": item(f"pics/{n}.png")} for n in range(3)]
    rows.append({"data": item("pics/3.png", clip="secret/clip.wav")})
    with pytest.raises(DomainError) as caught:
        tasks_bulk_import(
            project=cast.project, stream=jsonl(rows), by=cast.setter, check_media=False
        )
    assert caught.value.code == "media_not_yours"
    assert not Task.objects.filter(project=cast.project).exists()
    assert recorded(cast.project) == set()


def test_a_template_cannot_turn_another_projects_key_into_media(cast, other_project):
    # given a task whose caption holds another project's key, under a text-only template
    template_save(project=cast.project, name="Text", definition=TEXT_TEMPLATE, by=cast.setter)
    tasks_create(project=cast.project, items=[{"caption": "secret/pic.png"}], by=cast.setter)
    # when the setter makes the caption an image
    shown = {**MEDIA_TEMPLATE, "display": [{"type": "image", "field": "caption", "label": "C"}]}
    with pytest.raises(DomainError):
        template_save(project=cast.project, name="Image", definition=shown, by=cast.setter)
    # then the template is not saved and the key is not opened
    assert TaskTemplate.objects.filter(project=cast.project).count() == 1
    assert recorded(cast.project) == set()


def test_the_check_is_one_query(cast, media_template, other_project):
    keys = {f"pics/{n}.png" for n in range(300)}
    with CaptureQueriesContext(connection) as queries:
        services.media_keys_check(user=cast.setter, project_id=cast.project.pk, keys=keys)
    assert len(queries.captured_queries) == 1
