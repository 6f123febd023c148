"""What a finding says, kept apart from what it found.

A check stores a finding as a ``code`` and its ``params`` (plain JSON values); the sentence a
person reads is rendered from them when the finding is shown, in the reader's language. So a
wording can improve and the Chinese interface can translate findings stored long ago, with
no data migration. Findings stored before codes existed carry only a ``message``: it is
shown as it was written.

Templates use ``%(name)s`` placeholders (the form gettext's catalogs check). A parameter
that is itself a message (a mapping with a ``code``) is rendered first, so one sentence can
embed another (a citation's problem inside "Source 3 (...): ..."); a list parameter is
joined with spaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _(template: str) -> str:
    """Marks a template for the message catalogs (``makemessages`` collects ``_()``);
    it is translated when rendered, not here."""
    return template


def _translate(template: str) -> str:
    # Imported here so the checks stay plain Python, usable without Django set up (the
    # efficacy benchmark runs them so): there, and whenever translation is unavailable,
    # a message reads in English.
    try:
        from django.utils.translation import gettext

        return gettext(template)
    except Exception:
        return template


MESSAGES: Mapping[str, str] = {
    # --- the pipeline itself
    "check_error": _("This check could not run; a reviewer will look instead."),
    "nothing_to_check": _("Nothing in this submission is for this check to judge."),
    # --- schema_rules
    "schema_rules.ok": _("The answer fits its template."),
    "schema_rules.invalid_template": _(
        "The template version this answer belongs to is itself invalid, so the answer "
        "cannot be checked against it."
    ),
    "schema_rules.invalid_answer": _("The answer does not fit its template: %(errors)s"),
    "schema_rules.invalid_question": _("%(errors)s"),
    # --- citation_policy
    "citation_policy.ok": _("All %(count)s sources are well formed and allowed."),
    "citation_policy.source": _("Source %(item)s (%(identifier)s): %(problem)s"),
    "citation_policy.nothing_cited": _("No sources or cited rubric criteria to check."),
    "citation_policy.spread_ok": _("No source is stretched over unrelated criteria."),
    "citation_policy.overused_source": _(
        "One source (%(source)s) backs %(claims)s unrelated criteria out of %(criteria)s; "
        "cite the source that supports each claim."
    ),
    "citation_policy.isbn_checksum": _("the ISBN's check digit is wrong; it is probably mistyped."),
    "citation_policy.isbn_not_allowed": _(
        "ISBNs are not accepted by this project's source policy."
    ),
    "citation_policy.arxiv_malformed": _("no such arXiv id: %(detail)s."),
    "citation_policy.doi_malformed": _("this is not a well-formed DOI (expected 10.NNNN/suffix)."),
    "citation_policy.arxiv_unparsable": _(
        "this is not a well-formed arXiv id (expected e.g. 2101.00001 or hep-th/9901001)."
    ),
    "citation_policy.isbn_unparsable": _("this is not a well-formed ISBN (10 or 13 digits)."),
    "citation_policy.handle_malformed": _(
        "this is not a well-formed handle (expected prefix/suffix, e.g. 1721.1/12345)."
    ),
    "citation_policy.unparsable": _("this is not a URL, DOI, ISBN or arXiv id."),
    "citation_policy.no_host": _("the address has no valid host name."),
    "citation_policy.ip_address": _(
        "the link points at an IP address, not an institution's domain."
    ),
    "citation_policy.bad_domain": _('"%(host)s" is not a public domain name.'),
    "citation_policy.denied": _("%(domain)s is not an accepted source for this project."),
    "citation_policy.not_allowed": _(
        "%(domain)s is not on this project's list of accepted sources "
        "(papers, official documents, institutional sites)."
    ),
    # --- near_duplicate
    "near_duplicate.no_text": _("No free-text answer to compare."),
    "near_duplicate.too_short": _(
        "Shorter than %(words)s words: too short to compare with other answers."
    ),
    "near_duplicate.none": _("No near-duplicate found in this project."),
    "near_duplicate.own_answer": _(
        "This text is %(percent)s%% the same as another of your answers. "
        "Write each answer yourself, for this task."
    ),
    "near_duplicate.earlier_answer": _(
        "This text is %(percent)s%% the same as an earlier answer in this project. "
        "Write each answer yourself, for this task."
    ),
    # --- ai_similarity
    "ai_similarity.no_reference": _("The task has no AI reference answer to compare with."),
    "ai_similarity.no_text": _("No free-text answer to compare."),
    "ai_similarity.too_short": _(
        "Shorter than %(words)s words: too short to compare with the AI reference answers."
    ),
    "ai_similarity.none": _("No close resemblance to the AI reference answers."),
    "ai_similarity.similar": _(
        "This answer is very similar to an AI-generated answer to the same task "
        "(%(wording)s%% wording, %(vocabulary)s%% vocabulary). "
        "Answers must be written in your own words."
    ),
    # --- telemetry
    "telemetry.missing": _("No work telemetry was recorded for this submission."),
    "telemetry.ok": _("Time on task, typing and playback look normal."),
    "telemetry.too_fast_for_work": _(
        "Only %(seconds)s seconds of active work were recorded. Reading and listening to "
        "this task (about %(reading)s seconds) and writing this answer (about %(writing)s "
        "seconds) usually take about %(minutes)s minutes."
    ),
    "telemetry.not_recorded": _(
        "No work telemetry was recorded (imported work, for example): time, pasting and "
        "playback were not judged."
    ),
    "telemetry.time_not_recorded": _("No active time was recorded: time was not judged."),
    "telemetry.time_not_applicable": _(
        "This work is expected to take less than %(seconds)s seconds: too little to judge "
        "the time spent."
    ),
    "telemetry.paste_not_applicable": _(
        "Shorter than %(words)s words (or %(characters)s Chinese characters): too short to "
        "judge pasting."
    ),
    "telemetry.pasted": _(
        "%(percent)s%% of this answer was pasted rather than typed. Write the answer here yourself."
    ),
    "telemetry.not_played": _("The clip was rated without being played."),
    "telemetry.partly_played": _(
        "Only %(percent)s%% of the clip was played before it was rated; listen to the whole clip."
    ),
    "telemetry.not_played_through": _("The clip was rated without being played to the end."),
    # --- gold
    "gold.not_gold": _("Not a gold task."),
    "gold.not_scored": _("The gold answer names this question, but its type is not scored."),
    "gold.match": _("Matches the expected answer."),
    "gold.mismatch": _("This answer differs from the expected answer."),
    # --- straight_lining
    "straight_lining.run": _(
        "This rating is part of a run: %(count)s of %(items)s ratings in a row, this one "
        "included, were %(value)s. Judge each item on its own merits."
    ),
    "straight_lining.too_few": _(
        "%(items)s ratings so far; straight-lining is judged from %(min)s."
    ),
    "straight_lining.ok": _("Recent ratings vary as expected."),
    "straight_lining.same": _(
        "%(count)s of your last %(items)s ratings were %(value)s. "
        "Judge each item on its own merits."
    ),
    # --- agreement_outlier
    "agreement_outlier.differs_here_only": _(
        "Differs from the other trainers on this question, but agrees with them on the rest "
        "(%(outlying)s of %(judged)s questions differ)."
    ),
    "agreement_outlier.gold": _("Gold task: judged by the gold check instead."),
    "agreement_outlier.too_few": _(
        "Fewer than %(min)s other answers yet; judged again as they arrive."
    ),
    "agreement_outlier.ok": _("Consistent with the other trainers."),
    "agreement_outlier.rating": _(
        "Your rating is %(distance)s points from the other trainers' typical rating "
        "(%(median)s). Check that you judged the same thing."
    ),
    "agreement_outlier.choice": _(
        "You chose %(given)s; %(count)s of %(others)s other trainers chose %(majority)s "
        "and none chose as you did. Check the task again."
    ),
    "agreement_outlier.choice_alone": _(
        "You chose %(given)s; none of the %(others)s other trainers did, and your other "
        "answers stand apart from theirs too. Check the task again."
    ),
}


def render(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The sentence for ``code`` in the active language. An unknown code or a template
    whose parameters are missing renders as the code itself, never as an exception: a
    finding stored by a newer release must not break an older page."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    values = {key: _value(value) for key, value in (params or {}).items()}
    try:
        return _translate(template) % values
    except (KeyError, TypeError, ValueError):
        return code


def _value(value: Any) -> Any:
    if isinstance(value, Mapping) and isinstance(value.get("code"), str):
        return render(value["code"], value.get("params"))
    if isinstance(value, list | tuple):
        return " ".join(str(_value(item)) for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    return value


def message_of(finding: Mapping[str, Any]) -> str:
    """What a stored finding says: rendered from its code, or the message it was stored
    with (findings from before codes)."""
    code = finding.get("code")
    if isinstance(code, str):
        return render(code, finding.get("params"))
    message = finding.get("message")
    return message if isinstance(message, str) else ""


def presented(finding: Mapping[str, Any], *, evidence: bool = True) -> dict[str, Any]:
    """A stored finding as pages, the API and exports show it: its code and params, the
    message rendered in the active language and, when ``evidence``, the evidence."""
    shown = {
        "status": finding.get("status"),
        "code": finding.get("code"),
        "params": finding.get("params") or {},
        "message": message_of(finding),
        "question_id": finding.get("question_id"),
    }
    if evidence:
        shown["evidence"] = finding.get("evidence") or {}
    return shown
