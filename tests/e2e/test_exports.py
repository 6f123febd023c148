"""Exports in a real Chromium: a QA lead starts a DPO export from the project's export page,
waits for it to finish and downloads the archive."""

from __future__ import annotations

import json
import zipfile

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from exports.models import ExportJob
from tasks.gallery import gallery_template
from tasks.services import project_update, tasks_create, template_save
from tests.e2e.conftest import login
from tests.exports.conftest import accept, pairwise_answer
from tests.factories import submit

pytestmark = pytest.mark.e2e


@pytest.fixture
def preferences(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    project_update(project=cast.project, status="active")
    starter = gallery_template("pairwise")
    template_save(
        project=cast.project, name=starter.name, definition=starter.definition, by=cast.setter
    )
    items = [
        starter.sample_task | {"response_a": f"Reply A{n}", "response_b": f"Reply B{n}"}
        for n in range(3)
    ]
    tasks = tasks_create(project=cast.project, items=items, by=cast.setter)
    answers = [("B", 2), ("tie", 0), ("A", -1)]
    accept(
        *(
            submit(task=task, author=cast.trainer, answer=pairwise_answer(*answer))[0]
            for task, answer in zip(tasks, answers, strict=True)
        )
    )


def test_qa_lead_creates_a_dpo_export_waits_and_downloads_it(
    page, live_server, cast, preferences, tmp_path
):
    login(page, live_server, cast.qa_lead)
    page.goto(live_server.url + reverse("project-exports", args=[cast.project.pk]))
    page.get_by_label("Format").select_option("dpo")
    expect(page.get_by_label("Accepted")).to_be_checked()
    page.get_by_role("button", name="Start export").click()

    job = ExportJob.objects.get()
    page.wait_for_url(live_server.url + reverse("export-detail", args=[job.pk]))
    expect(page.get_by_test_id("export-status")).to_have_text("Done")  # the page refreshes
    expect(page.get_by_test_id("export-progress")).to_have_text("3 / 3 submissions")
    expect(page.get_by_test_id("export-rows")).to_have_text("2")
    expect(page.get_by_test_id("export-card")).to_contain_text("Skipped (tie): 1")

    with page.expect_download() as info:
        page.get_by_test_id("export-download").click()
    download = info.value
    assert download.suggested_filename == job.download_name
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        rows = [json.loads(line) for line in archive.read("data.jsonl").splitlines()]
        assert "README.md" in archive.namelist()
    assert [(r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in rows] == [
        ("Reply B0", "Reply A0"),
        ("Reply A2", "Reply B2"),
    ]

    # the export is listed on the project's export page with its download link
    page.goto(live_server.url + reverse("project-exports", args=[cast.project.pk]))
    row = page.locator(f'tr[data-export="{job.pk}"]')
    expect(row).to_contain_text("Done")
    expect(row.get_by_role("link", name="Download")).to_be_visible()


def test_qa_lead_cancels_an_export_whose_worker_stopped(
    page, live_server, cast, settings, tmp_path
):
    from tests.exports.test_jobs import running_export

    settings.MEDIA_ROOT = tmp_path / "media"
    job = running_export(cast)
    login(page, live_server, cast.qa_lead)
    page.goto(f"{live_server.url}{reverse('export-detail', args=[job.pk])}")
    expect(page.get_by_test_id("export-heartbeat")).to_contain_text("UTC")
    page.get_by_role("button", name="Cancel export").click()
    expect(page.get_by_test_id("export-status")).to_have_text("Cancelled")
    expect(page.get_by_test_id("export-cancel-form")).to_have_count(0)
    job.refresh_from_db()
    assert job.status == "cancelled" and not job.file_key
