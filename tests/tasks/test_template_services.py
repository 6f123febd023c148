import pytest

from annotation_platform.errors import ConflictError, DomainError
from tasks.gallery import gallery_template, gallery_templates
from tasks.models import TaskTemplate
from tasks.services import (
    template_check,
    template_current,
    template_from_gallery,
    template_require_current,
    template_save,
)
from tests.factories import submit

pytestmark = pytest.mark.django_db


def _definition():
    return gallery_template("multiple_choice").definition


def test_the_first_save_creates_version_one(cast):
    template, created = template_save(
        project=cast.project, name="MCQ", definition=_definition(), by=cast.setter
    )
    assert created and template.version == 1
    assert template_current(cast.project) == template


def test_editing_an_unused_version_changes_it_in_place(cast):
    first, _ = template_save(project=cast.project, name="MCQ", definition=_definition(), by=None)
    changed = _definition()
    changed["questions"][0]["prompt"] = "Pick one"
    again, created = template_save(
        project=cast.project, name="MCQ 2", definition=changed, note="wording", by=None
    )
    assert not created
    assert again.pk == first.pk and again.version == 1
    assert again.definition["questions"][0]["prompt"] == "Pick one"


def test_editing_a_version_with_submissions_creates_the_next_version(cast, mcq):
    task = mcq["tasks"][0]
    submission, _ = submit(task=task, author=cast.trainer, answer={"answer": "B"})
    changed = _definition()
    changed["questions"][0]["prompt"] = "Pick exactly one"
    second, created = template_save(
        project=cast.project, name="MCQ", definition=changed, by=cast.setter
    )
    assert created and second.version == 2
    mcq["template"].refresh_from_db()
    assert mcq["template"].definition == _definition()  # the used version is untouched
    submission.refresh_from_db()
    assert submission.template.version == 1


def test_an_invalid_definition_is_refused_with_paths_and_nothing_saved(cast):
    broken = _definition()
    broken["questions"][0]["options"] = [{"value": "A", "label": "A"}]
    with pytest.raises(DomainError) as caught:
        template_save(project=cast.project, name="MCQ", definition=broken, by=None)
    assert caught.value.code == "invalid_template"
    assert any(path.startswith("definition.questions[0].options") for path in caught.value.fields)
    assert not TaskTemplate.objects.exists()


def test_a_template_needs_a_name(cast):
    with pytest.raises(DomainError) as caught:
        template_save(project=cast.project, name=" ", definition=_definition(), by=None)
    assert "name" in caught.value.fields


@pytest.mark.parametrize("starter", gallery_templates(), ids=lambda t: t.key)
def test_every_gallery_template_starts_a_project(cast, starter):
    template, created = template_from_gallery(project=cast.project, key=starter.key, by=None)
    assert created and template.definition == starter.definition
    assert (
        template_check(
            definition=template.definition,
            sample_task=starter.sample_task,
            sample_answer=starter.sample_answer,
        ).definition_errors
        == {}
    )


def test_an_unknown_gallery_key_is_refused(cast):
    with pytest.raises(DomainError) as caught:
        template_from_gallery(project=cast.project, key="nope", by=None)
    assert "key" in caught.value.fields


def test_template_check_reports_each_layer():
    definition = _definition()
    assert template_check(definition=definition, sample_task={"question": "Q"}).ok
    bad_task = template_check(definition=definition, sample_task={"question": 3})
    assert "question" in bad_task.task_errors
    bad_answer = template_check(
        definition=definition, sample_task={"question": "Q"}, sample_answer={"answer": "D"}
    )
    assert "answer" in bad_answer.answer_errors


def test_a_project_without_template_says_so(cast):
    with pytest.raises(ConflictError) as caught:
        template_require_current(cast.project)
    assert caught.value.code == "no_template"
