# ruff: noqa: RUF001 - Chinese text uses full-width punctuation
"""Fixtures for the quality checks: templates and answers as plain dicts (no database), and
``worker_env`` for the tests that start real Celery workers."""

from __future__ import annotations

import pytest

LONG_ANSWER = {
    "schema_version": 1,
    "display": [{"type": "markdown", "field": "prompt"}],
    "questions": [
        {"id": "answer", "type": "text", "prompt": "Your answer"},
        {"id": "citations", "type": "citations", "prompt": "Sources", "min": 1, "max": 60},
        {
            "id": "rubric",
            "type": "rubric_items",
            "prompt": "Rubric",
            "min": 1,
            "max": 60,
            "citations_question": "citations",
        },
    ],
}
PAIRWISE = {
    "schema_version": 1,
    "display": [{"type": "responses", "fields": ["response_a", "response_b"]}],
    "questions": [
        {"id": "preference", "type": "pairwise", "prompt": "Which is better?"},
        {"id": "quality", "type": "rating", "prompt": "Quality", "scale": {"min": 1, "max": 5}},
        {"id": "reason", "type": "text", "prompt": "Why?", "required": False},
    ],
}
TTS = {
    "schema_version": 1,
    "display": [{"type": "audio", "field": "audio", "id": "clip"}],
    "questions": [
        {
            "id": "naturalness",
            "type": "rating",
            "prompt": "How natural does it sound?",
            "scale": {"min": 1, "max": 5},
            "require_full_playback": "clip",
        }
    ],
}
CHOICE = {
    "schema_version": 1,
    "display": [],
    "questions": [
        {
            "id": "answer",
            "type": "single_choice",
            "prompt": "Pick one",
            "options": [{"value": v, "label": v} for v in "ABC"],
        },
        {
            "id": "order",
            "type": "ranking",
            "prompt": "Rank",
            "required": False,
            "items": [{"value": v, "label": v} for v in "abcd"],
        },
        {
            "id": "tags",
            "type": "multi_choice",
            "prompt": "Tags",
            "required": False,
            "options": [{"value": v, "label": v} for v in "xyz"],
        },
    ],
}

ESSAY_EN = (
    "Benchmarks such as StereoSet and CrowS-Pairs only probe the stereotypes their authors "
    "wrote down, so a clean score says little about behaviour outside the benchmark. Audits "
    "found many items that do not test a stereotype at all. Likelihood probes also differ "
    "from how people meet a deployed model, and post-training changes behaviour in ways a "
    "base-model score never sees. A responsible evaluation starts from the harms at stake in "
    "the use case, reports results for intersecting groups and continues after release."
)
ESSAY_EN_OTHER = (
    "My grandmother kept bees for forty years and she never once wore gloves near the hives. "
    "She said the trick was to move slowly, breathe through your nose and never stand in front "
    "of the entrance on a hot afternoon. In autumn we helped her carry the heavy frames into "
    "the shed, where the kitchen smelled of wax and smoke for a week while the honey drained."
)
ESSAY_ZH = (
    "早期的数据标注工作主要是画框和整理语料，重复性很强，技术含量不高。如今在后训练阶段，训练师"
    "必须解释判断背后的理由，而不只是给出答案。评分标准要求每一条都引用论文并说明支持逻辑，粤语"
    "语音评测还依赖母语者长期积累的语感。随着模型越来越强，很多旧规则被取消，训练师也担心自己正"
    "在培养替代自己的系统。"
)
ESSAY_ZH_OTHER = (
    "周末我们全家去郊外爬山，山路两旁开满了杜鹃花。爷爷走得比我们都快，一边走一边给我们讲他年轻"
    "时在林场工作的故事。中午我们在山顶的凉亭里吃了妈妈做的饭团，下山时天空突然下起了小雨，大家"
    "笑着跑回了停车场。"
)


@pytest.fixture
def long_answer():
    return {
        "answer": ESSAY_EN,
        "citations": [
            {
                "identifier": "10.1126/science.aal4230",
                "title": "Caliskan et al. 2017",
                "why": "Word embeddings reproduce human biases.",
                "support": "Bias comes with the data.",
            },
            {
                "identifier": "https://www.nist.gov/itl/ai-risk-management-framework",
                "title": "NIST AI RMF",
                "why": "Risk management after release.",
                "support": "Evaluation continues after deployment.",
            },
            {
                "identifier": "arXiv:2110.08193",
                "title": "BBQ",
                "why": "A bias benchmark for question answering.",
                "support": "Behaviour in ambiguous contexts.",
            },
        ],
        "rubric": [
            {
                "criterion": "Explains why a benchmark score cannot prove the absence of bias.",
                "points": 5,
                "citation": "10.1126/science.aal4230",
                "rationale": "Separates measurement from the construct.",
            },
            {
                "criterion": "Says evaluation must continue after release.",
                "points": 3,
                "citation": "https://www.nist.gov/itl/ai-risk-management-framework",
                "rationale": "Usage and model versions change.",
            },
        ],
    }


# --- the review workflow: a project with a pinned rubric and published guidelines -----------


@pytest.fixture
def worker_env():
    """``start(**env)`` starts a real Celery worker on the test database; all are stopped
    at the end, and jobs run in-process again."""
    from annotation_platform.celery import app
    from tests.conftest import purge_queues, start_worker, stop_worker

    purge_queues()
    started = []

    def start(**env):
        process, _ = start_worker({k: str(v) for k, v in env.items()})
        started.append(process)
        return process

    yield start
    for process in started:
        stop_worker(process)
    app.conf.task_always_eager = True
