#!/usr/bin/env python
"""Near-duplicate index: memory per indexed text, and the cost of a query and an add.

Fills a ``NearDuplicateIndex`` with answer texts of the efficacy benchmark's lengths (90%
English real prose of 5-9 sentences, 10% Chinese answers from its topic grammar) and prints,
at each size (default 10,000 and 100,000 texts):

- bytes per indexed text, measured with tracemalloc (everything the index allocated and still
  holds, divided by the texts it holds, spare capacity included) and as the RSS growth of the
  process; signatures are computed before tracing starts, so only what the index keeps counts;
- the time of one query and one add in the index alone (signature given), median and p99 over
  a window of submissions at that size, and the LSH candidates a query verifies;
- once, the time to compute a text's signature (the same for any index layout).

Submission, trainer and task ids are decimal strings, as the project passes them (primary
keys); question ids are a few names. The script runs in process: no server or database.

    .venv/bin/python benchmarks/near_duplicate_memory.py
    .venv/bin/python benchmarks/near_duplicate_memory.py --sizes 10000 100000 --window 2000
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import quality_efficacy as corpus  # noqa: E402

from quality.checks import NearDuplicateIndex  # noqa: E402

SEED = 20250611
STYLE = {"aside_rate": 0.2, "typo_rate": 0.3}


def make_texts(count: int, seed: int) -> list[tuple[str, dict]]:
    """(text, ids) pairs: numeric submission, trainer and task ids, as the project has them."""
    rng = random.Random(seed)
    zh_topics = list(corpus.ZH_TOPICS.values())
    out = []
    for i in range(count):
        if rng.random() < 0.1:
            text = corpus.human_answer(rng.choice(zh_topics), "zh", rng, STYLE)
        else:
            text = corpus.prose_text(rng, rng.randint(5, 9))
        ids = {
            "submission_id": str(100_000 + i),
            "question_id": rng.choice(("answer", "answer", "answer", "reason")),
            "trainer_id": str(rng.randrange(1, 4000)),
            "task_id": str(1 + i // 3),
        }
        out.append((text, ids))
    return out


def rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()
    except OSError:  # not Linux: the peak, which only grows here
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def candidates(index: NearDuplicateIndex, signature) -> int:
    """LSH candidates a query verifies (diagnostics)."""
    if hasattr(index, "candidate_count"):
        return index.candidate_count(signature)
    return len(index._lsh.query(index._minhash(signature)))  # the datasketch MinHashLSH index


def measure_memory(items, signatures, sizes: list[int]) -> None:
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    index = NearDuplicateIndex()
    added = 0
    for size in sizes:
        while added < size:
            _text, ids = items[added]
            index.add("", signature=signatures[added], **ids)
            added += 1
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - base
        print(
            f"  tracemalloc at {size:>7,} texts: {held / 2**20:8.1f} MB held, "
            f"{held / len(index):7.0f} bytes per indexed text"
        )
    tracemalloc.stop()


def measure_speed(items, signatures, sizes: list[int], window: int) -> None:
    gc.collect()
    rss_before = rss_bytes()
    index = NearDuplicateIndex()
    added = 0
    for size in sizes:
        while added < size - window:
            _text, ids = items[added]
            index.add("", signature=signatures[added], **ids)
            added += 1
        queries, adds, found = [], [], 0
        for _ in range(window):
            _text, ids = items[added]
            signature = signatures[added]
            t0 = time.perf_counter()
            matches = index.query(signature=signature, min_similarity=0.5)
            t1 = time.perf_counter()
            index.add("", signature=signature, **ids)
            t2 = time.perf_counter()
            queries.append((t1 - t0) * 1e6)
            adds.append((t2 - t1) * 1e6)
            found += bool(matches)
            added += 1
        probe = signatures[size - window : size - window + 200]
        mean_candidates = sum(candidates(index, s) for s in probe) / len(probe)
        gc.collect()
        grown = rss_bytes() - rss_before
        print(
            f"  at {size:>7,} texts: query {statistics.median(queries):6.1f} us "
            f"(p99 {_p99(queries):6.1f}), add {statistics.median(adds):6.1f} us "
            f"(p99 {_p99(adds):6.1f}); {mean_candidates:.1f} candidates per query; "
            f"{found} of {window} matched >= 0.5; RSS +{grown / 2**20:,.0f} MB = "
            f"{grown / len(index):,.0f} bytes per text"
        )


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--window", type=int, default=1000, help="submissions timed per size")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    sizes = sorted(set(args.sizes))
    window = min(args.window, sizes[0])

    items = make_texts(sizes[-1], args.seed)
    chars = sum(len(text) for text, _ in items[:2000]) / min(2000, len(items))
    scratch = NearDuplicateIndex()
    t0 = time.perf_counter()
    signatures = [scratch.signature(text) for text, _ in items]
    per_signature = (time.perf_counter() - t0) / len(items) * 1000
    del scratch
    print(
        f"Near-duplicate index, {sizes[-1]:,} texts of ~{chars:,.0f} characters "
        f"(signature: {per_signature:.3f} ms per text, any index layout)"
    )
    # Speed and RSS first: memory the traced index frees would be reused by a later index.
    print(f"Speed, index alone (window of {window:,} query + add per size), and RSS growth:")
    measure_speed(items, signatures, sizes, window)
    print("Memory (tracemalloc; signatures computed beforehand):")
    measure_memory(items, signatures, sizes)


if __name__ == "__main__":
    main()
