"""The long-task layout: which templates get it (tasks.presentation.workspace_layout) and what
the workspace page then sends (the outline, the layout's stylesheet and script). The browser
side is tests/e2e/test_long_task.py."""

from __future__ import annotations

import pytest

from tasks.gallery import GALLERY_KEYS, gallery_template
from tasks.presentation import workspace_layout
from tests.e2e.workspace_fixtures import HOSTILE, definition_with, setup_gallery, setup_workspace

TEXT = {"id": "answer", "type": "text", "prompt": "Your answer"}
SOURCES = {"id": "sources", "type": "citations", "prompt": "Sources", "min": 2}
CRITERIA = {"id": "criteria", "type": "rubric_items", "prompt": "Criteria", "min": 2}
CHOICE = {
    "id": "ok",
    "type": "single_choice",
    "prompt": "Fine?",
    "options": [{"value": "y", "label": "Yes"}, {"value": "n", "label": "No"}],
}


@pytest.mark.parametrize(
    ("asked", "layout"),
    [
        ((TEXT, SOURCES, CRITERIA), "long"),
        ((TEXT, SOURCES), "long"),
        ((CHOICE, TEXT, CRITERIA), "long"),
        ((SOURCES, CRITERIA), "standard"),  # rows but no written answer to keep in view
        ((TEXT,), "standard"),
        ((CHOICE, TEXT), "standard"),
        ((), "standard"),
    ],
)
def test_a_written_answer_with_rows_gets_the_long_layout(asked, layout):
    assert workspace_layout(definition_with(*asked)) == layout


@pytest.mark.parametrize("key", GALLERY_KEYS)
def test_of_the_gallery_only_the_long_answer_template_is_long(key):
    expected = "long" if key == "rubric_long_answer" else "standard"
    assert workspace_layout(gallery_template(key).definition) == expected


@pytest.mark.django_db
def test_the_long_workspace_has_an_outline_and_loads_its_layout(client, cast):
    # given
    work = setup_gallery(cast, "rubric_long_answer")
    client.force_login(cast.trainer)

    # when
    response = client.get(work.work_url())

    # then: one outline entry per question, in order, each a link to it; rows get a list
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="ws-grid" data-layout="long"' in html
    assert 'data-testid="outline"' in html
    positions = [
        html.index(f'data-outline-section="{qid}"') for qid in ("answer", "citations", "rubric")
    ]
    assert positions == sorted(positions)
    assert 'href="#q-citations" data-outline-jump' in html
    assert html.count("data-outline-rows") == 2  # sources and criteria, not the answer
    assert "css/workspace_long.css" in html
    # the outline script runs after workspace.js, which builds the widgets it reads
    assert html.index("js/workspace.js") < html.index("js/workspace_outline.js")
    # the outline sits in the answer form, before the questions
    form = html.index('id="answer-form"')
    assert form < html.index('data-testid="outline"') < html.index("data-questions")


@pytest.mark.django_db
@pytest.mark.parametrize("key", [k for k in GALLERY_KEYS if k != "rubric_long_answer"])
def test_a_short_workspace_has_neither_outline_nor_long_layout(client, cast, key):
    work = setup_gallery(cast, key)
    client.force_login(cast.trainer)

    html = client.get(work.work_url()).content.decode()

    assert "data-layout" not in html
    assert "data-outline" not in html
    assert "workspace_long.css" not in html
    assert "workspace_outline.js" not in html


@pytest.mark.django_db
def test_the_outline_shows_prompts_as_text(client, cast):
    hostile = dict(TEXT, prompt=HOSTILE["script"])
    sources = dict(SOURCES, prompt=HOSTILE["img"])
    work = setup_workspace(cast, definition_with(hostile, sources), [{}])
    client.force_login(cast.trainer)

    html = client.get(work.work_url()).content.decode()

    start = html.index('data-testid="outline"')
    outline = html[start : html.index("</nav>", start)]
    assert "<script>" not in outline
    assert "<img" not in outline
    assert "&lt;script&gt;" in outline


@pytest.mark.django_db
def test_someone_outside_the_project_sees_no_long_workspace(client, cast):
    # given: the same long task as the trainer's
    work = setup_gallery(cast, "rubric_long_answer")
    client.force_login(cast.outsider)

    # when
    response = client.get(work.work_url())

    # then
    assert response.status_code == 404
    assert b"data-outline" not in response.content
