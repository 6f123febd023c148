#!/usr/bin/env python
"""Quality-check throughput: submissions per second through every check, in process.

Part 1 runs N submissions (default 100,000) through all eight checks of the catalogue with
one growing near-duplicate index, as a project's check worker would. The mix: 70% pairwise
comparisons from the shared pairwise workload (../shared/bench/pairwise_workload.py: two
~500-character responses, which double as AI reference answers, and an ~80-character
reason), 20% long answers in the rubric story's shape (~2,000 characters, 20 sources, 20
rubric criteria, three ~1,000-character AI references; 10% of them Chinese), 10% TTS ratings
and gold tasks. Only check time (and filing texts in the index) is timed, not generation.

Part 2 measures the near-duplicate index alone: the cost of one query plus one add when the
index holds 10,000 and 100,000 texts, its memory, and its persistence to and from bytes
(benchmarks/near_duplicate_memory.py measures the index's memory more closely).

English texts are built from real prose (sentences of the standard library's docstrings),
so texts are as unlike each other as a real project's answers to many different tasks; the
efficacy benchmark's topic grammar is deliberately narrow and would make every text a
near-neighbour of thousands of others (see --narrow).

    .venv/bin/python benchmarks/quality_throughput.py               # 100,000 submissions
    .venv/bin/python benchmarks/quality_throughput.py --n 10000 --index-size 20000
    .venv/bin/python benchmarks/quality_throughput.py --n 20000 --skip-part-two \
        --long-words 600 --long-criteria 25      # the issue's long answer: 4.2 ms of checks
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import quality_efficacy as corpus  # noqa: E402
from _workload import PAIRWISE_TEMPLATE, answer_from, load_workload  # noqa: E402
from quality_efficacy import CONFIG, LONG, World, make_gold, make_tts  # noqa: E402

from quality.checks import (  # noqa: E402
    CATALOGUE,
    CheckInput,
    NearDuplicateIndex,
    index_submission,
)
from tasks.answer_validation import parse_identifier  # noqa: E402

SEED = 20240601


def long_tasks(rng: random.Random, count: int) -> list[dict]:
    """Tasks with three AI references each: English in real prose, a tenth in Chinese."""
    tasks = []
    for i in range(count):
        if rng.random() < 0.1:
            topic = rng.choice(list(corpus.ZH_TOPICS.values()))
            refs = {m: corpus.ai_answer(topic, "zh", rng)[:1000] for m in ("gpt", "claude", "qwen")}
            tasks.append({"id": f"L{i:05d}", "language": "zh", "topic": topic, "refs": refs})
        else:
            refs = {m: corpus.prose_text(rng, 6)[:1000] for m in ("gpt", "claude", "gemini")}
            tasks.append({"id": f"L{i:05d}", "language": "en", "topic": None, "refs": refs})
    return tasks


# The long answer's size: the rubric story's by default (~350 words, 20 sources and 20
# criteria); --long-words / --long-criteria for the 600 words with 20+ criteria.
LONG_SIZE = {"words": 350, "criteria": 20}


def long_submission(world: World, tasks: list[dict], i: int) -> CheckInput:
    """A long answer of ``LONG_SIZE``: words of prose (a Chinese answer grows with it),
    as many sources as criteria (at least 20), each criterion citing one."""
    rng = world.rng
    task = rng.choice(tasks)
    language = task["language"]
    trainer = rng.choice([t for t in world.trainers if language in t["languages"]])
    scale = LONG_SIZE["words"] / 350
    criteria = LONG_SIZE["criteria"]
    if language == "zh":
        text = "".join(
            corpus.human_answer(task["topic"], "zh", rng, trainer["style"])
            for _ in range(max(1, round(3 * scale)))
        )
    else:
        text = corpus.prose_text(rng, rng.randint(round(14 * scale), round(20 * scale)))
    citations, seen = [], set()
    while len(citations) < max(20, criteria):
        identifier = corpus.clean_identifier(rng)
        key = parse_identifier(identifier).canonical  # doi:x and x are the same source
        if key in seen:
            continue
        seen.add(key)
        citations.append(
            {
                "identifier": identifier,
                "title": f"Source {len(citations) + 1}",
                "why": corpus.expand(
                    "{Relevant|Central} {evidence|study} on {the|this} question.", rng
                ),
                "support": corpus.expand("{Supports|Backs} the {main|second} point.", rng),
            }
        )
    bank = corpus.ZH_CRITERIA if language == "zh" else corpus.EN_CRITERIA
    rubric: list[dict] = []
    for n in range(criteria):
        criterion, rationale = rng.choice(bank)
        rubric.append(
            {
                "criterion": corpus.expand(criterion, rng),
                "points": rng.choice([2, 3, 5, -3]),
                "citation": citations[n]["identifier"],
                "rationale": corpus.expand(rationale, rng),
            }
        )
    chars = len(text) + criteria * 120
    return CheckInput(
        definition=LONG,
        answer={"answer": text, "citations": citations, "rubric": rubric},
        task_data={"prompt": f"Question of task {task['id']}"},
        telemetry={
            "active_seconds": chars / 100 * 40 + 300,
            "fields": {"answer": {"typed": len(text) + 50, "pasted": 20}},
        },
        submission_id=f"S{i:07d}",
        trainer_id=trainer["id"],
        task_id=task["id"],
        ai_references={model: reference[:1000] for model, reference in task["refs"].items()},
    )


def pairwise_submission(workload, world: World, i: int) -> CheckInput:
    task = workload.gen_task(SEED, i)
    rng = random.Random(f"{SEED}:{i}:annotation")
    annotation = workload.gen_annotation(rng)
    trainer = world.trainers[i % len(world.trainers)]
    return CheckInput(
        definition=PAIRWISE_TEMPLATE,
        answer=answer_from(annotation),
        task_data=task,
        telemetry={
            "active_seconds": annotation["lead_time"],
            "fields": {"reason": {"typed": len(annotation["reason"]), "pasted": 0}},
        },
        submission_id=f"S{i:07d}",
        trainer_id=trainer["id"],
        task_id=task["uid"],
        ai_references={"model_a": task["response_a"], "model_b": task["response_b"]},
        recent_ratings=world.recent_ratings(trainer, False),
        other_answers=[answer_from(workload.gen_annotation(rng)) for _ in range(3)],
    )


def rss_mb() -> float:
    """Current resident memory (Linux), else the peak."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def part_one(n: int) -> None:
    workload = load_workload()
    world = World(random.Random(SEED), 4000)
    tasks = long_tasks(random.Random(SEED), max(100, n // 20))
    configs = {name: spec.build_config(CONFIG.get(name)) for name, spec in CATALOGUE.items()}
    index = NearDuplicateIndex()
    seconds = Counter()
    per_kind = Counter()
    kind_seconds = Counter()
    statuses = Counter()
    rng = random.Random(SEED)
    wall = time.perf_counter()
    for i in range(n):
        pick = rng.random()
        if pick < 0.7:
            kind, data = "pairwise", pairwise_submission(workload, world, i)
        elif pick < 0.9:
            kind, data = "long", long_submission(world, tasks, i)
        elif pick < 0.95:
            kind, data = "tts", make_tts(world, i, None)[0]
        else:
            kind, data = "gold", make_gold(world, i, None)[0]
        data = dataclasses.replace(data, near_duplicates=index)
        started = time.perf_counter()
        for name, spec in CATALOGUE.items():
            t0 = time.perf_counter()
            findings = spec.run(data, configs[name])
            seconds[name] += time.perf_counter() - t0
            statuses.update(f.status for f in findings)
        t0 = time.perf_counter()
        index_submission(index, data, configs["near_duplicate"])
        seconds["(index add)"] += time.perf_counter() - t0
        kind_seconds[kind] += time.perf_counter() - started
        per_kind[kind] += 1
        if (i + 1) % 20000 == 0:
            total = sum(seconds.values())
            print(f"  {i + 1:>7} submissions, {(i + 1) / total:,.0f}/s so far", flush=True)
    wall = time.perf_counter() - wall
    total = sum(seconds.values())
    print(f"\nPart 1: {n:,} submissions through all {len(CATALOGUE)} checks")
    print(
        f"  check time {total:.1f}s -> {n / total:,.0f} submissions/s "
        f"(wall incl. data generation {wall:.1f}s -> {n / wall:,.0f}/s)"
    )
    print(
        "  by kind: "
        + ", ".join(
            f"{kind} {per_kind[kind]:,} at {per_kind[kind] / kind_seconds[kind]:,.0f}/s "
            f"({kind_seconds[kind] / per_kind[kind] * 1000:.2f} ms)"
            for kind in ("pairwise", "long", "tts", "gold")
        )
    )
    print(
        "  ms per submission by check: "
        + ", ".join(f"{name} {value / n * 1000:.3f}" for name, value in seconds.items())
    )
    print(
        f"  findings: {dict(statuses)}; near-duplicate index: {len(index):,} texts; "
        f"RSS {rss_mb():,.0f} MB"
    )


def part_two(size: int, window: int, *, narrow: bool = False) -> None:
    rng = random.Random(SEED + 1)
    topics = [("en", t) for t in corpus.EN_TOPICS.values()] + [
        ("zh", t) for t in corpus.ZH_TOPICS.values()
    ]
    style = {"aside_rate": 0.2, "typo_rate": 0.3}

    def text() -> str:
        if narrow:
            language, topic = rng.choice(topics)
            return corpus.human_answer(topic, language, rng, style)
        return corpus.prose_text(rng, rng.randint(4, 10))

    index = NearDuplicateIndex()
    marks = sorted({10_000, size} if size >= 10_000 else {size})
    corpus_name = "narrow topic grammar" if narrow else "real prose"
    print(
        f"\nPart 2: near-duplicate index, one query + one add per submission "
        f"({corpus_name}, ~{sum(len(text()) for _ in range(200)) // 200} characters per text)"
    )
    rss_at = {}
    fill_started = time.perf_counter()
    added = 0
    for mark in marks:
        while added < mark - window:
            index.add(text(), submission_id=f"s{added}", question_id="answer")
            added += 1
        batch = [text() for _ in range(window)]
        flagged, candidates, slices = 0, 0, []
        step = max(1, window // 5)
        for start in range(0, window, step):
            t0 = time.perf_counter()
            for item in batch[start : start + step]:
                flagged += bool(index.query(item, min_similarity=0.5))
                index.add(item, submission_id=f"s{added}", question_id="answer")
                added += 1
            slices.append((time.perf_counter() - t0) / len(batch[start : start + step]) * 1000)
        for item in batch[:100]:  # diagnostics: how many LSH candidates a query verifies
            candidates += index.candidate_count(index.signature(item))
        print(
            f"  at {mark:>7,} texts: {statistics.median(slices):.3f} ms per submission "
            f"(query + add; median of {len(slices)} slices, range {min(slices):.3f}-"
            f"{max(slices):.3f}); {candidates / min(100, window):.1f} LSH candidates per query; "
            f"{flagged} of {window} matched >= 0.5; RSS {rss_mb():,.0f} MB"
        )
        rss_at[mark] = rss_mb()
    if len(rss_at) == 2:
        (low, low_rss), (high, high_rss) = sorted(rss_at.items())
        print(
            f"  memory: +{high_rss - low_rss:,.0f} MB from {low:,} to {high:,} texts, "
            f"~{(high_rss - low_rss) * 1024 / (high - low):.1f} KB per indexed text"
        )
    filled = time.perf_counter() - fill_started
    print(f"  filling to {added:,} took {filled:.1f}s (incl. text generation)")
    t0 = time.perf_counter()
    data = index.to_bytes()
    saved = time.perf_counter() - t0
    t0 = time.perf_counter()
    restored = NearDuplicateIndex.from_bytes(data)
    loaded = time.perf_counter() - t0
    probe = text()
    same = index.query(probe, min_similarity=0.3) == restored.query(probe, min_similarity=0.3)
    print(
        f"  to_bytes {len(data) / 1e6:.1f} MB in {saved:.2f}s; from_bytes {loaded:.1f}s; "
        f"restored index answers the same: {same}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000, help="submissions for part 1")
    parser.add_argument("--index-size", type=int, default=100_000, help="texts for part 2")
    parser.add_argument("--window", type=int, default=1000, help="submissions timed per size")
    parser.add_argument(
        "--narrow",
        action="store_true",
        help="part 2 on the efficacy benchmark's narrow topic grammar instead (worst case: "
        "every text is 0.2-0.4 similar to all others on its topic)",
    )
    parser.add_argument("--skip-part-one", action="store_true")
    parser.add_argument("--skip-part-two", action="store_true")
    parser.add_argument("--long-words", type=int, default=350, help="words of a long answer")
    parser.add_argument("--long-criteria", type=int, default=20, help="its rubric criteria")
    args = parser.parse_args()
    LONG_SIZE.update(words=args.long_words, criteria=args.long_criteria)
    if not args.skip_part_one:
        part_one(args.n)
    if not args.skip_part_two:
        part_two(args.index_size, args.window, narrow=args.narrow)


if __name__ == "__main__":
    main()
