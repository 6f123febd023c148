"""Import in a real Chromium: a setter uploads a CSV with a bad row, reads the report (line
and field), fixes the file and uploads it again, sees the import reach done, and finds the
tasks in the task list."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from imports.models import ImportJob
from tasks.models import Task
from tasks.services import task_counts, template_save
from tests.e2e.conftest import login
from tests.imports.conftest import TEMPLATE

pytestmark = pytest.mark.e2e

BAD = (
    "prompt,response_a,response_b,external_id,priority\n"
    "Which is kinder?,Reply one,Reply two,q-1,1\n"
    "Which is shorter?,Short,Longer reply,q-2,soon\n"
    "Which is clearer?,Plain,Ornate,q-3,0\n"
)
FIXED = BAD.replace(",q-2,soon", ",q-2,2")


def upload(page, live_server, project, content: str) -> None:
    page.goto(f"{live_server.url}/projects/{project.pk}/imports/")
    page.set_input_files(
        "#id_file",
        files=[{"name": "tasks.csv", "mimeType": "text/csv", "buffer": content.encode()}],
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(f"{live_server.url}/imports/*/")


def test_setter_fixes_a_bad_row_and_imports_the_file(page, live_server, cast):
    template_save(project=cast.project, name="Pairwise", definition=TEMPLATE, by=cast.setter)
    login(page, live_server, cast.setter)

    # given a CSV whose third line has a priority that is not a number
    upload(page, live_server, cast.project, BAD)
    expect(page.get_by_test_id("import-status")).to_have_text("Failed")
    table = page.get_by_test_id("error-table")
    row = table.locator("tbody tr").first
    expect(row.locator("td").nth(0)).to_have_text("3")
    expect(row.locator("td").nth(1)).to_have_text("priority")
    expect(row.locator("td").nth(2)).to_have_text("Must be a whole number.")
    expect(page.get_by_test_id("import-detail")).to_contain_text("nothing was imported")
    assert not Task.objects.filter(project=cast.project).exists()

    # when the fixed file is uploaded
    upload(page, live_server, cast.project, FIXED)

    # then the progress reaches done and the report is clean
    expect(page.get_by_test_id("import-status")).to_have_text("Done")
    expect(page.get_by_test_id("import-bar")).to_have_attribute("value", "100")
    expect(page.get_by_test_id("rows-written")).to_have_text("3")
    expect(page.get_by_test_id("error-table")).to_have_count(0)
    assert list(ImportJob.objects.order_by("id").values_list("status", flat=True)) == [
        "failed",
        "done",
    ]

    # and the tasks are in the task list, counted exactly
    page.get_by_role("link", name="Tasks").first.click()
    expect(page.get_by_test_id("task-table").locator("tbody tr")).to_have_count(3)
    expect(page.get_by_test_id("count-new")).to_have_text("3")
    expect(page.get_by_test_id("task-table")).to_contain_text("Which is shorter?")
    assert task_counts(cast.project)["new"] == 3
    assert set(Task.objects.values_list("external_id", flat=True)) == {"q-1", "q-2", "q-3"}


def test_setter_cancels_an_import_whose_worker_stopped(page, live_server, cast):
    from tests.imports.test_jobs import running_import

    # given an import whose worker has been silent for long
    job = running_import(cast)
    login(page, live_server, cast.setter)
    page.goto(f"{live_server.url}/imports/{job.pk}/")
    expect(page.get_by_test_id("import-heartbeat-line")).to_be_visible()
    expect(page.get_by_test_id("import-uncommitted")).to_contain_text("Nothing is kept")
    # when the setter cancels it
    page.get_by_role("button", name="Cancel import").click()
    # then it ends at once, cancelled, and offers no second cancel
    expect(page.get_by_test_id("import-status")).to_have_text("Cancelled")
    expect(page.get_by_test_id("cancel-form")).to_have_count(0)
    job.refresh_from_db()
    assert job.status == "cancelled"


def test_setter_asks_a_live_import_to_stop(page, live_server, cast):
    from datetime import timedelta

    from tests.imports.test_jobs import running_import

    job = running_import(cast, heard=timedelta(seconds=1))
    login(page, live_server, cast.setter)
    page.goto(f"{live_server.url}/imports/{job.pk}/")
    page.get_by_role("button", name="Cancel import").click()
    # the worker is alive: it is asked to stop at its next batch, and the page says so
    expect(page.get_by_test_id("import-cancelling")).to_be_visible()
    expect(page.get_by_test_id("cancel-form")).to_have_count(0)
    job.refresh_from_db()
    assert job.cancel_requested and job.status == "running"
