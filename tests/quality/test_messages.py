"""Findings are stored as a code and params; their sentence is rendered when read."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from quality.checks import CATALOGUE, messages

CHECKS = Path(messages.__file__).parent


def _codes_used() -> set[str]:
    """Every literal in the checks that is shaped like a code of a catalogued check
    ("telemetry.pasted"), and every citation problem named through ``_problem``."""
    found = set()
    for path in CHECKS.glob("*.py"):
        if path.name == "messages.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"[a-z_]+\.[a-z_]+", node.value)
                and node.value.split(".")[0] in CATALOGUE
            ):
                found.add(node.value)
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "_problem"
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add("citation_policy." + node.args[0].value)
    return found


def test_every_code_a_check_stores_has_a_message():
    used = _codes_used()
    assert len(used) > 25  # the scan sees the checks
    assert used - set(messages.MESSAGES) == set()


def test_a_message_is_rendered_from_its_code_and_params():
    assert messages.render("telemetry.pasted", {"percent": 80}) == (
        "80% of this answer was pasted rather than typed. Write the answer here yourself."
    )
    assert messages.render("agreement_outlier.rating", {"distance": 2.5, "median": 4.0}) == (
        "Your rating is 2.5 points from the other trainers' typical rating (4). "
        "Check that you judged the same thing."
    )


def test_a_nested_message_and_a_list_are_rendered_in_place():
    problem = {"code": "citation_policy.denied", "params": {"domain": "wikipedia.org"}}
    assert messages.render(
        "citation_policy.source", {"item": 4, "identifier": "https://x", "problem": problem}
    ) == ("Source 4 (https://x): wikipedia.org is not an accepted source for this project.")
    assert messages.render("schema_rules.invalid_question", {"errors": ["One.", "Two."]}) == (
        "One. Two."
    )


@pytest.mark.parametrize(
    ("code", "params"),
    [("no.such.code", {}), ("telemetry.pasted", {}), ("telemetry.pasted", None)],
)
def test_an_unknown_code_or_missing_params_never_raise(code, params):
    assert messages.render(code, params) == code


def test_old_findings_show_their_stored_message():
    assert messages.message_of({"status": "fail", "message": "Too fast"}) == "Too fast"
    assert messages.message_of({"status": "fail"}) == ""
    shown = messages.presented({"status": "fail", "message": "Too fast", "evidence": {"a": 1}})
    assert shown == {
        "status": "fail",
        "code": None,
        "params": {},
        "message": "Too fast",
        "question_id": None,
        "evidence": {"a": 1},
    }
    assert "evidence" not in messages.presented({"status": "fail"}, evidence=False)


def test_rendering_goes_through_the_active_languages_catalog(monkeypatch):
    # The catalogs come with the Chinese interface; what matters here is that the stored
    # finding is translated when read, through gettext, not when it was written.
    seen = []

    def fake_gettext(template):
        seen.append(template)
        return "已粘贴 %(percent)s%%"

    monkeypatch.setattr("django.utils.translation.gettext", fake_gettext)
    with translation.override("zh-hans"):
        assert messages.render("telemetry.pasted", {"percent": 80}) == "已粘贴 80%"
    assert seen == [messages.MESSAGES["telemetry.pasted"]]


def test_the_template_filter_renders_new_and_old_findings():
    template = Template("{% load findings %}{% for f in fs %}[{{ f|finding_message }}]{% endfor %}")
    rendered = template.render(
        Context(
            {
                "fs": [
                    {"status": "fail", "code": "gold.mismatch", "params": {}},
                    {"status": "warn", "message": "Stored <b>text</b>"},
                ]
            }
        )
    )
    assert rendered == (
        "[This answer differs from the expected answer.][Stored &lt;b&gt;text&lt;/b&gt;]"
    )
