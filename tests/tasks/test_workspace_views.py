"""The trainer workspace page, through the Django test client (the browser tests drive it)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tasks.gallery import GALLERY_KEYS, gallery_template
from tasks.models import Draft
from tasks.presentation import display_view, questions_view
from tasks.services import draft_save
from tests.conftest import ALL_PEOPLE
from tests.e2e.workspace_fixtures import HOSTILE, hostile_task_definition, setup_gallery
from tests.e2e.workspace_fixtures import setup_workspace as setup
from tests.factories import submit

pytestmark = pytest.mark.django_db


class _Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's parser would see them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _config(html: str) -> dict:
    match = re.search(
        r'<script id="workspace-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, "the page passes its config with json_script"
    return json.loads(match.group(1))


@pytest.mark.parametrize("key", GALLERY_KEYS)
def test_workspace_renders_every_gallery_template(client, cast, key):
    # given
    work = setup_gallery(cast, key)
    client.force_login(cast.trainer)

    # when
    response = client.get(work.work_url())

    # then: one widget per question, the task's blocks, the notice and the config
    assert response.status_code == 200
    html = response.content.decode()
    definition = gallery_template(key).definition
    for question in definition["questions"]:
        assert f'data-qid="{question["id"]}"' in html
        assert f'data-type="{question["type"]}"' in html
    for block in definition["display"]:
        if block.get("label"):
            assert f">{block['label']}</h2>" in html
    assert "Recorded with your answer:" in html
    assert 'target="_blank"' in html and reverse("project-detail", args=[cast.project.pk]) in html
    assert "js/workspace.js" in html and "css/workspace.css" in html
    config = _config(html)
    assert config["draftUrl"] == reverse("api-task-draft", args=[work.task.pk])
    assert config["submitUrl"] == reverse("api-task-submit", args=[work.task.pk])
    assert config["submitMethod"] == "POST"
    assert config["definition"] == definition


def test_rating_points_carry_labels_and_number_keys(client, cast):
    work = setup_gallery(cast, "cantonese_tts")
    client.force_login(cast.trainer)

    html = client.get(work.work_url()).content.decode()

    assert re.search(r'value="4" data-key="4">\s*<span class="scale-value">4</span>', html)
    assert '<span class="scale-label">Excellent</span>' in html
    assert "data-playback-hint" in html and 'data-requires-playback="clip"' in html


def test_task_data_and_template_text_are_escaped(client, cast):
    # given: every block and several template strings try to inject markup
    definition, data = hostile_task_definition()
    work = setup(cast, definition, [data])
    client.force_login(cast.trainer)

    # when
    html = client.get(work.work_url()).content.decode()

    # then: the text is shown, escaped...
    assert "&lt;script&gt;window.__pwned" in html
    # ...and no element from the data exists: no handler attribute, no script of theirs, no
    # javascript: link, no image pointing at "x"
    tags = _Tags(html).tags
    assert not [(tag, name) for tag, attrs in tags for name in attrs if name.startswith("on")]
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert all(a.get("src") or a.get("type") == "application/json" for a in scripts)
    hrefs = [attrs.get("href") or "" for tag, attrs in tags if tag == "a"]
    assert not [href for href in hrefs if href.strip().lower().startswith("javascript:")]
    assert not [attrs for tag, attrs in tags if tag == "img"]
    # the JSON config cannot close its <script> element early
    config_text = html.split('id="workspace-config"', 1)[1]
    assert "</script><script>" not in config_text.split("</script>", 1)[0]
    assert _config(html)["definition"]["title"] == HOSTILE["breakout"]


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("trainer", 200),
        ("setter", 403),
        ("qa_lead", 403),
        ("admin", 403),
        ("staff", 403),
        ("outsider", 404),
    ],
)
def test_only_trainers_of_the_project_open_the_workspace(client, cast, person, status):
    assert person in ALL_PEOPLE
    work = setup_gallery(cast, "multiple_choice")
    client.force_login(cast.by_role(person))

    response = client.get(work.work_url())

    assert response.status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, cast):
    work = setup_gallery(cast, "multiple_choice")

    response = client.get(work.work_url())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_answered_task_redirects_to_the_submission(client, cast):
    # given
    work = setup_gallery(cast, "multiple_choice")
    submission, _ = submit(task=work.task, author=cast.trainer, answer={"answer": "B"})
    client.force_login(cast.trainer)

    # when
    response = client.get(work.work_url())

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("submission-detail", args=[submission.pk])


def test_a_saved_draft_is_handed_to_the_page(client, cast):
    work = setup_gallery(cast, "pairwise")
    draft_save(
        task=work.task,
        author=cast.trainer,
        answer={"reason": "Half written"},
        telemetry={"active_seconds": 12, "fields": {"reason": {"typed": 12, "pasted": 0}}},
    )
    client.force_login(cast.trainer)

    config = _config(client.get(work.work_url()).content.decode())

    assert config["restoredDraft"] is True
    assert config["initial"]["answer"] == {"reason": "Half written"}
    assert config["initial"]["telemetry"]["fields"]["reason"]["typed"] == 12


def test_another_trainers_draft_is_not_handed_to_the_page(client, cast):
    from tests.factories import MembershipFactory

    work = setup_gallery(cast, "pairwise")
    other = MembershipFactory(project=cast.project, role="trainer").user
    draft_save(task=work.task, author=other, answer={"reason": "Someone else's words"})
    client.force_login(cast.trainer)

    html = client.get(work.work_url()).content.decode()

    assert "Someone else" not in html
    assert _config(html)["initial"]["answer"] == {}
    assert Draft.objects.count() == 1


def test_the_revise_page_patches_the_submission(client, cast):
    work = setup_gallery(cast, "multiple_choice")
    submission, _ = submit(task=work.task, author=cast.trainer, answer={"answer": "B"})
    client.force_login(cast.trainer)

    response = client.get(reverse("submission-revise", args=[submission.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    config = _config(html)
    assert config["submitMethod"] == "PATCH"
    assert config["submitUrl"] == reverse("api-submission-detail", args=[submission.pk])
    assert config["initial"]["answer"] == {"answer": "B"}
    assert "Save revision" in html


@pytest.mark.parametrize("key", GALLERY_KEYS)
def test_partials_render_without_workspace_context(key):
    """The editor preview and review pages include the partials with only these variables."""
    starter = gallery_template(key)
    context = {
        "blocks": display_view(starter.definition, starter.sample_task),
        "questions": questions_view(starter.definition, starter.sample_task),
        "definition": starter.definition,
        "preview": True,
    }

    blocks = render_to_string("tasks/_display_blocks.html", context)
    questions = render_to_string("tasks/_questions.html", context)

    assert blocks.count('class="block block--') == len(starter.definition["display"])
    assert questions.count('<div class="question question-') == len(starter.definition["questions"])
    assert 'id="preview-definition"' in questions


@pytest.mark.parametrize(
    ("scale", "keys"),
    [
        ({"min": 1, "max": 5}, ["1", "2", "3", "4", "5"]),
        ({"min": 0, "max": 10}, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ""]),
        ({"min": 1, "max": 10}, ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]),
        ({"min": -3, "max": 3}, ["1", "2", "3", "4", "5", "6", "7"]),
    ],
)
def test_rating_points_are_keyed_by_value_where_the_values_are_digits(scale, keys):
    question = {"id": "r", "type": "rating", "prompt": "Rate", "scale": scale}
    definition = {"schema_version": 1, "display": [], "questions": [question]}

    (view,) = questions_view(definition, {})

    assert [point["key"] for point in view["points"]] == keys
    assert [point["value"] for point in view["points"]] == list(
        range(scale["min"], scale["max"] + 1)
    )


def test_tool_results_are_shown_as_text_and_json_is_pretty_printed():
    definition = {
        "schema_version": 1,
        "display": [{"type": "conversation", "field": "c"}],
        "questions": [{"id": "q", "type": "text", "prompt": "?"}],
    }
    deep = "[" * 5000 + "]" * 5000
    data = {
        "c": [
            {"role": "tool", "content": '{"a": [1, 2]}'},
            {"role": "tool", "content": "plain <b>words</b>"},
            {"role": "tool", "content": deep},
        ]
    }

    (block,) = display_view(definition, data)

    texts = [message["text"] for message in block["messages"]]
    assert texts == ['{\n  "a": [\n    1,\n    2\n  ]\n}', "plain <b>words</b>", deep]


SHORTCUT_ROWS = {
    "numbers": "Pick the numbered choice",
    "letters": "Pick the choice with that letter",
    "pairwise": "Pairwise: A better, B better, tie",
    "questions": "Next / previous question",
    "audio": "Play or pause the clip",
    "regions": "Set region start (A) / end (B) at the playhead",
    "boxes": "Draw on the image",
}


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("multiple_choice", {"letters"}),
        ("pairwise", {"numbers", "pairwise", "questions"}),
        ("cantonese_tts", {"numbers", "questions", "audio", "regions"}),
        ("product_image", {"numbers", "questions", "boxes"}),
        ("rubric_long_answer", {"questions"}),
    ],
)
def test_the_shortcut_help_lists_only_the_keys_of_this_template(client, cast, key, shown):
    work = setup_gallery(cast, key)
    client.force_login(cast.trainer)
    html = client.get(work.work_url()).content.decode()
    listed = {group for group, text in SHORTCUT_ROWS.items() if text in html}
    assert listed == shown
    assert "Submit (<kbd>Ctrl</kbd>+<kbd>Enter</kbd> inside a text box)" in html
