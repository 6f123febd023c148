import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from accounts.models import User
from tasks.demo.projects import DEMO_MEDIA, DEMO_PROJECTS, audio_key
from tasks.models import Membership, Project, Role, Submission, Task, TaskTemplate
from tasks.services import template_current
from tasks.template_definition import display_blocks, validate_task_data

pytestmark = pytest.mark.django_db

TEMPLATE_KEYS = {
    "cantonese-tts": "cantonese_tts",
    "product-images": "product_image",
    "pairwise": "pairwise",
    "multiple-choice": "multiple_choice",
    "rubric-long-answer": "rubric_long_answer",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Demo media goes to a temporary storage root, never the developer's media/ folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_seed_demo_creates_a_user_per_role_and_the_seed_projects(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert Project.objects.count() == len(DEMO_PROJECTS) == 5
    for username, role in [
        ("trainer", Role.TRAINER),
        ("setter", Role.SETTER),
        ("qalead", Role.QA_LEAD),
        ("projectadmin", Role.ADMIN),
    ]:
        user = User.objects.get(username=username)
        assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {role}
        assert Membership.objects.filter(user=user).count() == 5
        assert username in out  # credentials printed
    staff = User.objects.get(username="staff")
    assert staff.is_staff and staff.is_superuser
    assert not Membership.objects.filter(user=staff).exists()


def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo", quiet_credentials=True)
    counts = (TaskTemplate.objects.count(), Task.objects.count(), Submission.objects.count())
    call_command("seed_demo", quiet_credentials=True)
    assert Project.objects.count() == 5
    assert User.objects.count() == 6
    assert Membership.objects.count() == 25
    assert (
        TaskTemplate.objects.count(),
        Task.objects.count(),
        Submission.objects.count(),
    ) == counts
    assert counts[0] == 5
    assert counts[2] == 5  # the second trainer's sample answers, once


def test_seed_demo_fills_the_review_queue_with_checked_sample_answers(
    settings, django_capture_on_commit_callbacks
):
    from quality.models import CheckRun
    from reviews.models import ReviewItem

    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", quiet_credentials=True)
    answered = Submission.objects.filter(author__username="trainer2")
    assert answered.count() == 5
    assert set(answered.values_list("status", flat=True)) == {"submitted"}
    assert CheckRun.objects.filter(submission__in=answered, status="done").count() == 5
    # The first submissions of a trainer are all reviewed (the default review policy).
    assert ReviewItem.objects.filter(submission__in=answered).count() == 5


def test_seed_demo_passwords_work(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", quiet_credentials=True)
    assert client.login(username="trainer", password="demo-trainer-2026")


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_demo_project_keys_map_to_their_gallery_templates():
    assert {demo.key: demo.template_key for demo in DEMO_PROJECTS} == TEMPLATE_KEYS


def test_every_demo_project_gets_its_gallery_template_and_valid_tasks(settings):
    # given / when
    settings.DEBUG = True
    call_command("seed_demo", quiet_credentials=True)
    # then
    for demo in DEMO_PROJECTS:
        project = Project.objects.get(name=demo.name)
        template = template_current(project)
        assert template is not None, demo.key
        assert template.version == 1
        assert "gallery" in template.note
        tasks = list(project.tasks.all())
        assert 5 <= len(tasks) <= 12, demo.key
        assert len(tasks) == len(demo.tasks)
        for task in tasks:
            assert validate_task_data(template.definition, task.data) == {}, (demo.key, task.data)


def test_demo_media_keys_exist_in_storage(settings, media_root):
    settings.DEBUG = True
    call_command("seed_demo", quiet_credentials=True)
    referenced = set()
    for task in Task.objects.select_related("project"):
        definition = template_current(task.project).definition
        for block in display_blocks(definition):
            if block["type"] in ("audio", "image"):
                referenced.add(task.data[block["field"]])
    assert referenced == set(DEMO_MEDIA)
    for key in referenced:
        assert default_storage.exists(key), key
        assert (media_root / key).is_file()
    assert {key.split("/")[1] for key in referenced} == {"audio", "images"}
    # Blind listening: no clip's URL names the system that spoke it.
    assert not any("tts" in key for key in referenced if key.startswith("demo/audio/"))


def test_seed_demo_copies_only_missing_media(settings, media_root, capsys):
    settings.DEBUG = True
    call_command("seed_demo", quiet_credentials=True)
    assert f"{len(DEMO_MEDIA)} media file(s) copied" in capsys.readouterr().out
    kept = media_root / "demo/images/cup.png"
    kept.write_bytes(b"edited by hand")
    (media_root / audio_key("tts-v1-001.wav")).unlink()
    call_command("seed_demo", quiet_credentials=True)
    assert "1 media file(s) copied" in capsys.readouterr().out
    assert kept.read_bytes() == b"edited by hand"
    assert sorted(p.name for p in (media_root / "demo/audio").iterdir()) == sorted(
        key.rsplit("/", 1)[1] for key in DEMO_MEDIA if key.startswith("demo/audio/")
    )


def test_seed_demo_keeps_an_existing_template_and_tasks(settings):
    # given: a setter has already replaced the template and added a task of their own
    settings.DEBUG = True
    call_command("seed_demo", quiet_credentials=True)
    project = Project.objects.get(name="Multiple-choice items")
    template = template_current(project)
    template.name = "Edited by the setter"
    template.save()
    project.tasks.all().delete()
    Task.objects.create(project=project, data={"question": "Mine?"})
    # when
    call_command("seed_demo", quiet_credentials=True)
    # then
    assert template_current(project).name == "Edited by the setter"
    assert list(project.tasks.values_list("data", flat=True)) == [{"question": "Mine?"}]


def test_cantonese_tasks_carry_the_tts_system_and_alternate_systems():
    demo = next(d for d in DEMO_PROJECTS if d.key == "cantonese-tts")
    systems = [task["system"] for task in demo.tasks]
    assert set(systems) == {"tts-v1", "tts-v2"}
    for task in demo.tasks:
        assert task["audio"] == audio_key(f"{task['clip_id']}.wav")
        assert task["clip_id"].startswith(task["system"])


def test_multiple_choice_items_have_exactly_three_options():
    demo = next(d for d in DEMO_PROJECTS if d.key == "multiple-choice")
    for task in demo.tasks:
        options = [line for line in task["question"].splitlines() if line.startswith("- **")]
        assert [line[:8] for line in options] == ["- **A.**", "- **B.**", "- **C.**"]


def test_pairwise_demo_includes_the_lunch_agent_with_tool_calls():
    demo = next(d for d in DEMO_PROJECTS if d.key == "pairwise")
    tools_per_task = [
        {call["name"] for message in task["conversation"] for call in message.get("tool_calls", [])}
        for task in demo.tasks
    ]
    lunch = [tools for tools in tools_per_task if "search_local_life" in tools]
    assert len(lunch) >= 2
    assert all("get_current_location" in tools for tools in lunch)
