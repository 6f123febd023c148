"""Fixtures of the export tests: small projects with accepted work in each template shape,
and a helper that runs an export to the end and opens its archive."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass

import pytest
from django.core.files.storage import default_storage

from exports.models import ExportJob, ExportStatus
from exports.services import export_create
from tasks.gallery import gallery_template
from tasks.models import Role, Submission, SubmissionStatus
from tasks.services import project_update, tasks_create, template_save
from tests.factories import MembershipFactory, submit

REASON = (
    "A follows the search results exactly and respects the budget and the distance the user "
    "asked for here."
)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Exports and media of each test go to a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    return tmp_path / "media"


@dataclass
class Archive:
    job: ExportJob
    files: dict[str, bytes]

    def text(self, name: str) -> str:
        return self.files[name].decode("utf-8")

    def jsonl(self, name: str = "data.jsonl") -> list[dict]:
        return [json.loads(line) for line in self.text(name).splitlines()]


def open_archive(job: ExportJob) -> Archive:
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE, job.error
    with default_storage.open(job.file_key, "rb") as handle:
        data = handle.read()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    return Archive(job=job, files=files)


@pytest.fixture
def run_export(django_capture_on_commit_callbacks):
    """``run_export(project, by, fmt, filters=None, options=None)``: create the export as
    the page and API do, run its job (on commit, as in production) and open the archive."""

    def run(project, by, fmt, filters=None, options=None) -> Archive:
        with django_capture_on_commit_callbacks(execute=True):
            job = export_create(project=project, by=by, fmt=fmt, filters=filters, options=options)
        return open_archive(job)

    return run


def accept(*submissions: Submission) -> None:
    Submission.objects.filter(pk__in=[s.pk for s in submissions]).update(
        status=SubmissionStatus.ACCEPTED
    )


def pairwise_answer(choice: str, strength: int) -> dict:
    return {
        "preference": {"choice": choice, "strength": strength},
        "tool_grounding": 4,
        "reason": REASON,
    }


@pytest.fixture
def pairwise(cast):
    """The cast project with the pairwise gallery template, three tasks and the trainer's
    accepted answers: A better, B better, a tie; and a fourth task answered but not yet
    reviewed (status submitted)."""
    project_update(project=cast.project, status="active")
    starter = gallery_template("pairwise")
    template, _ = template_save(
        project=cast.project, name=starter.name, definition=starter.definition, by=cast.setter
    )
    items = []
    for n in range(4):
        task = json.loads(json.dumps(starter.sample_task))
        task["response_a"] = f"Reply A{n}"
        task["response_b"] = f"Reply B{n}"
        task["meta"] = {"case": n}
        items.append(task)
    tasks = tasks_create(project=cast.project, items=items, by=cast.setter)
    answers = [("A", -2), ("B", 1), ("tie", 0), ("A", -1)]
    submissions = [
        submit(task=task, author=cast.trainer, answer=pairwise_answer(*answer))[0]
        for task, answer in zip(tasks, answers, strict=True)
    ]
    accept(*submissions[:3])
    return {"template": template, "tasks": tasks, "submissions": submissions}


@pytest.fixture
def second_trainer(cast):
    return MembershipFactory(
        project=cast.project, role=Role.TRAINER, user__username="trainer-two"
    ).user
