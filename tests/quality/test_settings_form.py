"""The check settings page: every setting of the catalogue as a labelled field with its
unit, saved through the same validation as the API, only what differs from the defaults
stored, and the questions a check applies to chosen from the template."""

from __future__ import annotations

import pytest
from django.urls import reverse

from quality.checks import CATALOGUE
from quality.checks.configuration import describe
from quality.models import CheckConfig
from tasks.services import template_save

pytestmark = pytest.mark.django_db

LISTENING = {
    "schema_version": 1,
    "display": [{"type": "audio", "field": "audio", "id": "clip"}],
    "questions": [
        {"id": "mos", "type": "rating", "prompt": "Naturalness", "scale": {"min": 1, "max": 5}},
        {
            "id": "accent",
            "type": "single_choice",
            "prompt": "Accent",
            "options": [{"value": v, "label": v} for v in ("hk", "gz", "other")],
        },
        {"id": "note", "type": "text", "prompt": "Anything off?", "required": False},
    ],
}


def _url(cast):
    return reverse("project-checks", args=[cast.project.pk])


def test_every_setting_has_a_label_and_numbers_have_a_unit():
    for spec in CATALOGUE.values():
        for setting in describe(spec.config_type):
            assert setting.label and setting.label[0].isupper(), setting
            assert "_" not in setting.label, setting
            if setting.kind in ("int", "number"):
                assert setting.unit, setting


def test_the_page_shows_names_units_and_help_not_json(client, cast):
    client.force_login(cast.setter)
    page = client.get(_url(cast)).content.decode()
    assert "Writing time per Chinese character" in page
    assert "Reading speed, English" in page and "words a minute" in page
    assert 'name="telemetry-seconds_per_character"' in page
    assert "Settings (JSON)" not in page


def test_a_setter_saves_one_setting_and_only_it_is_stored(client, cast):
    client.force_login(cast.setter)
    response = client.post(
        _url(cast),
        {
            "check": "telemetry",
            "telemetry-enabled": "on",
            "telemetry-on_fail": "flag",
            "telemetry-seconds_per_word": "1.8",  # the default: not stored
            "telemetry-reading_characters_per_minute": "300",
            "telemetry-missing_telemetry": "ignore",
        },
    )
    assert response.status_code == 302
    config = CheckConfig.objects.get(project=cast.project, check_name="telemetry")
    assert config.config == {"reading_characters_per_minute": 300.0}
    assert (config.enabled, config.on_fail) == (True, "flag")
    # the API reads what the page saved
    api = client.get(f"/api/v1/projects/{cast.project.pk}/checks/").json()
    telemetry = next(row for row in api if row["check"] == "telemetry")
    assert telemetry["config"]["reading_characters_per_minute"] == 300.0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("telemetry-min_time_share", "5", "at most 1"),
        ("telemetry-min_time_share", "lots", "Enter a number."),
        ("telemetry-min_words_for_paste", "2.5", "Enter a whole number."),
    ],
)
def test_a_bad_value_is_shown_at_its_field_and_nothing_is_saved(
    client, cast, field, value, message
):
    client.force_login(cast.setter)
    response = client.post(
        _url(cast),
        {
            "check": "telemetry",
            "telemetry-on_fail": "flag",
            "telemetry-missing_telemetry": "ignore",
            field: value,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    setting = field.split("-", 1)[1]
    block = page.split(f'data-setting="{setting}"', 1)[1].split('data-setting="', 1)[0]
    assert message in block
    assert not CheckConfig.objects.filter(check_name="telemetry").exists()


def test_lists_are_one_entry_per_line_and_bad_entries_are_named(client, cast):
    client.force_login(cast.setter)
    good = client.post(
        _url(cast),
        {
            "check": "citation_policy",
            "citation_policy-enabled": "on",
            "citation_policy-on_fail": "flag",
            "citation_policy-scholarly_ids_allowed": "on",
            "citation_policy-allow_domains": ".gov\n  edu.cn \n\nnature.com",
        },
    )
    assert good.status_code == 302
    stored = CheckConfig.objects.get(check_name="citation_policy").config
    assert stored == {"allow_domains": [".gov", "edu.cn", "nature.com"]}
    bad = client.post(
        _url(cast),
        {
            "check": "citation_policy",
            "citation_policy-on_fail": "flag",
            "citation_policy-allow_domains": "https://www.nature.com/articles",
        },
    )
    assert bad.status_code == 400
    assert "not a URL" in bad.content.decode()
    assert CheckConfig.objects.get(check_name="citation_policy").config == stored


def test_agreement_is_limited_to_the_questions_ticked(client, cast):
    template_save(project=cast.project, name="Listening", definition=LISTENING, by=cast.setter)
    client.force_login(cast.setter)
    page = client.get(_url(cast)).content.decode()
    agreement = page.split('data-check="agreement_outlier"', 1)[1].split("</section>", 1)[0]
    assert "Naturalness (mos)" in agreement and "Accent (accent)" in agreement
    assert "Anything off?" not in agreement  # free text is never compared
    response = client.post(
        _url(cast),
        {
            "check": "agreement_outlier",
            "agreement_outlier-enabled": "on",
            "agreement_outlier-on_fail": "flag",
            "agreement_outlier-questions": ["mos"],
        },
    )
    assert response.status_code == 302
    stored = CheckConfig.objects.get(check_name="agreement_outlier").config
    assert stored == {"questions": ["mos"]}


def test_qa_leads_read_the_settings_and_cannot_change_them(client, cast):
    client.force_login(cast.qa_lead)
    page = client.get(_url(cast)).content.decode()
    assert "Writing time per English word" in page and "<form" not in page.split("<main", 1)[1]
    # an empty list reads as empty (an empty deny list refuses nothing), no questions as all
    citations = page.split('data-check="citation_policy"', 1)[1].split("</section>", 1)[0]
    assert "<dt>Refused domains</dt><dd>empty</dd>" in citations
    agreement = page.split('data-check="agreement_outlier"', 1)[1].split("</section>", 1)[0]
    assert "<dt>Questions judged</dt><dd>all</dd>" in agreement
    response = client.post(_url(cast), {"check": "telemetry", "telemetry-on_fail": "return"})
    assert response.status_code == 403
    client.force_login(cast.trainer)
    assert client.get(_url(cast)).status_code == 403
    client.force_login(cast.outsider)
    assert client.get(_url(cast)).status_code == 404
