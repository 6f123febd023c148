"""ai_similarity: a text answer is too close to an AI model's reference answer for the task.

Two measures, because they miss different things. Character n-gram TF-IDF cosine catches
copied wording even through small edits and in any script; the overlap of content terms
(word stems, or character pairs in Chinese) ignores word order and inflection, so it still
sees a reference whose sentences were reordered or reworded lightly. Either measure above its
threshold is a warning; both together are a failure. The evidence names the model, both
scores and the passages the answer shares with the reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from quality.checks import similarity
from quality.checks.answers import prose, word_count
from quality.checks.configuration import setting
from quality.checks.findings import CheckInput, Finding, failed, not_applicable, passed, warned
from quality.checks.messages import _  # marks the settings' words for the catalogs


@dataclass(frozen=True, slots=True)
class AiSimilarityConfig:
    tfidf_threshold: float = setting(
        0.5,
        above=0.0,
        maximum=1.0,
        help=_(
            "TF-IDF cosine over character n-grams (3-5 characters; 2-3 for Chinese and other "
            "scripts without spaces) from which an answer resembles a reference."
        ),
        label=_("Wording similarity to an AI answer"),
        unit=_("TF-IDF cosine, 0 to 1"),
    )
    overlap_threshold: float = setting(
        0.7,
        above=0.0,
        maximum=1.0,
        help=_(
            "Share of the answer's content terms found in a reference from which it "
            "resembles that reference."
        ),
        label=_("Vocabulary shared with an AI answer"),
        unit=_("share, 0 to 1"),
    )
    min_words: int = setting(
        25,
        minimum=1,
        maximum=100_000,
        help=_(
            "Shorter answers are not compared; every CJK (or Thai, ...) character counts as a word."
        ),
        label=_("Shortest answer compared"),
        unit=_("words (Chinese: characters)"),
    )


def run(data: CheckInput, config: AiSimilarityConfig) -> list[Finding]:
    """Per text question: the most similar reference, flagged when it is too similar."""
    given = data.ai_references if isinstance(data.ai_references, Mapping) else {}
    references = {
        str(model): text for model, text in given.items() if isinstance(text, str) and text.strip()
    }
    if not references:
        return [not_applicable("ai_similarity.no_reference")]
    findings: list[Finding] = []
    models = list(references)
    for item in prose(data.definition, data.answer):
        if item.question_type != "text":
            continue
        if word_count(item.text) < config.min_words:
            findings.append(
                not_applicable(
                    "ai_similarity.too_short", item.question_id, params={"words": config.min_words}
                )
            )
            continue
        cosines = similarity.tfidf_cosines(item.text, [references[model] for model in models])
        terms = similarity.content_terms(item.text)
        scores = []
        for model, cosine in zip(models, cosines, strict=True):
            overlap = similarity.containment(terms, similarity.content_terms(references[model]))
            hits = (cosine >= config.tfidf_threshold) + (overlap >= config.overlap_threshold)
            scores.append(
                (
                    hits,
                    max(cosine / config.tfidf_threshold, overlap / config.overlap_threshold),
                    model,
                    cosine,
                    overlap,
                )
            )
        hits, _, model, cosine, overlap = max(scores)
        evidence = {
            "model": model,
            "tfidf_cosine": round(cosine, 3),
            "term_overlap": round(overlap, 3),
            "truncated": similarity.capped(item.text)[1],
        }
        if not hits:
            findings.append(passed("ai_similarity.none", item.question_id, **evidence))
            continue
        passages, shared = similarity.shared_passages(item.text, references[model])
        evidence.update(passages=passages, shared_share=round(shared, 3))
        make = failed if hits == 2 else warned
        findings.append(
            make(
                "ai_similarity.similar",
                item.question_id,
                params={"wording": round(cosine * 100), "vocabulary": round(overlap * 100)},
                **evidence,
            )
        )
    return findings or [not_applicable("ai_similarity.no_text")]
