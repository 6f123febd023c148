"""The catalogue, settings validation and the run_check entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from quality.checks import CATALOGUE, CheckInput, ConfigError, Finding, run_check, validate_config
from tests.quality.conftest import LONG_ANSWER, PAIRWISE

EXPECTED = {
    "schema_rules",
    "citation_policy",
    "near_duplicate",
    "ai_similarity",
    "telemetry",
    "gold",
    "straight_lining",
    "agreement_outlier",
}


def test_catalogue_lists_every_check_once():
    assert set(CATALOGUE) == EXPECTED
    for name, spec in CATALOGUE.items():
        assert spec.name == name
        assert spec.title


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_defaults_are_valid_settings(name):
    spec = CATALOGUE[name]
    assert validate_config(name, dict(spec.config_defaults)) == {}
    assert validate_config(name, {}) == {}
    assert validate_config(name, None) == {}
    json.dumps(dict(spec.config_defaults))


def test_unknown_check_name_is_refused_under_name():
    errors = validate_config("plagiarism", {})
    assert list(errors) == ["name"]
    assert "Unknown check" in errors["name"][0]


def test_unknown_setting_is_refused_with_a_suggestion():
    errors = validate_config("near_duplicate", {"warn_similarty": 0.6})
    assert errors == {
        "warn_similarty": ['Unknown setting "warn_similarty". Did you mean "warn_similarity"?']
    }


def test_settings_must_be_an_object():
    assert validate_config("gold", ["rating_tolerance"]) == {
        "": ["Settings must be a JSON object."]
    }


@pytest.mark.parametrize(
    ("name", "values", "field"),
    [
        ("near_duplicate", {"warn_similarity": 1.5}, "warn_similarity"),
        ("near_duplicate", {"warn_similarity": 0.1}, "warn_similarity"),
        ("near_duplicate", {"min_words": 0}, "min_words"),
        ("near_duplicate", {"min_words": 2.5}, "min_words"),
        ("ai_similarity", {"tfidf_threshold": 0}, "tfidf_threshold"),
        ("ai_similarity", {"overlap_threshold": "high"}, "overlap_threshold"),
        ("telemetry", {"seconds_per_word": -3}, "seconds_per_word"),
        ("telemetry", {"reading_characters_per_minute": 0}, "reading_characters_per_minute"),
        ("telemetry", {"max_pasted_share": 1.2}, "max_pasted_share"),
        ("telemetry", {"missing_telemetry": "fail"}, "missing_telemetry"),
        ("gold", {"rating_tolerance": True}, "rating_tolerance"),
        ("gold", {"rank_correlation": "pearson"}, "rank_correlation"),
        ("gold", {"min_rank_correlation": -2}, "min_rank_correlation"),
        ("straight_lining", {"max_identical_share": 0}, "max_identical_share"),
        ("agreement_outlier", {"majority_share": 0.5}, "majority_share"),
        ("citation_policy", {"max_claims_per_source": 0}, "max_claims_per_source"),
        ("citation_policy", {"scholarly_ids_allowed": "yes"}, "scholarly_ids_allowed"),
        ("citation_policy", {"allow_domains": ".gov"}, "allow_domains"),
    ],
)
def test_bad_values_are_reported_under_their_field(name, values, field):
    errors = validate_config(name, values)
    assert list(errors) == [field]
    assert errors[field][0].startswith("Must")


def test_cross_field_rules_name_the_field():
    errors = validate_config("near_duplicate", {"warn_similarity": 0.8, "fail_similarity": 0.6})
    assert errors == {"fail_similarity": ["Must be at least warn_similarity."]}
    errors = validate_config("straight_lining", {"window": 10, "min_items": 20})
    assert errors == {"min_items": ["Must not exceed window."]}


def test_malformed_domains_are_reported_per_entry():
    errors = validate_config(
        "citation_policy",
        {
            "allow_domains": [".gov", "gov.cn", "edu.cn", "gov.hk", "nature.com", "*.ac.uk"],
            "deny_domains": [
                "wikipedia.org",
                "https://zhihu.com",
                "not a domain",
                "intranet",
                "10.0.0.1",
                "bad..com",
                "-x.com",
                7,
            ],
        },
    )
    assert sorted(errors) == [
        "deny_domains[1]",
        "deny_domains[2]",
        "deny_domains[3]",
        "deny_domains[4]",
        "deny_domains[5]",
        "deny_domains[6]",
        "deny_domains[7]",
    ]
    assert "not a URL" in errors["deny_domains[1]"][0]
    assert "public suffix" in errors["deny_domains[3]"][0]
    assert "IP address" in errors["deny_domains[4]"][0]


def test_a_domain_both_allowed_and_denied_is_refused():
    errors = validate_config(
        "citation_policy", {"allow_domains": ["nature.com"], "deny_domains": [".nature.com"]}
    )
    assert errors == {"deny_domains": ["Also on the allow list: nature.com."]}


def test_run_check_refuses_unknown_checks_and_bad_settings():
    data = CheckInput(definition=PAIRWISE, answer={})
    with pytest.raises(ConfigError) as unknown:
        run_check("plagiarism", data)
    assert "name" in unknown.value.errors
    with pytest.raises(ConfigError) as bad:
        run_check("gold", data, {"rating_tolerance": -1})
    assert list(bad.value.errors) == ["rating_tolerance"]


def test_run_check_accepts_a_prebuilt_settings_object(long_answer):
    settings = CATALOGUE["schema_rules"].build_config({})
    findings = run_check(
        "schema_rules", CheckInput(definition=LONG_ANSWER, answer=long_answer), settings
    )
    assert [finding.status for finding in findings] == ["pass"]


def test_exceptions_inside_a_check_propagate(monkeypatch):
    def broken(data, config):
        raise RuntimeError("boom")

    spec = CATALOGUE["gold"]
    monkeypatch.setattr(type(spec), "run", property(lambda self: broken))
    with pytest.raises(RuntimeError, match="boom"):
        run_check("gold", CheckInput(definition=PAIRWISE, answer={}))


def test_findings_are_stored_as_a_code_and_params_and_are_json_serialisable():
    finding = Finding(
        "warn", "telemetry.pasted", "reason", {"score": 0.5, "items": [1, 2]}, {"percent": 80}
    )
    assert json.loads(json.dumps(finding.as_dict())) == {
        "status": "warn",
        "code": "telemetry.pasted",
        "params": {"percent": 80},
        "question_id": "reason",
        "evidence": {"score": 0.5, "items": [1, 2]},
    }
    assert finding.message.startswith("80% of this answer was pasted")


def test_checks_load_without_django_or_any_app_models():
    # A fresh interpreter: the checks are plain Python, usable without Django set up.
    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys, quality.checks; "
        "apps = ('accounts', 'tasks', 'rubrics', 'quality', 'reviews'); "
        "bad = [m for m in sys.modules if m.split('.')[0] == 'django' "
        "or (m.split('.')[0] in apps and m.endswith('models'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("package", "never"),
    [
        ("tasks", "reviews"),
        ("rubrics", "reviews"),
        ("tasks", "quality"),
        ("rubrics", "quality"),
        # The pipeline tells the review workflow of results through quality.hooks.
        ("quality", "reviews"),
    ],
)
def test_dependencies_run_one_way(package, never):
    root = Path(__file__).resolve().parents[2]
    for path in (root / package).rglob("*.py"):
        source = path.read_text()
        assert f"from {never}" not in source and f"import {never}" not in source, path
